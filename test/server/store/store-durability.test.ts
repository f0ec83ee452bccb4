/**
 * Acknowledged means stored, on both databases: a process stores batches and prints each
 * acknowledgement; it is SIGKILLed mid-stream (PostgreSQL: then the database server itself is
 * stopped at once, without a checkpoint, and recovers from its WAL). Every acknowledged record
 * is there afterwards with its content, and no batch is half there.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../tools/lib/paths';
import { useBothBackends, type Backend } from './store-backends';

const both = useBothBackends();
const backends = both.backends;

/** Runs the writer until it acknowledged `batches` batches, then SIGKILLs it. */
function writeThenKill(backend: Backend, batches: number): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'test/server/store/ack-writer.ts')],
      {
        cwd: projectRoot,
        env: { ...process.env, ROADCAM_TEST_STORAGE: JSON.stringify(backend.options) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acked: string[][] = [];
    let buffered = '';
    let errors = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (errors += t));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('ack ')) continue;
        acked.push(line.slice(4).split(' '));
        if (acked.length === batches) child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`The writer exited (code ${code}) before it was killed:\n${errors}`));
    });
  });
}

describe.each(['SQLite', 'PostgreSQL'])('%s store', (name) => {
  it('keeps every acknowledged batch whole after the writer is killed (and the database crashes)', async () => {
    const backend = backends[name];
    const acked = await writeThenKill(backend, 15);
    if (name === 'PostgreSQL') {
      await both.cluster.crash();
      await both.cluster.start();
    }
    const storage = await backend.open();
    for (const batch of acked) {
      for (const entry of batch) {
        const [id, contentSha256] = entry.split(':');
        const stored = await storage.surveys.getSurvey(id);
        expect(stored?.contentSha256, `acknowledged record ${id}`).toBe(contentSha256);
      }
    }
    // Nothing else but whole batches of 20: the one cut off by the kill is absent or whole.
    const page = await storage.surveys.listSurveys({ since: null, after: null, limit: 1000 });
    expect(page.surveys.length % 20).toBe(0);
    expect(page.surveys.length).toBeGreaterThanOrEqual(15 * 20);
  });
});
