import { css } from 'lit';
import { pageStyles } from './page.styles';

export const surveyPageStyles = [
  ...pageStyles,
  css`
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
