/**
 * The office's shell (office.html): a header, the pages' navigation, and the page for the path.
 * It only routes; each page is its own element. Pages: the map (issue 12, /office.html and
 * /office) and the review page (issue 11, /office/review; docs/REVIEW.md).
 */
import { css, html, LitElement } from 'lit';
import { customElement } from 'lit/decorators.js';
import { theme } from '../components/theme';
import './pages/office-map-page';
import './pages/office-review-page';
import { OfficeApi } from './services/office-api';

@customElement('roadcam-office')
export class RoadcamOffice extends LitElement {
  static override styles = [
    theme,
    css`
      header {
        display: flex;
        gap: 1rem;
        align-items: center;
        background: #1b2a3a;
        color: #fff;
        padding: 0.5rem 1rem;
      }
      h1 {
        margin: 0;
        font-size: 1.2rem;
      }
      nav a {
        color: #fff;
        font-weight: 600;
      }
      main {
        padding: 0.75rem 1rem;
      }
    `,
  ];

  private readonly api = new OfficeApi();

  override render() {
    // The sync server serves office.html for /office and every path under it.
    const review = location.pathname.startsWith('/office/review');
    return html`<header>
        <h1>RoadCAM office</h1>
        <nav aria-label="Office">
          <a href="/office.html" aria-current=${review ? 'false' : 'page'}>Map</a>
          <a href="/office/review" aria-current=${review ? 'page' : 'false'}>Review</a>
        </nav>
      </header>
      <main>
        ${
          review
            ? html`<rc-office-review-page></rc-office-review-page>`
            : html`<rc-office-map-page .api=${this.api}></rc-office-map-page>`
        }
      </main>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'roadcam-office': RoadcamOffice;
  }
}
