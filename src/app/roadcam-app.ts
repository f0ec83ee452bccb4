/**
 * The app shell: it only routes. It makes the app's services once and hands them down by
 * context (app-context.ts), shows the page for the path (src/app/pages, kept while the
 * engineer visits others, so a page is as it was left), the error box and the update prompt,
 * and mounts the lab the first time it is opened.
 */
import { provide } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { cache } from 'lit/directives/cache.js';
import '../components/rc-error-message';
import { afterLoad } from './after-load';
import { appServicesContext, FollowAppState } from './app-context';
import './pages/about-page';
import './pages/detail-page';
import './pages/drive-page';
import './pages/list-page';
import './pages/survey-page';
import { shellStyles } from './roadcam-app.styles';
import { parseRoute, routePath, type Route } from './router';
import { AppServices } from './services/app-services';

/** How long, at most, the installed app's other start-up work waits for the model. */
const MODEL_FIRST_MS = 3000;

const TABS: { route: Route; label: string }[] = [
  { route: { name: 'survey' }, label: 'Survey' },
  { route: { name: 'drive' }, label: 'Drive' },
  { route: { name: 'list' }, label: 'Surveys' },
  { route: { name: 'map' }, label: 'Map' },
  { route: { name: 'lab' }, label: 'Lab' },
  { route: { name: 'about' }, label: 'About' },
];

@customElement('roadcam-app')
export class RoadcamApp extends LitElement {
  static override styles = shellStyles;

  @provide({ context: appServicesContext }) readonly services = new AppServices();
  private readonly follow = new FollowAppState(this, () => this.services);

  @state() private route: Route = parseRoute(location.pathname);
  /** Counts arrivals on a page: a page reads its data again on each. */
  @state() private visit = 0;
  /** The lab, once opened, stays mounted (hidden) so a re-analysis goes on in the background. */
  @state() private labOpened = false;
  /** The Map page's chunk (Leaflet and the basemap reader) has loaded. */
  @state() private mapLoaded = false;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.onPopState);
    this.services.open();
    // The worker (tfjs, wasm, model) and the service worker start once the page has painted and
    // loaded, so that they do not compete with a first visit's first render (in one comparison
    // here, starting the worker at first paint cost ~10 Lighthouse points); a photo chosen
    // sooner starts the worker at once. A page the service worker already serves is the
    // engineer opening the installed app to take a photo: everything is local, and the model is
    // what they wait for, so the worker starts now.
    const rest = () => {
      this.services.start();
      // A re-analysis the lab was running before a reload goes on, in the hidden lab.
      void import('../features/lab/store/reanalysis-pending')
        .then((m) => m.hasRunningReanalysis())
        .then((running) => (running ? this.openLab() : undefined));
    };
    if (navigator.serviceWorker?.controller) {
      this.services.startEngine();
      // And sync (with its schemas), the service worker's update check and the lab's
      // re-analysis wait until the model is ready and a photo already chosen is on screen (3 s
      // at most): on two cores they took the CPU the worker needed, and the main thread the
      // first verdict needed, for nothing the engineer was waiting for.
      const waited = new Promise((resolve) => setTimeout(resolve, MODEL_FIRST_MS));
      const modelAndPhoto = this.services.modelSettledOnce.then(() =>
        this.services.photosOnTheWay.none(),
      );
      void Promise.race([modelAndPhoto, waited]).then(() => afterLoad(rest));
    } else {
      afterLoad(rest);
    }
    void this.enter(this.route);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.onPopState);
  }

  private onPopState = (): void => {
    void this.services.notes.flush();
    this.route = parseRoute(location.pathname);
    void this.enter(this.route);
  };

  private navigate(route: Route, event?: Event): void {
    event?.preventDefault();
    void this.services.notes.flush();
    // Keep ?model= and ?backend= on every page, so a reload keeps the same set-up.
    history.pushState(null, '', routePath(route) + location.search);
    this.route = route;
    void this.enter(route);
  }

  private async enter(route: Route): Promise<void> {
    this.visit += 1;
    if (route.name === 'lab') await this.openLab();
    if (route.name === 'map') await this.openMap();
  }

  /** The Map page is a separate chunk, loaded the first time it is opened. */
  private async openMap(): Promise<void> {
    try {
      await import('./pages/map-page');
      this.mapLoaded = true;
    } catch (error) {
      this.services.reportError({
        message: 'The map could not be loaded. Reload the app once with a network.',
        detail: String(error),
      });
    }
  }

  /** The lab is a separate chunk, loaded the first time it is needed. */
  private async openLab(): Promise<void> {
    try {
      await import('../features/lab/page/lab-page');
      this.labOpened = true;
    } catch (error) {
      this.services.reportError({
        message: 'The model lab could not be loaded. Reload the app once with a network.',
        detail: String(error),
      });
    }
  }

  private renderPage() {
    const route = this.route;
    // One template per page: cache() keeps each page's element while another is shown.
    switch (route.name) {
      case 'list':
        return html`<rc-list-page .visit=${this.visit}></rc-list-page>`;
      case 'detail':
        return html`<rc-detail-page .surveyId=${route.id} .visit=${this.visit}></rc-detail-page>`;
      case 'map':
        return this.mapLoaded ? html`<rc-map-page .visit=${this.visit}></rc-map-page>` : nothing;
      case 'about':
        return html`<rc-about-page .visit=${this.visit}></rc-about-page>`;
      case 'drive':
        return html`<rc-drive-page .visit=${this.visit}></rc-drive-page>`;
      case 'lab':
        // Rendered beside the pages, so that it stays mounted when hidden.
        return nothing;
      default:
        return html`<rc-survey-page></rc-survey-page>`;
    }
  }

  override render() {
    const { error, updateReady } = this.services.state;
    const current = (route: Route) =>
      this.route.name === route.name || (route.name === 'list' && this.route.name === 'detail');
    return html`
      <header><h1>RoadCAM</h1></header>
      <main @navigate=${(e: CustomEvent<Route>) => this.navigate(e.detail)}>
        ${
          updateReady
            ? html`<div class="update" role="status">
                <span>A new version is ready — reload to use it.</span>
                <button type="button" class="primary" @click=${() => this.services.applyUpdate()}>
                  Reload
                </button>
              </div>`
            : nothing
        }
        <rc-error-message .error=${error}></rc-error-message>
        ${cache(this.renderPage())}
        ${this.labOpened ? html`<roadcam-lab ?hidden=${this.route.name !== 'lab'}></roadcam-lab>` : nothing}
      </main>
      <nav aria-label="Main">
        ${TABS.map(
          ({ route, label }) =>
            html`<a
              href=${routePath(route)}
              aria-current=${current(route) ? 'page' : 'false'}
              @click=${(e: Event) => this.navigate(route, e)}
              >${label}</a
            >`,
        )}
      </nav>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'roadcam-app': RoadcamApp;
  }
}
