/** A definition list as two columns, the terms bold: what a record or a model card says. */
import { css } from 'lit';

export const definitionListStyles = css`
  dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0.25rem 0.75rem;
    margin: 0;
  }
  dt {
    font-weight: 600;
  }
  dd {
    margin: 0;
  }
`;
