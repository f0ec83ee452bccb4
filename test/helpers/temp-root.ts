/**
 * Vitest's global setup: every temporary folder made during a run (os.tmpdir(), by the tests,
 * the tools they start and Chromium) goes under one folder of the run's own, removed when the
 * run ends, so that a test run leaves nothing in /tmp even where a test does not clean up after
 * itself. The test workers and the processes they start inherit TMPDIR.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'roadcam-test-run-'));
  // As /tmp is: PostgreSQL's tests run its server as an unprivileged user, in folders here.
  chmodSync(root, 0o1777);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(root, { recursive: true, force: true });
  };
}
