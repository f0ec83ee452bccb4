/**
 * Latency of one photo through a model on the current backend: the median of repeated runs
 * after a warm-up, for classification alone and with a Grad-CAM.
 */
import type { ModelAdapter } from '../../src/explain/adapters/types';
import type { Latency } from '../../src/model/metrics-records';
import { computeCam } from '../../src/explain/cam/compute-cam';
import { classProbability } from '../../src/explain/targets';
import { tf } from '../lib/tf-node';
import { machineFacts } from '../lib/machine';
import { median } from '../lib/median';

export type { Latency };

export async function measureLatency(
  adapter: ModelAdapter,
  camLayer: string,
  targetClass: number,
  runs = 20,
): Promise<Latency> {
  const [h, w, c] = adapter.inputShape;
  const x = tf.randomUniform([1, h, w, c], -1, 1) as tf.Tensor4D;
  try {
    const classify = async () => {
      const p = tf.tidy(() => adapter.predict(x).probabilities);
      await p.data();
      p.dispose();
    };
    const cam = async () => {
      await computeCam(adapter, x, {
        method: 'gradcam',
        target: classProbability(targetClass),
        layer: camLayer,
      });
    };
    const time = async (fn: () => Promise<void>) => {
      for (let i = 0; i < 3; i++) await fn();
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await fn();
        ms.push(performance.now() - t);
      }
      return median(ms);
    };
    return {
      backend: tf.getBackend(),
      classifyMs: await time(classify),
      gradcamMs: await time(cam),
      runs,
      cpuModel: machineFacts().cpuModel,
    };
  } finally {
    x.dispose();
  }
}
