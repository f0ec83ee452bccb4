/** Shared look: large targets (48 px at least) for one thumb, colours with AA contrast. */
import { css } from 'lit';

export const theme = css`
  :host {
    --rc-fg: #14181f;
    --rc-muted: #4a5261;
    --rc-bg: #ffffff;
    --rc-surface: #f1f3f6;
    --rc-border: #c5cad3;
    --rc-primary: #0b5cad;
    --rc-primary-fg: #ffffff;
    --rc-danger: #a3261d;
    --rc-pothole: #a3261d;
    --rc-normal: #1c6634;
    --rc-unsure: #7a4d00;
    --rc-target: 48px;
    font-family:
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      sans-serif;
    color: var(--rc-fg);
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  button,
  .button {
    min-height: var(--rc-target);
    min-width: var(--rc-target);
    padding: 0 1rem;
    border-radius: 10px;
    border: 2px solid var(--rc-primary);
    background: var(--rc-bg);
    color: var(--rc-primary);
    font: inherit;
    font-weight: 600;
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4rem;
    text-decoration: none;
  }
  button.primary,
  .button.primary {
    background: var(--rc-primary);
    color: var(--rc-primary-fg);
  }
  button.danger {
    border-color: var(--rc-danger);
    color: var(--rc-danger);
  }
  button.danger.primary {
    background: var(--rc-danger);
    color: #fff;
  }
  button[aria-pressed='true'] {
    background: var(--rc-primary);
    color: var(--rc-primary-fg);
  }
  button:focus-visible,
  .button:focus-within,
  select:focus-visible,
  textarea:focus-visible,
  input:focus-visible {
    outline: 3px solid #f0a400;
    outline-offset: 2px;
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  select,
  textarea {
    font: inherit;
    min-height: var(--rc-target);
    border: 2px solid var(--rc-border);
    border-radius: 8px;
    padding: 0.4rem 0.6rem;
    background: var(--rc-bg);
    color: var(--rc-fg);
  }
  /* A file input inside a label styled as a button: the label is what is seen and tapped. */
  label.button input {
    position: absolute;
    opacity: 0;
    width: 1px;
    height: 1px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  .muted {
    color: var(--rc-muted);
  }
`;
