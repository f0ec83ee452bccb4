/**
 * Decides a batch of runs against what the store holds, the same way on every database (like
 * survey-batch-plan.ts): each run's outcome in order, and the final content to write per id.
 */
import { IMMUTABLE_RUN_FIELDS, type RunRecordWire } from '../../src/schema/run';
import { decideExistingVersion } from '../survey-versions';
import type { PreparedRun, PutRunOutcome } from './run-store';

export interface StoredRunVersion {
  record: RunRecordWire;
  canonicalJson: string;
}

export interface RunBatchPlan {
  outcomes: PutRunOutcome[];
  writes: Map<string, { run: PreparedRun; created: boolean }>;
}

export function planRunBatch(
  runs: readonly PreparedRun[],
  stored: ReadonlyMap<string, StoredRunVersion>,
): RunBatchPlan {
  const current = new Map(stored);
  const writes: RunBatchPlan['writes'] = new Map();
  const outcomes = runs.map((run): PutRunOutcome => {
    const existing = current.get(run.id);
    if (!existing) {
      current.set(run.id, run);
      writes.set(run.id, { run, created: true });
      return { status: 'created' };
    }
    const decision = decideExistingVersion(existing, run, IMMUTABLE_RUN_FIELDS);
    if (decision.status === 'updated') {
      current.set(run.id, run);
      writes.set(run.id, { run, created: writes.get(run.id)?.created ?? false });
    }
    return decision;
  });
  return { outcomes, writes };
}

export function storedRunVersion(recordJson: string): StoredRunVersion {
  return { record: JSON.parse(recordJson) as RunRecordWire, canonicalJson: recordJson };
}
