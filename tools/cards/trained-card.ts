/**
 * What the card of every model trained here has: the training record it is written from, its
 * opening lines, and the command that trained the model.
 */
import type { ModelManifest } from '../../src/model/manifest';

/** The training record a card is written from: a model trained elsewhere has none, and no card. */
export function trainingOf<T>(m: { name: string; training?: T }): T {
  if (!m.training) {
    throw new Error(`The manifest of ${m.name} has no training record to write a card from.`);
  }
  return m.training;
}

/** The card's title and the line that names the model and says where the card comes from. */
export function cardOpening(
  m: ModelManifest,
  source = 'Written by `npm run train` from manifest.json; do not edit by hand (regenerate with ' +
    'the commands below).',
): string[] {
  return [
    `# Model card: ${m.name}`,
    '',
    `\`${m.id}\` version ${m.version}. ${m.description ?? ''} ${source}`,
    '',
  ];
}

/** The command that trained the model, as a shell block. */
export function commandBlock(command: string): string[] {
  return ['```sh', command, '```'];
}
