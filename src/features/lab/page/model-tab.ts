/**
 * The Model tab: open a bundled model, a kept one, or picked files (with the manifest form when
 * they have no manifest.json); keep the open model on the device, or remove a kept one. A kept
 * pothole model starts a re-analysis of the stored surveys.
 */
import { html, nothing } from 'lit';
import { formatBytes } from '../../../ui/format-bytes';
import { parseLabels } from '../../../model/labels-file';
import type { ModelManifestInput } from '../../../model/manifest';
import { ModelLoadError } from '../../../model/model-load-error';
import { NORMALIZATION_PRESETS } from '../../../model/normalization-presets';
import { answersFromForm, type ManifestFormValues } from '../shared/form-answers';
import type { LabModelInfo, ModelSource, NamedBlob } from '../shared/lab-protocol';
import { notRoadFilesOf } from '../../../model/not-road-files';
import { checkPickedFiles, filesTheModelNeeds } from '../shared/picked-files';
import './lab-manifest-form';
import type { ManifestFormPrefill } from './lab-manifest-form';
import './lab-model-picker';
import type { BundledEntry, KeptEntry } from './lab-model-picker';
import type { LabSession } from './lab-session';
import type { ModelCatalogue } from './model-catalogue';
import type { ReanalyseTab } from './reanalyse-tab';
import { TabController } from './tab-controller';

/** Picked files without a manifest, waiting for the form's answers. */
interface PendingFiles {
  files: NamedBlob[];
  labels: NamedBlob | null;
  prefill: ManifestFormPrefill;
}

const NORMALIZATION_CHOICES = Object.entries(NORMALIZATION_PRESETS).map(([id, p]) => ({
  id,
  label: p.label,
}));

export class ModelTab extends TabController {
  private busy = false;
  private pending: PendingFiles | null = null;
  /** Files of the open model that can be kept (null: bundled, or already kept). */
  private keepable: NamedBlob[] | null = null;

  constructor(
    session: LabSession,
    private readonly catalogue: ModelCatalogue,
    private readonly reanalyse: ReanalyseTab,
  ) {
    super(session);
  }

