/** A flat folder of pictures of any names (no labels): e.g. photos that are not roads. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ToolError } from '../lib/tool-error';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** The photos of a flat folder of pictures that are not roads (any names). */
export function listPictures(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ToolError(
      'missing-folder',
      `The folder of photos that are not roads, ${dir}, does not exist.`,
    );
  }
  const files = readdirSync(dir)
    .filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()))
    .sort()
    .map((f) => path.join(dir, f));
  if (files.length === 0) {
    throw new ToolError('empty-folder', `${dir} has no photos (.jpg, .jpeg, .png, .webp).`);
  }
  return files;
}
