import { css } from 'lit';
import { theme } from '../../components/theme';

/** What every page of the app shares: the theme, one column, headings. */
export const pageStyles = [
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
    h2 {
      margin: 0;
      font-size: 1.2rem;
    }
  `,
];
