/**
 * The office's corrections reach the phone with its next sync: a real server process (SQLite),
 * an outbox on fake-indexeddb. The correction sits beside the survey (revision and sync state
 * unchanged, nothing uploaded again), a repeated pull changes nothing, an older version never
 * replaces a newer one, and another phone's surveys are not its business.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { officeCorrectionText } from '../../src/app/views/office-text';
import { SyncRig, makeSurvey, saveSurveys } from './fixtures';

let rig: SyncRig;
let reviewerToken: string;

beforeAll(async () => {
  rig = await SyncRig.start({ pullOfficeCorrections: true });
  reviewerToken = await rig.server.createToken('office-anna', 'reviewer');
});

afterAll(async () => {
  await rig?.dispose();
});

async function review(surveyId: string, body: unknown): Promise<number> {
  const response = await fetch(`${rig.server.url}/api/v1/reviews/${surveyId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${reviewerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.status;
}

describe('office corrections on the phone', () => {
  it('pulls a correction with the next sync and shows it, without an upload or a new revision', async () => {
    const surveys = await Promise.all([1, 2].map((n) => makeSurvey(n)));
    await saveSurveys(rig.repository, surveys);
    for (const s of surveys) await rig.outbox.enqueue(s.record.id);
    expect((await rig.outbox.flush()).outcome).toBe('done');
    const [first, second] = surveys.map((s) => s.record.id);

    expect(
      await review(first, {
        basedOnRevision: 1,
        expectedVersion: 0,
        labels: ['pothole'],
        boxes: [{ type: 'pothole', box: [10, 10, 40, 30] }],
      }),
    ).toBe(200);
    const postsBefore = rig.sent.filter((r) => r.method === 'POST').length;
    expect((await rig.outbox.flush()).outcome).toBe('done');

    const corrected = await rig.repository.get(first);
    expect(corrected?.officeReview).toMatchObject({
      labels: ['pothole'],
      reviewer: 'office-anna',
      version: 1,
    });
    expect(corrected?.revision).toBe(1);
    expect(corrected?.sync.state).toBe('synced');
    expect(officeCorrectionText(corrected!)).toMatch(
      /^Corrected by the office: Pothole \(1 marked on the photo\), by office-anna on \d{4}-\d\d-\d\d\.$/,
    );
    expect((await rig.repository.get(second))?.officeReview).toBeUndefined();
    expect(rig.sent.filter((r) => r.method === 'POST').length).toBe(postsBefore);
    const onServer = await rig.serverSurveys();
    expect(onServer.find((s) => s.id === first)?.revision).toBe(1);

    // A second sync pulls nothing new; a changed review replaces the old one.
    expect((await rig.outbox.flush()).outcome).toBe('done');
    expect((await rig.repository.get(first))?.officeReview?.version).toBe(1);
    expect(
      await review(first, { basedOnRevision: 1, expectedVersion: 1, labels: ['good_road'] }),
    ).toBe(200);
    expect((await rig.outbox.flush()).outcome).toBe('done');
    const again = await rig.repository.get(first);
    expect(again?.officeReview).toMatchObject({ labels: ['good_road'], version: 2 });
    expect(officeCorrectionText(again!)).toMatch(/^Corrected by the office: Good road, by/);
  });

  it('keeps a newer correction when an older one arrives, and drops corrections of surveys not on the phone', async () => {
    const survey = await makeSurvey(3);
    await saveSurveys(rig.repository, [survey]);
    const note = {
      surveyId: survey.record.id,
      labels: ['crack'],
      boxes: [],
      reviewer: 'office-ben',
      reviewedAt: '2026-11-30T10:00:00.000Z',
      version: 3,
      changedAt: '2026-11-30T10:00:00.000Z',
      basedOnRevision: 1,
    };
    expect(await rig.repository.applyOfficeReviews([note])).toEqual([survey.record.id]);
    expect(
      await rig.repository.applyOfficeReviews([{ ...note, version: 2, labels: ['patch'] }]),
    ).toEqual([]);
    expect((await rig.repository.get(survey.record.id))?.officeReview?.labels).toEqual(['crack']);
    expect(
      await rig.repository.applyOfficeReviews([{ ...note, surveyId: crypto.randomUUID() }]),
    ).toEqual([]);
    // Edited on the phone after the review: the text says the office looked at an earlier one.
    const edited = await rig.repository.update(survey.record.id, { notes: 'deeper now' });
    expect(officeCorrectionText(edited)).toMatch(/for an earlier version of the survey/);
  });
});
