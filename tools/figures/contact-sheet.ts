/**
 * A contact sheet: the images the commands wrote, in labelled rows, as one small PNG for the
 * docs. Text is drawn as SVG by sharp (librsvg with the system's fonts), and the sheet is saved
 * with a 256-colour palette, because the figures are committed and full-colour PNGs of heatmaps
 * and filter textures run to megabytes.
 */
import sharp, { type OverlayOptions } from 'sharp';
import type { Box } from '../data/photo-folder';

export interface SheetTile {
  file: string;
  /** One or two short lines under the tile. */
  caption?: string[];
  /** Outlines to draw, [xmin, ymin, xmax, ymax] in the pixels of `file`. */
  boxes?: Box[];
}

export interface SheetRow {
  title: string;
  tiles: SheetTile[];
  /** The longest side of each tile in this row, in pixels (default: the sheet's). */
  tileSize?: number;
}

export interface SheetOptions {
  title: string;
  /** A line under the title (what was run, what to look for). */
  subtitle?: string;
  rows: SheetRow[];
  /** The longest side of each tile, in pixels (default 160). */
  tileSize?: number;
  /** Palette size of the PNG (default 256). */
  colours?: number;
}

export interface SheetLayout {
  width: number;
  height: number;
  /** Where each tile goes, per row: its box (`size` wide, `height` high) and the fitted image. */
  tiles: { left: number; top: number; size: number; height: number; image: Fitted }[][];
}

/** An image scaled to fit a box, centred in it. */
export interface Fitted {
  left: number;
  top: number;
  width: number;
  height: number;
}

const MARGIN = 12;
const GAP = 8;
const TITLE_HEIGHT = 26;
const SUBTITLE_LINE = 16;
const ROW_TITLE_HEIGHT = 22;
const CAPTION_LINE = 14;
const FONT = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";
const BOX_COLOUR = '#ffffff';

function captionLines(rows: readonly SheetRow[]): number {
  return Math.max(0, ...rows.flatMap((r) => r.tiles.map((t) => t.caption?.length ?? 0)));
}

/**
 * Where everything goes, from each tile's pixel size (`sizes[row][tile]`): each image is scaled
 * so its longer side is the row's tile size, and a row is as high as its tallest image. Pure, so
 * the arithmetic is tested without drawing.
 */
export function sheetLayout(
  options: SheetOptions,
  sizes: readonly (readonly { width: number; height: number }[])[],
): SheetLayout {
  const defaultSize = options.tileSize ?? 160;
  const captionHeight = captionLines(options.rows) * CAPTION_LINE;
  let top = MARGIN + TITLE_HEIGHT + (options.subtitle ? SUBTITLE_LINE : 0) + GAP;
  let width = 0;
  const tiles = options.rows.map((row, r) => {
    const size = row.tileSize ?? defaultSize;
    top += ROW_TITLE_HEIGHT;
    const fitted = row.tiles.map((_, i) => {
      const { width: w, height: h } = sizes[r][i];
      const scale = size / Math.max(w, h);
      return {
        width: Math.max(1, Math.round(w * scale)),
        height: Math.max(1, Math.round(h * scale)),
      };
    });
    const height = Math.max(0, ...fitted.map((f) => f.height));
    const placed = fitted.map((f, i) => {
      const left = MARGIN + i * (size + GAP);
      const image = {
        left: left + Math.floor((size - f.width) / 2),
        top: top + Math.floor((height - f.height) / 2),
        ...f,
      };
      return { left, top, size, height, image };
    });
    width = Math.max(width, MARGIN * 2 + row.tiles.length * size + (row.tiles.length - 1) * GAP);
    top += height + captionHeight + GAP;
    return placed;
  });
  return { width: Math.max(width, 480), height: top + MARGIN - GAP, tiles };
}

/** Cuts a caption to what fits under a tile (DejaVu Sans at 11 px: about 6.5 px a character). */
export function fitCaption(text: string, width: number): string {
  const max = Math.max(4, Math.floor(width / 6.5));
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

function xml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

function textSvg(x: number, y: number, text: string, size: number, weight = 'normal'): string {
  return (
    `<text x="${x}" y="${y}" font-family="${FONT}" font-size="${size}" font-weight="${weight}" ` +
    `fill="#222">${xml(text)}</text>`
  );
}

/** Draws the sheet into `out` (PNG). Returns its size in bytes. */
export async function writeContactSheet(out: string, options: SheetOptions): Promise<number> {
  const sizes = await Promise.all(
    options.rows.map((row) =>
      Promise.all(
        row.tiles.map(async (t) => {
          const meta = await sharp(t.file).metadata();
          return { width: meta.width!, height: meta.height! };
        }),
      ),
    ),
  );
  const layout = sheetLayout(options, sizes);
  const composites: OverlayOptions[] = [];
  const svg: string[] = [textSvg(MARGIN, MARGIN + 18, options.title, 17, 'bold')];
  if (options.subtitle) {
    svg.push(textSvg(MARGIN, MARGIN + TITLE_HEIGHT + 10, options.subtitle, 12));
  }
  for (const [r, row] of options.rows.entries()) {
    svg.push(textSvg(MARGIN, layout.tiles[r][0].top - 7, row.title, 13, 'bold'));
    for (const [i, tile] of row.tiles.entries()) {
      const place = layout.tiles[r][i];
      const { image } = place;
      const { width: w, height: h } = sizes[r][i];
      // Tiny images (28 px digits) are enlarged as blocks, not blurred.
      const kernel = image.width >= 2 * w ? sharp.kernel.nearest : sharp.kernel.lanczos3;
      composites.push({
        input: await sharp(tile.file)
          .resize(image.width, image.height, { kernel, fit: 'fill' })
          .png()
          .toBuffer(),
        left: image.left,
        top: image.top,
      });
      const sx = image.width / w;
      const sy = image.height / h;
      for (const [x0, y0, x1, y1] of tile.boxes ?? []) {
        svg.push(
          `<rect x="${(image.left + x0 * sx).toFixed(1)}" y="${(image.top + y0 * sy).toFixed(1)}" ` +
            `width="${((x1 - x0) * sx).toFixed(1)}" height="${((y1 - y0) * sy).toFixed(1)}" ` +
            `fill="none" stroke="${BOX_COLOUR}" stroke-width="1.5" stroke-dasharray="4 2"/>`,
        );
      }
      (tile.caption ?? []).forEach((line, k) => {
        const y = place.top + place.height + 12 + k * CAPTION_LINE;
        svg.push(textSvg(place.left, y, fitCaption(line, place.size), 11));
      });
    }
  }
  composites.push({
    input: Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}">` +
        `${svg.join('')}</svg>`,
    ),
    left: 0,
    top: 0,
  });
  const info = await sharp({
    create: {
      width: layout.width,
      height: layout.height,
      channels: 3,
      background: { r: 255, g: 255, b: 255 },
    },
  })
    .composite(composites)
    .png({ palette: true, colours: options.colours ?? 256, effort: 10, compressionLevel: 9 })
    .toFile(out);
  return info.size;
}
