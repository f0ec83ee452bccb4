/**
 * Which layer the Filters panel starts with: the middle convolution (early layers answer to
 * colours and edges, late ones to textures and parts; the middle shows both), the layer the lab
 * benchmark measures too.
 */
import type { LabLayer } from './lab-protocol';

/** Convolutions (any flavour: Conv2D, DepthwiseConv2D, fused graph ops) with a spatial output. */
export function convLayers(layers: readonly LabLayer[]): LabLayer[] {
  return layers.filter((l) => l.role === 'conv' && l.spatial && /conv/i.test(l.kind) && l.count);
}

/** The middle convolution, or null when the model has none. */
export function middleConvLayer(layers: readonly LabLayer[]): LabLayer | null {
  const convs = convLayers(layers);
  return convs.length ? convs[Math.floor((convs.length - 1) / 2)] : null;
}
