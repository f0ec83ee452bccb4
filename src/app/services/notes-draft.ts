/**
 * Notes typed in the detail view: saved 600 ms after the last key, and at once before the page
 * changes or reloads for an update, so that a phone put away mid-sentence loses nothing.
 * Announces each save's outcome with a `settled` event.
 */
import type { SurveyRecord } from '../../store/survey-record';

export type NotesSettled =
  { ok: true; id: string; record: SurveyRecord } | { ok: false; id: string; error: unknown };

const NOTES_SAVE_DELAY_MS = 600;

export class NotesDraft extends EventTarget {
  private pending: { id: string; notes: string } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly save: (id: string, notes: string) => Promise<SurveyRecord>,
    private readonly delayMs = NOTES_SAVE_DELAY_MS,
  ) {
    super();
  }

  /** The notes typed for a survey and not saved yet; null when there are none. */
  pendingFor(id: string): string | null {
    return this.pending?.id === id ? this.pending.notes : null;
  }

  edit(id: string, notes: string): void {
    this.pending = { id, notes };
    this.clearTimer();
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Saves what is pending now. */
  async flush(): Promise<void> {
    this.clearTimer();
    const pending = this.pending;
    if (!pending) return;
    let settled: NotesSettled;
    try {
      const record = await this.save(pending.id, pending.notes);
      // Typed on while it saved: what is typed now stays pending.
      if (this.pending === pending) this.pending = null;
      settled = { ok: true, id: pending.id, record };
    } catch (error) {
      settled = { ok: false, id: pending.id, error };
    }
    this.dispatchEvent(new CustomEvent<NotesSettled>('settled', { detail: settled }));
  }

  /** The survey is being deleted: its notes are not saved. */
  discard(id: string): void {
    if (this.pending?.id !== id) return;
    this.pending = null;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
