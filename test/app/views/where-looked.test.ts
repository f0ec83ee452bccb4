import { describe, expect, it } from 'vitest';
import { whereLooked } from '../../../src/app/views/where-looked';

function map(width: number, height: number, hot: (x: number, y: number) => boolean) {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data[y * width + x] = hot(x, y) ? 1 : 0.02;
  return { width, height, data };
}

describe('whereLooked', () => {
  it('names the region where the heatmap is', () => {
    expect(whereLooked(map(8, 8, (_x, y) => y < 2))).toMatch(
      /^The model looked mostly at the top of the photo \(\d+% of the heatmap\)\.$/,
    );
    expect(whereLooked(map(8, 8, (_x, y) => y >= 6))).toMatch(/mostly at the bottom of the photo/);
    expect(whereLooked(map(8, 8, (x, y) => x >= 3 && x <= 4 && y >= 3 && y <= 4))).toMatch(
      /mostly at the centre of the photo/,
    );
    expect(whereLooked(map(8, 8, (x, y) => (x === 0 || x === 7) && y >= 2 && y < 6))).toMatch(
      /the left and right edges/,
    );
  });

  it('says when nothing stands out, and when the map is empty', () => {
    expect(whereLooked(map(8, 8, () => true))).toBe(
      'The model looked all over the photo; no part stands out.',
    );
    expect(whereLooked({ width: 7, height: 7, data: new Float32Array(49) })).toMatch(
      /heatmap is empty/,
    );
  });

  it('names two regions that share the heat', () => {
    expect(whereLooked(map(8, 8, (_x, y) => y < 2 || y >= 6))).toMatch(
      /mostly at the (top|bottom) and the (top|bottom) of the photo/,
    );
  });
});
