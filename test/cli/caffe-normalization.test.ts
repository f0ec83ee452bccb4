/**
 * A Caffe-style model (Keras' VGG16, ResNet50: BGR input, ImageNet's mean pixel subtracted)
 * described on the command line with --normalization caffe, read by the channel probe
 * (test/helpers/channel-probe-model.ts): a red photo is red first for an RGB model, red third
 * for a BGR one.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildChannelProbe, CHANNEL_PROBE_SIZE } from '../helpers/channel-probe-model';
import { roadcam } from '../helpers/run-roadcam';

const work = mkdtempSync(path.join(os.tmpdir(), 'roadcam-caffe-'));
let probe: Awaited<ReturnType<typeof buildChannelProbe>>;

function explainRed(...description: string[]) {
  return roadcam(
    'explain',
    probe.redPhoto,
    '--model',
    path.dirname(probe.modelFiles[0]),
    '--size',
    `${CHANNEL_PROBE_SIZE}x${CHANNEL_PROBE_SIZE}`,
    '--labels',
    probe.labels,
    ...description,
    '--out',
    work,
  );
}

describe('a Caffe-style (BGR, mean-subtracted) model on the command line', () => {
  beforeAll(async () => {
    probe = await buildChannelProbe(work);
  });

  it('reaches the model as BGR with --normalization caffe, as RGB with --range', async () => {
    const rgb = await explainRed('--range=0,1');
    expect(rgb.stderr).toBe('');
    expect(rgb.stdout).toMatch(/red\.png: first-channel 0\.99\d/);

    // Red (255, 0, 0) as Keras' caffe mode makes it: (0 - 103.939, 0 - 116.779, 255 - 123.68).
    const bgr = await explainRed('--normalization', 'caffe');
    expect(bgr.stderr).toBe('');
    expect(bgr.code).toBe(0);
    expect(bgr.stdout).toMatch(/red\.png: third-channel 1\.000/);
  });

  it('names the normalisations it knows for one it does not', async () => {
    const run = await explainRed('--normalization', 'bgr');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--normalization must be one of zero-one, minus-one-one, imagenet, caffe, not "bgr"/,
    );
  });
});
