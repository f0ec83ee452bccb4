/**
 * A re-analysis of the stored surveys that a reload (or a phone that closed the tab) cut short:
 * which model's run it was, kept in localStorage from the run's start to its end, so that the
 * app carries it on when it starts again with that model (shared/survey-reanalysis.ts decides).
 * The surveys done before the reload carry that model's verdict already, so the run goes on
 * with the rest: none is analysed twice.
 */
import type { ModelRef } from '../shared/survey-reanalysis';

const KEY = 'roadcam.unfinished-reanalysis';

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export class UnfinishedReanalysis {
  /** `storage` is asked for at each use: where storage is blocked, even reaching it throws. */
  constructor(private readonly storage: () => Store = () => localStorage) {}

  /** The model of the run cut short, or null (none, or unreadable: nothing to carry on). */
  read(): ModelRef | null {
    try {
      const value: unknown = JSON.parse(this.storage().getItem(KEY) ?? 'null');
      if (
        value &&
        typeof value === 'object' &&
        typeof (value as ModelRef).id === 'string' &&
        typeof (value as ModelRef).version === 'string'
      ) {
        return { id: (value as ModelRef).id, version: (value as ModelRef).version };
      }
    } catch {
      // Damaged or blocked storage: the engineer can press the button again.
    }
    return null;
  }

  /** Written when a run starts; best effort (a full or blocked storage only loses the resume). */
  started(model: ModelRef): void {
    try {
      this.storage().setItem(KEY, JSON.stringify({ id: model.id, version: model.version }));
    } catch {
      // As above.
    }
  }

  /** The run ended, or is no longer wanted (another model runs). */
  forget(): void {
    try {
      this.storage().removeItem(KEY);
    } catch {
      // As above.
    }
  }
}
