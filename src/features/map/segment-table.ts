/**
 * <rc-segment-table>: the segment report as a table, one row per surveyed section (road,
 * chainage, surveys, what was found, worst severity), with the section's map symbol beside what
 * was found. Data in, nothing out.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SegmentRow } from './report-sections';

@customElement('rc-segment-table')
export class RcSegmentTable extends LitElement {
  static override styles = css`
    :host {
      display: block;
      overflow-x: auto;
    }
    table {
      border-collapse: collapse;
      width: 100%;
      font-size: 0.9rem;
    }
    th,
    td {
      text-align: left;
      padding: 0.3rem 0.5rem;
      border-bottom: 1px solid #ddd;
      vertical-align: top;
    }
    td.number {
      text-align: right;
    }
    caption {
      text-align: left;
      font-weight: 600;
      padding-bottom: 0.3rem;
    }
  `;

  @property({ attribute: false }) rows: readonly SegmentRow[] = [];
  @property() caption = 'Segment report';
  /** Surveys not within reach of any road of the network. */
  @property({ type: Number }) unmatched = 0;

  override render() {
    if (this.rows.length === 0) return html`<p>No survey lies on a road of this network yet.</p>`;
    return html`<table data-testid="segment-table">
        <caption>
          ${this.caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">Road</th>
            <th scope="col">Chainage</th>
            <th scope="col">Surveys</th>
            <th scope="col">Found</th>
            <th scope="col">Worst severity</th>
          </tr>
        </thead>
        <tbody>
          ${this.rows.map(
            (row) =>
              html`<tr data-road=${row.roadId} data-from=${row.fromM}>
                <td>${row.roadName ? `${row.roadName} (${row.roadId})` : row.roadId}</td>
                <td>${row.chainage}</td>
                <td class="number">${row.surveys}</td>
                <td>${row.found}</td>
                <td class="number">${row.worstSeverity ?? '–'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${
        this.unmatched > 0
          ? html`<p>${this.unmatched} surveys are not within reach of a road of this network.</p>`
          : nothing
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-segment-table': RcSegmentTable;
  }
}
