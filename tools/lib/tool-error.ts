/**
 * Typed errors of the data, training and evaluation commands. `message` is for the person at
 * the command line (what went wrong, what to do); `detail` is for a developer.
 */
export type ToolErrorCode =
  | 'missing-folder'
  | 'not-a-folder'
  | 'empty-folder'
  | 'unreadable-photo'
  | 'bad-boxes'
  | 'bad-model-folder'
  | 'bad-argument'
  | 'single-class'
  | 'empty-dataset'
  | 'not-root'
  | 'no-cgroup';

export class ToolError extends Error {
  readonly code: ToolErrorCode;
  readonly detail?: string;

  constructor(code: ToolErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'ToolError';
    this.code = code;
    this.detail = detail;
  }
}
