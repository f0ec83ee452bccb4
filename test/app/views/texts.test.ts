import { describe, expect, it } from 'vitest';
import { aboutView } from '../../../src/app/views/about-view';
import { modelStatusLine, modelText } from '../../../src/app/views/model-text';
import {
  describeNoPosition,
  positionText,
  savedPositionText,
} from '../../../src/app/views/position-text';
import { persistedText, storageText } from '../../../src/app/views/storage-text';
import { adjustmentsNotice, savedNotice } from '../../../src/app/views/survey-result';
import { lastSyncText, syncSummary, waitingText } from '../../../src/app/views/sync-text';
import type { ModelStatus } from '../../../src/workers/protocol';
import { makeRecord } from '../../store/make-record';

const ready: ModelStatus = {
  state: 'ready',
  model: {
    task: 'pothole',
    id: 'pothole-cnn',
    version: '2.1.0',
    name: 'Pothole CNN',
    labels: ['normal', 'pothole'],
    camLayer: 'conv3',
    camMethod: 'gradcam',
    inputWidth: 128,
    inputHeight: 128,
  },
  loadMs: 10,
  warmUpMs: 5,
};

describe('position text', () => {
  it('says why there is no position', () => {
    expect(describeNoPosition('denied')).toBe('No position: location permission was refused.');
    expect(describeNoPosition('timeout')).toBe('No position: no GPS fix yet.');
    expect(positionText({ position: null, noPositionReason: null })).toBe(
      'No position: the GPS could not find one.',
    );
  });

  it('words the saved notice in lower case, with the accuracy or its source', () => {
    const gps = { lat: 1, lon: 2, accuracyM: 11.6, source: 'gps' as const };
    expect(savedPositionText({ position: gps, noPositionReason: null })).toBe('position ±12 m');
    expect(
      savedPositionText({ position: { ...gps, accuracyM: null }, noPositionReason: null }),
    ).toBe('position ±? m (from the photo)');
    expect(savedPositionText({ position: null, noPositionReason: 'unsupported' })).toBe(
      'no position: this browser has no location service',
    );
  });
});

describe('survey page notices', () => {
  it('lists what was done to the photo, then that it was saved', () => {
    expect(adjustmentsNotice([])).toBe('');
    const notice = adjustmentsNotice(['reduced', 'rotated']);
    expect(notice).toBe('Photo reduced to 1600 px, turned upright (EXIF orientation).');
    const record = makeRecord({ position: null, noPositionReason: 'timeout' });
    expect(savedNotice(notice, record)).toBe(`${notice} Saved (no position: no GPS fix yet).`);
    expect(savedNotice('', makeRecord())).toBe('Saved (position ±8 m).');
  });
});

describe('model and storage text', () => {
  it('says whether the model is ready, loading or failed', () => {
    expect(modelStatusLine(ready)).toBe('Model ready: Pothole CNN');
    expect(modelStatusLine({ state: 'loading' })).toBe('Model loading…');
    expect(modelStatusLine({ state: 'failed', message: 'x' })).toMatch(/kept without a verdict/);
    expect(modelText(ready)).toBe('Pothole CNN (pothole-cnn 2.1.0), CAM layer conv3');
    expect(modelText({ state: 'failed', message: 'The model file is damaged.' })).toBe(
      'not loaded: The model file is damaged.',
    );
  });

  it('says how much is used and whether it is kept safe', () => {
    expect(
      storageText({ usedBytes: 3 * 1024 ** 2, quotaBytes: 2 * 1024 ** 3, persisted: true }),
    ).toBe('Storage: 3.0 MB used of 2.0 GB available to this app.');
    expect(storageText({ usedBytes: null, quotaBytes: null, persisted: null })).toBe(
      'Storage use: unknown on this browser.',
    );
    expect(persistedText(null)).toBe('unknown on this browser');
    expect(persistedText(false)).toMatch(/^not granted/);
  });

  it('puts the about page together', () => {
    const view = aboutView({
      engine: null,
      modelStatus: { state: 'failed', message: 'missing' },
      storage: { usedBytes: null, quotaBytes: null, persisted: false },
      install: 'ios',
      isolated: false,
      version: '0.1.0',
    });
    expect(view).toMatchObject({
      backendText: 'starting…',
      modelFailed: true,
      persisted: false,
      install: 'ios',
      version: '0.1.0',
    });
  });
});

describe('sync text', () => {
  it('words the list header', () => {
    expect(waitingText(0)).toBe('Nothing waiting to sync');
    expect(waitingText(3)).toBe('3 waiting to sync');
    expect(lastSyncText(null)).toBe('Never synced yet');
    const summary = syncSummary({
      ready: true,
      waiting: 2,
      lastSyncAt: null,
      syncing: true,
      configured: false,
      problem: 'Sync is not set up',
      failures: new Map(),
    });
    expect(summary).toEqual({
      waiting: 2,
      waitingText: '2 waiting to sync',
      lastSyncText: 'Never synced yet',
      syncing: true,
      problem: 'Sync is not set up',
    });
  });
});
