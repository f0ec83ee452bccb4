/**
 * docs/BENCHMARKS.md is shared: each benchmark owns one section between
 * `<!-- NAME:begin -->` and `<!-- NAME:end -->` and rewrites only that.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCHMARKS_MD = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../docs/BENCHMARKS.md',
);

export function writeSection(name: string, body: string, file = BENCHMARKS_MD): void {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  const text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\nLatest figures, with the command and machine that gave them.\n';
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  const next =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

export function machineLine(chromium: string): string {
  const cpus = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return `${chromium}, Node ${process.version}, ${cpus ?? '?'} CPU cores, ${process.platform}`;
}
