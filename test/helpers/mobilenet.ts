/** The pretrained MobileNet v1 0.25 in both formats, from test/fixtures/models, for tests. */
import type { LoadedModel, LoadOptions } from '../../src/model/load-model';
import { imagenetLabels as labelsIn, loadSharedMobilenet } from '../../tools/lib/shared-models';
import { FIXTURE_MODELS_DIR, mobilenetFixture } from './fixtures';

export const imagenetLabels = (): string[] => labelsIn(FIXTURE_MODELS_DIR);

export function loadMobilenet(
  format: 'layers' | 'graph',
  options: LoadOptions = {},
): Promise<LoadedModel> {
  mobilenetFixture(format); // a clear message when the fixture is missing
  return loadSharedMobilenet(format, options, FIXTURE_MODELS_DIR);
}
