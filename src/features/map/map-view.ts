/**
 * <rc-map-view>: the map the phone's Map page and the office's map page will both show.
 * Data in, events out, no business logic: `markers` (surveys as MapMarker), `tracks` (where the
 * engineer drove: each drive run's thinned track), `sections` (coloured road sections of a segment report), `position` (where
 * I am, with the GPS accuracy circle), `basemap` (an opened PMTiles archive, or null for a
 * plain grid). Raises `marker-select` with the survey id when a marker is tapped. Leaflet draws
 * with the 2D canvas and CSS transforms, so it needs no WebGL (docs/DEPENDENCIES.md).
 */
import * as L from 'leaflet';
import leafletCss from 'leaflet/dist/leaflet.css?inline';
import { css, html, LitElement, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { MapMarker } from '../../geo/markers';
import type { Coordinate } from '../../geo/road-network';
import { basemapLayer, PlainGridLayer, type Basemap } from './basemap';
import { MarkerLayer } from './marker-layer';

export interface MapSection {
  /** The section's lines, [lon, lat] (segment-report roadBetween). */
  lines: Coordinate[][];
  colour: string;
  /** Dashed for "no damage found", so the state does not rest on colour alone. */
  dashed?: boolean;
  label: string;
}

/** A drive run's thinned track (issue 13). */
export interface MapTrack {
  id: string;
  /** [lon, lat] points in order. */
  line: readonly Coordinate[];
  /** Shown when the line is tapped or hovered. */
  label: string;
}

/** Tracks in a dark blue-grey, solid: apart from every marker colour and the dashed
 * "no damage" sections of a segment report. */
export const TRACK_COLOUR = '#1b2a3a';

export interface MapPosition {
  lat: number;
  lon: number;
  accuracyM: number | null;
}

const toLatLng = ([lon, lat]: Coordinate): L.LatLngTuple => [lat, lon];

@customElement('rc-map-view')
export class RcMapView extends LitElement {
  static override styles = [
    unsafeCSS(leafletCss),
    css`
      :host {
        display: block;
        position: relative;
        min-height: 240px;
      }
      .map {
        position: absolute;
        inset: 0;
        background: #f2efe9;
      }
    `,
  ];

  @property({ attribute: false }) markers: readonly MapMarker[] = [];
  @property({ attribute: false }) tracks: readonly MapTrack[] = [];
  @property({ attribute: false }) sections: readonly MapSection[] = [];
  @property({ attribute: false }) position: MapPosition | null = null;
  @property({ attribute: false }) basemap: Basemap | null = null;
  /** Initial view: [lat, lon] and zoom (the basemap's centre when there is one). */
  @property({ attribute: false }) center: [number, number] = [0, 0];
  @property({ type: Number }) zoom = 2;

  /** The Leaflet map, once rendered (tests and the page read the view from it). */
  map: L.Map | null = null;
  readonly markerLayer = new MarkerLayer({
    select: (marker) =>
      this.dispatchEvent(
        new CustomEvent('marker-select', {
          detail: { id: marker.id },
          bubbles: true,
          composed: true,
        }),
      ),
  });
  private background: L.GridLayer | null = null;
  private readonly overlays = L.layerGroup();
  private readonly here = L.layerGroup();
  private resizeObserver: ResizeObserver | null = null;
  /** The view when the element was last taken out of the page. */
  private lastView: { center: [number, number]; zoom: number } | null = null;

  override render() {
    return html`<div class="map" role="application" aria-label="Map of surveys"></div>`;
  }

  override firstUpdated(): void {
    this.createMap();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // A page kept while another is shown (the app's cache()) is disconnected and connected
    // again: the map removed on the way out is made again, as it was.
    if (this.hasUpdated && !this.map) this.createMap();
  }

  private createMap(): void {
    const container = this.renderRoot.querySelector('.map') as HTMLElement;
    const view = this.lastView;
    this.map = L.map(container, {
      center: view?.center ?? this.center,
      zoom: view?.zoom ?? this.zoom,
      // Vector overlays (track, sections, accuracy circle) on one canvas, not SVG elements.
      preferCanvas: true,
      zoomControl: true,
      attributionControl: true,
    });
    L.control.scale({ metric: true, imperial: false }).addTo(this.map);
    this.overlays.addTo(this.map);
    this.here.addTo(this.map);
    this.markerLayer.addTo(this.map);
    // The host's size is known only once it is laid out.
    this.resizeObserver = new ResizeObserver(() => this.map?.invalidateSize());
    this.resizeObserver.observe(container);
    if (view) {
      // Made again: everything the properties say is drawn again.
      this.showBasemap();
      this.markerLayer.setMarkers(this.markers);
      this.showOverlays();
      this.showPosition();
    }
  }

  override updated(changed: PropertyValues<this>): void {
    if (!this.map) return;
    if (changed.has('basemap')) this.showBasemap();
    if (changed.has('markers')) this.markerLayer.setMarkers(this.markers);
    if (changed.has('tracks') || changed.has('sections')) this.showOverlays();
    if (changed.has('position')) this.showPosition();
  }

  /** Shows every marker (at most street level); false when there is none to show. */
  fitMarkers(maxZoom = 17): boolean {
    if (!this.map || this.markers.length === 0) return false;
    const bounds = L.latLngBounds(this.markers.map((m) => [m.lat, m.lon] as L.LatLngTuple));
    this.map.fitBounds(bounds, { padding: [24, 24], maxZoom, animate: false });
    return true;
  }

  /** Centres the map on a point, keeping the zoom unless it is wider than `minZoom`. */
  showPoint(lat: number, lon: number, minZoom = 16): void {
    this.map?.setView([lat, lon], Math.max(this.map.getZoom(), minZoom), { animate: false });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.map) {
      const c = this.map.getCenter();
      this.lastView = { center: [c.lat, c.lng], zoom: this.map.getZoom() };
    }
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
    this.background = null;
    this.map?.remove();
    this.map = null;
  }

  private showBasemap(): void {
    const map = this.map!;
    if (this.background) map.removeLayer(this.background);
    this.background = this.basemap ? basemapLayer(this.basemap) : new PlainGridLayer();
    this.background.addTo(map);
    this.background.bringToBack();
  }

  private showOverlays(): void {
    this.overlays.clearLayers();
    for (const section of this.sections)
      L.polyline(
        section.lines.map((line) => line.map(toLatLng)),
        {
          color: section.colour,
          weight: 7,
          opacity: 0.85,
          dashArray: section.dashed ? '4 8' : undefined,
        },
      )
        .bindTooltip(section.label)
        .addTo(this.overlays);
    for (const track of this.tracks)
      if (track.line.length >= 2)
        L.polyline(track.line.map(toLatLng), {
          color: TRACK_COLOUR,
          weight: 4,
          opacity: 0.9,
          lineCap: 'round',
          lineJoin: 'round',
        })
          .bindTooltip(track.label, { sticky: true })
          .addTo(this.overlays);
  }

  private showPosition(): void {
    this.here.clearLayers();
    const p = this.position;
    if (!p) return;
    if (p.accuracyM !== null)
      L.circle([p.lat, p.lon], {
        radius: p.accuracyM,
        color: '#1a73e8',
        weight: 1,
        fillOpacity: 0.15,
        interactive: false,
      }).addTo(this.here);
    L.circleMarker([p.lat, p.lon], {
      radius: 7,
      color: '#ffffff',
      weight: 3,
      fillColor: '#1a73e8',
      fillOpacity: 1,
      interactive: false,
    }).addTo(this.here);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-map-view': RcMapView;
  }
}
