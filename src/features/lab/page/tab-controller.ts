/**
 * One tab of the lab: its state, what it does when the user acts, and how it renders. A Lit
 * reactive controller of the page element, so that it redraws the page when its state changes
 * and can tidy up when the page goes.
 */
import type { ReactiveController, TemplateResult, nothing } from 'lit';
import type { LabSession } from './lab-session';

export abstract class TabController implements ReactiveController {
  constructor(protected readonly session: LabSession) {
    session.host.addController(this);
  }

  /** Redraws the page after a change of this tab's state. */
  protected changed(): void {
    this.session.changed();
  }

  hostConnected(): void {}

  /** Called when the user opens the tab. */
  shown(): void {}

  abstract render(): TemplateResult | typeof nothing;
}
