/**
 * Which outputs of a model the evaluation reads, the same way for the two kinds of road model:
 * a pothole model (softmax over normal / pothole: one output, "pothole", decided at 0.5) and a
 * road-damage model (a sigmoid output per damage type, each decided at its manifest threshold).
 * Grad-CAM of a sigmoid output uses its logit: its probability's gradient vanishes once the
 * model is sure (float32 sigmoid reaches 1), which would leave confident photos with no map.
 */
import type { ModelManifest } from '../../src/model/manifest';
import type { DamageTypeName } from '../../src/model/damage-types';
import type { ModelOutputs } from '../../src/explain/adapters/types';
import { classLogit, classProbability, type Target } from '../../src/explain/targets';
import { tf } from '../lib/tf-node';
import { ToolError } from '../lib/tool-error';

export interface OutputSpec {
  name: DamageTypeName;
  /** Column of the model's probabilities. */
  index: number;
  /** Found at or above this probability. */
  threshold: number;
  /** What Grad-CAM explains for this output. */
  target: Target;
}

/** Output index of "pothole" in a pothole / good-road model's labels. */
export function potholeLabelIndex(manifest: ModelManifest): number {
  const i = manifest.labels.findIndex((l) => /^potholes?$/i.test(l));
  if (i < 0 || manifest.labels.length !== 2) {
    throw new ToolError(
      'bad-model-folder',
      `This is not a pothole / good-road model: its labels are ${JSON.stringify(manifest.labels)}, ` +
        `and evaluation needs two labels, one of them "pothole".`,
    );
  }
  return i;
}

/** The outputs to evaluate; a road model (pothole or road-damage) or a clear error. */
export function outputSpecs(manifest: ModelManifest): OutputSpec[] {
  if (manifest.task === 'road-damage') {
    return manifest.types.map((t) => ({
      name: t.name,
      index: t.output,
      threshold: t.threshold,
      target: classLogit(t.output),
    }));
  }
  const index = potholeLabelIndex(manifest);
  return [{ name: 'pothole', index, threshold: 0.5, target: classProbability(index) }];
}

/** The pothole output of a road model (every road model has one). */
export function potholeSpec(specs: readonly OutputSpec[]): OutputSpec {
  const spec = specs.find((s) => s.name === 'pothole');
  if (!spec) {
    throw new ToolError(
      'bad-model-folder',
      `This model has no pothole output (its outputs: ${specs.map((s) => s.name).join(', ')}), ` +
        `and the evaluation's figures are about potholes first.`,
    );
  }
  return spec;
}

/**
 * What a heatmap of "good road" explains: the normal class of a pothole model; for a road-damage
 * model, which has no such output, the evidence against a pothole (minus its logit).
 */
export function goodRoadTarget(manifest: ModelManifest): Target {
  const pothole = potholeSpec(outputSpecs(manifest));
  if (manifest.task !== 'road-damage') return classProbability(1 - pothole.index);
  const logit = classLogit(pothole.index);
  return Object.assign((o: ModelOutputs) => tf.neg(logit(o)) as tf.Tensor1D, {
    description: `minus the logit of output ${pothole.index} (no pothole)`,
  });
}
