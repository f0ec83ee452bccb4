/**
 * A model that answers which of its input's channels is the brightest, the first or the third:
 * input -> 1x1 conv (identity; the CAM layer) -> mean per channel -> softmax over [channel 0,
 * channel 2]. A red photo reaches it as red first when the model takes RGB, and as red third
 * when it takes BGR (Caffe-style models): the tests of the channel order read its answer.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { saveLayersModelToDir } from '../../tools/train/model-files';

export const CHANNEL_PROBE_SIZE = 16;
export const CHANNEL_PROBE_LABELS = ['first-channel', 'third-channel'] as const;

/** Writes the model (model.json and its weights) to `dir`, its labels file and a red photo
 * beside it; returns their paths. */
export async function buildChannelProbe(
  dir: string,
): Promise<{ modelFiles: string[]; labels: string; redPhoto: string }> {
  await useBackend('cpu');
  const size = CHANNEL_PROBE_SIZE;
  const conv = tfl.layers.conv2d({
    name: 'probe_conv',
    inputShape: [size, size, 3],
    filters: 3,
    kernelSize: 1,
    useBias: false,
  });
  const dense = tfl.layers.dense({ name: 'probe_logits', units: 2, activation: 'softmax' });
  const model = tfl.sequential({
    layers: [conv, tfl.layers.globalAveragePooling2d({ name: 'probe_pool' }), dense],
  });
  conv.setWeights([tf.reshape(tf.eye(3), [1, 1, 3, 3])]);
  // Sharp enough that the brighter channel's class is near certain.
  dense.setWeights([
    tf.tensor2d([
      [5, 0],
      [0, 0],
      [0, 5],
    ]),
    tf.zeros([2]),
  ]);
  const modelDir = path.join(dir, 'channel-probe');
  const written = await saveLayersModelToDir(model, modelDir);
  model.dispose();
  const labels = path.join(dir, 'channel-probe-labels.json');
  writeFileSync(labels, JSON.stringify(CHANNEL_PROBE_LABELS));
  const redPhoto = path.join(dir, 'red.png');
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff0000' } })
    .png()
    .toFile(redPhoto);
  return { modelFiles: written.map((f) => path.resolve(modelDir, f)), labels, redPhoto };
}
