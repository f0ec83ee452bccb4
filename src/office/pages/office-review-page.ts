/**
 * The office's Review page (/office/review): a reviewer signs in with a reviewer token (kept
 * for this tab only, in sessionStorage), then reviews (review-page.ts).
 */
import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ReviewApi, ReviewApiError } from '../services/review-api';
import './review-page';

const TOKEN_KEY = 'roadcam-reviewer-token';

@customElement('rc-office-review-page')
export class RcOfficeReviewPage extends LitElement {
  static override styles = css`
    :host {
      display: block;
      padding: 1rem;
      max-width: 1200px;
      margin: 0 auto;
    }
    form {
      display: flex;
      gap: 0.5rem;
      flex-wrap: wrap;
      align-items: end;
    }
    input {
      min-width: 28rem;
      font: inherit;
      padding: 0.4rem;
    }
    .error {
      color: #a01818;
    }
  `;

  @state() private api: ReviewApi | null = null;
  @state() private error = '';

  override connectedCallback(): void {
    super.connectedCallback();
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) this.api = new ReviewApi(token);
  }

  private async signIn(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('token') as HTMLInputElement;
    const token = input.value.trim();
    if (!token) return;
    const api = new ReviewApi(token);
    try {
      await api.queue({}, null);
    } catch (error) {
      this.error =
        error instanceof ReviewApiError && error.status === 401
          ? 'This token is unknown or revoked: ask the server’s administrator for a reviewer token.'
          : (error as Error).message;
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    this.error = '';
    this.api = api;
  }

  private signOut(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    this.api = null;
  }

  override render() {
    if (this.api) {
      return html`<rc-review-page .api=${this.api} @sign-out=${this.signOut}></rc-review-page>`;
    }
    return html`
      <h2>Review surveys: sign in</h2>
      <p>
        Sign in with your reviewer token (made on the server with
        <code>npm run server -- token create --name NAME --role reviewer</code>).
      </p>
      <form @submit=${this.signIn}>
        <label>Reviewer token <input name="token" type="password" autocomplete="off" /></label>
        <button type="submit">Sign in</button>
      </form>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
    `;
  }
}
