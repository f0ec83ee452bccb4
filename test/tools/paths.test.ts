/** tools/lib/paths.ts: where the project and the shared material are, and npm test's guard. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NO_SHARED_ENV, projectRoot, sharedDir, sharedPath } from '../../tools/lib/paths';
import { missingSharedMaterial, SHARED_MATERIAL } from '../full-data/require-shared';

afterEach(() => vi.unstubAllEnvs());

describe('project paths', () => {
  it('finds the project root', () => {
    const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('roadcam');
    expect(projectRoot).toBe(path.resolve(import.meta.dirname, '../..'));
  });

  it('refuses the shared material while npm test runs, whatever ROADCAM_SHARED says', () => {
    expect(process.env[NO_SHARED_ENV]).toBe('1');
    vi.stubEnv('ROADCAM_SHARED', os.tmpdir());
    expect(() => sharedDir()).toThrow(/npm test must not read \.\.\/shared.*test\/fixtures/);
    expect(() => sharedPath('images', 'cat.jpg')).toThrow(/npm test must not read/);
  });

  it('elsewhere: ROADCAM_SHARED, else ../shared; a missing file is named with what to do', () => {
    vi.stubEnv(NO_SHARED_ENV, '');
    vi.stubEnv('ROADCAM_SHARED', '');
    expect(sharedDir()).toBe(path.resolve(projectRoot, '..', 'shared'));
    const mine = mkdtempSync(path.join(os.tmpdir(), 'roadcam-shared-'));
    mkdirSync(path.join(mine, 'images'));
    vi.stubEnv('ROADCAM_SHARED', mine);
    expect(sharedDir()).toBe(mine);
    expect(sharedPath('images')).toBe(path.join(mine, 'images'));
    expect(() => sharedPath('images', 'cat.jpg')).toThrow(
      `The shared RoadCAM material was not found at ${path.join(mine, 'images', 'cat.jpg')}. ` +
        'Put it beside the project (../shared) or set ROADCAM_SHARED=/path/to/shared.',
    );
  });

  it('npm run test:data names what the shared folder lacks, and where to put it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-partial-shared-'));
    mkdirSync(path.join(dir, 'images'));
    writeFileSync(path.join(dir, 'images', 'cat.jpg'), '');
    const message = missingSharedMaterial(dir)!;
    expect(message).toContain(`It looked for them in ${dir}`);
    expect(message).toMatch(/- data\/potholes-kaggle: the Kaggle "Pothole Detection Dataset"/);
    expect(message).toMatch(/- data\/rdd2022-china-motorbike: .*RDD2022/);
    expect(message).not.toContain('images/cat.jpg');
    expect(message).toMatch(/beside the project as \.\.\/shared, or set ROADCAM_SHARED=/);
    for (const m of SHARED_MATERIAL) {
      mkdirSync(path.dirname(path.join(dir, m.path)), { recursive: true });
      writeFileSync(path.join(dir, m.path), '');
    }
    expect(missingSharedMaterial(dir)).toBeNull();
  });
});
