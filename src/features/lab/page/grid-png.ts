/**
 * A filter grid as one PNG file to download: tiles in rows, 2 px white gaps, as `roadcam
 * filters` writes it. Small tiles (28 px MNIST) are enlarged 4x with sharp pixels.
 */
import type { GridTileResult } from '../shared/lab-protocol';

const GAP = 2;

async function gridPng(tiles: readonly GridTileResult[], columns: number): Promise<Blob | null> {
  const { width: w0, height: h0 } = tiles[0].image;
  const scale = Math.max(w0, h0) <= 64 ? 4 : 1;
  const [tw, th] = [w0 * scale, h0 * scale];
  const rows = Math.ceil(tiles.length / columns);
  const canvas = document.createElement('canvas');
  canvas.width = columns * tw + (columns - 1) * GAP;
  canvas.height = rows * th + (rows - 1) * GAP;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  const tile = document.createElement('canvas');
  tile.width = w0;
  tile.height = h0;
  tiles.forEach((t, i) => {
    tile
      .getContext('2d')!
      .putImageData(new ImageData(new Uint8ClampedArray(t.image.data), w0, h0), 0, 0);
    const x = (i % columns) * (tw + GAP);
    const y = Math.floor(i / columns) * (th + GAP);
    ctx.drawImage(tile, x, y, tw, th);
  });
  return new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
}

/** Saves the grid as `fileName`; false when this browser cannot make a PNG of it. */
export async function downloadGridPng(
  tiles: readonly GridTileResult[],
  columns: number,
  fileName: string,
): Promise<boolean> {
  if (!tiles.length) return true;
  const blob = await gridPng(tiles, columns);
  if (!blob) return false;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  // The download has started by then; the URL only holds the blob in memory.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return true;
}
