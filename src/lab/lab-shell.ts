/**
 * The model lab's shell: owns the lab's state and services (its worker, the model library, the
 * re-analysis runner) and hands data down to the lab-* components; they raise events, this
 * decides. Loaded on demand (the field app imports it only when /lab is opened), so the field
 * app's start-up pays nothing for it. Everything heavy runs in the lab worker.
 */
import * as Comlink from 'comlink';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import '../components/lab-cam-explorer';
import type { CamSettingsView } from '../components/lab-cam-explorer';
import '../components/lab-digit-pad';
import '../components/lab-filters';
import '../components/lab-layers';
import '../components/lab-manifest-form';
import type { ManifestFormPrefill, ManifestFormValues } from '../components/lab-manifest-form';
import '../components/lab-model-picker';
import type { BundledEntry, KeptEntry } from '../components/lab-model-picker';
import '../components/lab-reanalysis';
import type { PotholeModelChoice, ResultView, RunView } from '../components/lab-reanalysis';
import '../components/lab-region-audit';
import '../components/rc-error-message';
import { theme } from '../components/theme';
import type { CamMethodName } from '../explain/cam/compute-cam';
import type { ModelManifestInput } from '../model/manifest';
import { workerConfigFrom } from '../model/worker-config';
import { ModelLibrary, type KeptModelSummary } from '../store/model-library';
import type { ReanalysisModelRef } from '../store/model-library-db';
import { ReanalysisStore, type ReanalysisRun } from '../store/reanalysis-store';
import { SurveyRepository } from '../store/survey-repository';
import type { SurveyRecord } from '../store/survey-record';
import { FIELD_CAM_METHODS } from '../ui/cam-methods';
import { engineText } from '../ui/engine-text';
import { formatBytes } from '../ui/format-bytes';
import { toShownError, type ShownError } from '../ui/shown-error';
import { ThumbnailUrls } from '../ui/thumbnail-urls';
import { verdictProbability } from '../ui/verdict-probability';
import type {
  ActmaxPlainSettings,
  EngineInfo,
  GridKind,
  GridProgress,
  GridTileResult,
  ImageExplanation,
  LabModelInfo,
  ManifestAnswers,
  ModelSource,
  NamedBlob,
  RgbaPixels,
} from '../workers/lab-protocol';
import {
  ACTMAX_PRESETS,
  actmaxSettingsFor,
  defaultPreset,
  settingsProblem,
  type ActmaxPreset,
} from './actmax-settings';
import { bundledModels, type BundledModel } from './bundled-models';
import { digitToMnist } from './digit-input';
import { createLabClient, type LabClient } from './lab-client';
import { convLayers, middleConvLayer } from './layer-choice';
import {
  LabFileError,
  missingShardsError,
  missingWeightFiles,
  NORMALIZATION_PRESETS,
  parseLabels,
  sortPickedFiles,
  summariseModelJson,
  type NormalizationPreset,
} from './model-files';
import { ReanalysisRunner } from './reanalysis-runner';
import { isPhotoFile, summariseAudit, type AuditRow, type AuditSummary } from './region-audit';

type Tab = 'model' | 'layers' | 'filters' | 'cam' | 'digits' | 'audit' | 'reanalyse';

const LAB_CAM_METHODS = [
  ...FIELD_CAM_METHODS.map((m) => ({ id: m.name, label: m.label })),
  { id: 'scorecam', label: 'Score-CAM (slow)' },
];

interface PendingFiles {
  files: NamedBlob[];
  labels: NamedBlob | null;
  prefill: ManifestFormPrefill;
}

interface BundledState extends BundledModel {
  manifest: { id: string; version: string; name: string; task: string } | null;
}

/** Directory handles as Chromium exposes them (not in TypeScript's DOM lib yet). */
interface DirectoryHandle {
  kind: 'directory';
  name: string;
  values(): AsyncIterable<
    DirectoryHandle | { kind: 'file'; name: string; getFile(): Promise<File> }
  >;
}

async function filesIn(dir: DirectoryHandle, prefix = ''): Promise<File[]> {
  const out: File[] = [];
  for await (const entry of dir.values()) {
    if (entry.kind === 'directory') out.push(...(await filesIn(entry, `${prefix}${entry.name}/`)));
    else {
      const file = await entry.getFile();
      if (isPhotoFile(file))
        out.push(new File([file], `${prefix}${file.name}`, { type: file.type }));
    }
  }
  return out;
}

const TABS: { id: Tab; label: string; needsModel: boolean }[] = [
  { id: 'model', label: 'Model', needsModel: false },
  { id: 'layers', label: 'Layers', needsModel: true },
  { id: 'filters', label: 'Filters', needsModel: true },
  { id: 'cam', label: 'Grad-CAM', needsModel: true },
  { id: 'digits', label: 'Draw', needsModel: true },
  { id: 'audit', label: 'Region audit', needsModel: true },
  { id: 'reanalyse', label: 'Re-analyse', needsModel: false },
];

