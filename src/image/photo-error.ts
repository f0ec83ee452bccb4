/**
 * Typed errors for a photo that cannot be used. `message` tells the field engineer what went
 * wrong and what to do; `detail` tells a developer what the bytes or the browser said.
 */
export type PhotoErrorCode =
  | 'empty'
  | 'not-a-photo'
  | 'heic'
  | 'unsupported-format'
  | 'truncated'
  | 'undecodable'
  | 'too-large';

export class PhotoError extends Error {
  readonly code: PhotoErrorCode;
  readonly detail?: string;

  constructor(code: PhotoErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'PhotoError';
    this.code = code;
    this.detail = detail;
  }
}

export const HEIC_MESSAGE =
  'This photo is in HEIC/HEIF format, which this browser cannot read. ' +
  'Set the camera to JPEG and take the photo again: on an iPhone, Settings > Camera > Formats > ' +
  '"Most Compatible"; on Android, turn off "HEIF" / "High efficiency pictures" in the camera ' +
  "app's settings.";
