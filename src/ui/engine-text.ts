/** The analysis engine in words, as the field app's status line, its about page and the lab show it. */
import type { EngineInfo } from '../workers/protocol';

const FLAVOUR_TEXT: Record<EngineInfo['flavour'], string> = {
  'threaded-simd': 'threaded-SIMD',
  simd: 'SIMD',
  plain: 'plain',
  cpu: 'cpu',
};

/** "wasm (threaded-SIMD), 1 thread", "cpu (slow fallback: why), 1 thread", "starting…". */
export function engineText(engine: EngineInfo | null): string {
  if (!engine) return 'starting…';
  if (engine.backend !== 'wasm') {
    const why = engine.fallbackReason ? `: ${engine.fallbackReason}` : '';
    return `cpu (slow fallback${why}), 1 thread`;
  }
  const threads = `${engine.threads} thread${engine.threads === 1 ? '' : 's'}`;
  return `wasm (${FLAVOUR_TEXT[engine.flavour]}), ${threads}`;
}
