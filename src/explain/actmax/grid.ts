/**
 * A grid of activation-maximization images: N filters (or dense units, or classes) optimised in
 * batches, tiled into one RGBA image with a small gap. What the lab's "Filters" panel and the
 * `roadcam filters` command draw.
 */
import type { ModelAdapter } from '../adapters/types';
import { ExplainError } from '../errors';
import type { RgbaImage } from '../heatmap/scalar-map';
import { maximizeActivations, type ActmaxOptions, type ActmaxResult } from './maximize';
import { filter, unit, type FilterRegion, type Objective } from './objectives';

export interface GridTile extends ActmaxResult {
  /** The filter / unit / class number. */
  index: number;
}

export interface ActmaxGrid {
  image: RgbaImage;
  tiles: GridTile[];
  columns: number;
  rows: number;
}

export interface TileLayout {
  /** Tiles per row (default: the smallest square that holds them all). */
  columns?: number;
  /** Pixels between tiles (default 2). */
  gap?: number;
  /** Grey level of the gaps, 0..255 (default 255, white). */
  background?: number;
  /** Each tile enlarged this many times, nearest neighbour (default 1; 28 px MNIST tiles are
   * hard to see otherwise). */
  tileScale?: number;
}

export interface GridOptions extends Omit<ActmaxOptions, 'onProgress'>, TileLayout {
  /** Images optimised together (default 16): more is faster per image, up to memory. */
  batchSize?: number;
  /** Progress over all tiles: steps done, steps in all, the current batch's mean objective. */
  onProgress?: (done: number, total: number, objectiveValue: number) => void;
  /** Called with each batch's tiles as soon as they are done (to draw them before the rest). */
  onTiles?: (tiles: GridTile[]) => void;
}

export interface FilterGridOptions extends GridOptions {
  layer: string;
  /**
   * Which filters (conv layer) or units (dense layer): numbers, or a text such as "first 16",
   * "all", "0-15", "3,7,12-15" (default "first 16").
   */
  filters?: readonly number[] | string;
  /** Conv layers: the whole feature map (default) or its centre. */
  region?: FilterRegion;
}

function badSelection(spec: string, why: string): ExplainError {
  return new ExplainError(
    'bad-argument',
    `The filter selection "${spec}" is not valid: ${why}. Write for example "first 16", "all", ` +
      `"0-15" or "3,7,12-15".`,
  );
}

/**
 * The filter numbers a selection names, for a layer with `count` filters. "first N" takes at
 * most the filters there are; explicit numbers must exist.
 */
export function parseFilterSelection(spec: readonly number[] | string, count: number): number[] {
  const check = (i: number, text: string) => {
    if (!Number.isInteger(i) || i < 0 || i >= count) {
      throw new ExplainError(
        'bad-target',
        `Filter ${text} does not exist: this layer has ${count} filters (0 to ${count - 1}).`,
      );
    }
    return i;
  };
  if (typeof spec !== 'string') return spec.map((i) => check(i, String(i)));
  const text = spec.trim().toLowerCase();
  if (text === 'all') return Array.from({ length: count }, (_, i) => i);
  const first = /^first\s+(\d+)$/.exec(text);
  if (first) {
    const k = Number(first[1]);
    if (k < 1) throw badSelection(spec, 'it selects nothing');
    return Array.from({ length: Math.min(k, count) }, (_, i) => i);
  }
  const picked: number[] = [];
  for (const part of text.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!range) throw badSelection(spec, `"${part.trim()}" is neither a number nor a range`);
    const from = check(Number(range[1]), range[1]);
    const to = range[2] === undefined ? from : check(Number(range[2]), range[2]);
    if (to < from) throw badSelection(spec, `the range ${from}-${to} runs backwards`);
    for (let i = from; i <= to; i++) picked.push(i);
  }
  return picked;
}

/** Throws ExplainError('bad-argument') for a layout that cannot be drawn. */
export function checkTileLayout(layout: TileLayout): void {
  const { tileScale = 1, gap = 2, background = 255, columns } = layout;
  if (!Number.isInteger(tileScale) || tileScale < 1 || tileScale > 64) {
    throw new ExplainError(
      'bad-argument',
      `The tile scale must be a whole number from 1 to 64; got ${tileScale}.`,
    );
  }
  if (!Number.isInteger(gap) || gap < 0 || gap > 1000) {
    throw new ExplainError('bad-argument', `The gap must be a whole number of pixels; got ${gap}.`);
  }
  if (!(background >= 0 && background <= 255)) {
    throw new ExplainError(
      'bad-argument',
      `The background must be a grey level 0..255; got ${background}.`,
    );
  }
  if (columns !== undefined && (!Number.isInteger(columns) || columns < 1)) {
    throw new ExplainError(
      'bad-argument',
      `The number of columns must be at least 1; got ${columns}.`,
    );
  }
}

