/**
 * The offline basemap: one PMTiles archive (the single-file tile format Protomaps publishes
 * extracts in), kept in the browser's origin-private file system and read by byte range
 * (File.slice), so a 200 MB extract costs no memory and no network. Vector archives (MVT, as
 * Protomaps builds them) are drawn by protomaps-leaflet on a 2D canvas with the Protomaps
 * "light" style; raster archives (PNG, JPEG, WebP) by a small grid layer. Without a basemap the
 * map shows a plain grid, and markers and the scale bar still work.
 */
import * as L from 'leaflet';
import { FileSource, PMTiles, TileType, type Header } from 'pmtiles';
import { leafletLayer } from 'protomaps-leaflet';
import { readKeptName, writeKeptName } from './kept-name';

const OPFS_DIR = 'basemaps';
const OPFS_FILE = 'basemap.pmtiles';

export class BasemapError extends Error {
  readonly detail?: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.name = 'BasemapError';
    this.detail = detail;
  }
}

export interface Basemap {
  name: string;
  pmtiles: PMTiles;
  header: Header;
  kind: 'vector' | 'raster';
}

/** Opens a PMTiles archive from a File or Blob; throws BasemapError for anything else. */
export async function openBasemap(file: Blob, name?: string): Promise<Basemap> {
  const asFile = file instanceof File ? file : new File([file], name ?? OPFS_FILE);
  const pmtiles = new PMTiles(new FileSource(asFile));
  let header: Header;
  try {
    header = await pmtiles.getHeader();
  } catch (error) {
    throw new BasemapError(
      'This file is not a PMTiles basemap. Choose a .pmtiles file (a Protomaps extract of your area).',
      String(error),
    );
  }
  if (header.specVersion !== 3)
    throw new BasemapError(
      `This basemap is PMTiles version ${header.specVersion}; RoadCAM reads version 3. Convert it with 'pmtiles convert'.`,
    );
  const kind =
    header.tileType === TileType.Mvt
      ? 'vector'
      : [TileType.Png, TileType.Jpeg, TileType.Webp].includes(header.tileType)
        ? 'raster'
        : null;
  if (!kind)
    throw new BasemapError(
      'This basemap holds tiles of a kind RoadCAM cannot draw (only vector MVT, PNG, JPEG or WebP).',
    );
  // protomaps-leaflet reads a deepest zoom of 0 as "not given" (15) and would ask for tiles
  // that are not there; an extract of one world tile is no use for road work anyway.
  if (kind === 'vector' && header.maxZoom < 1)
    throw new BasemapError(
      'This basemap stops at zoom 0 (the whole world in one tile). Extract your area with a deeper zoom (pmtiles extract --maxzoom=15).',
    );
  return { name: name ?? asFile.name, pmtiles, header, kind };
}

async function basemapDirectory(): Promise<FileSystemDirectoryHandle> {
  if (!navigator.storage?.getDirectory)
    throw new BasemapError(
      'This browser cannot keep a basemap file offline (no origin-private file system). Update the browser.',
    );
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(OPFS_DIR, { create: true });
}

/** Copies a chosen file into the origin-private file system (streamed, not read into memory)
 * and opens it from there. Replaces the basemap kept before. */
export async function storeBasemap(file: File): Promise<Basemap> {
  await openBasemap(file); // refuse a wrong file before replacing a good one
  const dir = await basemapDirectory();
  const handle = await dir.getFileHandle(OPFS_FILE, { create: true });
  const writable = await handle.createWritable();
  try {
    await file.stream().pipeTo(writable);
  } catch (error) {
    const full = error instanceof DOMException && error.name === 'QuotaExceededError';
    throw new BasemapError(
      full
        ? 'Not enough storage for this basemap: choose a smaller extract or free space on the phone.'
        : 'The basemap could not be saved on this phone.',
      String(error),
    );
  }
  // Only the name shown: the basemap is kept either way.
  await writeKeptName(dir, OPFS_FILE, file.name).catch(() => undefined);
  return openBasemap(await handle.getFile(), file.name);
}

