/**
 * The normalisations a model builder picks from, by what their model was trained with: the
 * lab's form offers them, the command line's --range names two of them, and manifest.ts's
 * NORMALIZE_MINUS_ONE_TO_ONE / NORMALIZE_ZERO_TO_ONE are two of them. Plain data, so that the
 * lab's page can list them without loading the manifest schema.
 */
/** Per-channel mean and std (the manifest's `input.normalization`). */
interface Normalization {
  mean: number[];
  std: number[];
  channelOrder?: 'rgb' | 'bgr';
}

export const NORMALIZATION_PRESETS = {
  'zero-one': { label: '[0, 1] (pixel / 255)', normalization: { mean: [0], std: [1] } },
  'minus-one-one': {
    label: '[-1, 1] (MobileNet, Inception, EfficientNet-lite)',
    normalization: { mean: [0.5], std: [0.5] },
  },
  imagenet: {
    label: 'ImageNet mean and std (ResNet, VGG, PyTorch models)',
    normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  },
  // Keras' preprocess_input(mode='caffe'): BGR, ImageNet's mean pixel (103.939, 116.779, 123.68
  // in 0..255, blue first) subtracted, not scaled: std 1/255 in this form.
  caffe: {
    label: 'Caffe: BGR, ImageNet mean subtracted (Keras VGG16, VGG19, ResNet50)',
    normalization: {
      mean: [103.939 / 255, 116.779 / 255, 123.68 / 255],
      std: [1 / 255, 1 / 255, 1 / 255],
      channelOrder: 'bgr',
    },
  },
} as const satisfies Record<string, { label: string; normalization: Normalization }>;

export type NormalizationPreset = keyof typeof NORMALIZATION_PRESETS;

/** A preset's mean and std as plain (mutable) arrays, as a manifest holds them. */
export function presetNormalization(id: NormalizationPreset): Normalization {
  const preset: { readonly [K in keyof Normalization]: Readonly<Normalization[K]> } =
    NORMALIZATION_PRESETS[id].normalization;
  return {
    mean: [...preset.mean],
    std: [...preset.std],
    ...(preset.channelOrder ? { channelOrder: preset.channelOrder } : {}),
  };
}