  private async open(source: ModelSource, keepable: NamedBlob[] | null): Promise<void> {
    const { session } = this;
    await session.ready;
    const client = session.client;
    if (!client) return;
    session.clearMessages();
    this.busy = true;
    this.changed();
    try {
      await session.prepareModelChange();
      const previous = session.model;
      const outcome = await client.openModel(source);
      if (!outcome.ok) {
        session.showError(outcome.error);
        return;
      }
      if (previous) void client.closeModel(previous.key);
      this.keepable = keepable;
      this.pending = null;
      session.useModel(outcome.value);
    } catch (error) {
      session.showError({ message: 'The model could not be opened.', detail: String(error) });
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  private async onOpenBundled(event: CustomEvent<{ id: string }>): Promise<void> {
    const m = this.catalogue.bundled.find((b) => b.id === event.detail.id);
    if (m) await this.open({ kind: 'url', manifestUrl: m.manifestUrl }, null);
  }

  private async onFilesChosen(event: CustomEvent<{ files: NamedBlob[] }>): Promise<void> {
    this.session.clearMessages();
    const { files } = event.detail;
    try {
      const { sorted, summary } = await checkPickedFiles(files);
      if (sorted.manifest) {
        let manifest: ModelManifestInput;
        try {
          manifest = JSON.parse(await sorted.manifest.blob.text()) as ModelManifestInput;
        } catch (e) {
          throw new ModelLoadError(
            'manifest-invalid',
            'manifest.json is not valid JSON. Fix it, or choose the files without it and fill in the form.',
            String(e),
          );
        }
        const needed = await filesTheModelNeeds(sorted, summary, notRoadFilesOf(manifest));
        await this.open({ kind: 'files', files: needed, manifest }, needed);
        return;
      }
      const modelFiles = await filesTheModelNeeds(sorted, summary, null);
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
      this.session.show('model');
    } catch (error) {
      this.session.showError(error);
    }
  }

  private async onManifestSubmit(
    event: CustomEvent<{ values: ManifestFormValues; labelsFile: File | null }>,
  ): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.session.clearMessages();
    const { values, labelsFile } = event.detail;
    try {
      const labelsBlob = labelsFile
        ? { name: labelsFile.name, blob: labelsFile as Blob }
        : pending.labels;
      const labels = labelsBlob ? parseLabels(await labelsBlob.blob.text(), labelsBlob.name) : null;
      const answers = answersFromForm(values, labels);
      await this.open({ kind: 'answers', files: pending.files, answers }, pending.files);
    } catch (error) {
      this.session.showError(error);
    }
  }

  private async onKeep(): Promise<void> {
    const { session } = this;
    const model = session.model;
    const files = this.keepable;
    const library = session.stores?.library;
    if (!model || !files || !library) return;
    try {
      const id = await library.keep(model.manifest, files);
      this.keepable = null;
      await this.catalogue.refreshKept();
      session.setNotice(
        `${model.manifest.name} is kept on this device: it opens without a network.`,
      );
      const kept = this.catalogue.kept.find((k) => k.id === id);
      if (kept?.reanalysable) await this.startReanalysisOnInstall(model, id);
    } catch (error) {
      session.showError(error);
    }
  }

  /**
   * A newly kept road model (pothole or road-damage, with all its analysis reads) re-analyses
   * the stored surveys, unless it is the field model.
   */
  private async startReanalysisOnInstall(model: LabModelInfo, keptId: string): Promise<void> {
    const field = this.catalogue.bundled.find((b) => b.field)?.manifest;
    const { id, version, name } = model.manifest;
    if (field && field.id === id && field.version === version) return;
    const started = await this.reanalyse.startRun(
      { id, version, name },
      { kind: 'kept', id: keptId },
    );
    if (started) {
      this.session.setNotice(
        `${this.session.notice} ${
          started === 'started'
            ? 'It is re-analysing the stored surveys in the background (see Re-analyse).'
            : 'Its re-analysis of the stored surveys is there already (see Re-analyse).'
        }`,
      );
    }
  }

  private async onOpenKept(event: CustomEvent<{ id: string }>): Promise<void> {
    try {
      await this.open(await this.catalogue.sourceOf({ kind: 'kept', id: event.detail.id }), null);
    } catch (error) {
      this.session.showError(error);
    }
  }

  private async onRemoveKept(event: CustomEvent<{ id: string }>): Promise<void> {
    const library = this.session.stores?.library;
    if (!library) return;
    try {
      const entry = this.catalogue.kept.find((k) => k.id === event.detail.id);
      await library.remove(event.detail.id);
      await this.catalogue.refreshKept();
      this.session.setNotice(`${entry?.name ?? 'The model'} was removed from this device.`);
    } catch (error) {
      this.session.showError(error);
    }
  }

  private renderModelCard(m: LabModelInfo) {
    const i = m.manifest.input;
    const order = i.normalization.channelOrder === 'bgr' ? 'BGR, ' : '';
    const norm = `${order}mean ${i.normalization.mean.join(', ')} / std ${i.normalization.std.join(', ')}`;
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
          ? html`<button type="button" data-testid="keep-model" @click=${() => this.onKeep()}>
              Keep on this device (works offline)
            </button>`
          : nothing
      }
    </section>`;
  }

  render() {
    const m = this.session.model;
    const bundled: BundledEntry[] = this.catalogue.bundled.map((b) => ({
      id: b.id,
      title: b.title,
      purpose: b.purpose,
      available: b.manifest !== null,
    }));
    const kept: KeptEntry[] = this.catalogue.kept.map((k) => ({
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
        @open-bundled=${(e: CustomEvent<{ id: string }>) => this.onOpenBundled(e)}
        @files-chosen=${(e: CustomEvent<{ files: NamedBlob[] }>) => this.onFilesChosen(e)}
        @open-kept=${(e: CustomEvent<{ id: string }>) => this.onOpenKept(e)}
        @remove-kept=${(e: CustomEvent<{ id: string }>) => this.onRemoveKept(e)}
      ></lab-model-picker>
      ${
        this.pending
          ? html`<lab-manifest-form
              .prefill=${this.pending.prefill}
              .normalizations=${NORMALIZATION_CHOICES}
              ?busy=${this.busy}
              @manifest-submit=${(
                e: CustomEvent<{ values: ManifestFormValues; labelsFile: File | null }>,
              ) => this.onManifestSubmit(e)}
              @manifest-cancel=${() => {
                this.pending = null;
                this.changed();
              }}
            ></lab-manifest-form>`
          : nothing
      }
      ${m ? this.renderModelCard(m) : nothing}
    `;
  }
}
