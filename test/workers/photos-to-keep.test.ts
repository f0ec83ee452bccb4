/**
 * The worker's photos to keep: each encoded after the analysis went, taken once by its ticket,
 * an encoding failure said in the engineer's words, the bitmap closed either way.
 */
import { describe, expect, it } from 'vitest';
import { MAX_UNTAKEN_PHOTOS, PhotosToKeep } from '../../src/workers/photos-to-keep';

function bitmap() {
  const b = { width: 4, height: 3, closed: false, close: () => void (b.closed = true) };
  return b;
}

const encoded = {
  jpeg: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }),
  thumbnail: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }),
  sha256: 'a'.repeat(64),
};

describe('PhotosToKeep', () => {
  it('encodes after the current task, and gives each photo once', async () => {
    let encodings = 0;
    const photos = new PhotosToKeep(async () => {
      encodings += 1;
      return encoded;
    });
    const photo = bitmap();
    const ticket = photos.encodeLater(photo);
    expect(encodings).toBe(0);
    const first = await photos.take(ticket);
    expect(first).toMatchObject({
      ok: true,
      value: { photo: { sha256: 'a'.repeat(64), bytes: 4, width: 4, height: 3 } },
    });
    if (first.ok) expect(first.value.stages.map((s) => s.stage)).toEqual(['encode']);
    expect(encodings).toBe(1);
    expect(photo.closed).toBe(true);
    const again = await photos.take(ticket);
    expect(again).toMatchObject({ ok: false, error: { code: 'photo-taken' } });
  });

  it('says when the JPEG could not be made, and closes the bitmap', async () => {
    const photos = new PhotosToKeep(async () => {
      throw new Error('EncodingError');
    });
    const photo = bitmap();
    const outcome = await photos.take(photos.encodeLater(photo));
    expect(outcome).toMatchObject({
      ok: false,
      error: { source: 'photo', code: 'not-encoded', message: /could not be saved/ },
    });
    expect(photo.closed).toBe(true);
  });

  it('decodes a photo given as a function only after the current task, then encodes it', async () => {
    const order: string[] = [];
    const photos = new PhotosToKeep(async (photo) => {
      order.push(`encode ${photo.width}x${photo.height}`);
      return encoded;
    });
    const photo = bitmap();
    const ticket = photos.encodeLater(async () => {
      order.push('decode');
      return photo;
    });
    order.push('answer sent');
    const outcome = await photos.take(ticket);
    expect(order).toEqual(['answer sent', 'decode', 'encode 4x3']);
    expect(outcome).toMatchObject({ ok: true, value: { photo: { width: 4, height: 3 } } });
    if (outcome.ok) {
      expect(outcome.value.stages.map((s) => s.stage)).toEqual(['decode to keep', 'encode']);
    }
    expect(photo.closed).toBe(true);
  });

  it('says when the photo could not be decoded again at its size', async () => {
    let encodings = 0;
    const photos = new PhotosToKeep(async () => {
      encodings += 1;
      return encoded;
    });
    const outcome = await photos.take(
      photos.encodeLater(async () => {
        throw new Error('EncodingError: out of memory');
      }),
    );
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        source: 'photo',
        code: 'not-decoded',
        message: /could not be saved: it could not be read again/,
        detail: /decodeToKeep: Error: EncodingError: out of memory/,
      },
    });
    expect(encodings).toBe(0);
  });

  it('drops the oldest photos nobody took', async () => {
    const photos = new PhotosToKeep(async () => encoded);
    const tickets = Array.from({ length: MAX_UNTAKEN_PHOTOS + 1 }, () =>
      photos.encodeLater(bitmap()),
    );
    expect(await photos.take(tickets[0])).toMatchObject({ ok: false });
    expect(await photos.take(tickets[1])).toMatchObject({ ok: true });
    expect(await photos.take(tickets.at(-1)!)).toMatchObject({ ok: true });
  });
});
