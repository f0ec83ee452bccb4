/** The `roadcam` command line's options and usage text, and its user-mistake error. */
import type { parseArgs } from 'node:util';

export const USAGE = `Usage:
  roadcam explain PHOTO... --model DIR [--method gradcam] [--class NAME|top] [--out DIR]
      Prints each photo's verdict and writes its heatmap overlay as PNG (default --out .).
      --top K instead of --class: one overlay per class of the K most probable
      (PHOTO.gradcam.top1-LABEL.png, PHOTO.gradcam.top2-LABEL.png, ...).
  roadcam filters --model DIR --layer NAME [--filters 0-15] [--steps N] --out FILE.png
      Writes a grid of activation-maximization images, one per filter.
      --init-scale X: noise of the start image (default 0.01); try 1 when tiles stay grey
      (a filter behind a ReLU that is zero on a grey image gets no gradient).

Model description, for a folder without manifest.json:
  --size WxH          input size, e.g. 224x224
  --channels 1|3      grey or RGB (default 3)
  --range=-1,1|0,1    the pixel range the model expects (default 0,1; write it with "=")
  --normalization NAME instead of --range: zero-one, minus-one-one, imagenet (mean and std,
                      PyTorch-style), caffe (BGR, ImageNet mean subtracted: Keras VGG16,
                      VGG19, ResNet50)
  --labels FILE       class names in output order: a JSON list, or one name a line
  --label-offset N    index of the first label in the outputs (1 when index 0 is "background")
Other options:
  --manifest FILE     use this manifest instead of DIR/manifest.json
  --backend wasm|cpu  (default wasm)
  --colormap turbo|jet|viridis, --alpha 0..1   overlay look (default turbo, 0.5)
`;

/** A user mistake: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

export const OPTIONS = {
  model: { type: 'string' },
  manifest: { type: 'string' },
  method: { type: 'string', default: 'gradcam' },
  class: { type: 'string', default: 'top' },
  top: { type: 'string' },
  out: { type: 'string' },
  layer: { type: 'string' },
  filters: { type: 'string', default: '0-15' },
  steps: { type: 'string' },
  'init-scale': { type: 'string' },
  size: { type: 'string' },
  channels: { type: 'string', default: '3' },
  range: { type: 'string', default: '0,1' },
  normalization: { type: 'string' },
  labels: { type: 'string' },
  'label-offset': { type: 'string', default: '0' },
  backend: { type: 'string', default: 'wasm' },
  colormap: { type: 'string', default: 'turbo' },
  alpha: { type: 'string', default: '0.5' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliValues = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];
