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
