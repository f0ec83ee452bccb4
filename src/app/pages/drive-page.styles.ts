import { css } from 'lit';
import { pageStyles } from './page.styles';

export const drivePageStyles = [
  ...pageStyles,
  css`
    video {
      width: 100%;
      max-height: 45vh;
      background: #000;
      object-fit: contain;
    }
    video[hidden] {
      display: none;
    }
    .count {
      font-size: 4rem;
      font-weight: 700;
      line-height: 1;
      text-align: center;
    }
    .count-label {
      text-align: center;
    }
    .verdict,
    .stats {
      font-size: 0.9rem;
      text-align: center;
    }
    .controls {
      display: flex;
      gap: 0.75rem;
      flex-wrap: wrap;
    }
    .controls button {
      flex: 1;
      min-height: 56px;
    }
    label {
      display: grid;
      gap: 0.25rem;
    }
    ul {
      margin: 0;
      padding-left: 1.2rem;
    }
  `,
];
