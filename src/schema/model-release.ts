/**
 * A model release as the sync server publishes it (`npm run server -- model publish DIR`) and the
 * phones fetch it: GET /api/v1/models/current answers a ModelReleaseResponse, and each file is at
 * GET /api/v1/models/<version>/<path>. A release never changes once published. See docs/SYNC.md,
 * "Model releases".
 */

/** A release's version: the manifest's, in a form safe in a URL path. */
export const RELEASE_VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,39}$/;

/** A file's path inside a release: plain names, `/` between folders, never `..`. */
export const RELEASE_FILE_PATTERN =
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,99}){0,4}$/;

export interface ModelReleaseFile {
  /** Relative to the release (and to its manifest.json): `model.json`, `group1-shard1of1.bin`. */
  path: string;
  sha256: string;
  bytes: number;
  /** Where to GET it: /api/v1/models/<version>/<path>. */
  url: string;
}

/** 200 answer of GET /api/v1/models/current. */
export interface ModelReleaseResponse {
  /** The release's version (the manifest's `version`). */
  version: string;
  /** The manifest's `id`. */
  modelId: string;
  /** The model's manifest.json, as published. */
  manifest: unknown;
  /** What changed, for the engineer ("Model 1.1.0 installed: ..."). */
  notes: string;
  publishedAt: string;
  /** Every file of the release, the manifest included; the phone checks each SHA-256. */
  files: ModelReleaseFile[];
}
