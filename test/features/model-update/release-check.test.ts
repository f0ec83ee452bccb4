import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../../src/features/model-update/shared/file-check';
import { sha256Hex } from '../../../src/schema/sha256-hex';
import {
  decideRelease,
  ModelUpdateError,
  parseRelease,
} from '../../../src/features/model-update/shared/release-check';
import { INITIAL_INSTALL_STATE } from '../../../src/features/model-update/shared/install-state';

const bytes = new TextEncoder().encode('weights of model 2.1.0').buffer as ArrayBuffer;
const hash = createHash('sha256').update(new Uint8Array(bytes)).digest('hex');

function release(overrides: Record<string, unknown> = {}) {
  return {
    version: '2.1.0',
    modelId: 'roadcam-road-damage',
    manifest: { id: 'roadcam-road-damage', version: '2.1.0' },
    notes: 'Sees patches better',
    publishedAt: '2026-12-02T10:00:00.000Z',
    files: [
      {
        path: 'manifest.json',
        sha256: 'a'.repeat(64),
        bytes: 10,
        url: '/api/v1/models/2.1.0/manifest.json',
      },
      {
        path: 'group1-shard1of1.bin',
        sha256: hash,
        bytes: bytes.byteLength,
        url: '/api/v1/models/2.1.0/group1-shard1of1.bin',
      },
    ],
    ...overrides,
  };
}

function failure(fn: () => unknown): ModelUpdateError {
  try {
    fn();
  } catch (error) {
    return error as ModelUpdateError;
  }
  throw new Error('did not throw');
}

describe('parseRelease', () => {
  it('takes a release as the server answers it', () => {
    const r = parseRelease(release());
    expect(r.version).toBe('2.1.0');
    expect(r.files.map((f) => f.path)).toEqual(['manifest.json', 'group1-shard1of1.bin']);
  });

  it.each([
    ['a version unsafe in a URL', { version: '../1' }],
    ['no files', { files: [] }],
    [
      'a path leaving the release',
      { files: [{ path: '../x.bin', sha256: hash, bytes: 1, url: '/api/v1/models/2.1.0/x' }] },
    ],
    [
      'a hash that is not SHA-256 hex',
      {
        files: [
          {
            path: 'manifest.json',
            sha256: 'abc',
            bytes: 1,
            url: '/api/v1/models/2.1.0/manifest.json',
          },
        ],
      },
    ],
    [
      'a file from another host',
      {
        files: [
          {
            path: 'manifest.json',
            sha256: hash,
            bytes: 1,
            url: 'https://elsewhere.example/m.json',
          },
        ],
      },
    ],
    ['no manifest.json among the files', { files: [release().files[1]] }],
    ['a manifest of another version', { manifest: { version: '2.0.0' } }],
  ])('refuses %s, saying the current model stays', (_what, overrides) => {
    const error = failure(() => parseRelease(release(overrides)));
    expect(error).toBeInstanceOf(ModelUpdateError);
    expect(error.code).toBe('bad-release');
    expect(error.message).toMatch(/current model stays/);
  });

  it('refuses what is not a release at all (an error page)', () => {
    expect(failure(() => parseRelease('<html>')).code).toBe('bad-release');
    expect(failure(() => parseRelease(null)).code).toBe('bad-release');
  });
});

describe('decideRelease', () => {
  const model = (version: string) => ({
    version,
    modelId: 'm',
    name: 'm',
    notes: '',
    publishedAt: '',
    installedAt: '',
    whatChanged: [],
  });

  it('installs a release the phone does not run', () => {
    expect(decideRelease(INITIAL_INSTALL_STATE, { version: '2.1.0' })).toEqual({
      action: 'install',
    });
    expect(decideRelease({ current: model('2.1.0'), declined: [] }, { version: '2.2.0' })).toEqual({
      action: 'install',
    });
  });

  it('keeps the model it runs, and does not reinstall the one the engineer went back from', () => {
    expect(decideRelease({ current: model('2.1.0'), declined: [] }, { version: '2.1.0' })).toEqual({
      action: 'keep',
      why: 'installed',
    });
    expect(decideRelease({ current: null, declined: ['2.1.0'] }, { version: '2.1.0' })).toEqual({
      action: 'keep',
      why: 'went-back',
    });
  });
});

describe('checkFile', () => {
  it('computes the SHA-256 a server computes', async () => {
    expect(await sha256Hex(bytes)).toBe(hash);
  });

  it('passes the published file', async () => {
    await expect(
      checkFile(
        '2.1.0',
        { path: 'group1-shard1of1.bin', sha256: hash, bytes: bytes.byteLength },
        bytes,
      ),
    ).resolves.toBeUndefined();
  });

  it('names a file cut short', async () => {
    const cut = bytes.slice(0, 5);
    const error = await checkFile(
      '2.1.0',
      { path: 'w.bin', sha256: hash, bytes: bytes.byteLength },
      cut,
    ).catch((e: ModelUpdateError) => e);
    expect(error).toMatchObject({ code: 'size-mismatch' });
    expect((error as Error).message).toMatch(
      /w\.bin arrived incomplete \(5 of 22 bytes\).*current model stays/,
    );
  });

  it('names a corrupted file of the right size', async () => {
    const corrupted = new Uint8Array(bytes.slice(0));
    corrupted[3] ^= 0xff;
    const error = await checkFile(
      '2.1.0',
      { path: 'w.bin', sha256: hash, bytes: bytes.byteLength },
      corrupted.buffer,
    ).catch((e: ModelUpdateError) => e);
    expect(error).toMatchObject({ code: 'hash-mismatch' });
    expect((error as Error).message).toMatch(/w\.bin is not the one the server published/);
    expect((error as ModelUpdateError).detail).toContain(hash);
  });
});
