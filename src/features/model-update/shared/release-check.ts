/**
 * What the phone makes of GET /api/v1/models/current: the answer checked field by field (a
 * server of another version or a proxy's error page never starts a download), and whether it
 * is a model to install. Pure: no network, no storage.
 */
import {
  RELEASE_FILE_PATTERN,
  RELEASE_VERSION_PATTERN,
  type ModelReleaseFile,
  type ModelReleaseResponse,
} from '../../../schema/model-release';
import type { ModelInstallState } from './install-state';

export class ModelUpdateError extends Error {
  constructor(
    readonly code:
      | 'bad-release'
      | 'download'
      | 'hash-mismatch'
      | 'size-mismatch'
      | 'storage'
      | 'load'
      | 'not-found',
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ModelUpdateError';
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The release as the server described it, checked; throws ModelUpdateError('bad-release'). */
export function parseRelease(body: unknown): ModelReleaseResponse {
  const bad = (why: string) =>
    new ModelUpdateError(
      'bad-release',
      'The sync server described its model in a way this app does not understand, so it was ' +
        'not downloaded. The current model stays. Ask whoever runs the server to check the release.',
      why,
    );
  if (typeof body !== 'object' || body === null) throw bad('not an object');
  const r = body as Partial<ModelReleaseResponse>;
  if (typeof r.version !== 'string' || !RELEASE_VERSION_PATTERN.test(r.version)) {
    throw bad(`version ${JSON.stringify(r.version)}`);
  }
  if (typeof r.modelId !== 'string') throw bad('no modelId');
  if (!Array.isArray(r.files) || r.files.length === 0) throw bad('no files');
  const seen = new Set<string>();
  for (const f of r.files as Partial<ModelReleaseFile>[]) {
    if (typeof f.path !== 'string' || !RELEASE_FILE_PATTERN.test(f.path)) {
      throw bad(`file path ${JSON.stringify(f.path)}`);
    }
    if (seen.has(f.path)) throw bad(`${f.path} listed twice`);
    seen.add(f.path);
    if (typeof f.sha256 !== 'string' || !SHA256_HEX.test(f.sha256)) throw bad(`${f.path}: sha256`);
    if (typeof f.bytes !== 'number' || !Number.isInteger(f.bytes) || f.bytes < 0) {
      throw bad(`${f.path}: bytes`);
    }
    if (typeof f.url !== 'string' || !f.url.startsWith('/api/v1/models/')) {
      throw bad(`${f.path}: url ${JSON.stringify(f.url)}`);
    }
  }
  if (!seen.has('manifest.json')) throw bad('no manifest.json among the files');
  const manifest = r.manifest as { version?: unknown } | undefined;
  if (manifest?.version !== r.version) {
    throw bad(`the manifest says version ${String(manifest?.version)}, the release ${r.version}`);
  }
  return {
    version: r.version,
    modelId: r.modelId,
    manifest: r.manifest,
    notes: typeof r.notes === 'string' ? r.notes : '',
    publishedAt: typeof r.publishedAt === 'string' ? r.publishedAt : '',
    files: r.files as ModelReleaseFile[],
  };
}

export type ReleaseDecision =
  { action: 'install' } | { action: 'keep'; why: 'installed' | 'went-back' };

/**
 * Install the server's current release unless it is the model running now, or one the engineer
 * went back from (the server's next release is installed again).
 */
export function decideRelease(
  state: Pick<ModelInstallState, 'current' | 'declined'>,
  release: Pick<ModelReleaseResponse, 'version'>,
): ReleaseDecision {
  if (state.current?.version === release.version) return { action: 'keep', why: 'installed' };
  if (state.declined.includes(release.version)) return { action: 'keep', why: 'went-back' };
  return { action: 'install' };
}
