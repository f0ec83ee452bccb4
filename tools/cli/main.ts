/**
 * The `roadcam` command line:
 *   roadcam explain PHOTO... --model DIR [--method NAME] [--class NAME|top | --top K] [--out DIR]
 *   roadcam filters --model DIR --layer NAME [--filters 0-15] [--steps N] [--init-scale X]
 *                   --out FILE.png
 * A model folder needs model.json (+ shards) and manifest.json; for a converted model without a
 * manifest, describe it with --size, --channels, --range and --labels (see --help).
 * This file only dispatches: each command is its own module, the options live in usage.ts.
 */
import { parseArgs } from 'node:util';
import { ExplainError } from '../../src/explain/errors';
import { ModelLoadError } from '../../src/model/model-load-error';
import { runExplain } from './explain-command';
import { runFilters } from './filters-command';
import { OPTIONS, USAGE, UsageError } from './usage';
import { useBackend } from '../lib/tf-node';

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`roadcam: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    if (values.backend !== 'wasm' && values.backend !== 'cpu') {
      throw new UsageError('--backend must be wasm or cpu.');
    }
    await useBackend(values.backend);
    if (command === 'explain') return await runExplain(rest, values);
    if (command === 'filters') return await runFilters(rest, values);
    throw new UsageError(`Unknown command "${command}".`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ModelLoadError || e instanceof ExplainError) {
      process.stderr.write(`roadcam: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
