/**
 * One saved survey: its photo and heatmap, notes and severity to edit (notes saved as typed,
 * through the app's NotesDraft), its sync state with a conflict's server version beside it,
 * "Analyse now" for a photo kept without a verdict, the engineer's Right / Wrong (saved as an
 * edit, like notes), and delete with a confirmation. The survey is read by a task on each
 * visit; a read still on its way when another survey is opened is dropped.
 */
import { consume } from '@lit/context';
import { Task } from '@lit/task';
import { html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import '../../components/rc-survey-detail';
import '../../features/correction/client/rc-correction';
import { answerSavedText, saveAnswer } from '../../features/correction/client/save-answer';
import { labelChoices } from '../../features/correction/shared/correction-draft';
import type { SurveyCorrection } from '../../schema/survey';
import type { SyncConflictView } from '../../components/rc-survey-detail';
import type { RoadMatch } from '../../geo/road-matcher';
import type { Severity, SurveyRecord } from '../../store/survey-record';
import { FIELD_CAM_METHODS, isFieldCamMethod } from '../../ui/cam-methods';
import { appServicesContext, FollowAppState } from '../app-context';
import { navigateEvent } from '../router';
import type { AppServices } from '../services/app-services';
import type { NotesSettled } from '../services/notes-draft';
import { typeTitle } from '../views/damage-view';
import { detailView, savedHeatmapTypes } from '../views/detail-view';
import { WHOLE_PHOTO } from '../views/survey-result';
import { whereLooked } from '../views/where-looked';
import { pageStyles } from './page.styles';

@customElement('rc-detail-page')
export class RcDetailPage extends LitElement {
  static override styles = pageStyles;

  @consume({ context: appServicesContext }) private app!: AppServices;
  private readonly follow = new FollowAppState(
    this,
    () => this.app,
    () => void this.refreshSync(),
  );

  @property() surveyId = '';
  /** Each visit of the page (the shell counts them) reads the survey again. */
  @property({ type: Number }) visit = 0;
  @state() private record: SurveyRecord | null = null;
  @state() private photo: ImageBitmap | null = null;
  @state() private heatmap: ImageBitmap | null = null;
  @state() private where = '';
  @state() private method = '';
  @state() private conflict: SyncConflictView | null = null;
  @state() private confirmingDelete = false;
  @state() private saveState = '';
  @state() private explaining = false;
  @state() private savingAnswer = false;
  @state() private road: RoadMatch | null = null;
  /** Road-damage surveys: the type whose saved heatmap is drawn. */
  @state() private selectedType = '';

  private readonly load = new Task(this, {
    args: () => [this.surveyId, this.visit] as const,
    task: ([id], { signal }) => this.open(id, signal),
    onError: (error) => this.app.reportError(error),
  });

  override connectedCallback(): void {
    super.connectedCallback();
    this.app.notes.addEventListener('settled', this.onNotesSettled);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.app.notes.removeEventListener('settled', this.onNotesSettled);
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // A new visit starts clean (before the task reads the survey).
    if (changed.has('surveyId') || changed.has('visit')) {
      this.record = null;
      this.photo = null;
      this.heatmap = null;
      this.selectedType = '';
      this.conflict = null;
      this.road = null;
      this.saveState = '';
      this.confirmingDelete = false;
    }
  }

  private async open(id: string, signal: AbortSignal): Promise<void> {
    this.app.startEngine();
    const repo = await this.app.repository();
    signal.throwIfAborted();
    if (!repo) return;
    const record = await repo.get(id);
    signal.throwIfAborted();
    if (!record) {
      this.app.reportError({ message: 'This survey is no longer on the phone.' });
      this.dispatchEvent(navigateEvent({ name: 'list' }));
      return;
    }
    this.record = record;
    void this.loadConflict(record);
    void this.app.roads.match(record.position).then((road) => {
      if (this.record?.id === record.id) this.road = road;
    });
    this.selectedType = savedHeatmapTypes(record)[0] ?? '';
    const cam = this.savedCam(record);
    this.method = cam?.method ?? this.app.state.method;
    this.where = cam ? whereLooked(cam) : '';
    const photo = await repo.getPhoto(id);
    signal.throwIfAborted();
    if (photo) this.photo = await createImageBitmap(photo);
    signal.throwIfAborted();
    const client = this.app.analysis;
    if (cam && client) this.heatmap = await client.renderHeatmap(cam);
  }

  /** The saved grid drawn now: the selected damage type's, or the survey's one CAM. */
  private savedCam(record: SurveyRecord) {
    return record.damage?.cams?.[this.selectedType] ?? record.cam;
  }

  private async onTypeSelect(event: CustomEvent<{ type: string }>): Promise<void> {
    const record = this.record;
    const cam = record?.damage?.cams?.[event.detail.type];
    const client = this.app.analysis;
    if (!record || !cam || !client) return;
    this.selectedType = event.detail.type;
    this.where = whereLooked(cam);
    this.method = cam.method;
    this.heatmap = await client.renderHeatmap(cam);
  }

  /** Sync changed surveys: this one's state and, for a conflict, the server's version. */
  private async refreshSync(): Promise<void> {
    const id = this.record?.id;
    if (!id) return;
    const record = await (await this.app.repository())?.get(id);
    if (!record || this.record?.id !== id) return;
    this.record = record;
    await this.loadConflict(record);
  }

  private async loadConflict(record: SurveyRecord): Promise<void> {
    const conflict = await (await this.app.syncService())?.conflictOf(record);
    if (this.record?.id !== record.id) return;
    this.conflict = conflict ? { ...conflict, replacing: this.conflict?.replacing ?? false } : null;
  }

  private readonly onNotesSettled = (event: Event): void => {
    const settled = (event as CustomEvent<NotesSettled>).detail;
    if (!settled.ok) {
      this.saveState = 'Notes not saved.';
      return;
    }
    if (this.record?.id === settled.id) this.record = settled.record;
    this.saveState = 'Notes saved.';
  };

  private onNotesInput(event: CustomEvent<{ id: string; notes: string }>): void {
    this.app.notes.edit(event.detail.id, event.detail.notes);
    this.saveState = 'Not saved yet…';
  }

  private async onSeverityChange(
    event: CustomEvent<{ id: string; severity: Severity | null }>,
  ): Promise<void> {
    const { id, severity } = event.detail;
    const repo = await this.app.repository();
    if (!repo) return;
    try {
      this.record = await repo.update(id, { severity });
      void this.app.enqueueForSync(id);
      this.saveState = severity ? `Severity ${severity} saved.` : 'Severity cleared.';
    } catch (error) {
      this.app.reportError(error);
    }
  }

  /** Right / Wrong: a new revision of the record, queued for sync like any edit. */
  private async onCorrectionSave(
    event: CustomEvent<{ correction: SurveyCorrection | null }>,
  ): Promise<void> {
    const id = this.record?.id;
    if (!id) return;
    this.savingAnswer = true;
    try {
      const saved = await saveAnswer(this.app, id, event.detail.correction);
      if (saved && this.record?.id === id) {
        this.record = saved;
        this.saveState = answerSavedText(event.detail.correction);
      }
    } finally {
      this.savingAnswer = false;
    }
  }

  private renderCorrection(r: SurveyRecord | null) {
    // Only a verdict can be right or wrong: a photo kept without one is analysed first.
    if (!r?.verdict) return nothing;
    // Keyed by survey: an answer being made never carries over to another survey.
    return keyed(
      r.id,
      html`<rc-correction
        slot="correction"
        .answer=${r.correction ?? null}
        .choices=${labelChoices(r)}
        .photo=${this.photo}
        .photoSize=${{ width: r.photo.width, height: r.photo.height }}
        ?saving=${this.savingAnswer}
        @correction-save=${this.onCorrectionSave}
      ></rc-correction>`,
    );
  }

  private async onDeleteConfirm(event: CustomEvent<{ id: string }>): Promise<void> {
    if (!(await this.app.deleteSurvey(event.detail.id))) return;
    this.confirmingDelete = false;
    this.dispatchEvent(navigateEvent({ name: 'list' }));
  }

  private async onAnalyseNow(event: CustomEvent<{ id: string }>): Promise<void> {
    this.explaining = true;
    try {
      const done = await this.app.analyseSaved(event.detail.id);
      if (!done) return;
      this.record = done.record;
      this.selectedType = done.explanation.damage?.heatmaps[0]?.type ?? '';
      this.heatmap = done.explanation.heatmap;
      this.where = whereLooked(done.explanation.cam);
    } finally {
      this.explaining = false;
    }
  }

  private async onMethodChange(event: CustomEvent<{ method: string }>): Promise<void> {
    const method = event.detail.method;
    if (!isFieldCamMethod(method) || !this.app.analysis) return;
    const jpeg = await (await this.app.repository())?.getPhoto(this.surveyId);
    if (!jpeg) return;
    this.explaining = true;
    try {
      const explanation = await this.app.explain(jpeg, method);
      if (!explanation) return;
      const typed = explanation.damage?.heatmaps.find((h) => h.type === this.selectedType);
      this.heatmap = typed ? typed.heatmap : explanation.heatmap;
      this.where = whereLooked(typed ? typed.cam : explanation.cam);
      this.method = explanation.cam.method;
    } finally {
      this.explaining = false;
    }
  }

  private async onReplaceServerVersion(event: CustomEvent<{ id: string }>): Promise<void> {
    const sync = await this.app.syncService();
    if (!sync || !this.conflict) return;
    this.conflict = { ...this.conflict, replacing: true };
    try {
      await sync.replaceServerVersion(event.detail.id);
      this.conflict = null;
      await this.refreshSync();
    } catch (error) {
      this.conflict = this.conflict && { ...this.conflict, replacing: false };
      this.app.reportError(error);
    }
  }

  override render() {
    const r = this.record;
    const { opacity, modelStatus } = this.app.state;
    return html`<h2>Survey</h2>
      <rc-survey-detail
        .survey=${r ? detailView(r, this.conflict, this.app.notes.pendingFor(r.id), this.road) : null}
        .photo=${this.photo}
        .heatmap=${this.heatmap}
        .region=${r?.cam?.region ?? WHOLE_PHOTO}
        selectedType=${this.selectedType}
        heatmapOf=${this.selectedType ? typeTitle(this.selectedType) : ''}
        .opacity=${opacity}
        method=${this.method}
        .methods=${FIELD_CAM_METHODS}
        whereLooked=${this.where}
        ?explaining=${this.explaining}
        ?confirmingDelete=${this.confirmingDelete}
        ?canAnalyse=${modelStatus.state !== 'loading'}
        saveState=${this.saveState}
        @back=${() => this.dispatchEvent(navigateEvent({ name: 'list' }))}
        @opacity-change=${(e: CustomEvent<{ opacity: number }>) => this.app.setOpacity(e.detail.opacity)}
        @method-change=${this.onMethodChange}
        @notes-input=${this.onNotesInput}
        @severity-change=${this.onSeverityChange}
        @delete-request=${() => (this.confirmingDelete = true)}
        @delete-cancel=${() => (this.confirmingDelete = false)}
        @delete-confirm=${this.onDeleteConfirm}
        @analyse-now=${this.onAnalyseNow}
        @type-select=${this.onTypeSelect}
        @replace-server-version=${this.onReplaceServerVersion}
        >${this.renderCorrection(r)}</rc-survey-detail
      >`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-detail-page': RcDetailPage;
  }
}
