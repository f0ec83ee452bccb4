/**
 * What activation maximization maximises: the mean of one conv filter's output, one unit of a
 * dense layer, or one class logit. Each objective reads a "summary" of one source tensor, one
 * value per example and channel / unit / class ([N, K]), and picks its own column. Objectives
 * that share a source (the 16 filters of one layer) share one forward pass and one summary, so a
 * batch of N images with N different filters costs one pass, not N.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelAdapter, ModelOutputs } from '../adapters/types';
import { ExplainError } from '../errors';

/** Which part of a filter's feature map counts: all positions, or only the centre. */
export type FilterRegion = 'whole' | 'centre';

export interface Objective {
  /** For people: "filter 3 of conv_pw_1". */
  readonly description: string;
  /** The layer whose output is read, or null for the model's logits. */
  readonly layer: string | null;
  /** The column of the summary this objective maximises. */
  readonly index: number;
  /** Objectives with the same key share one summary of the same source. */
  readonly summaryKey: string;
  /** Throws a clear ExplainError when the model cannot serve this objective. */
  check(adapter: ModelAdapter): void;
  /** [N, K] from the source output (a layer's activations, or the model's outputs). */
  summarize(source: tf.Tensor | ModelOutputs): tf.Tensor2D;
}

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d == null || d < 0 ? '?' : d)).join(', ')}]`;
}

function checkIndex(
  index: number,
  count: number | null,
  what: 'Filter' | 'Unit' | 'Class',
  where: string,
): void {
  const plural = what === 'Class' ? 'classes' : `${what.toLowerCase()}s`;
  if (!Number.isInteger(index) || index < 0) {
    throw new ExplainError(
      'bad-target',
      `${what} ${index} does not exist: ${plural} are numbered from 0.`,
      `${where}: index ${index} is not a non-negative integer`,
    );
  }
  if (count != null && count > 0 && index >= count) {
    throw new ExplainError(
      'bad-target',
      `${what} ${index} does not exist: ${where} has ${count} ${plural} (0 to ${count - 1}).`,
      `${where}: index ${index} >= ${count}`,
    );
  }
}

function centreSlice(map: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = map.shape;
  // The middle position, or the middle 2 when the size is even (no single centre).
  const top = Math.floor((h - 1) / 2);
  const left = Math.floor((w - 1) / 2);
  return tf.slice(map, [0, top, left, 0], [-1, h - 2 * top, w - 2 * left, -1]);
}

/**
 * The mean output of filter `index` of a convolutional layer (4-D output). With
 * `region: 'centre'` only the central position(s) count, as Lucid's "neuron" objective: the
 * image then shows what one receptive field looks for, instead of a repeating texture.
 */
export function filter(layer: string, index: number, region: FilterRegion = 'whole'): Objective {
  return {
    description: `filter ${index} of ${layer}${region === 'centre' ? ' (centre)' : ''}`,
    layer,
    index,
    summaryKey: `filter:${layer}:${region}`,
    check(adapter) {
      const info = adapter.layer(layer);
      if (info.outputShape.length !== 4) {
        throw new ExplainError(
          'not-spatial-layer',
          `Layer "${layer}" has output shape ${shapeText(info.outputShape)}: it has no filters ` +
            `(no height and width). ` +
            (info.outputShape.length === 2
              ? 'It is a dense layer: maximise one of its units instead.'
              : 'Choose a convolutional layer.'),
          `filter objective on a ${info.outputShape.length}-D layer (${info.kind})`,
        );
      }
      checkIndex(index, info.outputShape[3], 'Filter', `layer "${layer}"`);
    },
    summarize(source) {
      const map = source as tf.Tensor4D;
      checkIndex(index, map.shape[3], 'Filter', `layer "${layer}"`);
      const region_ = region === 'centre' ? centreSlice(map) : map;
      return tf.mean(region_, [1, 2]) as tf.Tensor2D;
    },
  };
}

/** Unit `index` of a dense layer (2-D output). */
export function unit(layer: string, index: number): Objective {
  return {
    description: `unit ${index} of ${layer}`,
    layer,
    index,
    summaryKey: `unit:${layer}`,
    check(adapter) {
      const info = adapter.layer(layer);
      if (info.outputShape.length !== 2) {
        throw new ExplainError(
          'bad-target',
          `Layer "${layer}" has output shape ${shapeText(info.outputShape)}: it is not a dense ` +
            `layer with units.` +
            (info.outputShape.length === 4 ? ' Maximise one of its filters instead.' : ''),
          `unit objective on a ${info.outputShape.length}-D layer (${info.kind})`,
        );
      }
      checkIndex(index, info.outputShape[1], 'Unit', `layer "${layer}"`);
    },
    summarize(source) {
      const units = source as tf.Tensor2D;
      checkIndex(index, units.shape[1], 'Unit', `layer "${layer}"`);
      return units;
    },
  };
}

/**
 * Two-column view of a single sigmoid unit, so that class 0 and class 1 of a binary model read
 * as for softmax (the same convention as the CAM targets).
 */
function logitsAsClasses(outputs: ModelOutputs): tf.Tensor2D {
  const { logits } = outputs;
  if (logits.shape[1] !== 1 || outputs.activation !== 'sigmoid') return logits;
  return tf.concat([tf.neg(logits), logits], 1) as tf.Tensor2D;
}

/** The pre-softmax score of class `index` (the model's output when it has no softmax). */
export function classLogit(index: number): Objective {
  return {
    description: `class ${index}`,
    layer: null,
    index,
    summaryKey: 'logits',
    check(adapter) {
      const classes =
        adapter.numOutputs === 1 && adapter.outputActivation === 'sigmoid' ? 2 : adapter.numOutputs;
      checkIndex(index, classes, 'Class', 'this model');
    },
    summarize(source) {
      const scores = logitsAsClasses(source as ModelOutputs);
      checkIndex(index, scores.shape[1], 'Class', 'this model');
      return scores;
    },
  };
}

/**
 * Per-example scores [N] of a batch in which example i serves objectives[i]: one forward pass
 * per distinct source layer, one summary per distinct summaryKey, then a one-hot pick (a mask,
 * not gather: gather's gradient needs a kernel the wasm backend lacks).
 */
export function objectiveScores(
  adapter: ModelAdapter,
  objectives: readonly Objective[],
  modelInput: tf.Tensor4D,
): tf.Tensor1D {
  const n = modelInput.shape[0];
  if (objectives.length !== n) {
    throw new ExplainError(
      'bad-argument',
      'Internal error: the number of objectives does not match the number of images.',
      `${objectives.length} objectives for a batch of ${n}`,
    );
  }
  return tf.tidy(() => {
    const sources = new Map<string, tf.Tensor | ModelOutputs>();
    const sourceOf = (layer: string | null) => {
      const key = layer ?? '\u0000logits';
      let source = sources.get(key);
      if (!source) {
        source =
          layer == null ? adapter.predict(modelInput) : adapter.activations(modelInput, layer);
        sources.set(key, source);
      }
      return source;
    };
    const groups = new Map<string, number[]>();
    objectives.forEach((o, i) =>
      groups.set(o.summaryKey, [...(groups.get(o.summaryKey) ?? []), i]),
    );
    let total: tf.Tensor1D | null = null;
    for (const members of groups.values()) {
      const first = objectives[members[0]];
      const summary = first.summarize(sourceOf(first.layer));
      const [rows, columns] = summary.shape;
      const mask = new Float32Array(rows * columns);
      for (const i of members) {
        // Its own summarize says clearly that the index does not exist.
        if (objectives[i].index >= columns) objectives[i].summarize(sourceOf(objectives[i].layer));
        mask[i * columns + objectives[i].index] = 1;
      }
      const picked = tf.sum(tf.mul(summary, tf.tensor2d(mask, [rows, columns])), 1) as tf.Tensor1D;
      total = total == null ? picked : (tf.add(total, picked) as tf.Tensor1D);
    }
    return total as tf.Tensor1D;
  }) as tf.Tensor1D;
}
