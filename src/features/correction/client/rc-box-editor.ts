/**
 * The photo with the engineer's boxes on it (issue 11). A drag on the photo draws a box of the
 * chosen type, a drag on a box moves it, a drag on a corner handle resizes it; pointer events,
 * so a finger and a mouse work the same (touch-action: none keeps the drag from scrolling the
 * page). Every box is also reachable by keyboard: focus it, arrows move it, Shift+arrows resize
 * it, Delete removes it; "Add a box" starts one in the middle. The boxes come in as a property
 * and go out as events (`box-add`, `box-change`, `box-remove`, `box-retype`, `box-type-change`);
 * only the drag in progress is held here.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { theme } from '../../../components/theme';
import type { DamageBox } from '../../../schema/survey';
import {
  boxAfterKey,
  boxFromDrag,
  boxPercent,
  centredBox,
  HANDLES,
  moveBox,
  photoPoint,
  resizeBox,
  type Box,
  type Handle,
  type Point,
  type Size,
} from '../shared/box-geometry';
import type { LabelChoice } from '../shared/correction-draft';

/** The drag in progress: a new box, a box moved, or a corner dragged. */
type Drag =
  | { kind: 'draw'; pointerId: number; start: Point; box: Box | null }
  | { kind: 'move'; pointerId: number; index: number; start: Point; from: Box; box: Box }
  | { kind: 'resize'; pointerId: number; index: number; handle: Handle; box: Box };

