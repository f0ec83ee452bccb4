import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { defaultActmaxOptions, filterGrid } from '../../src/explain';
import { writePng } from '../lib/images';
import { loadCliModel } from './cli-model';
import { UsageError, type CliValues } from './usage';

/** "0-15", "3,5,9" or "0-3,8" -> [0, 1, ...]. */
function parseFilterList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!range) throw new UsageError(`--filters takes indices like 0-15 or 1,4,9; not "${text}".`);
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (to < from) throw new UsageError(`--filters range ${part} runs backwards.`);
    for (let i = from; i <= to; i++) out.push(i);
  }
  if (out.length > 256) throw new UsageError('--filters asks for more than 256 images.');
  return out;
}

export async function runFilters(rest: string[], v: CliValues): Promise<number> {
  if (rest.length)
    throw new UsageError(`Unexpected argument "${rest[0]}" (filters takes options only).`);
  if (!v.layer) throw new UsageError('Name the layer with --layer NAME.');
  if (!v.out) throw new UsageError('Name the output image with --out FILE.png.');
  const filters = parseFilterList(v.filters ?? '0-15');
  const steps = v.steps === undefined ? undefined : Number(v.steps);
  if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) {
    throw new UsageError('--steps must be a positive whole number.');
  }
  const initScale = v['init-scale'] === undefined ? undefined : Number(v['init-scale']);
  if (initScale !== undefined && !(initScale > 0 && initScale <= 10)) {
    throw new UsageError('--init-scale must be a number above 0 and at most 10.');
  }
  const { manifest, adapter, dispose } = await loadCliModel(v);
  try {
    adapter.layer(v.layer); // clear error listing the layers when the name is wrong
    const defaults = defaultActmaxOptions(adapter.inputShape);
    const bar = new SingleBar({
      format: `${v.layer} [{bar}] {value}/{total} steps | {eta_formatted} left`,
      hideCursor: true,
      stream: process.stderr,
    });
    let started = false;
    const grid = await filterGrid(adapter, {
      ...defaults,
      layer: v.layer,
      filters,
      steps: steps ?? defaults.steps,
      // A filter behind a ReLU that is zero on the near-grey start gets no gradient; a noisier
      // start (docs/actmax.md) lets it respond.
      initScale: initScale ?? defaults.initScale,
      modelInput: manifest.input.normalization,
      // 28 px tiles (MNIST) are too small to see without enlarging.
      tileScale: adapter.inputShape[0] <= 64 ? 4 : 1,
      onProgress: (done: number, total: number) => {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
      },
    });
    if (started) bar.stop();
    mkdirSync(path.dirname(path.resolve(v.out)), { recursive: true });
    await writePng(v.out, grid.image);
    process.stdout.write(
      `${v.layer}: ${filters.length} filter${filters.length === 1 ? '' : 's'} -> ${v.out}\n`,
    );
  } finally {
    dispose();
  }
  return 0;
}
