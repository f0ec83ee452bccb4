/**
 * The one manifest builder from answers: a converted model has model.json and weights but no
 * RoadCAM manifest, so someone says what it expects (input size, channels, normalisation, labels)
 * — the lab's form or the command line's flags — and the manifest is made here, once the model
 * is built and can say how many outputs it has and where its last spatial layer is.
 */
import { parseManifest, type ModelManifest, type Normalization } from './manifest';
import { ModelLoadError } from './model-load-error';

/** What the lab's form or the command line's flags say about a model without a manifest. */
export interface ManifestAnswers {
  name: string;
  /** Default: made from the name. */
  id?: string;
  /** Default: '1'. */
  version?: string;
  width: number;
  height: number;
  channels: 1 | 3;
  normalization: Normalization;
  resize: 'stretch' | 'center-crop';
  /** Class names from a labels file; null: "class 0", "class 1", ... */
  labels: string[] | null;
  /** Index of the first label in the outputs; default: read from the number of outputs
   * (1 when there is one output more than labels, as TF-Hub classifiers have "background"). */
  labelOffset?: number;
  /** Graph models: the input node, when the model has several placeholders. */
  inputNode?: string;
  /** Graph models: the node whose output is the class scores. */
  outputNode?: string;
}

/** Who gave the answers: the messages name what to correct there. */
export type AnswersGiver = 'form' | 'flags';

const WORDING: Record<
  AnswersGiver,
  { source: string; says: string; size: string; labels: string }
> = {
  form: {
    source: 'the form',
    says: 'the form says',
    size: 'Correct the input size.',
    labels:
      'Choose the labels file that belongs to this model, or none (classes are then numbered).',
  },
  flags: {
    source: 'the command line',
    says: '--size and --channels say',
    size: 'Correct --size or --channels.',
    labels: 'Give the labels file that belongs to this model with --labels.',
  },
};

function answersProblem(message: string, detail?: string): ModelLoadError {
  return new ModelLoadError('answers-invalid', message, detail);
}

/** Throws ModelLoadError when the answers cannot describe any model. */
export function checkAnswers(a: ManifestAnswers): void {
  for (const [what, v] of [
    ['width', a.width],
    ['height', a.height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 4096) {
      throw answersProblem(`The input ${what} must be a whole number of pixels from 1 to 4096.`);
    }
  }
  if (a.channels !== 1 && a.channels !== 3) {
    throw answersProblem('The input has 1 channel (grey) or 3 (RGB).');
  }
  const { mean, std } = a.normalization;
  if (
    !mean.length ||
    mean.length !== std.length ||
    !mean.every(Number.isFinite) ||
    !std.every((s) => s > 0)
  ) {
    throw answersProblem(
      'The normalisation needs as many means as standard deviations, and positive deviations.',
    );
  }
}

/** Throws ModelLoadError when the model's input is not what the answers say. */
export function checkInputShape(
  inputShape: readonly [number, number, number],
  a: ManifestAnswers,
  giver: AnswersGiver,
): void {
  const [h, w, c] = inputShape;
  if (h !== a.height || w !== a.width || c !== a.channels) {
    throw new ModelLoadError(
      'model-mismatch',
      `The model takes ${w}x${h} images with ${c} channel${c === 1 ? '' : 's'}; ` +
        `${WORDING[giver].says} ${a.width}x${a.height}x${a.channels}. ${WORDING[giver].size}`,
    );
  }
}

/** Labels and their offset for a model with `numOutputs` outputs. */
export function labelsFor(
  labels: readonly string[] | null,
  numOutputs: number,
  options: { labelOffset?: number; giver?: AnswersGiver } = {},
): { labels: string[]; labelOffset: number } {
  const mismatch = () =>
    new ModelLoadError(
      'model-mismatch',
      `The labels file has ${labels!.length} names, but the model has ${numOutputs} outputs. ` +
        WORDING[options.giver ?? 'form'].labels,
    );
  if (!labels) {
    const n = numOutputs === 1 ? 2 : numOutputs;
    return { labels: Array.from({ length: n }, (_, i) => `class ${i}`), labelOffset: 0 };
  }
  // A single sigmoid unit reads as two classes [negative, positive].
  const binarySigmoid = numOutputs === 1 && labels.length === 2;
  if (options.labelOffset !== undefined) {
    if (!binarySigmoid && labels.length + options.labelOffset !== numOutputs) throw mismatch();
    return { labels: [...labels], labelOffset: options.labelOffset };
  }
  if (labels.length === numOutputs || binarySigmoid) return { labels: [...labels], labelOffset: 0 };
  // Converted TF-Hub / slim classifiers put "background" at output 0.
  if (numOutputs === labels.length + 1) return { labels: [...labels], labelOffset: 1 };
  throw mismatch();
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

/** What the built model says about itself, for the parts of the manifest answers leave open. */
export interface BuiltModelFacts {
  format: 'layers' | 'graph';
  numOutputs: number;
  /** The CAM target: the model's last spatial layer (or, without one, any layer: the lab then
   * says why heatmaps are not available). */
  camLayer: string;
}

/** The manifest the answers describe. Throws ModelLoadError when they do not fit the model. */
export function manifestFromAnswers(
  answers: ManifestAnswers,
  model: BuiltModelFacts,
  giver: AnswersGiver = 'form',
): ModelManifest {
  const { labels, labelOffset } = labelsFor(answers.labels, model.numOutputs, {
    labelOffset: answers.labelOffset,
    giver,
  });
  return parseManifest(
    {
      id: answers.id ?? (slug(answers.name) || 'my-model'),
      version: answers.version ?? '1',
      name: answers.name.trim() || 'My model',
      task: 'classification',
      format: model.format,
      labels,
      labelOffset,
      input: {
        width: answers.width,
        height: answers.height,
        channels: answers.channels,
        normalization: answers.normalization,
        resize: answers.resize,
        inputNode: answers.inputNode || undefined,
      },
      outputNode: answers.outputNode || undefined,
      cam: { layer: model.camLayer, method: 'gradcam' },
    },
    WORDING[giver].source,
  );
}
