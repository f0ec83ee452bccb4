/**
 * The Map page: the surveys on the phone as markers (shape and colour by what was found,
 * clustered when dense), filtered as the list is (the filters are the app's, shared), over the
 * basemap kept in the origin-private file system (a plain grid without one); a tap on a marker
 * opens the survey. With a road network loaded (kept offline too) the surveyed sections are
 * coloured on the map and listed as a segment report. "Where am I" shows the GPS fix with its
 * accuracy circle. Everything it reads is on the phone: it works with no network.
 * Loaded as its own chunk (Leaflet, protomaps-leaflet, pmtiles) the first time it is opened.
 */
import { consume } from '@lit/context';
import { Task, TaskStatus } from '@lit/task';
import { html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { checkFix } from '../../geo/gps-quality';
import { sameMarkers, type MapMarker } from '../../geo/markers';
import { segmentReport, type SegmentReport } from '../../geo/segment-report';
import { storeBasemap, storedBasemap, type Basemap } from '../../features/map/basemap';
import '../../features/map/map-view';
import type { MapPosition, MapSection, MapTrack, RcMapView } from '../../features/map/map-view';
import { markerStyle } from '../../features/map/marker-style';
import { reportSections, segmentRows, type SegmentRow } from '../../features/map/report-sections';
import '../../features/map/segment-table';
import type { SyncState, VerdictKey } from '../../store/survey-record';
import { SYNC_FILTERS, VERDICT_FILTERS } from '../../ui/survey-filters';
import { appServicesContext, FollowAppState } from '../app-context';
import { navigateEvent } from '../router';
import { surveysQuery, type AppServices } from '../services/app-services';
import type { LoadedRoads } from '../services/road-service';
import { reportSurveys, surveyMarkers } from '../views/map-markers';
import { runTracks } from '../views/run-tracks';
import { describeNoPosition } from '../views/position-text';
import { mapPageStyles } from './map-page.styles';

const LEGEND = ['pothole', 'crack', 'patch', 'good_road', 'not_road', 'pending'];
const SYMBOL: Record<string, string> = {
  circle: '●',
  triangle: '▲',
  square: '■',
  diamond: '◆',
  cross: '✕',
  ring: '○',
  hexagon: '⬢',
};

interface Shown {
  markers: MapMarker[];
  /** Surveys that pass the filters, with or without a position. */
  total: number;
  report: SegmentReport | null;
  sections: MapSection[];
  rows: SegmentRow[];
}

const NO_TRACKS: readonly MapTrack[] = [];

const EMPTY: Shown = { markers: [], total: 0, report: null, sections: [], rows: [] };

@customElement('rc-map-page')
export class RcMapPage extends LitElement {
  static override styles = mapPageStyles;

  @consume({ context: appServicesContext }) private app!: AppServices;
  private readonly follow = new FollowAppState(
    this,
    () => this.app,
    () => (this.reads += 1),
  );

  /** Each visit of the page (the shell counts them) reads the surveys again. */
  @property({ type: Number }) visit = 0;
  @state() private reads = 0;
  @state() private basemap: Basemap | null = null;
  @state() private roads: LoadedRoads | null = null;
  @state() private position: MapPosition | null = null;
  @state() private positionNote = '';
  @state() private busy = '';
  /** Drive runs' tracks on the map (the engineer may hide them). */
  @state() private showRuns = true;
  @query('rc-map-view') private mapView!: RcMapView;
  /** The view fits the surveys once, when they are first shown; after that the engineer's. */
  private fitted = false;

  private readonly surveys = new Task(this, {
    args: () =>
      [
        this.app.state.filter.verdict,
        this.app.state.filter.sync,
        this.app.state.filter.type,
        this.visit,
        this.reads,
        this.roads,
      ] as const,
    task: async ([verdict, sync, type, , , roads]): Promise<Shown> => {
      const repo = await this.app.repository();
      if (!repo) return EMPTY;
      const records = await repo.list(surveysQuery({ verdict, sync, type }));
      const fresh = surveyMarkers(records);
      const before = this.surveys.value?.markers;
      // The same list object when nothing moved: the map keeps its clusters (see sameMarkers).
      const markers = before && sameMarkers(before, fresh) ? before : fresh;
      if (!roads) return { ...EMPTY, markers, total: records.length };
      const report = segmentReport(roads.network, reportSurveys(records, roads.matcher));
      return {
        markers,
        total: records.length,
        report,
        sections: reportSections(roads.network, report),
        rows: segmentRows(report),
      };
    },
    onComplete: () => void this.fitOnce(),
    onError: (error) => this.app.reportError(error),
  });

  /** The drive runs kept on the phone (issue 13), as lines. */
  private readonly runs = new Task(this, {
    args: () => [this.visit, this.reads] as const,
    task: async (): Promise<MapTrack[]> => {
      const repo = await this.app.runRepository();
      return repo ? runTracks(await repo.list()) : [];
    },
    onError: (error) => this.app.reportError(error),
  });

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.hasUpdated) void this.openStored();
  }

  /** The basemap and road network kept on the phone, once. */
  private async openStored(): Promise<void> {
    try {
      this.basemap = await storedBasemap();
    } catch (error) {
      this.app.reportError(error);
    }
    try {
      this.roads = await this.app.roads.current();
    } catch (error) {
      this.app.reportError(error);
    }
  }

  private async fitOnce(): Promise<void> {
    if (this.fitted) return;
    await this.updateComplete;
    await this.mapView?.updateComplete;
    this.fitted = this.mapView?.fitMarkers() ?? false;
  }

  private onFilterChange(): void {
    const root = this.renderRoot;
    this.app.setFilter({
      verdict: (root.querySelector('#map-verdict') as HTMLSelectElement).value as VerdictKey | '',
      sync: (root.querySelector('#map-sync') as HTMLSelectElement).value as SyncState | '',
      // The list's type filter holds; the map shows the same surveys.
      type: this.app.state.filter.type,
    });
  }

  private async onBasemapChosen(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    this.busy = 'Saving the basemap on the phone…';
    try {
      this.basemap = await storeBasemap(file);
    } catch (error) {
      this.app.reportError(error);
    } finally {
      this.busy = '';
    }
  }

  private async onRoadsChosen(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    this.busy = 'Reading the road network…';
    try {
      this.roads = await this.app.roads.load(file);
    } catch (error) {
      this.app.reportError(error);
    } finally {
      this.busy = '';
    }
  }

  private async onWhereAmI(): Promise<void> {
    this.positionNote = 'Waiting for the GPS…';
    const result = await this.app.currentPosition();
    if ('reason' in result) {
      this.positionNote = describeNoPosition(result.reason);
      return;
    }
    const { lat, lon, accuracyM } = result.position;
    this.position = { lat, lon, accuracyM };
    const fix = checkFix(accuracyM);
    this.positionNote =
      accuracyM === null
        ? 'You are here (accuracy unknown).'
        : `You are here, ±${Math.round(accuracyM)} m${fix.flagged ? ' (a poor fix: wait for a better one)' : ''}.`;
    this.mapView?.showPoint(lat, lon);
  }

  private renderFilters() {
    const { verdict, sync } = this.app.state.filter;
    return html`<div class="filters">
      <label
        >Verdict
        <select id="map-verdict" .value=${verdict} @change=${this.onFilterChange}>
          <option value="">All</option>
          ${VERDICT_FILTERS.map(
            (f) =>
              html`<option value=${f.value} ?selected=${f.value === verdict}>${f.label}</option>`,
          )}
        </select>
      </label>
      <label
        >Sync
        <select id="map-sync" .value=${sync} @change=${this.onFilterChange}>
          <option value="">All</option>
          ${SYNC_FILTERS.map(
            (f) => html`<option value=${f.value} ?selected=${f.value === sync}>${f.label}</option>`,
          )}
        </select>
      </label>
    </div>`;
  }

  override render() {
    const { markers, total, report, sections, rows } = this.surveys.value ?? EMPTY;
    const roads = this.roads;
    const tracks = this.runs.value ?? [];
    const withoutPosition = total - markers.length;
    return html`<h2>Map</h2>
      ${this.renderFilters()}
      <p
        data-testid="map-summary"
        aria-busy=${this.surveys.status === TaskStatus.PENDING ? 'true' : 'false'}
        aria-live="polite"
      >
        ${markers.length} surveys on the
        map${withoutPosition > 0 ? html`, ${withoutPosition} without a position` : nothing}.
        ${this.basemap ? `Basemap: ${this.basemap.name}.` : 'No basemap loaded: a plain grid.'}
        ${roads ? `Road network: ${roads.name} (${roads.network.roads.length} roads).` : nothing}
        ${tracks.length > 0 ? `${tracks.length} drive runs${this.showRuns ? '' : ' (hidden)'}.` : nothing}
      </p>
      <rc-map-view
        .markers=${markers}
        .basemap=${this.basemap}
        .sections=${sections}
        .tracks=${this.showRuns ? tracks : NO_TRACKS}
        .position=${this.position}
        @marker-select=${(e: CustomEvent<{ id: string }>) =>
          this.dispatchEvent(navigateEvent({ name: 'detail', id: e.detail.id }))}
      ></rc-map-view>
      <ul class="legend" aria-label="Map symbols">
        ${LEGEND.map((kind) => {
          const style = markerStyle(kind);
          return html`<li>
            <span aria-hidden="true" style="color:${style.colour}">${SYMBOL[style.shape]}</span>
            ${style.label}
          </li>`;
        })}
      </ul>
      <div class="actions">
        <button type="button" @click=${this.onWhereAmI}>Where am I</button>
        <label>
          <input
            type="checkbox"
            data-testid="show-runs"
            .checked=${this.showRuns}
            @change=${(e: Event) => (this.showRuns = (e.target as HTMLInputElement).checked)}
          />
          Drive runs
        </label>
        <label class="button">
          <input
            type="file"
            accept=".pmtiles,application/vnd.pmtiles"
            data-testid="basemap-input"
            @change=${this.onBasemapChosen}
          />
          Load basemap
        </label>
        <label class="button">
          <input
            type="file"
            accept=".geojson,.json,application/geo+json,application/json"
            data-testid="roads-input"
            @change=${this.onRoadsChosen}
          />
          Load road network
        </label>
      </div>
      ${
        this.busy || this.positionNote
          ? html`<p role="status" data-testid="map-status">${this.busy || this.positionNote}</p>`
          : nothing
      }
      ${
        roads && report
          ? html`<rc-segment-table
              .rows=${rows}
              .unmatched=${report.unmatched}
              caption=${`Segment report, ${report.sectionLengthM} m sections`}
            ></rc-segment-table>`
          : nothing
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-map-page': RcMapPage;
  }
}
