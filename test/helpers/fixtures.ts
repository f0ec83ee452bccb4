/**
 * The material tests use, from test/fixtures (sources and licences in its NOTICE.md): small
 * copies of the shared models, images and photos, in the shared folder's layout. `npm test`
 * never reads ../shared itself (tools/lib/paths.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../tools/lib/paths';

export const FIXTURES_DIR = path.join(projectRoot, 'test', 'fixtures');

export function fixturePath(...parts: string[]): string {
  const p = path.join(FIXTURES_DIR, ...parts);
  if (!existsSync(p)) {
    throw new Error(
      `Test fixture not found: ${p}. The fixtures are part of the repository: restore it ` +
        '(git checkout -- test/fixtures) or, for a new one, add it with its source and licence ' +
        'in test/fixtures/NOTICE.md.',
    );
  }
  return p;
}

/** Laid out as the shared `models/`: both MobileNet v1 0.25 formats and the ImageNet labels. */
export const FIXTURE_MODELS_DIR = path.join(FIXTURES_DIR, 'models');
export const mobilenetFixture = (format: 'layers' | 'graph') =>
  fixturePath(
    'models',
    format === 'graph' ? 'mobilenet_v1_0.25_224_graph' : 'mobilenet_v1_0.25_224',
  );

const annotated = (n: number) =>
  fixturePath('data', 'potholes-annotated', 'images', `img-${n}.jpg`);
const closeup = (dir: 'potholes' | 'normal', name: string) =>
  fixturePath('data', 'potholes-closeup', dir, `${name}.jpg`);
const field = (n: string) =>
  fixturePath('data', 'rdd2022-china-motorbike', 'images', `China_MotorBike_${n}.jpg`);

/**
 * Road photos with a pothole that the shipped pothole model (public/models/pothole) calls
 * pothole, none of them seen in its training: web photos first, then close-ups.
 * test/model/fixture-photos.test.ts checks the verdicts.
 */
export const potholePhotos = (): string[] => [
  ...[41, 87, 108, 286, 299, 326].map(annotated),
  ...['d1_21_0', 'd2_16_1', 'd2_18_0', 'd2_27_0', 'd2_30_0'].map((n) => closeup('potholes', n)),
];

/** Close-ups of intact asphalt that the shipped pothole model calls good road. */
export const goodRoadPhotos = (): string[] =>
  [
    'd1_21_x512_y0',
    'd1_22_x0_y0',
    'd2_29_x0_y512',
    'd2_17_x0_y512',
    'd2_26_x0_y0',
    'd2_19_x0_y0',
    'd2_20_x0_y0',
    'd2_28_x0_y0',
  ].map((n) => closeup('normal', n));

/** Field photos from a motorbike (RDD2022), by what their labels show. */
export const fieldPhotos = () => ({
  /** A pothole and cracks (000195 also a patch). */
  potholeAndCrack: ['000195', '000552', '000553'].map(field),
  /** Cracks or a patch, no pothole. */
  cracksOrPatchOnly: ['000142', '000844', '001160', '001500'].map(field),
});