@customElement('rc-box-editor')
export class RcBoxEditor extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.5rem;
        min-width: 0;
      }
      .frame {
        position: relative;
        width: 100%;
        border-radius: 8px;
        overflow: hidden;
        background: var(--rc-surface);
      }
      canvas {
        display: block;
        width: 100%;
        height: auto;
      }
      .layer {
        position: absolute;
        inset: 0;
        touch-action: none;
        cursor: crosshair;
        user-select: none;
      }
      .box {
        position: absolute;
        border: 3px solid #f0a400;
        background: rgb(240 164 0 / 15%);
        cursor: move;
      }
      .box:focus-visible {
        outline: 3px solid #0b5cad;
      }
      .box.drawing {
        border-style: dashed;
      }
      .tag {
        position: absolute;
        left: 0;
        top: 0;
        background: #14181f;
        color: #fff;
        font-size: 0.8rem;
        padding: 0 0.3rem;
        white-space: nowrap;
        pointer-events: none;
      }
      .handle {
        position: absolute;
        width: 24px;
        height: 24px;
        margin: -12px 0 0 -12px;
        background: #fff;
        border: 3px solid #14181f;
        border-radius: 50%;
      }
      .handle[data-handle='nw'] {
        left: 0;
        top: 0;
        cursor: nwse-resize;
      }
      .handle[data-handle='ne'] {
        left: 100%;
        top: 0;
        cursor: nesw-resize;
      }
      .handle[data-handle='sw'] {
        left: 0;
        top: 100%;
        cursor: nesw-resize;
      }
      .handle[data-handle='se'] {
        left: 100%;
        top: 100%;
        cursor: nwse-resize;
      }
      .controls,
      li {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      select {
        min-width: 0;
        max-width: 100%;
      }
      label {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        align-items: center;
        font-weight: 600;
      }
    `,
  ];

  @property({ attribute: false }) photo: ImageBitmap | null = null;
  /** The photo's own size in pixels: the boxes' coordinates. */
  @property({ attribute: false }) size: Size = { width: 1, height: 1 };
  @property({ attribute: false }) boxes: DamageBox[] = [];
  /** The damage types a box can have. */
  @property({ attribute: false }) types: LabelChoice[] = [];
  /** The type a new box gets. */
  @property() boxType = '';
  @state() private drag: Drag | null = null;
  @query('canvas') private canvas?: HTMLCanvasElement;
  @query('.layer') private layer?: HTMLElement;

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private drawn: { photo: ImageBitmap | null; width: number; height: number } | null = null;

  protected override updated(): void {
    const canvas = this.canvas;
    const { width, height } = this.size;
    const drawn = this.drawn;
    if (!canvas) return;
    // Drawn again only when the photo or its size changed (a new size object is not a change).
    if (drawn && drawn.photo === this.photo && drawn.width === width && drawn.height === height) {
      return;
    }
    this.drawn = { photo: this.photo, width, height };
    this.drawPhoto(canvas);
  }

  private drawPhoto(canvas: HTMLCanvasElement): void {
    canvas.width = this.size.width;
    canvas.height = this.size.height;
    const context = canvas.getContext('2d');
    if (context && this.photo) context.drawImage(this.photo, 0, 0, canvas.width, canvas.height);
  }

  private pointAt(event: PointerEvent): Point {
    const rect = this.layer!.getBoundingClientRect();
    return photoPoint(event.clientX, event.clientY, rect, this.size);
  }

  private onPointerDown(event: PointerEvent): void {
    if (this.drag || (event.pointerType === 'mouse' && event.button !== 0)) return;
    const target = event.target as HTMLElement;
    const boxElement = target.closest<HTMLElement>('.box[data-index]');
    const point = this.pointAt(event);
    const index = Number(boxElement?.dataset.index ?? -1);
    const box = this.boxes[index]?.box as Box | undefined;
    const handle = target.dataset.handle as Handle | undefined;
    if (box && handle) {
      this.drag = { kind: 'resize', pointerId: event.pointerId, index, handle, box };
    } else if (box) {
      this.drag = { kind: 'move', pointerId: event.pointerId, index, start: point, from: box, box };
    } else {
      if (!this.boxType) return;
      this.drag = { kind: 'draw', pointerId: event.pointerId, start: point, box: null };
    }
    // Capture: the drag follows the pointer even when it leaves the photo.
    this.layer!.setPointerCapture(event.pointerId);
    event.preventDefault();
  }

  private onPointerMove(event: PointerEvent): void {
    const drag = this.drag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    const point = this.pointAt(event);
    if (drag.kind === 'draw') {
      this.drag = { ...drag, box: boxFromDrag(drag.start, point, this.size) };
    } else if (drag.kind === 'move') {
      const dx = point.x - drag.start.x;
      const dy = point.y - drag.start.y;
      this.drag = { ...drag, box: moveBox(drag.from, dx, dy, this.size) };
    } else {
      this.drag = { ...drag, box: resizeBox(drag.box, drag.handle, point, this.size) };
    }
  }

  private onPointerUp(event: PointerEvent): void {
    const drag = this.drag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    this.onPointerMove(event);
    const done = this.drag ?? drag;
    this.drag = null;
    if (done.kind === 'draw') {
      if (done.box) this.emit('box-add', { type: this.boxType, box: done.box });
    } else if (done.box.some((v, i) => v !== this.boxes[done.index]?.box[i])) {
      this.emit('box-change', { index: done.index, box: done.box });
    }
  }

  private onPointerCancel(event: PointerEvent): void {
    if (this.drag?.pointerId === event.pointerId) this.drag = null;
  }

  private onBoxKey(event: KeyboardEvent, index: number): void {
    if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      this.emit('box-remove', { index });
      return;
    }
    const box = boxAfterKey(this.boxes[index].box as Box, event.key, event.shiftKey, this.size);
    if (!box) return;
    event.preventDefault();
    this.emit('box-change', { index, box });
  }

  private typeTitle(type: string): string {
    return this.types.find((t) => t.value === type)?.title ?? type;
  }

  private shownBox(index: number): Box {
    const drag = this.drag;
    if (drag && drag.kind !== 'draw' && drag.index === index) return drag.box;
    return this.boxes[index].box as Box;
  }

  private renderBox(index: number) {
    const type = this.boxes[index].type;
    const p = boxPercent(this.shownBox(index), this.size);
    const name = `Box ${index + 1}: ${this.typeTitle(type)}`;
    return html`<div
      class="box"
      data-testid="drawn-box"
      data-index=${index}
      data-type=${type}
      tabindex="0"
      role="button"
      aria-roledescription="box"
      aria-label=${`${name}. Arrows move it, Shift and arrows resize it, Delete removes it.`}
      style=${`left:${p.left}%;top:${p.top}%;width:${p.width}%;height:${p.height}%`}
      @keydown=${(e: KeyboardEvent) => this.onBoxKey(e, index)}
    >
      <span class="tag">${index + 1} ${this.typeTitle(type)}</span>
      ${HANDLES.map(
        (h) => html`<span class="handle" data-handle=${h} data-testid=${`handle-${h}`}></span>`,
      )}
    </div>`;
  }

  private renderDrawing() {
    const drag = this.drag;
    if (drag?.kind !== 'draw' || !drag.box) return nothing;
    const p = boxPercent(drag.box, this.size);
    return html`<div
      class="box drawing"
      style=${`left:${p.left}%;top:${p.top}%;width:${p.width}%;height:${p.height}%`}
    ></div>`;
  }

  private renderTypeSelect(value: string, label: string, onChange: (type: string) => void) {
    return html`<select
      aria-label=${label}
      .value=${value}
      @change=${(e: Event) => onChange((e.target as HTMLSelectElement).value)}
    >
      ${this.types.map(
        (t) => html`<option value=${t.value} ?selected=${t.value === value}>${t.title}</option>`,
      )}
    </select>`;
  }

  override render() {
    const ratio = `${this.size.width} / ${this.size.height}`;
    return html`
      <div class="controls">
        <label
          >New boxes are
          ${this.renderTypeSelect(this.boxType, 'Type of a new box', (type) =>
            this.emit('box-type-change', { type }),
          )}
        </label>
        <button
          type="button"
          data-testid="add-box"
          ?disabled=${!this.boxType}
          @click=${() => this.emit('box-add', { type: this.boxType, box: centredBox(this.size) })}
        >
          Add a box
        </button>
      </div>
      <div class="frame" style=${`aspect-ratio:${ratio}`}>
        <canvas aria-hidden="true"></canvas>
        <div
          class="layer"
          data-testid="box-layer"
          @pointerdown=${this.onPointerDown}
          @pointermove=${this.onPointerMove}
          @pointerup=${this.onPointerUp}
          @pointercancel=${this.onPointerCancel}
        >
          ${repeat(
            this.boxes,
            (_, i) => i,
            (_, i) => this.renderBox(i),
          )}
          ${this.renderDrawing()}
        </div>
      </div>
      ${
        this.boxes.length > 0
          ? html`<ul aria-label="Boxes on the photo">
              ${this.boxes.map(
                (b, i) =>
                  html`<li data-testid="box-row">
                    <span>Box ${i + 1}</span>
                    ${this.renderTypeSelect(b.type, `Type of box ${i + 1}`, (type) =>
                      this.emit('box-retype', { index: i, type }),
                    )}
                    <button
                      type="button"
                      class="danger"
                      data-testid="remove-box"
                      @click=${() => this.emit('box-remove', { index: i })}
                    >
                      Remove box ${i + 1}
                    </button>
                  </li>`,
              )}
            </ul>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-box-editor': RcBoxEditor;
  }
}
