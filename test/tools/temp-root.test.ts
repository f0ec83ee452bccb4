/**
 * The run's temporary folder (test/helpers/temp-root.ts): the tests, and the processes they
 * start, make their temporary folders under it, and it is removed when the run ends.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('temporary folders during a test run', () => {
  it("go under the run's own folder, in the tests and in the processes they start", () => {
    expect(path.basename(os.tmpdir())).toMatch(/^roadcam-test-run-/);
    const child = execFileSync(
      process.execPath,
      ['-e', 'process.stdout.write(require("os").tmpdir())'],
      {
        encoding: 'utf8',
      },
    );
    expect(child).toBe(os.tmpdir());
  });
});
