/**
 * The manifest form's raw values as answers for the one manifest builder (src/model): the
 * normalisation picked from the presets or typed as numbers, the labels read from a labels file.
 */
import type { ManifestAnswers } from '../../../model/manifest-answers';
import type { Normalization } from '../../../model/manifest';
import {
  NORMALIZATION_PRESETS,
  presetNormalization,
  type NormalizationPreset,
} from '../../../model/normalization-presets';

/** The form's fields as the model builder typed them. */
export interface ManifestFormValues {
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  /** A preset id (NORMALIZATION_PRESETS) or 'custom'. */
  normalization: string;
  mean: string;
  std: string;
  /** With 'custom': the channel order the model takes. */
  channelOrder: 'rgb' | 'bgr';
  resize: 'stretch' | 'center-crop';
  inputNode: string;
  outputNode: string;
}

/** "0.485, 0.456 0.406" -> [0.485, 0.456, 0.406] (commas, semicolons or spaces). */
function numbers(text: string): number[] {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
}

function normalizationOf(values: ManifestFormValues): Normalization {
  if (values.normalization === 'custom') {
    return {
      mean: numbers(values.mean),
      std: numbers(values.std),
      ...(values.channelOrder === 'bgr' ? { channelOrder: 'bgr' as const } : {}),
    };
  }
  const id = values.normalization in NORMALIZATION_PRESETS ? values.normalization : 'zero-one';
  return presetNormalization(id as NormalizationPreset);
}

/** The answers the form gives; `labels` were read from the labels file (null: none). */
export function answersFromForm(
  values: ManifestFormValues,
  labels: string[] | null,
): ManifestAnswers {
  return {
    name: values.name,
    width: values.width,
    height: values.height,
    channels: values.channels,
    normalization: normalizationOf(values),
    resize: values.resize,
    labels,
    inputNode: values.inputNode || undefined,
    outputNode: values.outputNode || undefined,
  };
}
