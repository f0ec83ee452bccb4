import { css } from 'lit';
import { theme } from '../../components/theme';

export const listPageStyles = [
  theme,
  css`
    :host {
      display: grid;
      gap: 1rem;
      align-content: start;
      min-width: 0;
    }
    h2 {
      margin: 0;
      font-size: 1.2rem;
    }
  `,
];
