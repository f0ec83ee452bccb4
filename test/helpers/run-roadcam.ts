/** Runs `roadcam` (tools/cli/roadcam.mjs) as a user does: a child process, its exit code and output. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../tools/lib/paths';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function roadcam(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(projectRoot, 'tools/cli/roadcam.mjs'), ...args],
      { cwd: projectRoot, timeout: 240_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}
