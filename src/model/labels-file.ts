/**
 * A labels file, as model builders have them: a JSON array (["tench", ...]), a JSON object of
 * index to name ({"0": "tench"} or Keras' {"0": ["n01440764", "tench"]}), or plain text with one
 * name a line. Read the same way by the lab's form and the command line's --labels.
 */
import { ModelLoadError } from './model-load-error';

type Json = Record<string, unknown>;

/** Class names from a labels file's text. Throws ModelLoadError when it holds none. */
export function parseLabels(text: string, fileName = 'labels'): string[] {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new ModelLoadError('labels-invalid', `The labels file ${fileName} is empty.`);
  }
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) {
    return trimmed.split(/\r?\n/).map((l) => l.trim());
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (e) {
    throw new ModelLoadError(
      'labels-invalid',
      `The labels file ${fileName} looks like JSON but cannot be read: ${(e as Error).message}`,
    );
  }
  const name = (v: unknown): string | null =>
    typeof v === 'string'
      ? v
      : Array.isArray(v) && typeof v[v.length - 1] === 'string'
        ? String(v[v.length - 1])
        : null;
  if (Array.isArray(json)) {
    const names = json.map(name);
    if (names.every((n): n is string => n !== null)) return names;
  } else {
    const entries = Object.entries(json as Json);
    const indexed = entries.map(([k, v]) => [Number(k), name(v)] as const);
    if (
      indexed.length > 0 &&
      indexed.every(([k, n]) => Number.isInteger(k) && k >= 0 && n !== null)
    ) {
      const out: string[] = new Array(Math.max(...indexed.map(([k]) => k)) + 1).fill('');
      for (const [k, n] of indexed) out[k] = n!;
      if (out.every((n) => n !== '')) return out;
    }
  }
  throw new ModelLoadError(
    'labels-invalid',
    `The labels file ${fileName} is JSON but not a list of class names (expected ["cat", ` +
      '"dog", ...] or {"0": "cat", "1": "dog", ...}).',
  );
}
