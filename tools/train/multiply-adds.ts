/**
 * Multiply-adds of one forward pass, counted from the layers' kernels and output shapes: what
 * decides speed on a phone. Convolutions, depthwise convolutions and dense layers; batch norm
 * (folded at inference), activations and pooling are left out, as is customary.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

type Shape = (number | null)[];

function outputPositions(layer: tfl.layers.Layer): number {
  const shape = layer.outputShape as Shape | Shape[];
  const single = (Array.isArray(shape[0]) ? shape[0] : shape) as Shape;
  // [batch, height, width, channels]: positions = height * width.
  return (single[1] ?? 1) * (single[2] ?? 1);
}

export function multiplyAdds(model: tfl.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    const kernel = layer.getWeights()[0];
    if (!kernel) continue;
    const k = kernel.shape as number[];
    if (kind === 'Conv2D') {
      // kernel [kh, kw, in, out]
      total += outputPositions(layer) * k[0] * k[1] * k[2] * k[3];
    } else if (kind === 'DepthwiseConv2D') {
      // kernel [kh, kw, in, multiplier]
      total += outputPositions(layer) * k[0] * k[1] * k[2] * k[3];
    } else if (kind === 'Dense') {
      total += k[0] * k[1];
    }
  }
  return total;
}
