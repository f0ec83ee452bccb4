/**
 * What the project knows about the data sets it is trained on: origin and licence, for model
 * cards. A folder the project does not know gets a line asking its owner to state the licence.
 */
export interface SourceInfo {
  title: string;
  origin: string;
  licence: string;
}

const KNOWN: Record<string, SourceInfo> = {
  'potholes-kaggle': {
    title: 'Pothole Detection Dataset (Kaggle)',
    origin:
      'the Kaggle "Pothole Detection Dataset" (681 photos from web image search), downscaled to ' +
      'a 256 px longest side',
    licence: 'no licence stated by its publisher; used for training and evaluation only',
  },
  'potholes-annotated': {
    title: 'Annotated Potholes Image Dataset',
    origin:
      'the "Annotated Potholes Image Dataset" by Atikur Rahman Chitholian (web photos, some with ' +
      'stock watermarks), with hand-drawn pothole boxes',
    licence: 'ODbL v1.0, attribution: Atikur Rahman Chitholian',
  },
  'potholes-closeup': {
    title: 'Pothole close-ups (stereo road sequences)',
    origin:
      'crops of two stereo-camera sequences looking down at asphalt from 1-2 m, with pothole ' +
      'masks and boxes',
    licence: 'MIT, "Copyright (c) 2021 Rui (Ranger) Fan"',
  },
  'rdd2022-china-motorbike': {
    title: 'RDD2022, China_MotorBike (field photos)',
    origin:
      'phone photos of road surfaces taken from a motorbike in China, part of the China_MotorBike ' +
      'set of RDD2022 (D. Arya, H. Maeda, S. K. Ghosh, D. Toshniwal, Y. Sekimoto, "RDD2022: A ' +
      'multi-national image dataset for automatic Road Damage Detection", 2022), resized to ' +
      '256x256, with every damage boxed (D00, D10, D20 cracks, D40 potholes, Repair patches)',
    licence: 'CC BY-SA 4.0 (attribute RDD2022 and its authors; share adaptations alike)',
  },
};

export function sourceInfo(source: string): SourceInfo {
  return (
    KNOWN[source] ?? {
      title: source,
      origin: 'a folder given to the train command',
      licence: 'not recorded: state the licence of these photos in this card',
    }
  );
}

/**
 * Data sets whose licence lets the project copy their photos into the repository (test
 * fixtures, figures with the photo under a heatmap), with the attribution NOTICE.md gives.
 * potholes-kaggle states no licence, and a folder the project does not know is not copied.
 */
const COPYABLE = new Set(['potholes-annotated', 'potholes-closeup', 'rdd2022-china-motorbike']);

export function mayCopyPhotos(source: string): boolean {
  return COPYABLE.has(source);
}
