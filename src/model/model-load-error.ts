/**
 * The one error type for everything between "here are a model's files" and "the model runs":
 * reading model.json and its weight files, the manifest, the answers that stand in for a
 * manifest, building the model and checking it against what was said about it. Used by the app's
 * worker, the lab and the Node tools alike, so a field engineer and a model builder get the same
 * message for the same problem.
 */
export type ModelLoadErrorCode =
  /** No manifest where one was expected (a URL that answers 404, a folder without it). */
  | 'manifest-missing'
  /** The manifest is not JSON or does not follow the manifest schema. */
  | 'manifest-invalid'
  /** No model.json where one was expected, or the model could not be read at all. */
  | 'model-missing'
  /** model.json is damaged or not a TensorFlow.js model, or the model cannot be built. */
  | 'model-invalid'
  /** The model does not match its manifest or the answers (input size, number of classes). */
  | 'model-mismatch'
  /** model.json lists weight files that are not there. */
  | 'weights-missing'
  /** The picked files hold more than one model. */
  | 'two-models'
  /** A labels file that is empty or not a list of class names. */
  | 'labels-invalid'
  /** An answer (the lab's form, the command line's flags) that cannot describe a model. */
  | 'answers-invalid';

export class ModelLoadError extends Error {
  readonly code: ModelLoadErrorCode;
  readonly detail?: string;
  constructor(code: ModelLoadErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'ModelLoadError';
    this.code = code;
    this.detail = detail;
  }
}
