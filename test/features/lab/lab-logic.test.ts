/**
 * The lab's plain logic: sorting picked files, reading model.json before the model is built
 * (src/model's reader, as the lab uses it), labels files, the Filters panel's settings and the explain core's defaults they mirror, the
 * middle conv layer, and the region audit's summary.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import { defaultActmaxOptions } from '../../../src/explain/actmax/defaults';
import { regionEnergyShares } from '../../../src/explain/metrics/energy';
import {
  ACTMAX_PRESETS,
  actmaxSettingsFor,
  defaultPreset,
  settingsProblem,
} from '../../../src/features/lab/shared/actmax-settings';
import { middleConvLayer } from '../../../src/features/lab/shared/layer-choice';
import {
  missingWeightFiles,
  pickedWeightFiles,
  sortPickedFiles,
} from '../../../src/features/lab/shared/picked-files';
import {
  answersFromForm,
  type ManifestFormValues,
} from '../../../src/features/lab/shared/form-answers';
import { parseLabels } from '../../../src/model/labels-file';
import { labelsFor } from '../../../src/model/manifest-answers';
import { readModelArtifacts } from '../../../src/model/model-artifacts';
import { ModelLoadError } from '../../../src/model/model-load-error';
import { summariseModelJson } from '../../../src/model/model-json';
import { summariseAudit, type AuditRow } from '../../../src/features/lab/shared/region-audit';
import { actmaxOptionsFrom, responds } from '../../../src/features/lab/worker/lab-analysis';
import type { LabLayer } from '../../../src/features/lab/shared/lab-protocol';
import { fixturePath } from '../../helpers/fixtures';

const file = (name: string, text = '') => ({ name, blob: new Blob([text]) });

describe('picked model files', () => {
  it('sorts model.json, manifest, labels and shards, whatever the order', () => {
    const sorted = sortPickedFiles([
      file('group1-shard1of2.bin'),
      file('imagenet-labels.json'),
      file('manifest.json'),
      file('model.json'),
      file('group1-shard2of2.bin'),
    ]);
    expect(sorted.modelJson.name).toBe('model.json');
    expect(sorted.manifest?.name).toBe('manifest.json');
    expect(sorted.labels?.name).toBe('imagenet-labels.json');
    expect(sorted.shards.map((f) => f.name)).toEqual([
      'group1-shard1of2.bin',
      'group1-shard2of2.bin',
    ]);
  });

  it('says what is wrong: nothing chosen, no model.json, two models at once', () => {
    const message = (files: ReturnType<typeof file>[]) => {
      try {
        sortPickedFiles(files);
        return '';
      } catch (e) {
        expect(e).toBeInstanceOf(ModelLoadError);
        return (e as Error).message;
      }
    };
    expect(message([])).toMatch(/No files were chosen/);
    expect(message([file('a.bin'), file('b.bin')])).toMatch(
      /None of the 2 chosen files is a model\.json/,
    );
    expect(message([file('model.json'), file('model (1).json')])).toMatch(/one model at a time/);
  });

  it('reads both MobileNet model.json files: format, input shape, weight files', () => {
    const layers = summariseModelJson(
      readFileSync(fixturePath('models', 'mobilenet_v1_0.25_224', 'model.json'), 'utf8'),
    );
    expect(layers.format).toBe('layers');
    expect(layers.inputShape).toEqual([224, 224, 3]);
    expect(layers.weightFiles).toHaveLength(55);
    const graph = summariseModelJson(
      readFileSync(fixturePath('models', 'mobilenet_v1_0.25_224_graph', 'model.json'), 'utf8'),
    );
    expect(graph.format).toBe('graph');
    expect(graph.inputNodes).toEqual(['images']);
    expect(graph.weightFiles).toEqual(['group1-shard1of1']);
    expect(missingWeightFiles(graph, [])).toEqual(['group1-shard1of1']);
  });

  it('refuses what is not a model, with a message that says so', () => {
    expect(() => summariseModelJson('{"modelTopology": ', 'model.json')).toThrow(
      /not valid JSON: the file is damaged/,
    );
    expect(() => summariseModelJson('{"weights": []}')).toThrow(/not a TensorFlow\.js model/);
  });

  it('joins the shards in the order model.json lists them', () => {
    const json = JSON.stringify({
      modelTopology: { node: [] },
      weightsManifest: [
        { paths: ['b.bin'], weights: [{ name: 'x', shape: [1], dtype: 'float32' }] },
        { paths: ['dir/a.bin'], weights: [{ name: 'y', shape: [1], dtype: 'float32' }] },
      ],
    });
    const shards = new Map([
      ['a.bin', new Uint8Array([5, 6, 7, 8]).buffer],
      ['b.bin', new Uint8Array([1, 2, 3, 4]).buffer],
    ]);
    const artifacts = readModelArtifacts(json, pickedWeightFiles(shards));
    expect(Array.from(new Uint8Array(artifacts.weightData as ArrayBuffer))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(artifacts.weightSpecs!.map((w) => w.name)).toEqual(['x', 'y']);
    expect(() =>
      readModelArtifacts(json, pickedWeightFiles(new Map([['a.bin', new ArrayBuffer(4)]]))),
    ).toThrow(/1 of them was not chosen \(b\.bin\)/);
  });
});

describe('labels', () => {
  it('reads a JSON list, an index map (also Keras style) and plain lines', () => {
    const imagenet = parseLabels(
      readFileSync(fixturePath('models', 'imagenet-labels.json'), 'utf8'),
    );
    expect(imagenet).toHaveLength(1000);
    expect(imagenet[0]).toMatch(/^tench/);
    expect(parseLabels('{"1": "dog", "0": "cat"}')).toEqual(['cat', 'dog']);
    expect(parseLabels('{"0": ["n01", "cat"], "1": ["n02", "dog"]}')).toEqual(['cat', 'dog']);
    expect(parseLabels('normal\r\npothole\n')).toEqual(['normal', 'pothole']);
    expect(() => parseLabels('   ', 'labels.txt')).toThrow(/labels\.txt is empty/);
    expect(() => parseLabels('{"a": 1}', 'x.json')).toThrow(/not a list of class names/);
    expect(() => parseLabels('{"0": "cat", "2": "dog"}')).toThrow(/not a list/);
  });

  it('fits labels to the outputs: background offset, one sigmoid unit, numbered classes', () => {
    expect(labelsFor(['a', 'b', 'c'], 4)).toEqual({ labels: ['a', 'b', 'c'], labelOffset: 1 });
    expect(labelsFor(['normal', 'pothole'], 1)).toEqual({
      labels: ['normal', 'pothole'],
      labelOffset: 0,
    });
    expect(labelsFor(null, 3).labels).toEqual(['class 0', 'class 1', 'class 2']);
    expect(labelsFor(null, 1).labels).toEqual(['class 0', 'class 1']);
    expect(() => labelsFor(['a', 'b'], 10)).toThrow(/2 names, but the model has 10 outputs/);
  });
});

describe('filter settings', () => {
  it('standard settings build the same modifiers and regularisers as the core defaults', () => {
    for (const shape of [
      [28, 28, 1],
      [160, 160, 3],
      [224, 224, 3],
    ]) {
      const core = defaultActmaxOptions(shape);
      const lab = actmaxOptionsFrom(actmaxSettingsFor(shape, 'standard'));
      expect(lab.steps).toBe(core.steps);
      expect(lab.learningRate).toBe(core.learningRate);
      expect(lab.parameterization).toBe(core.parameterization);
      expect(lab.modifiers!.map((m) => m.name)).toEqual(core.modifiers.map((m) => m.name));
      expect(lab.regularizers!.map((r) => [r.name, r.weight])).toEqual(
        core.regularizers.map((r) => [r.name, r.weight]),
      );
    }
  });

  it('starts large inputs on the quick preset, MNIST-sized ones on the standard one', () => {
    expect(defaultPreset([224, 224, 3])).toBe('quick');
    expect(defaultPreset([28, 28, 1])).toBe('standard');
    expect(actmaxSettingsFor([160, 160, 3]).steps).toBe(24);
    expect(ACTMAX_PRESETS.map((p) => p.id)).toEqual(['quick', 'standard', 'fine']);
    expect(actmaxSettingsFor([224, 224, 3], 'fine')).toMatchObject({
      steps: 512,
      learningRate: 0.05,
    });
  });

  it('names a setting out of range', () => {
    const ok = actmaxSettingsFor([224, 224, 3]);
    expect(settingsProblem(ok)).toBeNull();
    expect(settingsProblem({ ...ok, steps: 0 })).toMatch(/Steps/);
    expect(settingsProblem({ ...ok, learningRate: -1 })).toMatch(/learning rate/);
    expect(settingsProblem({ ...ok, scaleAmount: 1 })).toMatch(/Zoom/);
  });

  it('tells a dead filter from one that moved', () => {
    expect(responds([0, 0, 0, 0])).toBe(false);
    expect(responds([0.1, 0.1000000001])).toBe(false);
    expect(responds([0.1, 0.5, 1.2])).toBe(true);
    expect(responds([NaN])).toBe(false);
  });
});

describe('the middle conv layer', () => {
  const layer = (name: string, kind: string, shape: number[]): LabLayer => ({
    name,
    kind,
    outputShape: shape,
    spatial: shape.length === 4 && shape[1] * shape[2] > 1,
    count: shape[shape.length - 1],
    role: shape.length === 4 ? 'conv' : shape.length === 2 ? 'dense' : 'other',
  });

  it("is the seed CNN's conv2, and ignores pooling, activations and dense layers", () => {
    const seed = [
      layer('conv1', 'Conv2D', [-1, 158, 158, 64]),
      layer('pool1', 'MaxPooling2D', [-1, 79, 79, 64]),
      layer('conv2', 'Conv2D', [-1, 77, 77, 32]),
      layer('conv2_relu', 'ReLU', [-1, 77, 77, 32]),
      layer('conv3', 'Conv2D', [-1, 36, 36, 16]),
      layer('flatten', 'Flatten', [-1, 5184]),
      layer('dense1', 'Dense', [-1, 64]),
    ];
    expect(middleConvLayer(seed)?.name).toBe('conv2');
    expect(middleConvLayer(seed.slice(5))).toBeNull();
  });
});

describe('region audit summary', () => {
  const map = (rows: number[][]) => ({
    width: rows[0].length,
    height: rows.length,
    data: Float32Array.from(rows.flat()),
  });
  // 4x4 maps: row 0 is the top band, row 3 the bottom, columns 0 and 3 of rows 1-2 the edges.
  const sky = regionEnergyShares(
    map([
      [1, 1, 1, 1],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]),
  );
  const centre = regionEnergyShares(
    map([
      [0, 0, 0, 0],
      [0, 1, 1, 0],
      [0, 1, 1, 0],
      [0, 0, 0, 0],
    ]),
  );
  const empty = regionEnergyShares(
    map([
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]),
  );
  const row = (name: string, label: string, regions: AuditRow['regions']): AuditRow => ({
    name,
    label,
    probability: 0.9,
    regions,
    error: null,
  });

  it('averages shares over photos, by class, and names a favoured region', () => {
    const s = summariseAudit([
      row('a.jpg', 'normal', sky),
      row('b.jpg', 'normal', sky),
      row('c.jpg', 'pothole', centre),
      row('d.jpg', 'pothole', empty),
      { name: 'e.txt', label: null, probability: null, regions: null, error: 'not a photo' },
    ]);
    expect(s).toMatchObject({ chosen: 5, measured: 3, emptyMaps: 1, failed: 1 });
    expect(s.all!.energy.top).toBeCloseTo(2 / 3, 6);
    expect(s.all!.energy.centre).toBeCloseTo(1 / 3, 6);
    expect(s.all!.area.top).toBeCloseTo(0.25, 6);
    expect(s.byLabel.map((b) => [b.label, b.summary.photos])).toEqual([
      ['normal', 2],
      ['pothole', 1],
    ]);
    expect(s.byLabel[0].summary.energy.top).toBe(1);
    expect(s.favoured?.region).toBe('top');
    expect(s.sentence).toMatch(
      /Over 3 photos, 67% of the heatmap energy lies in the top band, which covers 25%/,
    );
  });

  it('says when nothing could be measured', () => {
    expect(summariseAudit([]).sentence).toBe('No photos were chosen.');
    expect(summariseAudit([row('d.jpg', 'normal', empty)]).sentence).toMatch(
      /No heatmap had any energy/,
    );
    expect(
      summariseAudit([
        { name: 'x', label: null, probability: null, regions: null, error: 'This file is empty.' },
      ]).sentence,
    ).toBe('None of the 1 photos could be analysed: This file is empty.');
  });
});

describe("the manifest form's normalisation", () => {
  const form: ManifestFormValues = {
    name: 'm',
    width: 224,
    height: 224,
    channels: 3,
    normalization: 'custom',
    mean: '0.4, 0.45, 0.48',
    std: '0.0039216',
    channelOrder: 'bgr',
    resize: 'stretch',
    inputNode: '',
    outputNode: '',
  };

  it('custom values keep the channel order chosen; RGB is left unsaid', () => {
    expect(answersFromForm(form, null).normalization).toEqual({
      mean: [0.4, 0.45, 0.48],
      std: [0.0039216],
      channelOrder: 'bgr',
    });
    expect(answersFromForm({ ...form, channelOrder: 'rgb' }, null).normalization).toEqual({
      mean: [0.4, 0.45, 0.48],
      std: [0.0039216],
    });
  });

  it('the Caffe preset is BGR whatever the custom fields held', () => {
    const caffe = answersFromForm({ ...form, normalization: 'caffe', channelOrder: 'rgb' }, null);
    expect(caffe.normalization.channelOrder).toBe('bgr');
    expect(caffe.normalization.mean.map((m) => m * 255)).toEqual([
      expect.closeTo(103.939, 6),
      expect.closeTo(116.779, 6),
      expect.closeTo(123.68, 6),
    ]);
  });
});
