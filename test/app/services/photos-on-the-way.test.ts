/**
 * Photos on their way to the screen: the installed app's start-up work (sync, the update check)
 * waits until none is (src/app/roadcam-app.ts). A photo counts from the moment it is given to
 * the survey flow until its verdict is on screen, or its analysis has failed; not until it is
 * saved. (IndexedDB via fake-indexeddb; the worker's answers made here.)
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { AnalysisClient } from '../../../src/app/services/analysis-client';
import { PhotosOnTheWay } from '../../../src/app/services/photos-on-the-way';
import { SurveyService } from '../../../src/app/services/survey-service';
import { SurveyRepository } from '../../../src/store';
import type { Outcome, PhotoAnalysis, PhotoToKeep } from '../../../src/workers/protocol';
import { uniqueDbName } from '../../store/make-record';
import { keptPhoto, noPosition, unanalysedPhoto } from './worker-answers';

const analysis = unanalysedPhoto(1);

const kept = keptPhoto(256, 256);

/** Whether `promise` has settled by the time queued work has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 10));
  return done;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('photos on their way to the screen', () => {
  it('counts each photo until it is done, once however often it is called done', async () => {
    const photos = new PhotosOnTheWay();
    expect(await settled(photos.none())).toBe(true);
    const first = photos.start();
    const second = photos.start();
    const none = photos.none();
    first();
    first();
    expect(await settled(none)).toBe(false);
    second();
    expect(await settled(none)).toBe(true);
  });

  it("hold start-up work from the photo's choice until its verdict is shown, not until saved", async () => {
    const repo = await SurveyRepository.open({ name: uniqueDbName() });
    const answer = deferred<Outcome<PhotoAnalysis>>();
    const jpeg = deferred<Outcome<PhotoToKeep>>();
    const client = {
      analysePhoto: () => answer.promise,
      photoToKeep: () => jpeg.promise,
    } as unknown as AnalysisClient;
    const photos = new PhotosOnTheWay();
    const service = new SurveyService(repo, client, noPosition, photos);
    const drawn = deferred<void>();
    const surveying = service.survey(new Blob([]), undefined, () => drawn.promise);
    const none = photos.none();
    answer.resolve({ ok: true, value: analysis });
    expect(await settled(none), 'analysed, not yet on screen').toBe(false);
    drawn.resolve();
    expect(await settled(none), 'on screen, the JPEG still coming').toBe(true);
    jpeg.resolve({ ok: true, value: kept });
    const outcome = await surveying;
    expect(outcome.ok).toBe(true);
    repo.close();
  });

  it('let start-up work go when the analysis fails', async () => {
    const repo = await SurveyRepository.open({ name: uniqueDbName() });
    const client = {
      analysePhoto: async (): Promise<Outcome<PhotoAnalysis>> => ({
        ok: false,
        error: { source: 'photo', code: 'undecodable', message: 'This photo is damaged.' },
      }),
    } as unknown as AnalysisClient;
    const photos = new PhotosOnTheWay();
    const outcome = await new SurveyService(repo, client, noPosition, photos).survey(
      new Blob([]),
      undefined,
    );
    expect(outcome.ok).toBe(false);
    expect(await settled(photos.none())).toBe(true);
    repo.close();
  });
});
