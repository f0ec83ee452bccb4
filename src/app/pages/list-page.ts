/**
 * The surveys on the phone, newest first, filtered by verdict and sync state, with the sync
 * header. Surveys are read by a task: when the filters change, or sync changes surveys, while
 * an earlier read is still on its way, only the latest read is shown (an older, unfiltered
 * answer arriving last once showed every survey under the "Sync failed" filter). The list is
 * `aria-busy` while a read is on its way.
 */
import { consume } from '@lit/context';
import { Task, TaskStatus } from '@lit/task';
import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import '../../components/rc-survey-list';
import type { SyncState, VerdictKey } from '../../store/survey-record';
import { ThumbnailUrls } from '../../ui/thumbnail-urls';
import { appServicesContext, FollowAppState } from '../app-context';
import { navigateEvent } from '../router';
import { surveysQuery, type AppServices } from '../services/app-services';
import { listItem } from '../views/list-item';
import { storageText } from '../views/storage-text';
import { syncSummary } from '../views/sync-text';
import { handFile } from '../../ui/share-file';
import { exportFile, exportRows, type ExportFormat } from '../services/survey-export';
import { pageStyles } from './page.styles';

@customElement('rc-list-page')
export class RcListPage extends LitElement {
  static override styles = [
    ...pageStyles,
    css`
      .export {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin: 0;
      }
    `,
  ];

  @consume({ context: appServicesContext }) private app!: AppServices;
  private readonly follow = new FollowAppState(
    this,
    () => this.app,
    () => (this.reads += 1),
  );

  /** Each visit of the page (the shell counts them) reads the surveys again. */
  @property({ type: Number }) visit = 0;
  /** Sync changed surveys: read them again. */
  @state() private reads = 0;
  /** The export being written, if any. */
  @state() private exporting: ExportFormat | null = null;

  private readonly thumbnails = new ThumbnailUrls();

  private readonly surveys = new Task(this, {
    // The filters live in the app's state: the Map page shows the same surveys.
    args: () => {
      const { verdict, sync, type } = this.app.state.filter;
      return [verdict, sync, type, this.visit, this.reads] as const;
    },
    task: async ([verdict, sync, type]) => {
      const repo = await this.app.repository();
      if (!repo) return { records: [], total: 0 };
      const [records, total] = await Promise.all([
        repo.list(surveysQuery({ verdict, sync, type })),
        repo.count(),
      ]);
      return { records, total };
    },
    onComplete: ({ records }) => this.thumbnails.keepOnly(records.map((r) => r.id)),
    onError: (error) => this.app.reportError(error),
  });

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.thumbnails.clear();
  }

  private onFilterChange(
    event: CustomEvent<{ verdict: string; sync: string; type: string }>,
  ): void {
    this.app.setFilter({
      verdict: event.detail.verdict as VerdictKey | '',
      sync: event.detail.sync as SyncState | '',
      type: event.detail.type,
    });
  }

  private async onSyncNow(): Promise<void> {
    await (await this.app.syncService())?.syncNow();
    this.reads += 1;
  }

  /** The surveys listed (the filters apply) as a file, made on the phone: works offline. */
  private async onExport(format: ExportFormat): Promise<void> {
    const records = this.surveys.value?.records ?? [];
    this.exporting = format;
    try {
      const rows = await exportRows(records, (position) => this.app.roads.match(position));
      const { blob, name } = await exportFile(rows, format);
      // The share sheet where the browser can share this file, else a download (offline both).
      const handed = await handFile(blob, name);
      this.app.notify(
        handed === 'shared'
          ? `Exported ${records.length} surveys to ${name} and shared it.`
          : handed === 'cancelled'
            ? `Exported ${records.length} surveys to ${name}; not shared (export again to share it).`
            : `Exported ${records.length} surveys to ${name}.`,
      );
    } catch (error) {
      this.app.reportError({
        message: 'The export could not be written. Free some space on the phone and try again.',
        detail: String(error),
      });
    } finally {
      this.exporting = null;
    }
  }

  private renderExport(count: number) {
    const formats: [ExportFormat, string][] = [
      ['geojson', 'GeoJSON'],
      ['csv', 'CSV'],
      ['kml', 'KML'],
      ['gpkg', 'GeoPackage'],
    ];
    return html`<p class="export" data-testid="export">
      Export the ${count} surveys listed:
      ${formats.map(
        ([format, label]) =>
          html`<button
            type="button"
            ?disabled=${count === 0 || this.exporting !== null}
            @click=${() => this.onExport(format)}
          >
            ${this.exporting === format ? `Writing ${label}…` : label}
          </button>`,
      )}
    </p>`;
  }

  override render() {
    const { sync, storage } = this.app.state;
    const { records, total } = this.surveys.value ?? { records: [], total: 0 };
    const items = records.map((r) =>
      listItem(r, this.thumbnails.urlFor(r.id, r.thumbnail), sync.failures.get(r.id)),
    );
    return html`<h2>Surveys</h2>
      <rc-survey-list
        aria-busy=${this.surveys.status === TaskStatus.PENDING ? 'true' : 'false'}
        .items=${items}
        .total=${total}
        verdictFilter=${this.app.state.filter.verdict}
        syncFilter=${this.app.state.filter.sync}
        typeFilter=${this.app.state.filter.type}
        storageText=${storageText(storage)}
        .sync=${syncSummary(sync)}
        @sync-now=${this.onSyncNow}
        @filter-change=${this.onFilterChange}
        @open-survey=${(e: CustomEvent<{ id: string }>) =>
          this.dispatchEvent(navigateEvent({ name: 'detail', id: e.detail.id }))}
      ></rc-survey-list>
      ${this.renderExport(records.length)}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-list-page': RcListPage;
  }
}
