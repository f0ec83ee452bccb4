/**
 * The photos whose analysis the worker has sent and whose JPEG the page has not taken yet. The
 * JPEG is encoded after the analysis has gone (a task later), so that it neither holds back the
 * verdict and heatmap nor takes CPU from the model; the page takes it by the ticket the analysis
 * carried, once: a photo becomes at most one survey.
 */
import { encodePhoto, type EncodedPhoto } from '../image/prepare-photo';
import type { Outcome, PhotoToKeep } from './protocol';
import { StageClock } from './stage-clock';

/** The page takes each photo at once; past this many the oldest go, so that a caller that never
 * takes them does not fill the worker's memory. */
export const MAX_UNTAKEN_PHOTOS = 8;

type Bitmap = Pick<ImageBitmap, 'width' | 'height' | 'close'>;

/** The photo to keep could not be decoded at its size (after its preview was analysed). */
class NotDecoded extends Error {
  constructor(readonly reason: unknown) {
    super(String(reason));
  }
}

function notKept(error: unknown): Outcome<PhotoToKeep> {
  const decoding = error instanceof NotDecoded;
  return {
    ok: false,
    error: {
      source: 'photo',
      code: decoding ? 'not-decoded' : 'not-encoded',
      message: decoding
        ? 'This photo could not be saved: it could not be read again at its full size, so ' +
          'nothing was kept. Take the photo again.'
        : 'This photo could not be saved: it could not be stored as a JPEG, so nothing was ' +
          'kept. Take the photo again.',
      detail: decoding ? `decodeToKeep: ${String(error.reason)}` : `encodePhoto: ${String(error)}`,
    },
  };
}

export class PhotosToKeep {
  private readonly untaken = new Map<number, Promise<Outcome<PhotoToKeep>>>();
  private lastTicket = 0;

  constructor(
    private readonly encode: (photo: Bitmap) => Promise<EncodedPhoto> = (photo) =>
      encodePhoto(photo as ImageBitmap),
  ) {}

  /**
   * Encodes `photo` (the worker's own bitmap, closed after) once this task is over; given as a
   * function, the photo is decoded then (a large photo whose verdict came from a preview).
   */
  encodeLater(photo: Bitmap | (() => Promise<Bitmap>)): number {
    const clock = new StageClock();
    const encoding = new Promise((resolve) => setTimeout(resolve, 0))
      .then(() =>
        typeof photo === 'function'
          ? clock.time('decode to keep', photo).catch((error: unknown) => {
              throw new NotDecoded(error);
            })
          : photo,
      )
      .then(async (bitmap): Promise<Outcome<PhotoToKeep>> => {
        try {
          const encoded = await clock.time('encode', () => this.encode(bitmap));
          return {
            ok: true,
            value: {
              jpeg: encoded.jpeg,
              thumbnail: encoded.thumbnail,
              photo: {
                sha256: encoded.sha256,
                bytes: encoded.jpeg.size,
                width: bitmap.width,
                height: bitmap.height,
                type: 'image/jpeg',
              },
              stages: clock.stages,
            },
          };
        } finally {
          bitmap.close();
        }
      })
      .catch((error: unknown): Outcome<PhotoToKeep> => notKept(error));
    const ticket = ++this.lastTicket;
    this.untaken.set(ticket, encoding);
    for (const old of this.untaken.keys()) {
      if (this.untaken.size <= MAX_UNTAKEN_PHOTOS) break;
      this.untaken.delete(old);
    }
    return ticket;
  }

  /** The photo of `ticket` once encoded; a ticket taken already (or dropped) fails. */
  take(ticket: number): Promise<Outcome<PhotoToKeep>> {
    const encoding = this.untaken.get(ticket);
    this.untaken.delete(ticket);
    return (
      encoding ??
      Promise.resolve({
        ok: false,
        error: {
          source: 'internal',
          code: 'photo-taken',
          message: 'This photo is no longer waiting to be saved. Take the photo again.',
          detail: `photoToKeep: no photo with ticket ${ticket} (taken already, or dropped)`,
        },
      })
    );
  }
}
