/**
 * The Filters panel's settings: plain data the form edits and the worker turns into the explain
 * core's modifiers and regularisers (src/workers/lab-analysis.ts). Defaults follow the core's
 * (src/explain/actmax/defaults.ts: scaled to the input size, one pixel of jitter and no rotation
 * for MNIST-sized inputs), with fewer steps for large inputs by default ("Quick"), because the
 * lab runs on a phone and a grid of 16 should come back in seconds; "Standard" is the core's 128
 * steps and "Fine" is Lucid's 512 at a lower rate.
 */
import type { ActmaxPlainSettings } from './lab-protocol';

export type ActmaxPreset = 'quick' | 'standard' | 'fine';

export const ACTMAX_PRESETS: { id: ActmaxPreset; label: string }[] = [
  { id: 'quick', label: 'Quick (24 steps)' },
  { id: 'standard', label: 'Standard (128 steps)' },
  { id: 'fine', label: 'Fine (512 steps, slow)' },
];

/** MNIST-sized inputs (up to this side) get the small-image defaults. */
const SMALL_INPUT_SIDE = 64;

/** The preset the lab starts with: small inputs are cheap enough for the core's defaults. */
export function defaultPreset(inputShape: readonly number[]): ActmaxPreset {
  return Math.max(inputShape[0], inputShape[1]) <= SMALL_INPUT_SIDE ? 'standard' : 'quick';
}

export function actmaxSettingsFor(
  inputShape: readonly number[],
  preset: ActmaxPreset = defaultPreset(inputShape),
): ActmaxPlainSettings {
  const size = Math.max(inputShape[0], inputShape[1]);
  const small = size <= SMALL_INPUT_SIDE;
  const base: ActmaxPlainSettings = small
    ? {
        steps: 128,
        learningRate: 0.05,
        parameterization: 'decorrelated',
        jitterPx: Math.max(1, Math.round(size / 28)),
        scaleAmount: 0,
        rotateDeg: 0,
        totalVariation: 0.05,
        l2: 0.05,
        seed: 1,
      }
    : {
        steps: 128,
        learningRate: 0.1,
        parameterization: 'decorrelated',
        jitterPx: Math.max(2, Math.round(size / 16)),
        scaleAmount: 0.1,
        rotateDeg: 5,
        totalVariation: 0.05,
        l2: 0.05,
        seed: 1,
      };
  switch (preset) {
    case 'quick':
      // Fewer steps at a higher rate reach most of the activation: on the pothole architecture
      // (MobileNet v1 0.25 at 160 px, conv_dw_7, filters 0-7) 24 steps at 0.2 reached 70-100%
      // of what 128 steps at 0.1 reached, with the same patterns; good enough to scan a layer,
      // in a fifth of the time.
      return { ...base, steps: 24, learningRate: small ? 0.1 : 0.2 };
    case 'fine':
      return { ...base, steps: 512, learningRate: 0.05 };
    default:
      return base;
  }
}

/** A message for a setting out of range, or null when the settings can run. */
export function settingsProblem(s: ActmaxPlainSettings): string | null {
  if (!Number.isInteger(s.steps) || s.steps < 1 || s.steps > 5000)
    return 'Steps must be a whole number from 1 to 5000.';
  if (!(s.learningRate > 0 && s.learningRate <= 10))
    return 'The learning rate must be above 0 and at most 10.';
  if (!(s.jitterPx >= 0 && s.jitterPx <= 64)) return 'Jitter must be from 0 to 64 pixels.';
  if (!(s.scaleAmount >= 0 && s.scaleAmount < 1)) return 'Zoom must be from 0 to 0.99.';
  if (!(s.rotateDeg >= 0 && s.rotateDeg <= 180)) return 'Rotation must be from 0 to 180 degrees.';
  if (!(s.totalVariation >= 0) || !(s.l2 >= 0)) return 'Regulariser weights cannot be negative.';
  if (!Number.isInteger(s.seed)) return 'The seed is a whole number.';
  return null;
}
