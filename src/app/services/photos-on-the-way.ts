/**
 * Photos chosen and not yet on screen (or failed). The installed app's start-up work (sync and
 * its schemas, the update check) waits until none is on the way: on a cold start with a photo,
 * parsing that code on the page took the main thread just as the first verdict came to be drawn
 * (about 100 ms of the cold start, measured on this machine).
 */
export class PhotosOnTheWay {
  private count = 0;
  private waiting: (() => void)[] = [];

  /** One photo on its way; call the returned function once it is shown or has failed. */
  start(): () => void {
    this.count += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.count -= 1;
      if (this.count === 0) this.waiting.splice(0).forEach((resolve) => resolve());
    };
  }

  /** Settles when no photo is on its way (at once when none is). */
  none(): Promise<void> {
    return this.count === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.waiting.push(resolve));
  }
}
