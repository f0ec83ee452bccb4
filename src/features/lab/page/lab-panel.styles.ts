/** The look the lab's panels share: a column of rows of labelled controls that wrap on a phone. */
import { css } from 'lit';

export const labPanelStyles = css`
  :host {
    display: grid;
    gap: 0.75rem;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
    align-items: end;
  }
  p {
    margin: 0;
  }
`;

/** A label above its control; number and text fields as tall as a target (each panel sets their width). */
export const labFieldStyles = css`
  label {
    display: grid;
    gap: 0.25rem;
    font-weight: 600;
  }
  input[type='number'],
  input[type='text'] {
    font: inherit;
    min-height: var(--rc-target);
    border: 2px solid var(--rc-border);
    border-radius: 8px;
    padding: 0.4rem 0.6rem;
  }
`;
