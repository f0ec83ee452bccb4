/**
 * Installing to the home screen: Chromium browsers fire `beforeinstallprompt`, which we keep to
 * offer an install button; iOS Safari has no such event, so it gets written instructions.
 */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

export type InstallState = 'installed' | 'available' | 'ios' | 'unavailable';

export class InstallService extends EventTarget {
  private deferred: BeforeInstallPromptEvent | null = null;
  private installed = false;

  constructor(private readonly win: Window = window) {
    super();
    win.addEventListener('beforeinstallprompt', (event) => {
      event.preventDefault();
      this.deferred = event as BeforeInstallPromptEvent;
      this.dispatchEvent(new Event('change'));
    });
    win.addEventListener('appinstalled', () => {
      this.installed = true;
      this.deferred = null;
      this.dispatchEvent(new Event('change'));
    });
  }

  get state(): InstallState {
    if (this.installed || this.win.matchMedia?.('(display-mode: standalone)').matches)
      return 'installed';
    if (this.deferred) return 'available';
    return isIosSafari(this.win.navigator) ? 'ios' : 'unavailable';
  }

  async install(): Promise<boolean> {
    const prompt = this.deferred;
    if (!prompt) return false;
    this.deferred = null;
    await prompt.prompt();
    const choice = await prompt.userChoice;
    this.dispatchEvent(new Event('change'));
    return choice.outcome === 'accepted';
  }
}

function isIosSafari(nav: Navigator): boolean {
  const ua = nav.userAgent;
  const ios = /iPad|iPhone|iPod/.test(ua) || (ua.includes('Macintosh') && nav.maxTouchPoints > 1);
  return ios && !('standalone' in nav && (nav as { standalone?: boolean }).standalone);
}
