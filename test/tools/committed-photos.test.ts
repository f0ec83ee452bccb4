/**
 * No photo of potholes-kaggle (no licence) is in the repository, not even under a heatmap: the
 * figure tools name their files after the photo's data set, so a file named after it is one.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../tools/lib/paths';
import { mayCopyPhotos } from '../../tools/data/sources';

describe('photos committed to the repository', () => {
  it('include no file named after potholes-kaggle', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: projectRoot, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(png|jpe?g|webp)$/i.test(f));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => /potholes-kaggle/i.test(f))).toEqual([]);
  });

  it('may be copied only from data sets whose licence allows it', () => {
    expect(mayCopyPhotos('potholes-kaggle')).toBe(false);
    expect(mayCopyPhotos('a-folder-nobody-described')).toBe(false);
    expect(mayCopyPhotos('rdd2022-china-motorbike')).toBe(true);
  });
});
