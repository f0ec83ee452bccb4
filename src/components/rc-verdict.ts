/**
 * The verdict badge: label, probability of that label, and low confidence said plainly. A
 * road-damage model's verdict comes with a `summary` (the types found, "Good road", "Not sure",
 * "Not a road") worded by the page's view.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SurveyVerdict } from '../schema/survey';
import { theme } from './theme';

export interface VerdictSummary {
  outcome: string;
  title: string;
  detail: string;
}

const SUMMARY_CLASS: Record<string, string> = {
  damage: 'pothole',
  'good-road': 'normal',
  'not-sure': 'unsure',
  'not-a-road': 'unsure',
};

@customElement('rc-verdict')
export class RcVerdict extends LitElement {
  static override styles = [
    theme,
    css`
      .verdict {
        border-radius: 12px;
        padding: 0.75rem 1rem;
        color: #fff;
        display: flex;
        align-items: baseline;
        justify-content: space-between;
        gap: 1rem;
        flex-wrap: wrap;
      }
      .pothole {
        background: var(--rc-pothole);
      }
      .normal {
        background: var(--rc-normal);
      }
      .unsure {
        background: var(--rc-unsure);
      }
      .none {
        background: var(--rc-surface);
        color: var(--rc-fg);
      }
      .label {
        font-size: 1.5rem;
        font-weight: 700;
      }
      .prob {
        font-size: 1.1rem;
      }
    `,
  ];

  @property({ attribute: false }) verdict: SurveyVerdict | null = null;
  /** Road-damage models: the headline in words (overrides the pothole wording). */
  @property({ attribute: false }) summary: VerdictSummary | null = null;
  /** Why there is no verdict, when there is none. */
  @property() reason = '';

  override render() {
    const v = this.verdict;
    const s = this.summary;
    if (v && s) {
      return html`<div
        class="verdict ${SUMMARY_CLASS[s.outcome] ?? 'none'}"
        data-testid="verdict"
        data-label=${v.label}
        data-outcome=${s.outcome}
        data-pothole-probability=${v.potholeProbability.toFixed(4)}
        data-low-confidence=${String(v.lowConfidence)}
        role="status"
      >
        <span class="label">${s.title}</span>
        <span class="prob">${s.detail}</span>
      </div>`;
    }
    if (!v) {
      return html`<div class="verdict none" data-testid="verdict" data-label="none">
        <span class="label">Not analysed yet</span><span>${this.reason}</span>
      </div>`;
    }
    const p = v.label === 'pothole' ? v.potholeProbability : 1 - v.potholeProbability;
    const name = v.label === 'pothole' ? 'Pothole' : 'Good road';
    const cls = v.lowConfidence ? 'unsure' : v.label;
    return html`<div
      class="verdict ${cls}"
      data-testid="verdict"
      data-label=${v.label}
      data-probability=${p.toFixed(4)}
      data-pothole-probability=${v.potholeProbability.toFixed(4)}
      data-low-confidence=${String(v.lowConfidence)}
      role="status"
    >
      <span class="label">${v.lowConfidence ? `Not sure: ${name.toLowerCase()}?` : name}</span>
      <span class="prob"
        >${Math.round(p * 100)}% ${v.lowConfidence ? '(low confidence)' : 'sure'}</span
      >
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-verdict': RcVerdict;
  }
}
