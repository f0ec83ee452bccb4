/** The map feature's pure parts in Node: marker styles, and the test PMTiles writer checked
 * against the pmtiles reader the app uses. */
import { FileSource, PMTiles, TileType, zxyToTileId } from 'pmtiles';
import { describe, expect, it } from 'vitest';
import { clusterKind, markerStyle } from '../../../src/features/map/marker-style';
import { halfWaterTile } from '../../helpers/mvt-writer';
import { tileId, TILE_TYPE, writePmtiles } from '../../helpers/pmtiles-writer';

describe('marker styles', () => {
  it('gives each known kind its own shape, so colour is never the only signal', () => {
    const kinds = ['pothole', 'crack', 'patch', 'good_road', 'not_road', 'pending'];
    const shapes = kinds.map((k) => markerStyle(k).shape);
    expect(new Set(shapes).size).toBe(kinds.length);
    const unknown = markerStyle('rutting');
    expect(unknown).toMatchObject({ shape: 'hexagon', letter: 'R', label: 'rutting' });
    expect(shapes).not.toContain(unknown.shape);
  });

  it('draws a cluster as the most serious kind inside it', () => {
    expect(clusterKind({ good_road: 40, crack: 1 })).toBe('crack');
    expect(clusterKind({ not_road: 3, pothole: 1, patch: 9 })).toBe('pothole');
    expect(clusterKind({ pending: 2 })).toBe('pending');
  });
});

describe('test PMTiles writer', () => {
  it('numbers tiles as the PMTiles spec does', () => {
    for (let z = 0; z <= 6; z++)
      for (let x = 0; x < 2 ** z; x += Math.max(1, 2 ** z / 8))
        for (let y = 0; y < 2 ** z; y += Math.max(1, 2 ** z / 8))
          expect(tileId(z, x, y)).toBe(zxyToTileId(z, x, y));
  });

  it('writes an archive the pmtiles reader opens, tile by tile', async () => {
    const tiles = [
      { z: 0, x: 0, y: 0, data: halfWaterTile(0, 0) },
      { z: 1, x: 1, y: 0, data: halfWaterTile(1, 1) },
      { z: 1, x: 0, y: 1, data: halfWaterTile(1, 0) },
    ];
    const archive = writePmtiles(tiles, {
      tileType: TILE_TYPE.mvt,
      gzipTiles: true,
      bounds: [-180, -85, 180, 85],
      center: [10, 20, 1],
      metadata: { name: 'test' },
    });
    const pmtiles = new PMTiles(new FileSource(new File([archive], 't.pmtiles')));
    const header = await pmtiles.getHeader();
    expect(header).toMatchObject({
      specVersion: 3,
      tileType: TileType.Mvt,
      minZoom: 0,
      maxZoom: 1,
      centerLon: 10,
      centerLat: 20,
      numAddressedTiles: 3,
    });
    expect(await pmtiles.getMetadata()).toEqual({ name: 'test' });
    for (const t of tiles) {
      const tile = await pmtiles.getZxy(t.z, t.x, t.y);
      expect(new Uint8Array(tile!.data)).toEqual(t.data);
    }
    expect(await pmtiles.getZxy(1, 1, 1)).toBeUndefined();
  });
});
