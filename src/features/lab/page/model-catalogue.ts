/**
 * The models the lab can open by name: the bundled ones this build (or the service worker's
 * cache) has, and the ones kept on this device. The Model tab lists them; the Re-analyse tab
 * offers their road models.
 */
import type { ModelManifestInput } from '../../../model/manifest';
import type { ModelSource } from '../shared/lab-protocol';
import { bundledModels, type BundledModel } from '../shared/bundled-models';
import type { ReanalysisModelRef } from '../store/lab-db';
import type { KeptModelSummary } from '../store/model-library';
import type { ReanalysisModelChoice } from './lab-reanalysis';
import type { LabSession } from './lab-session';

export interface BundledState extends BundledModel {
  /** Null while unknown, or when this build does not have it. */
  manifest: { id: string; version: string; name: string; task: string } | null;
}

export class ModelCatalogue {
  bundled: BundledState[] = bundledModels(location).map((m) => ({ ...m, manifest: null }));
  kept: KeptModelSummary[] = [];

  constructor(private readonly session: LabSession) {}

  /** Which bundled models this build (or the service worker's cache) has. */
  async checkBundled(): Promise<void> {
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
    this.session.changed();
  }

  async refreshKept(): Promise<void> {
    const library = this.session.stores?.library;
    if (!library) return;
    try {
      this.kept = await library.list();
      this.session.changed();
    } catch (error) {
      this.session.showError(error);
    }
  }

  /** Where the worker finds a kept model's files, or a bundled model's manifest. */
  async sourceOf(ref: ReanalysisModelRef): Promise<ModelSource> {
    if (ref.kind === 'url') return { kind: 'url', manifestUrl: ref.manifestUrl };
    const library = this.session.stores?.library;
    if (!library) throw new Error('The lab’s storage is not open: reload the app.');
    const kept = await library.get(ref.id);
    return { kind: 'files', files: kept.files, manifest: kept.manifest as ModelManifestInput };
  }

  /**
   * Road models a re-analysis can run: bundled ones first (pothole and road-damage models),
   * then kept ones whose files hold all their analysis reads (a road-damage model kept from
   * files picked one by one lacks its not-a-road files).
   */
  reanalysisChoices(): ReanalysisModelChoice[] {
    const out: ReanalysisModelChoice[] = [];
    for (const b of this.bundled) {
      if (b.manifest?.task === 'pothole' || b.manifest?.task === 'road-damage') {
        out.push({ ref: `url:${b.manifestUrl}`, name: `${b.manifest.name} (bundled)` });
      }
    }
    for (const k of this.kept) {
      if (k.reanalysable) out.push({ ref: `kept:${k.id}`, name: `${k.name} v${k.version} (kept)` });
    }
    return out;
  }
}
