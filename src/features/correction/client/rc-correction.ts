/**
 * "Is the model right?" under a survey's verdict (issue 11): one tap on **Right** saves that;
 * **Wrong** opens what it is instead (each damage type of the model, good road, not a road) and
 * the photo to box the damages the model missed or put in the wrong place. The saved answer
 * comes in as `answer`; the answer being made is a draft held here and changed only by the pure
 * functions of correction-draft.ts. Raises `correction-save` with the SurveyCorrection to keep,
 * or null when the engineer takes the answer back ("Clear my answer": a mis-tap, or unsure).
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { theme } from '../../../components/theme';
import type { SurveyCorrection } from '../../../schema/survey';
import type { Box, Size } from '../shared/box-geometry';
import {
  addBox,
  draftFrom,
  draftProblems,
  isDamageLabel,
  removeBox,
  replaceBox,
  retypeBox,
  rightAnswer,
  toggleLabel,
  wrongAnswer,
  type CorrectionDraft,
  type LabelChoice,
} from '../shared/correction-draft';
import { answerText } from '../shared/correction-text';
import './rc-box-editor';

@customElement('rc-correction')
export class RcCorrection extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      section {
        border: 2px solid var(--rc-border);
        border-radius: 10px;
        padding: 0.75rem;
        display: grid;
        gap: 0.6rem;
        min-width: 0;
      }
      h3 {
        margin: 0;
        font-size: 1.05rem;
      }
      p {
        margin: 0;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .answer button {
        flex: 1 1 40%;
      }
      fieldset {
        border: 0;
        padding: 0;
        margin: 0;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        min-width: 0;
      }
      legend {
        font-weight: 600;
        margin-bottom: 0.4rem;
      }
      fieldset button {
        flex: 1 1 40%;
        padding: 0 0.5rem;
      }
      .problem {
        color: var(--rc-danger);
        font-weight: 600;
      }
    `,
  ];

  /** The saved answer; null before the engineer answered. */
  @property({ attribute: false }) answer: SurveyCorrection | null = null;
  @property({ attribute: false }) choices: LabelChoice[] = [];
  @property({ attribute: false }) photo: ImageBitmap | null = null;
  @property({ attribute: false }) photoSize: Size = { width: 1, height: 1 };
  /** A save is on its way: the buttons wait. */
  @property({ type: Boolean }) saving = false;
  @state() private draft: CorrectionDraft | null = null;
  @state() private boxType = '';
  @state() private problem = '';

  private get damageChoices(): LabelChoice[] {
    return this.choices.filter((c) => isDamageLabel(c.value));
  }

  private save(correction: SurveyCorrection | null): void {
    this.dispatchEvent(
      new CustomEvent('correction-save', {
        detail: { correction },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private onRight(): void {
    const already = this.answer?.verdict === 'right';
    this.draft = null;
    this.problem = '';
    // Already Right: nothing new to keep (no revision for nothing).
    if (!already) this.save(rightAnswer(new Date()));
  }

  private onWrong(): void {
    this.draft = draftFrom(this.answer ?? undefined);
    this.boxType =
      this.draft.labels.find(isDamageLabel) ?? this.damageChoices[0]?.value ?? this.boxType;
    this.problem = '';
  }

  private onClear(): void {
    this.draft = null;
    this.problem = '';
    this.save(null);
  }

  private change(next: CorrectionDraft): void {
    this.draft = next;
    this.problem = '';
  }

  private onToggle(label: string): void {
    if (!this.draft) return;
    this.change(toggleLabel(this.draft, label));
    if (isDamageLabel(label) && this.draft.labels.includes(label)) this.boxType = label;
  }

  private onSaveWrong(): void {
    if (!this.draft) return;
    const problems = draftProblems(this.draft);
    if (problems.length > 0) {
      this.problem = problems.join(' ');
      return;
    }
    this.save(wrongAnswer(this.draft, new Date()));
    this.draft = null;
  }

  private renderEditor(draft: CorrectionDraft) {
    const needsBoxes = draft.labels.length === 0 || draft.labels.some(isDamageLabel);
    return html`
      <fieldset>
        <legend>What is it? (choose all it shows)</legend>
        ${this.choices.map(
          (c) =>
            html`<button
              type="button"
              data-testid="label-choice"
              data-label=${c.value}
              aria-pressed=${String(draft.labels.includes(c.value))}
              @click=${() => this.onToggle(c.value)}
            >
              ${c.title}
            </button>`,
        )}
      </fieldset>
      ${
        needsBoxes
          ? html`<p class="muted">
                Drag a box on the photo around each damage the model missed or put in the wrong
                place. Drag a box to move it, its corners to resize it.
              </p>
              <rc-box-editor
                .photo=${this.photo}
                .size=${this.photoSize}
                .boxes=${draft.boxes}
                .types=${this.damageChoices}
                boxType=${this.boxType}
                @box-type-change=${(e: CustomEvent<{ type: string }>) => (this.boxType = e.detail.type)}
                @box-add=${(e: CustomEvent<{ type: string; box: Box }>) => this.change(addBox(draft, e.detail.type, e.detail.box))}
                @box-change=${(e: CustomEvent<{ index: number; box: Box }>) => this.change(replaceBox(draft, e.detail.index, e.detail.box))}
                @box-remove=${(e: CustomEvent<{ index: number }>) => this.change(removeBox(draft, e.detail.index))}
                @box-retype=${(e: CustomEvent<{ index: number; type: string }>) => this.change(retypeBox(draft, e.detail.index, e.detail.type))}
              ></rc-box-editor>`
          : nothing
      }
      ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
      <div class="row">
        <button
          type="button"
          class="primary"
          data-testid="save-answer"
          ?disabled=${this.saving}
          @click=${this.onSaveWrong}
        >
          Save answer
        </button>
        <button type="button" @click=${() => (this.draft = null)}>Cancel</button>
      </div>
    `;
  }

  override render() {
    const answer = this.answer;
    const text = answerText(answer);
    return html`<section aria-labelledby="correction-title" data-testid="correction">
      <h3 id="correction-title">Is the model right?</h3>
      <p data-testid="answer-text" data-verdict=${answer?.verdict ?? ''}>
        ${text ? `Your answer: ${text}.` : 'Not answered yet.'}
      </p>
      <div class="row answer">
        <button
          type="button"
          data-testid="answer-right"
          aria-pressed=${String(answer?.verdict === 'right')}
          ?disabled=${this.saving}
          @click=${this.onRight}
        >
          Right
        </button>
        <button
          type="button"
          data-testid="answer-wrong"
          aria-pressed=${String(answer?.verdict === 'wrong' || this.draft !== null)}
          aria-expanded=${String(this.draft !== null)}
          ?disabled=${this.saving}
          @click=${this.onWrong}
        >
          Wrong…
        </button>
      </div>
      ${
        answer && !this.draft
          ? html`<div class="row">
              <button
                type="button"
                data-testid="answer-clear"
                ?disabled=${this.saving}
                @click=${this.onClear}
              >
                Clear my answer
              </button>
            </div>`
          : nothing
      }
      ${this.draft ? this.renderEditor(this.draft) : nothing}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-correction': RcCorrection;
  }
}
