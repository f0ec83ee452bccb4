/**
 * The office map: every synced survey on the same map element as the phone's (markers by what
 * was found, clustered), a tapped survey's details and photo beside it, and, with the office's
 * road network (a file loaded in this browser, kept in its origin-private storage; else the
 * one the sync server keeps, which the exports use too), each survey matched to
 * its road and chainage, the surveyed sections coloured on the map, the segment report as a
 * table, and two downloads: the segment report (CSV) and the surveys with their chainage
 * (GeoPackage, made in the browser with sql.js).
 */
import { downloadBlob } from '../../ui/download';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ExportRow } from '../../geo/export-row';
import { segmentReportCsv } from '../../geo/export/segment-report-csv';
import { markerKind, type MapMarker } from '../../geo/markers';
import { parseRoadNetworkText } from '../../geo/road-network';
import { RoadMatcher } from '../../geo/road-matcher';
import { segmentReport, type SegmentReport } from '../../geo/segment-report';
import '../../features/map/map-view';
import type { MapSection, MapTrack } from '../../features/map/map-view';
import {
  chainageText,
  reportSections,
  segmentRows,
  type SegmentRow,
} from '../../features/map/report-sections';
import {
  keptRoadNetworkSha256,
  removeRoadNetwork,
  storedRoadNetwork,
  storeRoadNetwork,
  type StoredRoadNetwork,
} from '../../features/map/road-network-file';
import '../../features/map/segment-table';
import { theme } from '../../components/theme';
import type { OfficeApi } from '../services/office-api';
import { rowFromFeature } from '../views/office-rows';
import { tracksFromRunFeatures } from '../views/run-features';

/** The road network matched against, and where it came from. */
type Roads = StoredRoadNetwork & { matcher: RoadMatcher; source: 'browser' | 'server' };

interface Matched {
  rows: ExportRow[];
  report: SegmentReport | null;
  sections: MapSection[];
  table: SegmentRow[];
}

