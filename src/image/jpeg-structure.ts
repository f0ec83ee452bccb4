/**
 * Reads a JPEG's frame header (size, number of colour components) and checks that the file
 * ends: a photo cut short by a failed copy or a full card has no End Of Image marker, and some
 * decoders would quietly fill the missing part with grey.
 */
export interface JpegInfo {
  width: number;
  height: number;
  /** 1 greyscale, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  progressive: boolean;
  /** False when the file stops before its End Of Image marker. */
  complete: boolean;
}

const SOF_MARKERS = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

/** Returns null when the bytes are not a JPEG whose frame header can be read. */
export function readJpegInfo(bytes: Uint8Array): JpegInfo | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let offset = 2;
  let frame: Omit<JpegInfo, 'complete'> | null = null;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return frame ? { ...frame, complete: false } : null;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9) return frame ? { ...frame, complete: true } : null;
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    if (length < 2) return frame ? { ...frame, complete: false } : null;
    if (SOF_MARKERS.has(marker) && offset + 2 + length <= bytes.length && length >= 8) {
      const p = offset + 4;
      frame = {
        height: (bytes[p + 1] << 8) | bytes[p + 2],
        width: (bytes[p + 3] << 8) | bytes[p + 4],
        components: bytes[p + 5],
        progressive: marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce,
      };
    }
    if (marker === 0xda) {
      // Entropy-coded data follows; inside it 0xFF is always stuffed (FF 00) or a restart
      // marker, so the first FF D9 from here on is the real end (later scans of a progressive
      // file are separated by real markers, which is fine).
      if (!frame) return null;
      return { ...frame, complete: endsAfter(bytes, offset + 2 + length) };
    }
    offset += 2 + length;
  }
  return frame ? { ...frame, complete: false } : null;
}

function endsAfter(bytes: Uint8Array, from: number): boolean {
  for (let i = bytes.length - 2; i >= from; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

export interface PngInfo {
  width: number;
  height: number;
  /** Colour type 4 or 6 (grey or RGB with alpha), or a tRNS chunk before the image data. */
  mayHaveAlpha: boolean;
}

/** PNG's IHDR (always the first chunk) and whether transparency is declared. */
export function readPngInfo(bytes: Uint8Array): PngInfo | null {
  if (bytes.length < 33) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
  const colourType = bytes[25];
  let mayHaveAlpha = colourType === 4 || colourType === 6;
  for (let offset = 33; !mayHaveAlpha && offset + 8 <= bytes.length;) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (type === 'tRNS') mayHaveAlpha = true;
    if (type === 'IDAT' || type === 'IEND') break;
    offset += 12 + length;
  }
  return { width: view.getUint32(16), height: view.getUint32(20), mayHaveAlpha };
}
