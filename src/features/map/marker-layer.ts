/**
 * Survey markers and their clusters on one canvas above the basemap. DOM markers (one element
 * each) make 5,000 surveys crawl on a cheap phone; here Supercluster (src/geo/markers.ts) picks
 * what the view shows and one canvas draws it. While the finger pans, Leaflet moves the canvas
 * with a CSS transform, which costs nothing; during a zoom animation the drawn canvas is scaled
 * by CSS too (as Leaflet's own canvas renderer does), and the markers are drawn again once, in
 * the next animation frame after the view settles: a zoom fires zoomend, moveend and sometimes
 * viewreset and resize, and drawing for each of them doubled the work of every zoom step.
 */
import * as L from 'leaflet';
import { MarkerClusters, type ClusterItem, type MapMarker } from '../../geo/markers';
import { clusterKind, drawMarker, markerStyle } from './marker-style';

const MARKER_RADIUS_PX = 8;
/** A marker's bitmap: the radius, the points of triangle and diamond, and the outline. */
const SPRITE_SIZE_PX = 2 * Math.ceil(MARKER_RADIUS_PX * 1.2 + 3);
/** How far from a marker a tap still hits it: a fingertip, not a mouse pointer. */
const HIT_RADIUS_PX = 22;

interface Drawn {
  x: number;
  y: number;
  item: ClusterItem;
}

export interface MarkerLayerEvents {
  /** A single marker was tapped. */
  select(marker: MapMarker): void;
}

export class MarkerLayer extends L.Layer {
  private canvas: HTMLCanvasElement | null = null;
  private clusters: MarkerClusters | null = null;
  private drawn: Drawn[] = [];
  /** Each kind's marker drawn once: stamping a bitmap is far cheaper than filling a path. */
  private readonly sprites = new Map<string, HTMLCanvasElement>();
  /** What the last draw showed: for tests and the benchmark. */
  lastDraw = { markers: 0, clusters: 0, ms: 0 };
  /** The view the canvas was drawn for: its corners, which a zoom animation scales. */
  private drawnBounds: L.LatLngBounds | null = null;
  private frame: number | null = null;

  constructor(private readonly events: MarkerLayerEvents) {
    super();
  }

  setMarkers(markers: readonly MapMarker[]): void {
    this.clusters = new MarkerClusters(markers);
    this.redraw();
  }

  override onAdd(map: L.Map): this {
    const animated = map.options.zoomAnimation && L.Browser.any3d;
    this.canvas = L.DomUtil.create(
      'canvas',
      `rc-markers ${animated ? 'leaflet-zoom-animated' : 'leaflet-zoom-hide'}`,
    );
    this.canvas.style.pointerEvents = 'none';
    map.getPanes().overlayPane.appendChild(this.canvas);
    map.on('moveend resize viewreset', this.scheduleRedraw, this);
    if (animated) map.on('zoomanim', this.onZoomAnimation, this);
    map.on('click', this.onClick, this);
    this.redraw();
    return this;
  }

  override onRemove(map: L.Map): this {
    map.off('moveend resize viewreset', this.scheduleRedraw, this);
    map.off('zoomanim', this.onZoomAnimation, this);
    map.off('click', this.onClick, this);
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.canvas?.remove();
    this.canvas = null;
    return this;
  }

