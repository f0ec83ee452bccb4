/**
 * Seeded randomness for splits and augmentation, so that they repeat: the explain core's
 * mulberry32 generator (the same numbers for the same seed), plus a shuffle.
 */
import { seededRandom, type RandomSource } from '../../src/explain/actmax/random';

export type Rng = RandomSource;
export const seededRng: (seed: number) => Rng = seededRandom;

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
