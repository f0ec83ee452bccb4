/**
 * The app's services, handed down from the shell to the pages by context (@lit/context), and
 * the controller with which a page follows their state: it re-renders the page when the state
 * changes and, for pages that show surveys, says when surveys changed.
 */
import { createContext } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { AppServices } from './services/app-services';

export const appServicesContext = createContext<AppServices>(Symbol('roadcam-app-services'));

export class FollowAppState implements ReactiveController {
  private stop: (() => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly services: () => AppServices | undefined,
    private readonly onRecords?: () => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    const services = this.services();
    if (!services) return;
    const onChange = () => this.host.requestUpdate();
    const onRecords = () => this.onRecords?.();
    services.addEventListener('change', onChange);
    services.addEventListener('records', onRecords);
    this.stop = () => {
      services.removeEventListener('change', onChange);
      services.removeEventListener('records', onRecords);
    };
    // The state may have changed while the page was away.
    this.host.requestUpdate();
  }

  hostDisconnected(): void {
    this.stop?.();
    this.stop = null;
  }
}