  /** One draw in the next frame, however many view events arrive before it. */
  private scheduleRedraw(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.redraw();
    });
  }

  /** Scales the drawn canvas with the zoom animation (no drawing until the zoom ends). */
  private onZoomAnimation(event: L.ZoomAnimEvent): void {
    const map = this._map as L.Map | undefined;
    if (!map || !this.canvas || !this.drawnBounds) return;
    const scale = map.getZoomScale(event.zoom, map.getZoom());
    // Leaflet's own layers (ImageOverlay, the canvas renderer) place themselves this way.
    const newBounds = (
      map as unknown as {
        _latLngBoundsToNewLayerBounds(b: L.LatLngBounds, zoom: number, center: L.LatLng): L.Bounds;
      }
    )._latLngBoundsToNewLayerBounds(this.drawnBounds, event.zoom, event.center);
    L.DomUtil.setTransform(this.canvas, newBounds.min!, scale);
  }

  redraw(): void {
    const map = this._map as L.Map | undefined;
    if (!map || !this.canvas) return;
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    const started = performance.now();
    const size = map.getSize();
    const ratio = window.devicePixelRatio || 1;
    L.DomUtil.setPosition(this.canvas, map.containerPointToLayerPoint([0, 0]));
    this.drawnBounds = map.getBounds();
    // Resizing a canvas reallocates it: only when the map's size changed.
    const width = Math.round(size.x * ratio);
    const height = Math.round(size.y * ratio);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.canvas.style.width = `${size.x}px`;
      this.canvas.style.height = `${size.y}px`;
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    this.drawn = [];
    if (!this.clusters) return;
    // A margin of a marker's size, so a marker half off the edge is still drawn.
    const pad = (MARKER_RADIUS_PX * 3) / size.x;
    const bounds = map.getBounds().pad(pad);
    const bbox: [number, number, number, number] = [
      Math.max(-180, bounds.getWest()),
      Math.max(-85, bounds.getSouth()),
      Math.min(180, bounds.getEast()),
      Math.min(85, bounds.getNorth()),
    ];
    const items = this.clusters.items(bbox, map.getZoom());
    const at = (lat: number, lon: number) => map.latLngToContainerPoint([lat, lon]);
    // Clusters under single markers; among markers, the more serious kinds on top.
    const rank = (item: ClusterItem) =>
      item.type === 'cluster' ? -1 : markerStyle(item.marker.kind).rank;
    items.sort((a, b) => rank(a) - rank(b));
    let markers = 0;
    let clusters = 0;
    for (const item of items) {
      if (item.type === 'cluster') {
        const p = at(item.lat, item.lon);
        this.drawCluster(ctx, p.x, p.y, item);
        this.drawn.push({ x: p.x, y: p.y, item });
        clusters++;
      } else {
        const p = at(item.marker.lat, item.marker.lon);
        const sprite = this.sprite(item.marker.kind, ratio);
        const half = SPRITE_SIZE_PX / 2;
        ctx.drawImage(sprite, p.x - half, p.y - half, SPRITE_SIZE_PX, SPRITE_SIZE_PX);
        this.drawn.push({ x: p.x, y: p.y, item });
        markers++;
      }
    }
    this.lastDraw = { markers, clusters, ms: performance.now() - started };
    this.fire('drawn', this.lastDraw);
  }

  private sprite(kind: string, ratio: number): HTMLCanvasElement {
    const key = `${kind}@${ratio}`;
    let sprite = this.sprites.get(key);
    if (!sprite) {
      sprite = document.createElement('canvas');
      sprite.width = sprite.height = Math.ceil(SPRITE_SIZE_PX * ratio);
      const ctx = sprite.getContext('2d')!;
      ctx.scale(ratio, ratio);
      drawMarker(ctx, markerStyle(kind), SPRITE_SIZE_PX / 2, SPRITE_SIZE_PX / 2, MARKER_RADIUS_PX);
      this.sprites.set(key, sprite);
    }
    return sprite;
  }

  private drawCluster(
    ctx: CanvasRenderingContext2D,
    x: number,
    y: number,
    item: Extract<ClusterItem, { type: 'cluster' }>,
  ): void {
    const style = markerStyle(clusterKind(item.kinds));
    const r = 14 + Math.min(10, Math.log10(item.count) * 5);
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = '#ffffff';
    ctx.fill();
    ctx.lineWidth = 5;
    ctx.strokeStyle = style.colour;
    ctx.stroke();
    // The worst kind's own shape, small, on the ring: the cluster says what it holds without colour.
    drawMarker(ctx, style, x + r * 0.75, y - r * 0.75, 5);
    ctx.fillStyle = '#1b2a3a';
    ctx.font = 'bold 12px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(
      item.count >= 1000 ? `${Math.round(item.count / 100) / 10}k` : String(item.count),
      x,
      y + 0.5,
    );
  }

  private onClick(event: L.LeafletMouseEvent): void {
    const map = this._map as L.Map | undefined;
    if (!map || !this.clusters) return;
    const { x, y } = event.containerPoint;
    let best: Drawn | null = null;
    let bestDistance = HIT_RADIUS_PX;
    for (const drawn of this.drawn) {
      const d = Math.hypot(drawn.x - x, drawn.y - y);
      if (d <= bestDistance) {
        best = drawn;
        bestDistance = d;
      }
    }
    if (!best) return;
    if (best.item.type === 'cluster') {
      const zoom = Math.min(map.getMaxZoom(), this.clusters.expansionZoom(best.item.clusterId));
      map.setView([best.item.lat, best.item.lon], zoom);
    } else {
      this.events.select(best.item.marker);
    }
  }
}