/** Tiles equally sized images row by row into one opaque image. */
export function tileImages(images: readonly RgbaImage[], layout: TileLayout = {}): RgbaImage {
  if (images.length === 0) throw new ExplainError('bad-argument', 'There are no images to tile.');
  const { width: tw0, height: th0 } = images[0];
  if (images.some((im) => im.width !== tw0 || im.height !== th0)) {
    throw new ExplainError('bad-argument', 'Grid tiles must all have the same size.');
  }
  checkTileLayout(layout);
  const scale = layout.tileScale ?? 1;
  const gap = layout.gap ?? 2;
  const background = layout.background ?? 255;
  const columns = layout.columns ?? Math.ceil(Math.sqrt(images.length));
  if (!Number.isInteger(columns) || columns < 1) {
    throw new ExplainError(
      'bad-argument',
      `The number of columns must be at least 1; got ${columns}.`,
    );
  }
  const rows = Math.ceil(images.length / columns);
  const tw = tw0 * scale;
  const th = th0 * scale;
  const width = columns * tw + (columns - 1) * gap;
  const height = rows * th + (rows - 1) * gap;
  const data = new Uint8ClampedArray(width * height * 4).fill(background);
  for (let p = 3; p < data.length; p += 4) data[p] = 255;
  images.forEach((im, i) => {
    const left = (i % columns) * (tw + gap);
    const top = Math.floor(i / columns) * (th + gap);
    for (let y = 0; y < th; y++) {
      const sy = Math.floor(y / scale);
      for (let x = 0; x < tw; x++) {
        const from = (sy * tw0 + Math.floor(x / scale)) * 4;
        const to = ((top + y) * width + left + x) * 4;
        data[to] = im.data[from];
        data[to + 1] = im.data[from + 1];
        data[to + 2] = im.data[from + 2];
      }
    }
  });
  return { width, height, data };
}

/** One tile per objective, optimised `batchSize` at a time, tiled in order. */
export async function actmaxGrid(
  adapter: ModelAdapter,
  objectives: readonly Objective[],
  options: GridOptions,
): Promise<ActmaxGrid> {
  if (objectives.length === 0) {
    throw new ExplainError('bad-argument', 'Nothing to visualise: no filters were selected.');
  }
  for (const objective of objectives) objective.check(adapter);
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ExplainError('bad-argument', `The batch size must be at least 1; got ${batchSize}.`);
  }
  const {
    onProgress,
    onTiles,
    batchSize: _b,
    columns,
    gap,
    background,
    tileScale,
    ...actmax
  } = options;
  const layout = { columns, gap, background, tileScale };
  checkTileLayout(layout);
  const batches = Math.ceil(objectives.length / batchSize);
  const tiles: GridTile[] = [];
  for (let b = 0; b < batches; b++) {
    const batch = objectives.slice(b * batchSize, (b + 1) * batchSize);
    const results = await maximizeActivations(adapter, batch, {
      ...actmax,
      // Tile j starts from seed + j whatever the batch size (see ImageParameterization.init).
      seed: (options.seed ?? 1) + b * batchSize,
      onProgress: onProgress
        ? (step, total, value) => onProgress(b * total + step, batches * total, value)
        : undefined,
    });
    const done = results.map((r, i) => ({ ...r, index: batch[i].index }));
    tiles.push(...done);
    onTiles?.(done);
  }
  const image = tileImages(
    tiles.map((t) => t.image),
    layout,
  );
  const cols = columns ?? Math.ceil(Math.sqrt(tiles.length));
  return { image, tiles, columns: cols, rows: Math.ceil(tiles.length / cols) };
}

/** The filters of a conv layer (or the units of a dense layer) as one grid. */
export async function filterGrid(
  adapter: ModelAdapter,
  options: FilterGridOptions,
): Promise<ActmaxGrid> {
  const { layer, filters = 'first 16', region, ...grid } = options;
  const info = adapter.layer(layer);
  const rank = info.outputShape.length;
  const count = info.outputShape[rank - 1];
  if (rank !== 4 && rank !== 2) {
    throw new ExplainError(
      'not-spatial-layer',
      `Layer "${layer}" has output shape [${info.outputShape.join(', ')}]: it has neither filters ` +
        `nor units to visualise. Choose a convolutional or dense layer.`,
    );
  }
  if (count == null || count < 1) {
    throw new ExplainError(
      'bad-target',
      `The number of filters of layer "${layer}" is not known, so filters cannot be picked.`,
      `output shape ${JSON.stringify(info.outputShape)}`,
    );
  }
  const indices = parseFilterSelection(filters, count);
  const objectives = indices.map((k) => (rank === 4 ? filter(layer, k, region) : unit(layer, k)));
  return actmaxGrid(adapter, objectives, grid);
}
