/**
 * Typed errors of the explainability core. `message` is for the person using the tool (a field
 * engineer or a model builder); `detail` carries what a developer needs to debug.
 */
export type ExplainErrorCode =
  | 'unknown-layer'
  | 'not-spatial-layer'
  | 'no-spatial-layer'
  | 'bad-input-shape'
  | 'unsupported-model'
  | 'no-gradient'
  | 'bad-target'
  | 'bad-argument'
  | 'cancelled';

export class ExplainError extends Error {
  readonly code: ExplainErrorCode;
  readonly detail?: string;

  constructor(code: ExplainErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'ExplainError';
    this.code = code;
    this.detail = detail;
  }
}
