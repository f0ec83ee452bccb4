import { css } from 'lit';
import { theme } from '../../components/theme';

export const surveyPageStyles = [
  theme,
  css`
    :host {
      display: grid;
      /* A column that may be narrower than its content's widest line: text wraps instead of
         pushing the page past a 360 px screen. */
      grid-template-columns: minmax(0, 1fr);
      gap: 1rem;
      align-content: start;
    }
    .status {
      font-size: 0.9rem;
      margin: 0;
    }
    .notice {
      background: var(--rc-surface);
      border-radius: 10px;
      padding: 0.5rem 1rem;
      margin: 0;
    }
  `,
];
