/**
 * A seeded random source for the transformations of activation maximization, so that a run (and
 * a test) can be repeated exactly, and a batch draws the same transformation as single runs.
 */

/** Uniform numbers in [0, 1). */
export type RandomSource = () => number;

/** mulberry32: a tiny, well-mixed 32-bit generator; plenty for picking shifts and angles. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max], both included. */
export function randomInt(random: RandomSource, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** A number in [min, max). */
export function randomUniform(random: RandomSource, min: number, max: number): number {
  return min + random() * (max - min);
}
