/**
 * What a phone downloads and runs before the first page shows, in the production build: the
 * entry script, the chunks it preloads and every chunk those import statically. zod (the
 * schemas of sync and the office, 97 KB) must not be among them: the first page needs none of
 * it, and on a cold start every kilobyte parsed before the shell runs is time lost. Nor may it
 * be in the analysis worker's own code: the worker starts on the manifests the build parsed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/test-app';

/** The chunks loaded before anything is imported on demand, as paths under dist/. */
function firstPageChunks(dist: string): string[] {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const roots = [
    ...html.matchAll(/<script type="module"[^>]* src="\/([^"]+\.js)"/g),
    ...html.matchAll(/<link rel="modulepreload"[^>]* href="\/([^"]+\.js)"/g),
  ].map((m) => m[1]);
  return staticChunks(dist, roots);
}

/** `roots` and every chunk they import statically, as paths under dist/. */
function staticChunks(dist: string, roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(path.join(dist, file), 'utf8');
    // Static imports only (import ... from "./x.js" and bare import "./x.js"); import("./x.js")
    // loads on demand.
    for (const m of code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) {
      visit(path.posix.join(path.posix.dirname(file), m[1]));
    }
  };
  roots.forEach(visit);
  return [...seen];
}

describe('the first page', () => {
  it('loads no zod before the shell runs', async () => {
    const dist = await buildTestApp();
    const chunks = firstPageChunks(dist);
    expect(chunks.some((c) => c.startsWith('assets/index-'))).toBe(true);
    const withZod = chunks.filter((c) =>
      readFileSync(path.join(dist, c), 'utf8').includes('ZodError'),
    );
    expect(withZod).toEqual([]);
    // The check can see zod: the build has it, in a chunk loaded on demand.
    const assets = readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js'));
    const zodChunks = assets.filter((f) =>
      readFileSync(path.join(dist, 'assets', f), 'utf8').includes('ZodError'),
    );
    expect(zodChunks.length).toBeGreaterThan(0);
  }, 300_000);

  it('starts the analysis worker without zod, on the manifests the build parsed', async () => {
    const dist = await buildTestApp();
    const assets = readdirSync(path.join(dist, 'assets'));
    const worker = assets.find((f) => /^analysis-worker-.*\.js$/.test(f));
    expect(worker).toBeDefined();
    const chunks = staticChunks(dist, [`assets/${worker}`]);
    const read = (c: string) => readFileSync(path.join(dist, c), 'utf8');
    expect(chunks.filter((c) => read(c).includes('ZodError'))).toEqual([]);
    const code = read(`assets/${worker}`);
    expect(code).toContain('"/models/road-damage/manifest.json"');
    // The records stay out: the worker never reads them.
    expect(code).not.toContain('"metrics"');
  }, 300_000);
});
