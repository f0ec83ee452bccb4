/**
 * The road network the office gave the engineer (GeoJSON LineStrings with a road id and name),
 * kept in the browser's origin-private file system beside the basemap, so it is there after a
 * reload, offline. A file is parsed before it replaces the one kept: a wrong file never costs
 * the engineer a good network.
 */
import { parseRoadNetworkText, type RoadNetwork } from '../../geo/road-network';
import { sha256Hex } from '../../schema/sha256-hex';
import { keptNameFile, readKeptName } from './kept-name';

const OPFS_DIR = 'road-networks';
const OPFS_FILE = 'road-network.geojson';

export class RoadNetworkFileError extends Error {
  readonly detail?: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.name = 'RoadNetworkFileError';
    this.detail = detail;
  }
}

export interface StoredRoadNetwork {
  network: RoadNetwork;
  /** The file's name as chosen (kept in a small file of its own beside the network). */
  name: string;
}

async function directory(): Promise<FileSystemDirectoryHandle> {
  if (!navigator.storage?.getDirectory)
    throw new RoadNetworkFileError(
      'This browser cannot keep a road network offline (no origin-private file system). Update the browser.',
    );
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(OPFS_DIR, { create: true });
}

async function writeFile(dir: FileSystemDirectoryHandle, name: string, data: Blob | string) {
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  try {
    await writable.write(data);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => undefined);
    const full = error instanceof DOMException && error.name === 'QuotaExceededError';
    throw new RoadNetworkFileError(
      full
        ? 'Not enough storage for this road network: free space on the phone.'
        : 'The road network could not be saved on this phone.',
      String(error),
    );
  }
}

/** Parses a chosen file (RoadNetworkError lists what is wrong with it), then keeps it. */
export async function storeRoadNetwork(file: File): Promise<StoredRoadNetwork> {
  const network = parseRoadNetworkText(await file.text());
  const dir = await directory();
  await writeFile(dir, OPFS_FILE, file);
  await writeFile(dir, keptNameFile(OPFS_FILE), file.name);
  return { network, name: file.name };
}

/**
 * SHA-256 of the kept network's text as UTF-8 (hex), as the sync server keys its own; null
 * when none is kept. Read on demand (the office compares it with the server's), not with
 * every load of the network.
 */
export async function keptRoadNetworkSha256(): Promise<string | null> {
  const dir = await directory();
  try {
    const text = await (await (await dir.getFileHandle(OPFS_FILE)).getFile()).text();
    return await sha256Hex(new TextEncoder().encode(text));
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotFoundError') return null;
    throw error;
  }
}

/** Forgets the road network kept on this device (the office's "use the server's"). */
export async function removeRoadNetwork(): Promise<void> {
  const dir = await directory();
  for (const name of [OPFS_FILE, keptNameFile(OPFS_FILE)]) {
    await dir.removeEntry(name).catch((error: unknown) => {
      if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error;
    });
  }
}

/** The road network kept on this device, or null. */
export async function storedRoadNetwork(): Promise<StoredRoadNetwork | null> {
  const dir = await directory();
  let text: string;
  try {
    text = await (await (await dir.getFileHandle(OPFS_FILE)).getFile()).text();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotFoundError') return null;
    throw error;
  }
  const name = await readKeptName(dir, OPFS_FILE);
  return { network: parseRoadNetworkText(text), name };
}
