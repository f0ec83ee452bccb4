/**
 * `npm run test:data` starts here: it needs the shared RoadCAM material (ROADCAM_SHARED, or
 * ../shared beside the project). When any of it is missing, nothing runs and the message says
 * what to get and where to put it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../../tools/lib/paths';

/** What the checks read, as ../shared/README.md describes it. */
export const SHARED_MATERIAL: { path: string; what: string }[] = [
  {
    path: 'data/potholes-kaggle',
    what:
      'the Kaggle "Pothole Detection Dataset": normal/ and potholes/, downscaled to a 256 px ' +
      'longest side (no licence stated: never copy it into the repository)',
  },
  {
    path: 'data/potholes-annotated',
    what:
      'the "Annotated Potholes Image Dataset" by Atikur Rahman Chitholian (ODbL v1.0): images/, ' +
      'boxes.json, sizes.json, downscaled to 256 px',
  },
  {
    path: 'data/potholes-closeup',
    what:
      'close-ups of asphalt from two stereo road sequences (MIT, Rui (Ranger) Fan): potholes/, ' +
      'masks/, normal/, frames/, boxes.json',
  },
  {
    path: 'data/rdd2022-china-motorbike',
    what:
      'the China_MotorBike part of RDD2022 (Arya et al., CC BY-SA 4.0): images/ at 256x256, ' +
      'labels.json, pothole-boxes.json, counts.json',
  },
  {
    path: 'data/not-road',
    what: '400 ImageNet validation photos that are not roads, long side 256 px (ImageNet terms)',
  },
  {
    path: 'models/mobilenet_v1_0.25_224',
    what: 'MobileNet v1 0.25 224 in the TensorFlow.js layers format (Apache-2.0)',
  },
  {
    path: 'models/mobilenet_v1_0.25_224_graph',
    what: 'the same MobileNet in the TensorFlow.js graph format (Apache-2.0)',
  },
  { path: 'models/imagenet-labels.json', what: 'the 1000 ImageNet class names' },
  { path: 'images/cat.jpg', what: 'the TensorFlow.js examples cat photo (Apache-2.0)' },
  { path: 'images/basketball.jpg', what: 'the TensorFlow.js examples basketball photo' },
];

export function missingSharedMaterial(dir: string): string | null {
  const missing = SHARED_MATERIAL.filter((m) => !existsSync(path.join(dir, m.path)));
  if (missing.length === 0) return null;
  return [
    `npm run test:data checks RoadCAM on the full data sets, which are not part of the ` +
      `repository. It looked for them in ${dir} (ROADCAM_SHARED, or ../shared beside the ` +
      `project) and is missing:`,
    ...missing.map((m) => `  - ${m.path}: ${m.what}`),
    `Copy the shared RoadCAM folder (the one whose README.md describes these) beside the ` +
      `project as ../shared, or set ROADCAM_SHARED=/path/to/shared, and run it again. ` +
      `npm test itself needs none of this.`,
  ].join('\n');
}

export default function requireShared(): void {
  const message = missingSharedMaterial(sharedDir());
  if (message) {
    // Said once and plainly, before Vitest collects anything (a thrown error would come second
    // to its own "No test files found").
    process.stderr.write(`\n${message}\n\n`);
    process.exit(1);
  }
}
