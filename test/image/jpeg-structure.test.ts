import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readJpegInfo, readPngInfo } from '../../src/image/jpeg-structure';
import { PhotoError } from '../../src/image/photo-error';
import { checkPhotoBytes, heicNotSupported } from '../../src/image/prepare-photo';
import { potholePhotos } from '../helpers/fixtures';

const road = () => readFileSync(potholePhotos()[2]);

describe('readJpegInfo', () => {
  it('reads size and colour components of baseline, progressive, greyscale and CMYK JPEGs', async () => {
    const rgb = await sharp(road()).resize(320, 200, { fit: 'fill' }).jpeg().toBuffer();
    expect(readJpegInfo(rgb)).toEqual({
      width: 320,
      height: 200,
      components: 3,
      progressive: false,
      complete: true,
    });
    const progressive = await sharp(rgb).jpeg({ progressive: true }).toBuffer();
    expect(readJpegInfo(progressive)).toMatchObject({
      width: 320,
      height: 200,
      progressive: true,
      complete: true,
    });
    const grey = await sharp(rgb).toColourspace('b-w').jpeg().toBuffer();
    expect(readJpegInfo(grey)?.components).toBe(1);
    const cmyk = await sharp(rgb).toColourspace('cmyk').jpeg().toBuffer();
    expect(readJpegInfo(cmyk)?.components).toBe(4);
  });

  it('finds a JPEG cut short anywhere, including one whose EXIF thumbnail has its own end marker', async () => {
    const whole = await sharp(road()).jpeg({ progressive: true }).toBuffer();
    expect(readJpegInfo(whole)?.complete).toBe(true);
    for (const fraction of [0.02, 0.1, 0.5, 0.9, 0.999]) {
      const cut = whole.subarray(0, Math.floor(whole.length * fraction));
      const info = readJpegInfo(cut);
      expect(info === null || info.complete === false).toBe(true);
    }
    // An APP1 segment holding an embedded JPEG (as EXIF thumbnails are), end marker included.
    const thumb = await sharp(road()).resize(16, 16).jpeg().toBuffer();
    const app1 = Buffer.concat([
      Buffer.from([0xff, 0xe1, (thumb.length + 2) >> 8, (thumb.length + 2) & 0xff]),
      thumb,
    ]);
    const withThumb = Buffer.concat([whole.subarray(0, 2), app1, whole.subarray(2)]);
    expect(readJpegInfo(withThumb)?.complete).toBe(true);
    expect(readJpegInfo(withThumb.subarray(0, withThumb.length - 200))?.complete).toBe(false);
  });
});

describe('readPngInfo', () => {
  it('says whether a PNG can carry transparency', async () => {
    const rgb = await sharp({ create: { width: 5, height: 4, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const rgba = await sharp({
      create: { width: 5, height: 4, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    expect(readPngInfo(rgb)).toEqual({ width: 5, height: 4, mayHaveAlpha: false });
    expect(readPngInfo(rgba)).toEqual({ width: 5, height: 4, mayHaveAlpha: true });
  });
});

describe('checkPhotoBytes', () => {
  const code = (bytes: Uint8Array) => {
    try {
      checkPhotoBytes(bytes);
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(PhotoError);
      return (e as PhotoError).code;
    }
  };

  it('refuses empty, text and cut-short files with their own code, and passes a photo', () => {
    expect(code(new Uint8Array(0))).toBe('empty');
    expect(code(Buffer.from('not a photo\n'))).toBe('not-a-photo');
    expect(code(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]))).toBe('not-a-photo');
    expect(code(road().subarray(0, 3000))).toBe('truncated');
    expect(code(road())).toBe('ok');
  });

  it('lets HEIC through to the decoder (Safari reads it); where it fails the message says what to do', () => {
    const heic = Buffer.alloc(64);
    heic.writeUInt32BE(24, 0);
    heic.write('ftypheic', 4, 'latin1');
    heic.write('mif1heic', 16, 'latin1');
    expect(checkPhotoBytes(heic).kind).toBe('heic');
    const error = heicNotSupported('test');
    expect(error.code).toBe('heic');
    expect(error.message).toMatch(/HEIC\/HEIF format, which this browser cannot read/);
    expect(error.message).toMatch(/Settings > Camera > Formats > "Most Compatible"/);
  });
});
