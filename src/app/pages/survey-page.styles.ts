import { css } from 'lit';
import { theme } from '../../components/theme';

export const surveyPageStyles = [
  theme,
  css`
    :host {
      display: grid;
      gap: 1rem;
      align-content: start;
      min-width: 0;
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
