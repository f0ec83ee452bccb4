import { css } from 'lit';
import { pageStyles } from './page.styles';

/** The Map page: the app's page styles, plus the map's height, the filters and the legend. */
export const mapPageStyles = [
  ...pageStyles,
  css`
    :host {
      gap: 0.75rem;
    }
    .filters,
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      align-items: end;
    }
    .filters label {
      display: grid;
      gap: 0.2rem;
      font-size: 0.9rem;
      min-width: 0;
    }
    rc-map-view {
      /* Tall enough to read a street, short enough to reach the buttons with a thumb. */
      height: min(60vh, 560px);
      border-radius: 8px;
      overflow: hidden;
    }
    .legend {
      display: flex;
      flex-wrap: wrap;
      gap: 0.2rem 0.9rem;
      margin: 0;
      padding: 0;
      list-style: none;
      font-size: 0.85rem;
    }
    .legend span[aria-hidden] {
      font-size: 1.1rem;
    }
    p {
      margin: 0;
    }
  `,
];