@customElement('rc-office-map-page')
export class RcOfficeMapPage extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.75rem;
        grid-template-columns: minmax(0, 1fr);
      }
      .layout {
        display: grid;
        gap: 0.75rem;
        grid-template-columns: minmax(0, 3fr) minmax(14rem, 1fr);
      }
      @media (max-width: 50rem) {
        .layout {
          grid-template-columns: minmax(0, 1fr);
        }
      }
      rc-map-view {
        height: 70vh;
        border-radius: 8px;
        overflow: hidden;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: end;
      }
      img {
        max-width: 100%;
      }
      p,
      h2,
      h3 {
        margin: 0;
      }
    `,
  ];

  @property({ attribute: false }) api!: OfficeApi;
  @state() private surveys: ExportRow[] = [];
  /** The synced drive runs' tracks (issue 13). */
  @state() private tracks: MapTrack[] = [];
  @state() private roads: Roads | null = null;
  /** The server holds another network than the file loaded in this browser (its name). */
  @state() private serverRoadsDiffer: { name: string } | null = null;
  @state() private selected: ExportRow | null = null;
  @state() private photoUrl = '';
  @state() private status = '';
  @state() private error = '';
  private matched: Matched = { rows: [], report: null, sections: [], table: [] };
  /** Made when the rows change, not at every render: a new list rebuilds the map's clusters. */
  private shownMarkers: MapMarker[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start();
  }

  private async start(): Promise<void> {
    try {
      const stored = await storedRoadNetwork();
      if (stored) this.roads = roadsOf(stored, 'browser');
    } catch (error) {
      this.error = String((error as Error).message ?? error);
    }
    if (this.api.token) await this.loadSurveys();
  }

  private async loadSurveys(): Promise<void> {
    this.status = 'Reading the synced surveys…';
    this.error = '';
    try {
      // A file loaded in this browser was chosen here: it wins over the server's network, and
      // the page says when the server holds another one.
      const askRoads = this.roads?.source !== 'browser';
      const [collection, runs, serverRoads] = await Promise.all([
        this.api.surveys(),
        this.api.runs(),
        askRoads ? this.api.roadNetwork() : this.checkServerRoads().then(() => null),
      ]);
      this.surveys = collection.features.map(rowFromFeature);
      this.tracks = tracksFromRunFeatures(runs);
      if (askRoads && serverRoads) {
        // Checked by the same parser when it was loaded on the server.
        const network = parseRoadNetworkText(serverRoads.text);
        this.roads = roadsOf({ network, name: serverRoads.name }, 'server');
      }
      this.status = '';
    } catch (error) {
      this.error = (error as Error).message;
      this.status = '';
    }
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (!changed.has('surveys') && !changed.has('roads')) return;
    this.match();
    this.shownMarkers = this.markers();
  }

  private match(): void {
    const roads = this.roads;
    if (!roads) {
      this.matched = { rows: this.surveys, report: null, sections: [], table: [] };
      return;
    }
    const rows = this.surveys.map((row) => {
      const match =
        row.lat === null || row.lon === null
          ? null
          : roads.matcher.match({ lat: row.lat, lon: row.lon });
      return {
        ...row,
        road: match
          ? {
              id: match.road.id,
              name: match.road.name,
              chainageM: match.chainageM,
              distanceM: match.distanceM,
            }
          : null,
      };
    });
    const report = segmentReport(roads.network, rows);
    this.matched = {
      rows,
      report,
      sections: reportSections(roads.network, report),
      table: segmentRows(report),
    };
  }

  private markers(): MapMarker[] {
    return this.matched.rows
      .filter((row) => row.lat !== null && row.lon !== null)
      .map((row) => ({ id: row.id, lat: row.lat!, lon: row.lon!, kind: markerKind(row) }));
  }

  private async onSelect(id: string): Promise<void> {
    this.selected = this.matched.rows.find((row) => row.id === id) ?? null;
    if (this.photoUrl) URL.revokeObjectURL(this.photoUrl);
    this.photoUrl = '';
    if (!this.selected?.photoUrl) return;
    try {
      this.photoUrl = URL.createObjectURL(await this.api.photo(id));
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  /** Notes whether the server holds another network than this browser's file. */
  private async checkServerRoads(): Promise<void> {
    // Advice only: a server that cannot say leaves the surveys and this browser's file shown.
    const info = this.api.token ? await this.api.roadNetworkInfo().catch(() => null) : null;
    const own = info && this.roads?.source === 'browser' ? await keptRoadNetworkSha256() : null;
    this.serverRoadsDiffer = info && own && info.sha256 !== own ? { name: info.name } : null;
  }

  /** Drops this browser's file: the server's network is matched against from now on. */
  private async useServerRoads(): Promise<void> {
    try {
      await removeRoadNetwork();
      this.roads = null;
      this.serverRoadsDiffer = null;
      await this.loadSurveys();
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  private async onRoadsChosen(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    try {
      const stored = await storeRoadNetwork(file);
      this.roads = roadsOf(stored, 'browser');
      this.error = '';
      await this.checkServerRoads();
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  private onToken(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    this.api.token = (form.elements.namedItem('token') as HTMLInputElement).value;
    void this.loadSurveys();
  }

  private downloadReport(): void {
    if (!this.matched.report) return;
    downloadBlob(
      new Blob([...segmentReportCsv(this.matched.report)], { type: 'text/csv' }),
      'roadcam-segment-report.csv',
    );
  }

  private async downloadGeoPackage(): Promise<void> {
    this.status = 'Writing the GeoPackage…';
    try {
      const { geoPackageBytes, GEOPACKAGE_MIME } =
        await import('../../geo/export/gpkg/browser-geopackage');
      const bytes = await geoPackageBytes(this.matched.rows);
      downloadBlob(
        new Blob([bytes as Uint8Array<ArrayBuffer>], { type: GEOPACKAGE_MIME }),
        'roadcam-surveys.gpkg',
      );
      this.status = '';
    } catch (error) {
      this.error = (error as Error).message;
      this.status = '';
    }
  }

  private renderSelected() {
    const s = this.selected;
    if (!s) return html`<p class="muted">Tap a survey on the map to see it here.</p>`;
    return html`<div data-testid="office-survey">
      <h3>${s.found.length ? s.found.join(', ').replace(/_/g, ' ') : 'not analysed'}</h3>
      <p>${new Date(s.time).toLocaleString()}</p>
      ${
        s.road
          ? html`<p>
              Road ${s.road.id}${s.road.name ? ` ${s.road.name}` : ''}, chainage
              ${chainageText(s.road.chainageM)}
            </p>`
          : nothing
      }
      ${s.severity !== null ? html`<p>Severity ${s.severity}</p>` : nothing}
      ${s.notes ? html`<p>${s.notes}</p>` : nothing}
      ${this.photoUrl ? html`<img src=${this.photoUrl} alt="The survey's photo" />` : nothing}
    </div>`;
  }

  override render() {
    const { report, sections, table } = this.matched;
    const markers = this.shownMarkers;
    return html`
      <form class="actions" @submit=${this.onToken}>
        <label
          >Device token
          <input name="token" type="password" autocomplete="off" .value=${this.api.token}
        /></label>
        <button type="submit">Load synced surveys</button>
        <label class="button">
          <input
            type="file"
            accept=".geojson,.json,application/geo+json,application/json"
            data-testid="office-roads-input"
            @change=${this.onRoadsChosen}
          />
          Load road network
        </label>
        ${
          report
            ? html`<button type="button" @click=${this.downloadReport}>
                Segment report (CSV)
              </button>`
            : nothing
        }
        <button type="button" @click=${this.downloadGeoPackage} ?disabled=${!this.surveys.length}>
          GeoPackage${report ? ' with chainage' : ''}
        </button>
      </form>
      <p data-testid="office-summary" role="status">
        ${this.error || this.status || `${markers.length} synced surveys on the map.`}
        ${
          this.roads
            ? `Road network: ${this.roads.name} (${this.roads.source === 'server' ? "the server's" : 'loaded in this browser'}).`
            : nothing
        }
        ${this.tracks.length ? `${this.tracks.length} drive runs.` : nothing}
      </p>
      ${
        this.serverRoadsDiffer
          ? html`<p class="notice" data-testid="office-roads-differ" role="status">
              The server holds another road network, ${this.serverRoadsDiffer.name}: its chainages
              may differ from this browser's file.
              <button type="button" @click=${this.useServerRoads}>
                Use the server's road network
              </button>
            </p>`
          : nothing
      }
      <div class="layout">
        <rc-map-view
          .markers=${markers}
          .sections=${sections}
          .tracks=${this.tracks}
          @marker-select=${(e: CustomEvent<{ id: string }>) => void this.onSelect(e.detail.id)}
        ></rc-map-view>
        <aside>${this.renderSelected()}</aside>
      </div>
      ${
        report
          ? html`<rc-segment-table
              .rows=${table}
              .unmatched=${report.unmatched}
              caption=${`Segment report, ${report.sectionLengthM} m sections`}
            ></rc-segment-table>`
          : nothing
      }
    `;
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    // The view fits the surveys when they arrive.
    if (changed.has('surveys') && this.surveys.length > 0)
      void this.renderRoot
        .querySelector('rc-map-view')
        ?.updateComplete.then(() => this.renderRoot.querySelector('rc-map-view')?.fitMarkers());
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-office-map-page': RcOfficeMapPage;
  }
}

function roadsOf(stored: StoredRoadNetwork, source: Roads['source']): Roads {
  return { ...stored, matcher: new RoadMatcher(stored.network), source };
}
