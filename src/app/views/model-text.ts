/** The model's state in words: the survey page's status line and the about page's entry. */
import type { ModelStatus } from '../../workers/protocol';

/** The survey page's status line. */
export function modelStatusLine(status: ModelStatus): string {
  if (status.state === 'ready') return `Model ready: ${status.model.name}`;
  if (status.state === 'loading') return 'Model loading…';
  return 'Model not loaded: photos are kept without a verdict.';
}

/** The about page's "Model" entry. */
export function modelText(status: ModelStatus): string {
  if (status.state === 'loading') return 'loading…';
  if (status.state === 'failed') return `not loaded: ${status.message}`;
  const m = status.model;
  return `${m.name} (${m.id} ${m.version}), CAM layer ${m.camLayer}`;
}
