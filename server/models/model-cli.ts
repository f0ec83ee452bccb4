/**
 * `npm run server -- model publish DIR [--notes TEXT] | list | current VERSION`: the model
 * releases the phones are offered, managed on the server's machine (an administrator's step;
 * no HTTP route publishes).
 */
import type { ModelFileStore, ModelReleaseStore } from '../store/model-store';
import { UsageError } from '../tokens-cli';
import { ModelPublishError, publishModel } from './publish-model';

export const MODEL_USAGE = `Usage:
  npm run server -- model publish DIR [--notes TEXT]   check a model folder and offer it to the
                                                       phones (its manifest's version)
  npm run server -- model list                          published versions; * marks the current
  npm run server -- model current VERSION               offer an earlier release again`;

interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runModelCommand(
  args: string[],
  stores: { models: ModelReleaseStore; modelFiles: ModelFileStore },
  io: Output,
): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'publish': {
      const dir = rest[0];
      if (!dir || dir.startsWith('--'))
        throw new UsageError(`model publish needs a DIR.\n${MODEL_USAGE}`);
      const notesIndex = rest.indexOf('--notes');
      const notes = notesIndex >= 0 ? (rest[notesIndex + 1] ?? '') : '';
      try {
        const result = await publishModel(dir, notes, stores);
        io.out(result.version);
        io.err(
          result.status === 'published'
            ? `Model ${result.version} published (${result.files.length} files): phones are offered it at their next sync.`
            : `Model ${result.version} was published before with the same files: it is current again.`,
        );
        return 0;
      } catch (error) {
        if (error instanceof ModelPublishError) {
          io.err(`Not published: ${error.message}`);
          return 1;
        }
        throw error;
      }
    }
    case 'list': {
      const current = await stores.models.currentVersion();
      for (const r of await stores.models.listReleases()) {
        io.out(
          [
            r.version === current ? '*' : ' ',
            r.version,
            r.modelId,
            new Date(r.publishedAt).toISOString(),
            r.notes,
          ].join('\t'),
        );
      }
      return 0;
    }
    case 'current': {
      const version = rest[0];
      if (!version) throw new UsageError(`model current needs a VERSION.\n${MODEL_USAGE}`);
      if (await stores.models.setCurrent(version)) {
        io.err(`Model ${version} is current again.`);
        return 0;
      }
      io.err(`No published model has version ${version} (see: npm run server -- model list).`);
      return 1;
    }
    default:
      throw new UsageError(`Unknown model command "${args.join(' ')}".\n${MODEL_USAGE}`);
  }
}
