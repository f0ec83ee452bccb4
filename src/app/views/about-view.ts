/** What the about page shows: the engine, the model, storage, installing. */
import type { AboutView } from '../../components/rc-about';
import type { StorageInfo } from '../../store/storage-info';
import { engineText } from '../../ui/engine-text';
import type { EngineInfo, ModelStatus } from '../../workers/protocol';
import type { InstallState } from '../services/install';
import { modelText } from './model-text';
import { persistedText, storageText } from './storage-text';

export interface AboutFacts {
  engine: EngineInfo | null;
  modelStatus: ModelStatus;
  storage: StorageInfo;
  install: InstallState;
  /** The page is cross-origin isolated (threads allowed). */
  isolated: boolean;
  version: string;
}

export function aboutView(facts: AboutFacts): AboutView {
  return {
    backendText: engineText(facts.engine),
    isolated: facts.isolated,
    modelText: modelText(facts.modelStatus),
    modelFailed: facts.modelStatus.state === 'failed',
    storageText: storageText(facts.storage),
    persisted: facts.storage.persisted,
    persistedText: persistedText(facts.storage.persisted),
    install: facts.install,
    version: facts.version,
  };
}
