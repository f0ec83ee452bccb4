/**
 * A file made on the device handed to the person: through the system's share sheet where the
 * browser can share that file (Web Share Level 2, `navigator.canShare({ files })`: Chrome on
 * Android, Safari on iOS; each browser allows its own list of file types, so a CSV may be
 * shareable where a GeoPackage is not), else as a download. Both work offline: nothing is sent
 * to a server. Sharing needs a recent tap; when the file took too long to make and the browser
 * refuses (NotAllowedError), or sharing fails for any other reason, the file is downloaded
 * instead, so it is never lost. Closing the share sheet is the person's choice: no download.
 */
import { downloadBlob } from './download';

export type HandedFile = 'shared' | 'downloaded' | 'cancelled';

/** The part of `navigator` this uses (absent members: the browser cannot share). */
export interface ShareTarget {
  canShare?(data: ShareData): boolean;
  share?(data: ShareData): Promise<void>;
}

export interface HandFileOptions {
  target?: ShareTarget;
  download?: (blob: Blob, name: string) => void;
}

export async function handFile(
  blob: Blob,
  name: string,
  { target = navigator, download = downloadBlob }: HandFileOptions = {},
): Promise<HandedFile> {
  const file = new File([blob], name, { type: blob.type });
  const data: ShareData = { files: [file], title: name };
  let canShare: boolean;
  try {
    canShare = typeof target.share === 'function' && target.canShare?.(data) === true;
  } catch {
    canShare = false; // a browser that throws on the question cannot share this file
  }
  if (canShare) {
    try {
      await target.share!(data);
      return 'shared';
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') return 'cancelled';
      // NotAllowedError (the tap is too old), DataError, a share target that failed: download.
    }
  }
  download(blob, name);
  return 'downloaded';
}
