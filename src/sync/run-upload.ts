/**
 * Uploads ended drive runs (issue 13) after the surveys: in batches, with the surveys' rules
 * (a replay is `unchanged`, so a run sent twice is harmless). A run is marked synced only when
 * the server answered for it; a conflict or a refusal is kept on the phone with the reason.
 * Runs are small and few, so they need no outbox of their own: each flush sends every ended
 * run that is not synced yet, including those the server check (server-check.ts) queued again.
 */
import { MAX_RUNS_PER_BATCH } from '../schema/run';
import type { RunRepository } from '../store/run-repository';
import { runToWire } from '../store/run-wire';
import type { ServerConnection } from './connection';
import type { SyncApi } from './sync-api';

export interface RunUploadResult {
  synced: number;
  failed: number;
}

export async function uploadEndedRuns(runs: RunRepository, api: SyncApi): Promise<RunUploadResult> {
  const waiting = (await runs.list()).filter(
    (r) => r.state === 'ended' && r.sync.state !== 'synced',
  );
  const result: RunUploadResult = { synced: 0, failed: 0 };
  for (let i = 0; i < waiting.length; i += MAX_RUNS_PER_BATCH) {
    const batch = waiting.slice(i, i + MAX_RUNS_PER_BATCH);
    const answers = await api.postRuns(batch.map(runToWire));
    const at = new Date().toISOString();
    for (const [j, answer] of answers.entries()) {
      const run = batch[j];
      const ok =
        answer.status === 'created' || answer.status === 'unchanged' || answer.status === 'updated';
      await runs.setSync(run.id, {
        state: ok ? 'synced' : 'failed',
        attempts: run.sync.attempts + 1,
        lastAttempt: at,
        ...(ok ? {} : { reason: answer.reason ?? answer.status }),
      });
      if (ok) result.synced++;
      else result.failed++;
    }
  }
  return result;
}

/** After a flush of the surveys, by the page or the service worker: the ended runs go to the
 * server the settings name; nothing is sent before sync is set up. */
export async function uploadRunsTo(
  connection: Pick<ServerConnection, 'load' | 'api'>,
  runs: RunRepository,
): Promise<RunUploadResult | null> {
  const settings = await connection.load();
  if (!settings?.token) return null;
  return uploadEndedRuns(runs, connection.api(settings));
}

/**
 * Marks these runs to upload again (the server lacks them: a restore from a backup), like a
 * run never sent; the next upload sends them and the server's replay rules decide. Only those
 * still synced: one being sent or failed goes up anyway. Returns how many were marked.
 */
export async function queueRunsAgain(runs: RunRepository, ids: readonly string[]): Promise<number> {
  let queued = 0;
  for (const id of ids) {
    await runs.update(id, (run) => {
      if (run.sync.state !== 'synced') return run;
      queued++;
      return { ...run, sync: { ...run.sync, state: 'queued' } };
    });
  }
  return queued;
}
