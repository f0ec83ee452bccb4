/**
 * The photo's JPEG comes after its verdict (the worker encodes it once the model has run): the
 * survey is saved once, when both are here, and a JPEG that could not be made fails the survey
 * with nothing saved (IndexedDB via fake-indexeddb; the worker's answers made here).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { AnalysisClient } from '../../../src/app/services/analysis-client';
import { SurveyService } from '../../../src/app/services/survey-service';
import { SurveyRepository } from '../../../src/store';
import type { Outcome, PhotoAnalysis, PhotoToKeep } from '../../../src/workers/protocol';
import { uniqueDbName } from '../../store/make-record';
import { keptPhoto, noPosition, unanalysedPhoto } from './worker-answers';

const analysis = unanalysedPhoto(7);

const kept = keptPhoto(256, 256);

async function serviceWith(keeping: () => Promise<Outcome<PhotoToKeep>>) {
  const repo = await SurveyRepository.open({ name: uniqueDbName() });
  const asked: number[] = [];
  const client = {
    analysePhoto: async (): Promise<Outcome<PhotoAnalysis>> => ({ ok: true, value: analysis }),
    photoToKeep: (ticket: number) => {
      asked.push(ticket);
      return keeping();
    },
  } as unknown as AnalysisClient;
  return { repo, asked, service: new SurveyService(repo, client, noPosition) };
}

describe('a survey whose JPEG comes after its verdict', () => {
  it('shows the verdict before the JPEG is here, and saves once with it', async () => {
    let encoded!: (outcome: Outcome<PhotoToKeep>) => void;
    const { repo, asked, service } = await serviceWith(
      () => new Promise((resolve) => (encoded = resolve)),
    );
    let shownWhileEncoding = false;
    const surveying = service.survey(new Blob([]), undefined, async () => {
      shownWhileEncoding = (await repo.count()) === 0;
      encoded({ ok: true, value: kept });
    });
    const outcome = await surveying;
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(shownWhileEncoding).toBe(true);
    expect(asked).toEqual([7]);
    expect(await repo.count()).toBe(1);
    expect(outcome.record?.photo.sha256).toBe('c'.repeat(64));
    expect(await repo.getPhoto(outcome.draft.id)).toBeDefined();
    repo.close();
  });

  it('keeps nothing when the JPEG could not be made, and says why', async () => {
    const { repo, service } = await serviceWith(async () => ({
      ok: false,
      error: {
        source: 'photo',
        code: 'not-encoded',
        message: 'This photo could not be saved.',
      },
    }));
    const outcome = await service.survey(new Blob([]), undefined, () => undefined);
    expect(outcome).toEqual({
      ok: false,
      error: { source: 'photo', code: 'not-encoded', message: 'This photo could not be saved.' },
    });
    expect(await repo.count()).toBe(0);
    repo.close();
  });
});
