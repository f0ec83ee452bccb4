/**
 * Object URLs for the survey thumbnails a view shows (the list, the lab's re-analysis results).
 * Each thumbnail gets one URL while it is shown; the URLs of surveys no longer shown are
 * revoked, so that their Blobs can be freed (a phone keeps hundreds of surveys).
 */
export interface ObjectUrls {
  createObjectURL(blob: Blob): string;
  revokeObjectURL(url: string): void;
}

export class ThumbnailUrls {
  private readonly urls = new Map<string, string>();

  constructor(private readonly objectUrls: ObjectUrls = URL) {}

  /** The URL of a survey's thumbnail, made on first use. */
  urlFor(id: string, thumbnail: Blob): string {
    let url = this.urls.get(id);
    if (!url) {
      url = this.objectUrls.createObjectURL(thumbnail);
      this.urls.set(id, url);
    }
    return url;
  }

  /** Revokes the URLs of every survey not in `shown`. */
  keepOnly(shown: Iterable<string>): void {
    const keep = new Set(shown);
    for (const [id, url] of this.urls) {
      if (keep.has(id)) continue;
      this.objectUrls.revokeObjectURL(url);
      this.urls.delete(id);
    }
  }

  /** Revokes them all (the view is gone). */
  clear(): void {
    this.keepOnly([]);
  }

  /** How many URLs are alive. */
  get size(): number {
    return this.urls.size;
  }
}
