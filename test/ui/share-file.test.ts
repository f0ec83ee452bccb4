/**
 * The decision of handFile (share sheet or download) against stand-in share targets: Linux
 * Chromium has no Web Share, so the share path cannot run in the browser tests; the download
 * path runs for real in test/browser/phone-export.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { handFile, type ShareTarget } from '../../src/ui/share-file';

function recorder() {
  const downloads: { name: string; text: Promise<string> }[] = [];
  return {
    downloads,
    download: (blob: Blob, name: string) => downloads.push({ name, text: blob.text() }),
  };
}

const csv = () => new Blob(['id,lat\n1,2\n'], { type: 'text/csv' });

describe('handing an export to the person', () => {
  it('shares the file through the share sheet when the browser can share it', async () => {
    const shared: ShareData[] = [];
    const target: ShareTarget = {
      canShare: (data) => (data.files ?? []).every((f) => f.type === 'text/csv'),
      share: async (data) => {
        shared.push(data);
      },
    };
    const { downloads, download } = recorder();
    expect(await handFile(csv(), 'roadcam.csv', { target, download })).toBe('shared');
    expect(downloads).toEqual([]);
    const [file] = shared[0].files!;
    expect(file.name).toBe('roadcam.csv');
    expect(file.type).toBe('text/csv');
    expect(await file.text()).toBe('id,lat\n1,2\n');
  });

  it('downloads when the browser cannot share (no Web Share, or not this type of file)', async () => {
    for (const target of [
      {},
      { canShare: () => false, share: async () => undefined },
      { canShare: () => true }, // canShare without share: not usable
      {
        canShare: () => {
          throw new TypeError('files not supported');
        },
        share: async () => undefined,
      },
    ] as ShareTarget[]) {
      const { downloads, download } = recorder();
      expect(await handFile(csv(), 'roadcam.csv', { target, download })).toBe('downloaded');
      expect(downloads.map((d) => d.name)).toEqual(['roadcam.csv']);
      expect(await downloads[0].text).toBe('id,lat\n1,2\n');
    }
  });

  it('downloads when sharing is refused or fails, and does nothing when the person closes the sheet', async () => {
    const failing = (name: string): ShareTarget => ({
      canShare: () => true,
      share: async () => {
        throw new DOMException('refused', name);
      },
    });
    for (const name of ['NotAllowedError', 'DataError', 'InvalidStateError']) {
      const { downloads, download } = recorder();
      expect(await handFile(csv(), 'a.csv', { target: failing(name), download })).toBe(
        'downloaded',
      );
      expect(downloads).toHaveLength(1);
    }
    const { downloads, download } = recorder();
    expect(await handFile(csv(), 'a.csv', { target: failing('AbortError'), download })).toBe(
      'cancelled',
    );
    expect(downloads).toEqual([]);
  });
});