@customElement('roadcam-lab')
export class RoadcamLab extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 1rem;
      }
      :host([hidden]) {
        display: none;
      }
      h2 {
        margin: 0;
        font-size: 1.2rem;
      }
      .tabs {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
      }
      .tabs button {
        min-height: 44px;
        padding: 0 0.75rem;
      }
      p {
        margin: 0;
      }
      .notice {
        background: var(--rc-surface);
        border-radius: 10px;
        padding: 0.5rem 1rem;
      }
      .card {
        background: var(--rc-surface);
        border-radius: 10px;
        padding: 0.75rem 1rem;
        display: grid;
        gap: 0.4rem;
      }
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0.25rem 0.75rem;
        margin: 0;
      }
      dt {
        font-weight: 600;
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
    `,
  ];

  @state() private tab: Tab = 'model';
  @state() private engine: EngineInfo | null = null;
  @state() private error: ShownError | null = null;
  @state() private notice = '';
  @state() private busy = false;
  @state() private bundled: BundledState[] = [];
  @state() private kept: KeptModelSummary[] = [];
  @state() private pending: PendingFiles | null = null;
  @state() private model: LabModelInfo | null = null;
  /** Files of the open model that can be kept (null: bundled, or already kept). */
  @state() private keepable: NamedBlob[] | null = null;
  // Filters
  @state() private gridLayer = '';
  @state() private gridKind: GridKind = 'filters';
  @state() private gridSelection = 'first 16';
  @state() private gridPreset: ActmaxPreset = 'quick';
  @state() private gridSettings: ActmaxPlainSettings | null = null;
  @state() private gridRunning = false;
  @state() private gridProgress: { done: number; total: number } | null = null;
  @state() private gridTiles: GridTileResult[] = [];
  @state() private gridColumns = 4;
  @state() private gridStatus = '';
  // Grad-CAM explorer
  @state() private camSettings: CamSettingsView = {
    method: 'gradcam',
    layer: '',
    topK: 3,
    opacity: 0.5,
  };
  @state() private explored: ImageExplanation | null = null;
  @state() private exploreStatus = '';
  @state() private exploring = false;
  // Digits
  @state() private digit: ImageExplanation | null = null;
  @state() private digitStatus = '';
  // Audit
  @state() private auditRunning = false;
  @state() private auditProgress: { done: number; total: number } | null = null;
  @state() private auditRows: AuditRow[] = [];
  @state() private auditSummary: AuditSummary | null = null;
  // Re-analysis
  @state() private runs: ReanalysisRun[] = [];
  @state() private selectedRunId = '';
  @state() private results: ResultView[] = [];
  @state() private disagreementsOnly = false;
  @state() private surveyCount = 0;

  private client: LabClient | null = null;
  private ready: Promise<void> | null = null;
  private library: ModelLibrary | null = null;
  private reanalysis: ReanalysisStore | null = null;
  private surveys: SurveyRepository | null = null;
  private runner: ReanalysisRunner | null = null;
  private lastPhoto: File | null = null;
  private digitInFlight = false;
  private digitPending: RgbaPixels | null = null;
  private auditCancelled = false;
  private readonly thumbnails = new ThumbnailUrls();
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.ready ??= this.startServices();
  }

  private async startServices(): Promise<void> {
    const { client } = createLabClient();
    this.client = client;
    const config = workerConfigFrom(location);
    const engine = client.start({ wasmUrl: config.wasmUrl, backend: config.backend }).then(
      (e) => (this.engine = e),
      (error) =>
        this.showError({
          message: 'The lab’s engine could not start. Reload the app.',
          detail: String(error),
        }),
    );
    this.bundled = bundledModels(location).map((m) => ({ ...m, manifest: null }));
    await Promise.all([engine, this.checkBundled(), this.openStores()]);
  }

  private async openStores(): Promise<void> {
    try {
      [this.library, this.reanalysis, this.surveys] = await Promise.all([
        ModelLibrary.open(),
        ReanalysisStore.open(),
        SurveyRepository.open(),
      ]);
    } catch (error) {
      this.showError(error);
      return;
    }
    await this.refreshKept();
    const client = this.client!;
    const library = this.library;
    this.runner = new ReanalysisRunner({
      store: this.reanalysis,
      surveys: this.surveys,
      openModel: async (ref) => {
        try {
          const outcome = await client.openModel(await this.sourceOfRef(ref, library));
          return outcome.ok ? { ok: true, value: outcome.value.key } : outcome;
        } catch (error) {
          return {
            ok: false,
            error: { source: 'model', code: 'model-missing', message: String(error) },
          };
        }
      },
      closeModel: (key) => client.closeModel(key),
      analyse: (key, jpeg) => client.reanalysePhoto(key, jpeg),
    });
    this.runner.addEventListener('change', () => this.scheduleReanalysisRefresh());
    await this.refreshReanalysis();
    void this.runner.resumeAll();
  }

  private async sourceOfRef(ref: ReanalysisModelRef, library: ModelLibrary): Promise<ModelSource> {
    if (ref.kind === 'url') return { kind: 'url', manifestUrl: ref.manifestUrl };
    const kept = await library.get(ref.id);
    return { kind: 'files', files: kept.files, manifest: kept.manifest as ModelManifestInput };
  }

  /** Which bundled models this build (or the service worker's cache) has. */
  private async checkBundled(): Promise<void> {
    this.bundled = await Promise.all(
      this.bundled.map(async (m) => {
        try {
          const response = await fetch(m.manifestUrl);
          if (!response.ok) return m;
          const json = (await response.json()) as BundledState['manifest'];
          return { ...m, manifest: json };
        } catch {
          return m;
        }
      }),
    );
  }

  private async refreshKept(): Promise<void> {
    if (!this.library) return;
    try {
      this.kept = await this.library.list();
    } catch (error) {
      this.showError(error);
    }
  }

  private showError(error: unknown): void {
    this.error = toShownError(error);
    if (this.error.detail)
      console.warn('RoadCAM lab:', this.error.message, '\n', this.error.detail);
  }

  private clearMessages(): void {
    this.error = null;
    this.notice = '';
  }

  // ---- opening models ----

  private async open(source: ModelSource, keepable: NamedBlob[] | null): Promise<void> {
    await this.ready;
    if (!this.client) return;
    this.clearMessages();
    this.busy = true;
    try {
      await this.cancelGrid();
      const previous = this.model;
      const outcome = await this.client.openModel(source);
      if (!outcome.ok) {
        this.showError(outcome.error);
        return;
      }
      if (previous) void this.client.closeModel(previous.key);
      this.useModel(outcome.value, keepable);
    } catch (error) {
      this.showError({ message: 'The model could not be opened.', detail: String(error) });
    } finally {
      this.busy = false;
    }
  }

  private useModel(info: LabModelInfo, keepable: NamedBlob[] | null): void {
    this.model = info;
    this.keepable = keepable;
    this.pending = null;
    const middle = middleConvLayer(info.layers);
    this.gridKind = middle ? 'filters' : 'classes';
    this.gridLayer = middle?.name ?? '';
    this.gridPreset = defaultPreset(info.inputShape);
    this.gridSettings = actmaxSettingsFor(info.inputShape, this.gridPreset);
    this.gridTiles = [];
    this.gridProgress = null;
    this.gridStatus = '';
    this.explored = null;
    this.digit = null;
    this.auditRows = [];
    this.auditSummary = null;
    this.lastPhoto = null;
    this.camSettings = {
      ...this.camSettings,
      method: info.camProblem?.code === 'no-gradient' ? 'eigencam' : 'gradcam',
      layer: info.manifest.cam.layer,
    };
    if (info.camProblem) this.showError(info.camProblem);
    this.notice = `Opened ${info.manifest.name} (${info.format} model, ${info.layers.length} layers) in ${Math.round(info.loadMs)} ms.`;
    this.tab = 'layers';
  }

  private async onOpenBundled(event: CustomEvent<{ id: string }>): Promise<void> {
    const m = this.bundled.find((b) => b.id === event.detail.id);
    if (m) await this.open({ kind: 'url', manifestUrl: m.manifestUrl }, null);
  }

  private async onFilesChosen(event: CustomEvent<{ files: File[] }>): Promise<void> {
    this.clearMessages();
    const files: NamedBlob[] = event.detail.files.map((f) => ({ name: f.name, blob: f }));
    try {
      const sorted = sortPickedFiles(files);
      const text = await sorted.modelJson.blob.text();
      const summary = summariseModelJson(text, sorted.modelJson.name);
      const missing = missingWeightFiles(summary, sorted.shards);
      if (missing.length) throw missingShardsError(missing, summary.weightFiles.length);
      const modelFiles = [sorted.modelJson, ...sorted.shards];
      if (sorted.manifest) {
        let manifest: ModelManifestInput;
        try {
          manifest = JSON.parse(await sorted.manifest.blob.text()) as ModelManifestInput;
        } catch (e) {
          throw new LabFileError(
            'not-json',
            'manifest.json is not valid JSON. Fix it, or choose the files without it and fill in the form.',
            String(e),
          );
        }
        await this.open({ kind: 'files', files: modelFiles, manifest }, modelFiles);
        return;
      }
      const [h, w, c] = summary.inputShape ?? [null, null, null];
      this.pending = {
        files: modelFiles,
        labels: sorted.labels,
        prefill: {
          fileName: sorted.modelJson.name,
          format: summary.format,
          weightFiles: summary.weightFiles.length,
          width: w,
          height: h,
          channels: c,
          inputNodes: summary.inputNodes,
          labelsFileName: sorted.labels?.name ?? null,
        },
      };
      this.tab = 'model';
    } catch (error) {
      this.showError(error);
    }
  }

  private async onManifestSubmit(
    event: CustomEvent<{ values: ManifestFormValues; labelsFile: File | null }>,
  ): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.clearMessages();
    const { values, labelsFile } = event.detail;
    try {
      let normalization;
      if (values.normalization === 'custom') {
        const numbers = (text: string) =>
          text
            .split(/[\s,;]+/)
            .filter(Boolean)
            .map(Number);
        normalization = { mean: numbers(values.mean), std: numbers(values.std) };
      } else {
        const preset = NORMALIZATION_PRESETS[values.normalization as NormalizationPreset];
        normalization = {
          mean: [...(preset ?? NORMALIZATION_PRESETS['zero-one']).normalization.mean],
          std: [...(preset ?? NORMALIZATION_PRESETS['zero-one']).normalization.std],
        };
      }
      const labelsBlob = labelsFile
        ? { name: labelsFile.name, blob: labelsFile as Blob }
        : pending.labels;
      const labels = labelsBlob ? parseLabels(await labelsBlob.blob.text(), labelsBlob.name) : null;
      const answers: ManifestAnswers = {
        name: values.name,
        width: values.width,
        height: values.height,
        channels: values.channels,
        normalization,
        resize: values.resize,
        labels,
        inputNode: values.inputNode || undefined,
        outputNode: values.outputNode || undefined,
      };
      await this.open({ kind: 'answers', files: pending.files, answers }, pending.files);
    } catch (error) {
      this.showError(error);
    }
  }

  private async onKeep(): Promise<void> {
    const model = this.model;
    const files = this.keepable;
    if (!model || !files || !this.library) return;
    try {
      const id = await this.library.keep(model.manifest, files);
      this.keepable = null;
      await this.refreshKept();
      this.notice = `${model.manifest.name} is kept on this device: it opens without a network.`;
      if (model.manifest.task === 'pothole') await this.startReanalysisOnInstall(model, id);
    } catch (error) {
      this.showError(error);
    }
  }

  /** A newly kept pothole model re-analyses the stored surveys, unless it is the field model. */
  private async startReanalysisOnInstall(model: LabModelInfo, keptId: string): Promise<void> {
    const field = this.bundled.find((b) => b.id === 'pothole')?.manifest;
    const { id, version, name } = model.manifest;
    if (field && field.id === id && field.version === version) return;
    if (!this.runner) return;
    await this.runner.start({ id, version, name }, { kind: 'kept', id: keptId });
    this.notice += ` It is re-analysing the stored surveys in the background (see Re-analyse).`;
  }

  private async onOpenKept(event: CustomEvent<{ id: string }>): Promise<void> {
    if (!this.library) return;
    try {
      const kept = await this.library.get(event.detail.id);
      await this.open(
        { kind: 'files', files: kept.files, manifest: kept.manifest as ModelManifestInput },
        null,
      );
    } catch (error) {
      this.showError(error);
    }
  }

  private async onRemoveKept(event: CustomEvent<{ id: string }>): Promise<void> {
    if (!this.library) return;
    try {
      const entry = this.kept.find((k) => k.id === event.detail.id);
      await this.library.remove(event.detail.id);
      await this.refreshKept();
      this.notice = `${entry?.name ?? 'The model'} was removed from this device.`;
    } catch (error) {
      this.showError(error);
    }
  }

  // ---- filters ----

  private onFiltersChange(
    event: CustomEvent<{
      layer?: string;
      kind?: GridKind;
      selection?: string;
      preset?: ActmaxPreset;
      settings?: ActmaxPlainSettings;
    }>,
  ): void {
    const d = event.detail;
    const model = this.model;
    if (!model) return;
    if (d.kind) {
      this.gridKind = d.kind;
      const first =
        d.kind === 'units'
          ? model.layers.find((l) => l.role === 'dense' && l.count)
          : d.kind === 'filters'
            ? (middleConvLayer(model.layers) ?? convLayers(model.layers)[0])
            : null;
      this.gridLayer = first?.name ?? '';
    }
    if (d.layer !== undefined) this.gridLayer = d.layer;
    if (d.selection !== undefined) this.gridSelection = d.selection;
    if (d.preset) {
      this.gridPreset = d.preset;
      this.gridSettings = actmaxSettingsFor(model.inputShape, d.preset);
    }
    if (d.settings) this.gridSettings = d.settings;
  }

  private onLayerPick(event: CustomEvent<{ name: string }>): void {
    const layer = this.model?.layers.find((l) => l.name === event.detail.name);
    if (!layer) return;
    this.gridKind = layer.role === 'dense' ? 'units' : 'filters';
    this.gridLayer = layer.name;
    this.tab = 'filters';
  }

  private async runGrid(): Promise<void> {
    const model = this.model;
    const settings = this.gridSettings;
    if (!model || !settings || !this.client) return;
    const problem = settingsProblem(settings);
    if (problem) {
      this.showError({ message: problem });
      return;
    }
    this.clearMessages();
    this.gridRunning = true;
    this.gridTiles = [];
    this.gridProgress = { done: 0, total: settings.steps };
    this.gridStatus = 'Optimising in the background…';
    const started = performance.now();
    const onProgress = (p: GridProgress) => {
      this.gridProgress = { done: p.done, total: p.total };
      if (p.tiles.length) this.gridTiles = [...this.gridTiles, ...p.tiles];
    };
    try {
      const outcome = await this.client.filterGrid(
        {
          modelKey: model.key,
          layer: this.gridLayer,
          kind: this.gridKind,
          selection: this.gridSelection,
          settings,
        },
        Comlink.proxy(onProgress),
      );
      if (!outcome.ok) {
        if (outcome.error.code === 'cancelled') {
          this.gridStatus = `Cancelled after ${this.gridProgress?.done ?? 0} of ${this.gridProgress?.total ?? 0} steps.`;
        } else {
          this.gridStatus = '';
          this.showError(outcome.error);
        }
        return;
      }
      const r = outcome.value;
      this.gridTiles = r.tiles;
      this.gridColumns = r.columns;
      this.gridProgress = {
        done: this.gridProgress?.total ?? 0,
        total: this.gridProgress?.total ?? 0,
      };
      const noun = r.kind === 'classes' ? 'classes' : r.kind === 'units' ? 'units' : 'filters';
      this.gridStatus = `Done: ${r.tiles.length} ${noun}${r.kind === 'classes' ? '' : ` of ${r.layer}`}, ${r.settings.steps} steps, in ${((performance.now() - started) / 1000).toFixed(1)} s.`;
    } catch (error) {
      this.showError({
        message: 'The filter images could not be computed.',
        detail: String(error),
      });
    } finally {
      this.gridRunning = false;
    }
  }

  private async cancelGrid(): Promise<void> {
    if (this.gridRunning) await this.client?.cancelGrid();
  }

  /** The grid as one PNG: tiles in rows, 2 px white gaps, as `roadcam filters` writes it. */
  private async saveGridPng(): Promise<void> {
    const tiles = this.gridTiles;
    if (!tiles.length) return;
    const gap = 2;
    const { width: w0, height: h0 } = tiles[0].image;
    // 28 px MNIST tiles are too small to see: enlarged 4x, pixels kept sharp.
    const scale = Math.max(w0, h0) <= 64 ? 4 : 1;
    const [tw, th] = [w0 * scale, h0 * scale];
    const cols = this.gridColumns;
    const rows = Math.ceil(tiles.length / cols);
    const canvas = document.createElement('canvas');
    canvas.width = cols * tw + (cols - 1) * gap;
    canvas.height = rows * th + (rows - 1) * gap;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = false;
    const tile = document.createElement('canvas');
    tile.width = w0;
    tile.height = h0;
    tiles.forEach((t, i) => {
      tile
        .getContext('2d')!
        .putImageData(new ImageData(new Uint8ClampedArray(t.image.data), w0, h0), 0, 0);
      ctx.drawImage(tile, (i % cols) * (tw + gap), Math.floor(i / cols) * (th + gap), tw, th);
    });
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) {
      this.showError({ message: 'The grid could not be saved as PNG on this browser.' });
      return;
    }
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    const what = this.gridKind === 'classes' ? 'classes' : this.gridLayer;
    a.download = `${this.model?.manifest.id ?? 'model'}-${what.replace(/[^\w.-]+/g, '_')}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  // ---- Grad-CAM explorer ----

  private async explore(file: File): Promise<void> {
    const model = this.model;
    if (!model || !this.client) return;
    this.clearMessages();
    this.lastPhoto = file;
    this.exploring = true;
    this.exploreStatus = 'Explaining…';
    try {
      const s = this.camSettings;
      const outcome = await this.client.explainPhoto(file, {
        modelKey: model.key,
        method: s.method as CamMethodName,
        layer: s.layer || undefined,
        topK: s.topK,
      });
      if (!outcome.ok) {
        this.exploreStatus = '';
        this.showError(outcome.error);
        return;
      }
      this.replaceExplanation('explored', outcome.value);
      const v = outcome.value;
      this.exploreStatus = `${v.method} at ${v.layer}: ${v.classes.length} classes in ${Math.round(v.elapsedMs)} ms.`;
    } finally {
      this.exploring = false;
    }
  }

  private replaceExplanation(which: 'explored' | 'digit', next: ImageExplanation | null): void {
    const old = this[which];
    if (old && old !== next) {
      old.photo.close();
      for (const c of old.classes) c.heatmap?.close();
    }
    this[which] = next;
  }

  private async onCamSettings(event: CustomEvent<Partial<CamSettingsView>>): Promise<void> {
    const rerun = 'method' in event.detail || 'layer' in event.detail || 'topK' in event.detail;
    this.camSettings = { ...this.camSettings, ...event.detail };
    if (rerun && this.lastPhoto) await this.explore(this.lastPhoto);
  }

  // ---- digits ----

  private onDigitDrawn(event: CustomEvent<RgbaPixels>): void {
    const model = this.model;
    if (!model) return;
    const input = digitToMnist(event.detail, model.manifest.input.width);
    if (!input) return;
    if (this.digitInFlight) {
      // Only the latest drawing matters: older ones are dropped.
      this.digitPending = input;
      return;
    }
    void this.classifyDigit(input);
  }

  private async classifyDigit(input: RgbaPixels): Promise<void> {
    const model = this.model;
    if (!model || !this.client) return;
    this.digitInFlight = true;
    try {
      const outcome = await this.client.explainPixels(input, {
        modelKey: model.key,
        method: this.camSettings.method as CamMethodName,
        layer: this.camSettings.layer || undefined,
        topK: 3,
      });
      if (!outcome.ok) {
        this.showError(outcome.error);
        return;
      }
      this.replaceExplanation('digit', outcome.value);
      this.digitStatus = `${Math.round(outcome.value.elapsedMs)} ms in the worker.`;
    } finally {
      this.digitInFlight = false;
      const next = this.digitPending;
      this.digitPending = null;
      if (next) void this.classifyDigit(next);
    }
  }

  // ---- region audit ----

  private async onAuditFolder(): Promise<void> {
    const picker = (window as unknown as { showDirectoryPicker?: () => Promise<DirectoryHandle> })
      .showDirectoryPicker;
    if (!picker) return;
    try {
      const dir = await picker();
      await this.runAudit(await filesIn(dir));
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') return;
      this.showError({ message: 'The folder could not be read.', detail: String(error) });
    }
  }

  private async runAudit(files: File[]): Promise<void> {
    const model = this.model;
    if (!model || !this.client) return;
    this.clearMessages();
    const photos = files.filter(isPhotoFile);
    if (photos.length === 0) {
      this.showError({ message: 'There are no photos (JPEG, PNG, WebP…) among the chosen files.' });
      return;
    }
    this.auditCancelled = false;
    this.auditRunning = true;
    this.auditRows = [];
    this.auditSummary = null;
    this.auditProgress = { done: 0, total: photos.length };
    const rows: AuditRow[] = [];
    try {
      for (const file of photos) {
        if (this.auditCancelled) break;
        const outcome = await this.client.explainPhoto(file, {
          modelKey: model.key,
          method: this.camSettings.method as CamMethodName,
          layer: this.camSettings.layer || undefined,
          topK: 1,
          regions: true,
        });
        if (outcome.ok) {
          const top = outcome.value.classes[0];
          outcome.value.photo.close();
          top.heatmap?.close();
          rows.push({
            name: file.name,
            label: top.label,
            probability: top.probability,
            regions: top.regions,
            error: null,
          });
        } else {
          rows.push({
            name: file.name,
            label: null,
            probability: null,
            regions: null,
            error: outcome.error.message,
          });
        }
        this.auditProgress = { done: rows.length, total: photos.length };
        if (rows.length % 5 === 0 || rows.length === photos.length) {
          this.auditRows = [...rows];
          this.auditSummary = summariseAudit(rows);
        }
      }
    } finally {
      this.auditRows = [...rows];
      this.auditSummary = summariseAudit(rows);
      this.auditRunning = false;
    }
  }

  // ---- re-analysis ----

  private scheduleReanalysisRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      // The review table reads every survey: only while it is on screen. The run list is cheap.
      if (!this.hidden && this.tab === 'reanalyse') void this.refreshReanalysis();
      else void this.reanalysis?.listRuns().then((runs) => (this.runs = runs));
    }, 250);
  }

  private async refreshReanalysis(): Promise<void> {
    if (!this.reanalysis || !this.surveys) return;
    try {
      const [runs, surveys] = await Promise.all([this.reanalysis.listRuns(), this.surveys.list()]);
      this.runs = runs;
      this.surveyCount = surveys.length;
      if (!this.selectedRunId || !runs.some((r) => r.id === this.selectedRunId)) {
        this.selectedRunId = runs[0]?.id ?? '';
      }
      this.results = this.selectedRunId
        ? this.resultViews(await this.reanalysis.results(this.selectedRunId), surveys)
        : [];
    } catch (error) {
      this.showError(error);
    }
  }

  private resultViews(
    results: Awaited<ReturnType<ReanalysisStore['results']>>,
    surveys: SurveyRecord[],
  ): ResultView[] {
    const byId = new Map(surveys.map((s) => [s.id, s]));
    const views: ResultView[] = [];
    for (const r of results) {
      const survey = byId.get(r.surveyId);
      if (!survey) continue; // deleted since
      const view = (v: { label: string; potholeProbability: number } | null) =>
        v ? { label: v.label, probability: verdictProbability(v)! } : null;
      views.push({
        surveyId: r.surveyId,
        createdAt: survey.createdAt,
        thumbnailUrl: this.thumbnails.urlFor(survey.id, survey.thumbnail),
        old: view(r.old.verdict),
        oldModel: r.old.model ? `${r.old.model.id} ${r.old.model.version}` : 'not analysed',
        new: r.new ? view(r.new.verdict) : null,
        error: r.error,
        disagree: r.disagree,
      });
    }
    // The thumbnails of surveys no longer among the results are freed.
    this.thumbnails.keepOnly(views.map((v) => v.surveyId));
    // Disagreements first, then newest first.
    return views.sort(
      (a, b) => Number(b.disagree) - Number(a.disagree) || b.createdAt.localeCompare(a.createdAt),
    );
  }

  private potholeChoices(): PotholeModelChoice[] {
    const out: PotholeModelChoice[] = [];
    for (const b of this.bundled) {
      if (b.manifest?.task === 'pothole') {
        out.push({ ref: `url:${b.manifestUrl}`, name: `${b.manifest.name} (bundled)` });
      }
    }
    for (const k of this.kept) {
      if (k.task === 'pothole')
        out.push({ ref: `kept:${k.id}`, name: `${k.name} v${k.version} (kept)` });
    }
    return out;
  }

  private async onRunStart(event: CustomEvent<{ ref: string }>): Promise<void> {
    if (!this.runner) return;
    const [kind, ...rest] = event.detail.ref.split(':');
    const value = rest.join(':');
    try {
      if (kind === 'url') {
        const b = this.bundled.find((x) => x.manifestUrl === value)?.manifest;
        if (!b) return;
        const run = await this.runner.start(
          { id: b.id, version: b.version, name: b.name },
          { kind: 'url', manifestUrl: value },
        );
        if (run.state !== 'running') await this.runner.resume(run.id);
      } else {
        const k = this.kept.find((x) => x.id === value);
        if (!k) return;
        const run = await this.runner.start(
          { id: k.modelId, version: k.version, name: k.name },
          { kind: 'kept', id: k.id },
        );
        if (run.state !== 'running') await this.runner.resume(run.id);
      }
    } catch (error) {
      this.showError(error);
    }
  }

  // ---- rendering ----

  private renderModelTab() {
    const m = this.model;
    const bundled: BundledEntry[] = this.bundled.map((b) => ({
      id: b.id,
      title: b.title,
      purpose: b.purpose,
      available: b.manifest !== null,
    }));
    const kept: KeptEntry[] = this.kept.map((k) => ({
      id: k.id,
      name: k.name,
      version: k.version,
      task: k.task,
      format: k.format,
      sizeText: formatBytes(k.bytes),
    }));
    return html`
      <lab-model-picker
        .bundled=${bundled}
        .kept=${kept}
        ?busy=${this.busy}
        @open-bundled=${this.onOpenBundled}
        @files-chosen=${this.onFilesChosen}
        @open-kept=${this.onOpenKept}
        @remove-kept=${this.onRemoveKept}
      ></lab-model-picker>
      ${
        this.pending
          ? html`<lab-manifest-form
              .prefill=${this.pending.prefill}
              .normalizations=${Object.entries(NORMALIZATION_PRESETS).map(([id, p]) => ({
                id,
                label: p.label,
              }))}
              ?busy=${this.busy}
              @manifest-submit=${this.onManifestSubmit}
              @manifest-cancel=${() => (this.pending = null)}
            ></lab-manifest-form>`
          : nothing
      }
      ${m ? this.renderModelCard(m) : nothing}
    `;
  }

  private renderModelCard(m: LabModelInfo) {
    const i = m.manifest.input;
    const norm = `mean ${i.normalization.mean.join(', ')} / std ${i.normalization.std.join(', ')}`;
    return html`<section class="card" data-testid="model-card" aria-label="Open model">
      <strong data-testid="model-name">${m.manifest.name}</strong>
      <dl>
        <dt>Format</dt>
        <dd>${m.format}</dd>
        <dt>Input</dt>
        <dd>${i.width}x${i.height}x${i.channels}, ${norm}, ${i.resize}</dd>
        <dt>Classes</dt>
        <dd>
          ${m.manifest.labels.length}${
            m.manifest.labelOffset ? ` (output 0 is "background": ${m.numOutputs} outputs)` : ''
          }
        </dd>
        <dt>CAM layer</dt>
        <dd>${m.camProblem ? `none: ${m.camProblem.message}` : m.manifest.cam.layer}</dd>
      </dl>
      ${
        this.keepable
          ? html`<button type="button" data-testid="keep-model" @click=${this.onKeep}>
              Keep on this device (works offline)
            </button>`
          : nothing
      }
    </section>`;
  }

  private renderTab() {
    const m = this.model;
    switch (this.tab) {
      case 'layers':
        return m
          ? html`<lab-layers
              .layers=${m.layers}
              defaultCamLayer=${m.defaultCamLayer ?? ''}
              @layer-pick=${this.onLayerPick}
            ></lab-layers>`
          : nothing;
      case 'filters':
        return m
          ? html`<lab-filters
              .layers=${m.layers}
              layer=${this.gridLayer}
              kind=${this.gridKind}
              selection=${this.gridSelection}
              preset=${this.gridPreset}
              .presets=${ACTMAX_PRESETS}
              .settings=${this.gridSettings}
              ?running=${this.gridRunning}
              ?gradientsAvailable=${m.camProblem?.code !== 'no-gradient'}
              .progress=${this.gridProgress}
              .tiles=${this.gridTiles}
              .columns=${this.gridColumns}
              status=${this.gridStatus}
              @filters-change=${this.onFiltersChange}
              @run-grid=${this.runGrid}
              @cancel-grid=${this.cancelGrid}
              @save-png=${this.saveGridPng}
            ></lab-filters>`
          : nothing;
      case 'cam':
        return m
          ? html`<lab-cam-explorer
              .methods=${LAB_CAM_METHODS}
              .layers=${m.layers}
              .settings=${this.camSettings}
              .result=${this.explored}
              ?busy=${this.exploring}
              status=${this.exploreStatus}
              @explore-photo=${(e: CustomEvent<{ file: File }>) => this.explore(e.detail.file)}
              @cam-settings=${this.onCamSettings}
            ></lab-cam-explorer>`
          : nothing;
      case 'digits':
        return m
          ? html`${
                m.manifest.input.channels !== 1
                  ? html`<p class="notice">
                      This model takes colour photos; the pad is made for a digit model such as the
                      bundled MNIST one.
                    </p>`
                  : nothing
              }
              <lab-digit-pad
                .result=${this.digit}
                status=${this.digitStatus}
                @digit-drawn=${this.onDigitDrawn}
                @digit-cleared=${() => this.replaceExplanation('digit', null)}
              ></lab-digit-pad>`
          : nothing;
      case 'audit':
        return m
          ? html`<lab-region-audit
              ?folderPicker=${'showDirectoryPicker' in window}
              ?running=${this.auditRunning}
              .progress=${this.auditProgress}
              .summary=${this.auditSummary}
              .rows=${this.auditRows}
              method=${this.camSettings.method}
              layer=${this.camSettings.layer}
              @audit-folder=${this.onAuditFolder}
              @audit-files=${(e: CustomEvent<{ files: File[] }>) => this.runAudit(e.detail.files)}
              @audit-cancel=${() => (this.auditCancelled = true)}
            ></lab-region-audit>`
          : nothing;
      case 'reanalyse': {
        const runs: RunView[] = this.runs.map((r) => ({
          id: r.id,
          modelName: r.model.name,
          version: r.model.version,
          state: r.state,
          done: r.done,
          total: r.total,
          stoppedReason: r.stoppedReason,
        }));
        return html`<lab-reanalysis
          .runs=${runs}
          selectedRunId=${this.selectedRunId}
          .results=${this.results}
          ?disagreementsOnly=${this.disagreementsOnly}
          .potholeModels=${this.potholeChoices()}
          .surveyCount=${this.surveyCount}
          @run-start=${this.onRunStart}
          @run-pause=${(e: CustomEvent<{ id: string }>) => this.runner?.pause(e.detail.id)}
          @run-resume=${(e: CustomEvent<{ id: string }>) => this.runner?.resume(e.detail.id)}
          @run-select=${(e: CustomEvent<{ id: string }>) => {
            this.selectedRunId = e.detail.id;
            void this.refreshReanalysis();
          }}
          @disagreements-only=${(e: CustomEvent<{ value: boolean }>) =>
            (this.disagreementsOnly = e.detail.value)}
        ></lab-reanalysis>`;
      }
      default:
        return this.renderModelTab();
    }
  }

  override render() {
    return html`
      <h2>Model lab</h2>
      <p class="muted">
        Open a TensorFlow.js model, see what its filters respond to and where it looks. Lab engine:
        <span data-testid="lab-backend">${engineText(this.engine)}</span>${
          this.model
            ? html` · Model: <strong data-testid="lab-model">${this.model.manifest.name}</strong>`
            : nothing
        }
      </p>
      <rc-error-message testid="lab-error" .error=${this.error}></rc-error-message>
      ${
        this.notice
          ? html`<p class="notice" role="status" data-testid="lab-notice">${this.notice}</p>`
          : nothing
      }
      <div class="tabs" role="toolbar" aria-label="Lab sections">
        ${TABS.map(
          (t) =>
            html`<button
              type="button"
              data-testid=${`lab-tab-${t.id}`}
              aria-pressed=${this.tab === t.id ? 'true' : 'false'}
              ?disabled=${t.needsModel && !this.model}
              @click=${() => {
                this.tab = t.id;
                if (t.id === 'reanalyse') void this.refreshReanalysis();
              }}
            >
              ${t.label}
            </button>`,
        )}
      </div>
      ${this.renderTab()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'roadcam-lab': RoadcamLab;
  }
}
