import { describe, expect, it } from 'vitest';
import { whatChanged } from '../../../src/features/model-update/shared/what-changed';
import { modelUpdateText } from '../../../src/features/model-update/shared/update-text';
import {
  INITIAL_INSTALL_STATE,
  installed,
  installFailed,
} from '../../../src/features/model-update/shared/install-state';
import type { ModelStatus } from '../../../src/workers/protocol';

const manifest = {
  name: 'RoadCAM road damage',
  labels: ['pothole', 'crack', 'patch', 'rutting'],
  metrics: { report: { n: 440, accuracy: 0.8977, pothole_recall: 0.8253 } },
};

describe('whatChanged', () => {
  it('gives the notes, the types gained and lost, and the measured figures', () => {
    expect(
      whatChanged(manifest, '  Trained on 300 reviewed field photos.  ', {
        labels: ['pothole', 'crack', 'patch', 'alligator-crack'],
        version: '2.0.0',
      }),
    ).toEqual([
      'Trained on 300 reviewed field photos.',
      'Now also finds: rutting.',
      'No longer finds: alligator-crack.',
      'Measured on 440 photos it was not trained on: accuracy 90 %, potholes found 83 %.',
    ]);
  });

  it('says when the types are the same, and when nothing was published with it', () => {
    expect(whatChanged(manifest, '', { labels: manifest.labels, version: '2.0.0' })[0]).toBe(
      'Finds the same types as model 2.0.0.',
    );
    expect(whatChanged({}, '', null)).toEqual(['No notes were published with this model.']);
  });
});

describe('modelUpdateText', () => {
  const ready: ModelStatus = {
    state: 'ready',
    model: {
      task: 'road-damage',
      id: 'roadcam-road-damage',
      version: '2.1.0',
      name: 'RoadCAM road damage',
      labels: [],
      camLayer: 'x',
      camMethod: 'gradcam',
      inputWidth: 224,
      inputHeight: 224,
    },
    loadMs: 1,
    warmUpMs: 1,
  };
  const model = {
    version: '2.1.0',
    modelId: 'roadcam-road-damage',
    name: 'RoadCAM road damage',
    notes: 'n',
    publishedAt: '',
    installedAt: '2026-12-02T10:00:00.000Z',
    whatChanged: ['n'],
  };

  it('announces an installed model and offers re-analysis and going back', () => {
    const text = modelUpdateText(
      { install: installed(INITIAL_INSTALL_STATE, model), activity: { kind: 'idle' } },
      ready,
    );
    expect(text.news).toEqual({ title: 'Model 2.1.0 installed: what changed', lines: ['n'] });
    expect(text.goBack).toBe('Go back to the model the app came with');
    expect(text.canReanalyse).toBe(true);
    expect(text.running).toMatch(/Model 2\.1\.0 from the sync server, installed 2026-12-02/);
  });

  it('shows the download, and a failure with the working model named', () => {
    const state = installFailed(INITIAL_INSTALL_STATE, {
      version: '2.1.0',
      message: 'Model 2.1.0 was not installed: … The current model stays.',
      at: '',
    });
    const text = modelUpdateText(
      {
        install: state,
        activity: {
          kind: 'downloading',
          version: '2.1.0',
          progress: { doneFiles: 2, totalFiles: 4, doneBytes: 1_500_000, totalBytes: 3_400_000 },
        },
      },
      ready,
    );
    expect(text.activity).toMatch(/2 of 4 files \(1\.5 of 3\.4 MB\)/);
    expect(text.problem).toMatch(/current model stays/);
    expect(text.goBack).toBeNull();
    expect(text.canReanalyse).toBe(false);
  });

  it('says plainly when the installed model failed to load and the bundled one runs', () => {
    const text = modelUpdateText(
      { install: installed(INITIAL_INSTALL_STATE, model), activity: { kind: 'idle' } },
      { ...ready, fallbackReason: 'Model 2.1.0 is no longer complete on this phone.' },
    );
    expect(text.running).toBe('The model the app came with.');
    expect(text.problem).toMatch(/could not be loaded.*no longer complete/);
    expect(text.canReanalyse).toBe(false);
  });
});
