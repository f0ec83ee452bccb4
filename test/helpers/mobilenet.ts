/** The pretrained MobileNet v1 0.25 from ../shared, in both formats, for tests. */
import type { LoadedModel, LoadOptions } from '../../src/model/load-model';
import {
  imagenetLabels,
  loadSharedMobilenet,
  mobilenetManifestFor,
} from '../../tools/lib/shared-models';
import { sharedPath } from './shared-data';

export { imagenetLabels, mobilenetManifestFor as mobilenetManifest };

export function loadMobilenet(
  format: 'layers' | 'graph',
  options: LoadOptions = {},
): Promise<LoadedModel> {
  // Fails with the shared-data helper's message when ../shared is missing.
  sharedPath(
    'models',
    format === 'graph' ? 'mobilenet_v1_0.25_224_graph' : 'mobilenet_v1_0.25_224',
  );
  return loadSharedMobilenet(format, options);
}