/** The basemap kept on this device, or null. */
export async function storedBasemap(): Promise<Basemap | null> {
  const dir = await basemapDirectory();
  try {
    const handle = await dir.getFileHandle(OPFS_FILE);
    return await openBasemap(await handle.getFile(), await readKeptName(dir, OPFS_FILE));
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotFoundError') return null;
    throw error;
  }
}

/** protomaps-leaflet extends the global `L` (it was written for a script tag). */
function exposeLeafletGlobal(): void {
  const global = globalThis as { L?: unknown };
  global.L ??= L;
}

/** Raster tiles straight from the archive: bytes -> ImageBitmap -> the tile's canvas. */
class RasterPmtilesLayer extends L.GridLayer {
  constructor(
    private readonly basemap: Basemap,
    options: L.GridLayerOptions,
  ) {
    super(options);
  }

  protected override createTile(coords: L.Coords, done: L.DoneCallback): HTMLElement {
    const canvas = L.DomUtil.create('canvas', 'leaflet-tile');
    const size = this.getTileSize();
    canvas.width = size.x;
    canvas.height = size.y;
    this.basemap.pmtiles
      .getZxy(coords.z, coords.x, coords.y)
      .then(async (tile) => {
        if (tile) {
          const bitmap = await createImageBitmap(new Blob([tile.data]));
          canvas.getContext('2d')!.drawImage(bitmap, 0, 0, size.x, size.y);
          bitmap.close();
        }
        done(undefined, canvas);
      })
      .catch((error: Error) => done(error, canvas));
    return canvas;
  }
}

/** The Leaflet layer that draws a basemap. */
export function basemapLayer(basemap: Basemap): L.GridLayer {
  const { header } = basemap;
  if (basemap.kind === 'raster')
    return new RasterPmtilesLayer(basemap, {
      minZoom: 0,
      maxNativeZoom: header.maxZoom,
      minNativeZoom: header.minZoom,
      maxZoom: 20,
    });
  exposeLeafletGlobal();
  return leafletLayer({
    url: basemap.pmtiles,
    flavor: 'light',
    lang: 'en',
    // Above the archive's deepest zoom, its tiles are drawn larger (extracts often stop early).
    maxDataZoom: header.maxZoom,
    maxZoom: 20,
  }) as unknown as L.GridLayer;
}

/**
 * A plain grid (lines every tile, fainter every quarter) for a map without a basemap. Every tile
 * is the same picture: it is drawn once and each new tile (a zoom makes a screenful) copies it.
 */
export class PlainGridLayer extends L.GridLayer {
  private template: HTMLCanvasElement | null = null;

  protected override createTile(): HTMLElement {
    const size = this.getTileSize();
    this.template ??= drawGridTile(size);
    const canvas = L.DomUtil.create('canvas', 'leaflet-tile');
    canvas.width = size.x;
    canvas.height = size.y;
    canvas.getContext('2d')!.drawImage(this.template, 0, 0);
    return canvas;
  }
}

function drawGridTile(size: L.Point): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = size.x;
  canvas.height = size.y;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#f2efe9';
  ctx.fillRect(0, 0, size.x, size.y);
  ctx.strokeStyle = '#d9d4c7';
  ctx.lineWidth = 1;
  for (const f of [0.25, 0.5, 0.75]) {
    ctx.beginPath();
    ctx.moveTo(size.x * f, 0);
    ctx.lineTo(size.x * f, size.y);
    ctx.moveTo(0, size.y * f);
    ctx.lineTo(size.x, size.y * f);
    ctx.stroke();
  }
  ctx.strokeStyle = '#b9b2a0';
  ctx.strokeRect(0.5, 0.5, size.x, size.y);
  return canvas;
}
