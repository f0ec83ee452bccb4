/**
 * Models kept in the browser for offline use: the files a model builder picked (model.json,
 * shards, manifest) and the manifest the lab opened them with, so that the same model opens
 * again with the network off, and can be removed again. A full disk is a StoreError saying so;
 * nothing already kept is touched.
 */
import type { IDBPDatabase } from 'idb';
import type { ModelManifest } from '../../../model/manifest';
import { StoreError, toStoreError } from '../../../store/errors';
import { hasNotRoadFiles } from '../../../model/not-road-files';
import { openLabDb, type KeptModel, type KeptModelFile, type LabDB } from './lab-db';

export type { KeptModel, KeptModelFile };

/** What the list shows, without the files' bytes. */
export interface KeptModelSummary {
  id: string;
  name: string;
  modelId: string;
  version: string;
  task: ModelManifest['task'];
  format: ModelManifest['format'];
  bytes: number;
  addedAt: string;
  /**
   * Whether its files hold all its analysis of a survey photo reads (a road-damage model's
   * not-a-road files too): it can then re-analyse stored surveys.
   */
  reanalysable: boolean;
}

export class ModelLibrary {
  private constructor(private readonly db: IDBPDatabase<LabDB>) {}

  static async open(options: { name?: string } = {}): Promise<ModelLibrary> {
    return new ModelLibrary(await openLabDb(options));
  }

  close(): void {
    this.db.close();
  }

  /** Keeps a model; returns its library id. The same model id and version replace the old. */
  async keep(
    manifest: ModelManifest,
    files: readonly KeptModelFile[],
    now = new Date(),
  ): Promise<string> {
    const existing = (await this.list()).find(
      (m) => m.modelId === manifest.id && m.version === manifest.version,
    );
    const record: KeptModel = {
      id: existing?.id ?? crypto.randomUUID(),
      manifest,
      // Blobs as such: the browser stores them on disk, not as copies in memory.
      files: files.map((f) => ({ name: f.name, blob: f.blob })),
      bytes: files.reduce((n, f) => n + f.blob.size, 0),
      addedAt: now.toISOString(),
    };
    try {
      await this.db.put('models', record);
    } catch (error) {
      throw toStoreError(error, 'keep the model');
    }
    return record.id;
  }

  async list(): Promise<KeptModelSummary[]> {
    try {
      const all = await this.db.getAllFromIndex('models', 'by-added');
      return all.reverse().map((m) => ({
        id: m.id,
        name: m.manifest.name,
        modelId: m.manifest.id,
        version: m.manifest.version,
        task: m.manifest.task,
        format: m.manifest.format,
        bytes: m.bytes,
        addedAt: m.addedAt,
        reanalysable:
          (m.manifest.task === 'pothole' || m.manifest.task === 'road-damage') &&
          hasNotRoadFiles(
            m.manifest,
            m.files.map((f) => f.name),
          ),
      }));
    } catch (error) {
      throw toStoreError(error, 'list the kept models');
    }
  }

  async get(id: string): Promise<KeptModel> {
    let model: KeptModel | undefined;
    try {
      model = await this.db.get('models', id);
    } catch (error) {
      throw toStoreError(error, 'read the kept model');
    }
    if (!model) {
      throw new StoreError('not-found', 'This model is no longer kept on this device.', id);
    }
    return model;
  }

  async remove(id: string): Promise<void> {
    try {
      await this.db.delete('models', id);
    } catch (error) {
      throw toStoreError(error, 'remove the model');
    }
  }
}
