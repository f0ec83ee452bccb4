/**
 * Why a model could not be compiled as a whole (several outputs, control flow). The compiled
 * adapter catches it and runs the model as it is: a model that does not fit is slower, never
 * wrong.
 */
export class CompileError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CompileError';
  }
}
