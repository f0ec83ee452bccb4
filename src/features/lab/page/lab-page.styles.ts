/** The lab page's own look: tab bar, message line, the open model's card. */
import { css } from 'lit';
import { theme } from '../../../components/theme';
import { definitionListStyles } from '../../../components/definition-list.styles';

export const labPageStyles = [
  theme,
  definitionListStyles,
  css`
    :host {
      display: grid;
      /* Wide tables scroll in their own box; the page stays within a 360 px screen. */
      grid-template-columns: minmax(0, 1fr);
      gap: 1rem;
    }
    :host([hidden]) {
      display: none;
    }
    h2 {
      margin: 0;
      font-size: 1.2rem;
    }
    .tabs {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem;
    }
    .tabs button {
      min-height: 44px;
      padding: 0 0.75rem;
    }
    p {
      margin: 0;
    }
    .notice {
      background: var(--rc-surface);
      border-radius: 10px;
      padding: 0.5rem 1rem;
    }
    .card {
      background: var(--rc-surface);
      border-radius: 10px;
      padding: 0.75rem 1rem;
      display: grid;
      gap: 0.4rem;
    }
    dd {
      overflow-wrap: anywhere;
    }
  `,
];
