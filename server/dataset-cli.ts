/**
 * `npm run server -- dataset export --out DIR [--since DATE] [--reviewed-only]`: the training
 * folder of confirmed surveys, as issue 11 names the command. tools/dataset (`npm run dataset`)
 * does the work; the server never imports tools/ (one direction of dependency), so it runs
 * there as a child process with this process's environment (the same data directory or
 * database). Without --reviewed-only, surveys the engineer answered and nobody reviewed count
 * as confirmed too (tools/dataset's --with-engineer-answers).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const DATASET_USAGE = `Dataset:
  npm run server -- dataset export --out DIR [--since DATE] [--reviewed-only]
      the confirmed surveys as a training folder (images/, labels.json, provenance.csv,
      README.md); --reviewed-only: only those the office reviewed (npm run dataset has the rest)`;

export function runDatasetCommand(args: readonly string[], err: (line: string) => void): number {
  if (args[0] !== 'export') {
    err(`Unknown dataset command "${args[0] ?? ''}".\n${DATASET_USAGE}`);
    return 2;
  }
  const rest = args.slice(1);
  const forwarded = rest.filter((a) => a !== '--reviewed-only');
  if (!rest.includes('--reviewed-only')) forwarded.push('--with-engineer-answers');
  const tsx = path.join(projectRoot, 'node_modules/tsx/dist/cli.mjs');
  const result = spawnSync(
    process.execPath,
    [tsx, path.join(projectRoot, 'tools/dataset/main.ts'), ...forwarded],
    { stdio: 'inherit', env: process.env, cwd: projectRoot },
  );
  if (result.error) {
    err(`The export could not start: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}
