/**
 * A downloaded file against what the release says of it: its size, then its SHA-256 (Web
 * Crypto, so the same code runs on the phone and in Node tests). The message says which file,
 * what was wrong and that the working model stays.
 */
import type { ModelReleaseFile } from '../../../schema/model-release';
import { sha256Hex } from '../../../schema/sha256-hex';
import { ModelUpdateError } from './release-check';

/** Throws ModelUpdateError ('size-mismatch' or 'hash-mismatch') unless `bytes` is `file`. */
export async function checkFile(
  version: string,
  file: Pick<ModelReleaseFile, 'path' | 'sha256' | 'bytes'>,
  bytes: ArrayBuffer,
): Promise<void> {
  if (bytes.byteLength !== file.bytes) {
    throw new ModelUpdateError(
      'size-mismatch',
      `Model ${version} was not installed: its file ${file.path} arrived incomplete ` +
        `(${bytes.byteLength} of ${file.bytes} bytes). The current model stays; the download is ` +
        'tried again at the next sync.',
      `${file.path}: ${bytes.byteLength} bytes, expected ${file.bytes}`,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256) {
    throw new ModelUpdateError(
      'hash-mismatch',
      `Model ${version} was not installed: its file ${file.path} is not the one the server ` +
        'published (its checksum differs: damaged on the way or on the server). The current ' +
        'model stays; if this happens again, tell whoever runs the server.',
      `${file.path}: sha256 ${actual}, expected ${file.sha256}`,
    );
  }
}
