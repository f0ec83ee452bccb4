/** The Y4M writer of the drive test and benchmark: header, frame count and BT.601 colours. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { rgbToI420, writeY4m } from '../../tools/lib/y4m';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'roadcam-y4m-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('writeY4m', () => {
  it('converts white, black and red to studio-range I420', () => {
    const px = (r: number, g: number, b: number) =>
      rgbToI420(
        new Uint8Array(
          Array(12)
            .fill(0)
            .map((_, i) => [r, g, b][i % 3]),
        ),
        2,
        2,
      );
    expect([...px(255, 255, 255)]).toEqual([235, 235, 235, 235, 128, 128]);
    expect([...px(0, 0, 0)]).toEqual([16, 16, 16, 16, 128, 128]);
    expect([...px(255, 0, 0)]).toEqual([82, 82, 82, 82, 90, 240]);
  });

  it('writes the header and each photo for its seconds of frames', async () => {
    const red = path.join(tmp, 'red.png');
    const blue = path.join(tmp, 'blue.png');
    await sharp({ create: { width: 30, height: 20, channels: 3, background: '#ff0000' } })
      .png()
      .toFile(red);
    await sharp({ create: { width: 20, height: 30, channels: 3, background: '#0000ff' } })
      .png()
      .toFile(blue);
    const file = path.join(tmp, 'v.y4m');
    const frames = await writeY4m(
      file,
      [
        { photo: red, seconds: 1 },
        { photo: blue, seconds: 0.5 },
      ],
      { width: 8, height: 6, fps: 4 },
    );
    expect(frames).toBe(6);
    const bytes = readFileSync(file);
    const header = 'YUV4MPEG2 W8 H6 F4:1 Ip A1:1 C420jpeg\n';
    expect(bytes.subarray(0, header.length).toString()).toBe(header);
    const frameBytes = 'FRAME\n'.length + 8 * 6 * 1.5;
    expect(bytes.length).toBe(header.length + 6 * frameBytes);
    // The fifth frame is blue: V (red difference) low, U (blue difference) high.
    const fifth = header.length + 4 * frameBytes + 'FRAME\n'.length;
    expect(bytes[fifth + 48]).toBeGreaterThan(200);
    expect(bytes[fifth + 48 + 12]).toBeLessThan(128);
  });

  it('refuses an odd size', async () => {
    await expect(
      writeY4m(path.join(tmp, 'x.y4m'), [], { width: 7, height: 6, fps: 1 }),
    ).rejects.toThrow(/even/);
  });
});
