/**
 * What every tab of the lab shares: the lab worker, the lab's stores, the open model, the one
 * message line (an error or a notice) and which tab is shown. The page element makes one and
 * hands it to each tab's controller; a controller changes it and asks the page to redraw.
 */
import type { ReactiveControllerHost } from 'lit';
import { workerConfigFrom } from '../../../workers/worker-config';
import { SurveyRepository } from '../../../store/survey-repository';
import { toShownError, type ShownError } from '../../../ui/shown-error';
import type { EngineInfo, LabModelInfo } from '../shared/lab-protocol';
import { ModelLibrary } from '../store/model-library';
import { ReanalysisStore } from '../store/reanalysis-store';
import { createLabClient, type LabClient } from '../worker/lab-client';

export type LabTab = 'model' | 'layers' | 'filters' | 'cam' | 'digits' | 'audit' | 'reanalyse';

export interface LabStores {
  library: ModelLibrary;
  reanalysis: ReanalysisStore;
  surveys: SurveyRepository;
}

type LabHost = ReactiveControllerHost & HTMLElement;

export class LabSession {
  client: LabClient | null = null;
  engine: EngineInfo | null = null;
  stores: LabStores | null = null;
  model: LabModelInfo | null = null;
  error: ShownError | null = null;
  notice = '';
  tab: LabTab = 'model';
  /** Settles once the worker runs and the stores are open (or failed to open). */
  ready: Promise<void> = Promise.resolve();
  private readonly switching: (() => Promise<void>)[] = [];
  private readonly opened: ((info: LabModelInfo) => void)[] = [];

  constructor(readonly host: LabHost) {}

  /** Redraws the page. */
  changed(): void {
    this.host.requestUpdate();
  }

  /**
   * Starts the lab worker and opens the stores; `withStores` runs once they are open (the
   * kept-model list, the re-analysis runner).
   */
  start(withStores: (stores: LabStores) => Promise<void>): Promise<void> {
    const { client } = createLabClient();
    this.client = client;
    const config = workerConfigFrom(location);
    const engine = client.start({ wasmUrl: config.wasmUrl, backend: config.backend }).then(
      (e) => {
        this.engine = e;
        this.changed();
      },
      (error) =>
        this.showError({
          message: 'The lab’s engine could not start. Reload the app.',
          detail: String(error),
        }),
    );
    const stores = this.openStores().then((s) => (s ? withStores(s) : undefined));
    this.ready = Promise.all([engine, stores]).then(() => undefined);
    return this.ready;
  }

  private async openStores(): Promise<LabStores | null> {
    try {
      const [library, reanalysis, surveys] = await Promise.all([
        ModelLibrary.open(),
        ReanalysisStore.open(),
        SurveyRepository.open(),
      ]);
      this.stores = { library, reanalysis, surveys };
      return this.stores;
    } catch (error) {
      this.showError(error);
      return null;
    }
  }

  showError(error: unknown): void {
    this.error = toShownError(error);
    if (this.error.detail)
      console.warn('RoadCAM lab:', this.error.message, '\n', this.error.detail);
    this.changed();
  }

  clearMessages(): void {
    this.error = null;
    this.notice = '';
    this.changed();
  }

  setNotice(text: string): void {
    this.notice = text;
    this.changed();
  }

  show(tab: LabTab): void {
    this.tab = tab;
    this.changed();
  }

  /** Runs before another model replaces the open one (a running grid is stopped). */
  beforeModelChange(hook: () => Promise<void>): void {
    this.switching.push(hook);
  }

  /** Runs when a model was opened: each tab starts afresh for it. */
  onModelOpened(listener: (info: LabModelInfo) => void): void {
    this.opened.push(listener);
  }

  async prepareModelChange(): Promise<void> {
    for (const hook of this.switching) await hook();
  }

  /** The model the worker opened becomes the lab's: every tab resets, the Layers tab shows. */
  useModel(info: LabModelInfo): void {
    this.model = info;
    for (const listener of this.opened) listener(info);
    if (info.camProblem) this.showError(info.camProblem);
    this.notice = `Opened ${info.manifest.name} (${info.format} model, ${info.layers.length} layers) in ${Math.round(info.loadMs)} ms.`;
    this.tab = 'layers';
    this.changed();
  }
}
