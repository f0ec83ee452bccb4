import { css } from 'lit';
import { theme } from '../components/theme';

export const shellStyles = [
  theme,
  css`
    :host {
      display: grid;
      grid-template-rows: auto 1fr auto;
      min-height: 100vh;
      min-height: 100dvh;
      background: var(--rc-bg);
    }
    header {
      background: #1b2a3a;
      color: #fff;
      padding: 0.6rem 1rem;
    }
    header h1 {
      margin: 0;
      font-size: 1.25rem;
    }
    main {
      padding: 1rem;
      display: grid;
      /* One column that may shrink below its content's width: nothing pushes the page wider
         than the phone (a 360 px screen). */
      grid-template-columns: minmax(0, 1fr);
      gap: 1rem;
      align-content: start;
      max-width: 44rem;
      width: 100%;
      margin: 0 auto;
    }
    nav {
      position: sticky;
      bottom: 0;
      display: grid;
      /* One column per tab, as narrow as a 360 px screen needs (five tabs). */
      grid-auto-flow: column;
      grid-auto-columns: minmax(0, 1fr);
      background: #1b2a3a;
      padding: 0.25rem;
      gap: 0.25rem;
    }
    nav a {
      min-height: 56px;
      display: flex;
      align-items: center;
      justify-content: center;
      color: #fff;
      text-decoration: none;
      font-weight: 600;
      border-radius: 8px;
    }
    nav a[aria-current='page'] {
      background: #0b5cad;
    }
    nav a:focus-visible {
      outline: 3px solid #f0a400;
    }
    .update {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      justify-content: space-between;
      background: #fff4d6;
      color: #3d2b00;
      border-radius: 10px;
      padding: 0.5rem 1rem;
    }
  `,
];
