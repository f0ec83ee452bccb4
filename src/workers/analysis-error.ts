/** The analysers' typed failure, and the CAM method names a manifest may ask for. */
import { CAM_METHOD_NAMES, type CamMethodName } from '../explain/cam/compute-cam';

export class AnalysisError extends Error {
  readonly code: string;
  readonly detail?: string;
  constructor(code: string, message: string, detail?: string) {
    super(message);
    this.name = 'AnalysisError';
    this.code = code;
    this.detail = detail;
  }
}

export function isCamMethod(name: string): name is CamMethodName {
  return (CAM_METHOD_NAMES as string[]).includes(name);
}
