import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffImage } from '../../src/image/sniff';
import { goodRoadPhotos } from '../helpers/fixtures';

function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + compatible.length * 4;
  const bytes = Buffer.alloc(size + 16);
  bytes.writeUInt32BE(size, 0);
  bytes.write('ftyp', 4, 'latin1');
  bytes.write(major, 8, 'latin1');
  compatible.forEach((b, i) => bytes.write(b, 16 + i * 4, 'latin1'));
  return bytes;
}

describe('sniffImage', () => {
  it('recognises real JPEG, PNG, WebP and GIF bytes whatever the file is called', async () => {
    const jpeg = readFileSync(goodRoadPhotos()[0]);
    expect(sniffImage(jpeg.subarray(0, 64))).toBe('jpeg');
    const base = sharp(jpeg);
    expect(sniffImage(await base.clone().png().toBuffer())).toBe('png');
    expect(sniffImage(await base.clone().webp().toBuffer())).toBe('webp');
    expect(sniffImage(await base.clone().gif().toBuffer())).toBe('gif');
  });

  it('tells HEIC from AVIF by the ftyp brands', () => {
    expect(sniffImage(ftyp('heic', 'mif1', 'heic'))).toBe('heic');
    expect(sniffImage(ftyp('mif1', 'heic'))).toBe('heic');
    expect(sniffImage(ftyp('heix', 'mif1'))).toBe('heic');
    expect(sniffImage(ftyp('avif', 'mif1', 'miaf'))).toBe('avif');
    expect(sniffImage(ftyp('mif1', 'avif'))).toBe('avif');
    expect(sniffImage(ftyp('isom', 'mp41'))).toBe('unknown');
  });

  it('calls text text, nothing empty, and anything else unknown', () => {
    expect(sniffImage(Buffer.from('Road survey notes, kerb damaged.\n'))).toBe('text');
    expect(sniffImage(Buffer.from('Rue de la Paix – nid-de-poule\n', 'utf8'))).toBe('text');
    expect(sniffImage(new Uint8Array(0))).toBe('empty');
    expect(sniffImage(new Uint8Array([0x00, 0x01, 0x02, 0x03, 0x04]))).toBe('unknown');
  });
});
