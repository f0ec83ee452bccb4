/**
 * Targets (src/explain/targets.ts), the toolkit's documented way to say which score an
 * explanation is about: binary (one sigmoid unit) and multi-class models read the same.
 */
import { describe, expect, it } from 'vitest';
import { ExplainError, targets, type ModelOutputs } from '../../src/explain';
import { tf, useBackend } from '../../tools/lib/tf-node';

function softmaxOutputs(logits: number[][]): ModelOutputs {
  const l = tf.tensor2d(logits);
  return { logits: l, probabilities: tf.softmax(l), activation: 'softmax' };
}

function sigmoidOutputs(z: number[]): ModelOutputs {
  const l = tf.tensor2d(z, [z.length, 1]);
  return { logits: l, probabilities: tf.sigmoid(l), activation: 'sigmoid' };
}

const scores = (o: ModelOutputs, t: targets.Target): number[] =>
  tf.tidy(() => Array.from(t(o).dataSync()));

const dispose = (o: ModelOutputs) => tf.dispose([o.logits, o.probabilities]);

describe('targets', () => {
  // Both backends: the wasm one's OneHot writes int32 whatever dtype is asked.
  it.each(['cpu', 'wasm'] as const)(
    'a logit target gives its gradient with respect to the logits, as tf.grad does (%s)',
    async (backend) => {
      await useBackend(backend);
      const cases: [() => ModelOutputs, targets.Target][] = [
        [
          () =>
            softmaxOutputs([
              [1, 3, -2],
              [4, 0, 2],
            ]),
          targets.classLogit(2),
        ],
        [
          () =>
            softmaxOutputs([
              [1, 3, -2],
              [4, 0, 2],
            ]),
          targets.classLogitEach([1, 0]),
        ],
        [() => sigmoidOutputs([2, -1]), targets.classLogit(0)],
        [() => sigmoidOutputs([2, -1]), targets.classLogit(1)],
        [() => sigmoidOutputs([2, -1]), targets.classLogitEach([1, 0])],
      ];
      for (const [make, t] of cases) {
        const o = make();
        const expected = tf.grad((l: tf.Tensor) => tf.sum(t({ ...o, logits: l as tf.Tensor2D })))(
          o.logits,
        );
        const actual = t.logitGradient!(o);
        expect(actual.dtype).toBe('float32');
        expect(actual.shape, t.description).toEqual(expected.shape);
        expect(Array.from(actual.dataSync()), t.description).toEqual(
          Array.from(expected.dataSync()),
        );
        tf.dispose([expected, actual]);
        dispose(o);
      }
      // Probabilities are not linear in the logits: no constant gradient.
      expect(targets.classProbability(1).logitGradient).toBeUndefined();
      const o = sigmoidOutputs([2]);
      expect(() => targets.classLogit(2).logitGradient!(o)).toThrow(ExplainError);
      expect(() => targets.classLogitEach([0, 1]).logitGradient!(o)).toThrow(/one per example/);
      dispose(o);
    },
  );

  it('pick a class logit, probability or each example its top class, one score per example', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const o = softmaxOutputs([
      [1, 3, -2],
      [4, 0, 2],
    ]);
    expect(scores(o, targets.classLogit(1))).toEqual([3, 0]);
    expect(scores(o, targets.topClassLogit())).toEqual([3, 4]);
    const p = tf.tidy(() => tf.softmax(tf.tensor2d([[4, 0, 2]])).dataSync());
    expect(scores(o, targets.classProbability(0))[1]).toBeCloseTo(p[0], 6);
    dispose(o);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a single sigmoid unit reads as two classes: logits [-z, z], probabilities [1 - p, p]', async () => {
    await useBackend('cpu');
    const o = sigmoidOutputs([2, -1]);
    expect(scores(o, targets.classLogit(1))).toEqual([2, -1]);
    expect(scores(o, targets.classLogit(0))).toEqual([-2, 1]);
    const p = 1 / (1 + Math.exp(-2));
    expect(scores(o, targets.classProbability(1))[0]).toBeCloseTo(p, 6);
    expect(scores(o, targets.classProbability(0))[0]).toBeCloseTo(1 - p, 6);
    dispose(o);
  });

  it('labelProbability finds a class by name, and names the classes when it does not exist', async () => {
    await useBackend('cpu');
    const o = sigmoidOutputs([0.5]);
    const pothole = targets.labelProbability(['normal', 'pothole'], 'pothole');
    expect(pothole.description).toBe('probability of "pothole"');
    expect(scores(o, pothole)[0]).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 6);
    dispose(o);
    const missing = () => targets.labelProbability(['normal', 'pothole'], 'crack');
    expect(missing).toThrow(ExplainError);
    expect(missing).toThrow(/no class "crack"; its classes are: normal, pothole/);
  });

  it('a class the model does not have is a clear error, not a silent zero', async () => {
    await useBackend('cpu');
    const o = softmaxOutputs([[1, 2, 3]]);
    expect(() => scores(o, targets.classLogit(3))).toThrow(
      /Class 3 does not exist: this model has 3 classes \(0 to 2\)/,
    );
    dispose(o);
  });
});
