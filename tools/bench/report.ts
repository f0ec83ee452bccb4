/**
 * Shared plumbing of the benchmark scripts: timing with medians, and writing one section of
 * docs/BENCHMARKS.md (between `<!-- NAME:begin -->` and `<!-- NAME:end -->`) without touching
 * the other scripts' sections. The machine is described by tools/lib/machine.ts, the load by
 * quiet-machine.ts; the median itself is tools/lib/median.ts (evaluation uses it too).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { median } from '../lib/median';
import { projectRoot } from '../lib/paths';

const BENCHMARKS_MD = path.join(projectRoot, 'docs', 'BENCHMARKS.md');

/** The value after `--name` on the command line, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns the median in ms. */
export async function timeMedian(
  fn: () => Promise<unknown> | unknown,
  runs: number,
  warmup = 2,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function writeBenchmarkSection(name: string, markdown: string): void {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  let doc = existsSync(BENCHMARKS_MD)
    ? readFileSync(BENCHMARKS_MD, 'utf8')
    : '# Benchmarks\n\nEvery figure here was measured by the command named beside it, on the machine named there.\n';
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) doc = doc.slice(0, i) + block + doc.slice(j + end.length);
  else doc = doc.trimEnd() + '\n\n' + block + '\n';
  writeFileSync(BENCHMARKS_MD, doc);
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
