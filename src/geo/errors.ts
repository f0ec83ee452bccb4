/**
 * Typed errors of the location core: `message` is for the field engineer or the office (what
 * is wrong and what to do), `problems` lists each bad place in the input (at most
 * MAX_PROBLEMS, then a count), `detail` is for a developer.
 */
export const MAX_PROBLEMS = 20;

export type RoadNetworkErrorCode = 'not-json' | 'not-feature-collection' | 'bad-features' | 'empty';

export class RoadNetworkError extends Error {
  readonly code: RoadNetworkErrorCode;
  readonly problems: readonly string[];

  constructor(code: RoadNetworkErrorCode, message: string, problems: readonly string[] = []) {
    super(problems.length > 0 ? `${message}\n- ${problems.join('\n- ')}` : message);
    this.name = 'RoadNetworkError';
    this.code = code;
    this.problems = problems;
  }
}

/** An export could not be written (a row that breaks the format's rules, a failing database). */
export class ExportError extends Error {
  readonly detail?: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.name = 'ExportError';
    this.detail = detail;
  }
}
