import { describe, expect, it } from 'vitest';
import { NotesDraft, type NotesSettled } from '../../../src/app/services/notes-draft';
import type { SurveyRecord } from '../../../src/store/survey-record';
import { makeRecord } from '../../store/make-record';

/** A NotesDraft over an in-memory "store" that keeps every save, in order. */
function draftOver(fail = false) {
  const saves: { id: string; notes: string }[] = [];
  const settled: NotesSettled[] = [];
  const draft = new NotesDraft(async (id, notes): Promise<SurveyRecord> => {
    saves.push({ id, notes });
    if (fail) throw new Error('disk full');
    return makeRecord({ id, notes });
  }, 20);
  draft.addEventListener('settled', (e) => settled.push((e as CustomEvent<NotesSettled>).detail));
  return { draft, saves, settled };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('NotesDraft', () => {
  it('saves once, after the last key, what was typed last', async () => {
    const { draft, saves, settled } = draftOver();
    draft.edit('a', 'p');
    draft.edit('a', 'po');
    draft.edit('a', 'pot');
    expect(draft.pendingFor('a')).toBe('pot');
    expect(draft.pendingFor('b')).toBeNull();
    await wait(80);
    expect(saves).toEqual([{ id: 'a', notes: 'pot' }]);
    expect(settled).toMatchObject([{ ok: true, id: 'a' }]);
    expect(draft.pendingFor('a')).toBeNull();
  });

  it('saves at once on flush (leaving the page), and nothing twice', async () => {
    const { draft, saves } = draftOver();
    draft.edit('a', 'deep');
    await draft.flush();
    expect(saves).toEqual([{ id: 'a', notes: 'deep' }]);
    await wait(60);
    await draft.flush();
    expect(saves).toHaveLength(1);
  });

  it('keeps the notes pending and says so when saving fails', async () => {
    const { draft, settled } = draftOver(true);
    draft.edit('a', 'kept');
    await draft.flush();
    expect(settled).toMatchObject([{ ok: false, id: 'a' }]);
    expect(draft.pendingFor('a')).toBe('kept');
  });

  it('drops the notes of a survey being deleted', async () => {
    const { draft, saves } = draftOver();
    draft.edit('a', 'gone');
    draft.discard('a');
    await wait(60);
    await draft.flush();
    expect(saves).toEqual([]);
  });
});
