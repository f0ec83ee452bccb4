/**
 * The map spike's page (built by vite in test/browser/map.test.ts, served with the app's own
 * CSP): <rc-map-view> plus hooks the test drives. Not part of the app.
 */
import '../../../../src/features/map/map-view';
import { storeBasemap, storedBasemap } from '../../../../src/features/map/basemap';
import { geoPackageBytes } from '../../../../src/geo/export/gpkg/browser-geopackage';
import type { ExportRow } from '../../../../src/geo/export-row';
import type { MapMarker } from '../../../../src/geo/markers';
import type { MapPosition, MapSection } from '../../../../src/features/map/map-view';

const view = document.querySelector('rc-map-view')!;
const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (e) =>
  violations.push(`${e.violatedDirective} ${e.blockedURI}`),
);
const selected: string[] = [];
view.addEventListener('marker-select', (e) => selected.push((e as CustomEvent).detail.id));

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Waits until every tile of the background layer in view is drawn and faded in (Leaflet
 * fades a new tile from transparent over 200 ms). */
function backgroundLoaded(): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      const tiles = [
        ...view.shadowRoot!.querySelectorAll<HTMLElement>('.leaflet-tile-container .leaflet-tile'),
      ];
      const done = tiles.every(
        (t) => t.classList.contains('leaflet-tile-loaded') && t.style.opacity === '1',
      );
      if (tiles.length > 0 && done) resolve();
      else setTimeout(check, 50);
    };
    check();
  });
}

const spike = {
  ready: view.updateComplete.then(() => true),
  webgl() {
    const canvas = document.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ??
      canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return { webgl: false, renderer: null };
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return {
      webgl: true,
      renderer: String(
        info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
      ),
    };
  },
  async storeBasemap(base64: string) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const basemap = await storeBasemap(new File([bytes], 'test.pmtiles'));
    return basemap.kind;
  },
  /** Opens the basemap kept in the origin-private file system and shows it. */
  async showStoredBasemap(center: [number, number], zoom: number) {
    const basemap = await storedBasemap();
    if (!basemap) throw new Error('no basemap stored');
    view.basemap = basemap;
    await view.updateComplete;
    view.map!.setView(center, zoom, { animate: false });
    await backgroundLoaded();
    return { kind: basemap.kind, maxZoom: basemap.header.maxZoom };
  },
  async showPlainGrid(center: [number, number], zoom: number) {
    view.basemap = null;
    await view.updateComplete;
    view.map!.setView(center, zoom, { animate: false });
    await backgroundLoaded();
  },
  async setData(data: {
    markers?: MapMarker[];
    track?: [number, number][];
    sections?: MapSection[];
    position?: MapPosition | null;
  }) {
    if (data.markers) view.markers = data.markers;
    if (data.track) view.tracks = [{ id: 'track', line: data.track, label: 'Test run' }];
    if (data.sections) view.sections = data.sections;
    if (data.position !== undefined) view.position = data.position;
    await view.updateComplete;
    view.markerLayer.redraw();
    return view.markerLayer.lastDraw;
  },
  /** Page coordinates of a place on the map. */
  pagePoint(lat: number, lon: number) {
    const p = view.map!.latLngToContainerPoint([lat, lon]);
    const box = view.getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  },
  zoom: () => view.map!.getZoom(),
  async setView(center: [number, number], zoom: number) {
    view.map!.setView(center, zoom, { animate: false });
    await backgroundLoaded();
    view.markerLayer.redraw();
    return view.markerLayer.lastDraw;
  },
  selected,
  violations,
  async geoPackage(rows: ExportRow[]) {
    return toBase64(await geoPackageBytes(rows));
  },
};

Object.assign(window, { spike });
export type Spike = typeof spike;
