/**
 * `npm run lighthouse`: builds the app as `npm run build` does, serves it with `vite preview`
 * (isolation headers), runs Lighthouse 12.2.3 in mobile mode (its default: emulated phone,
 * simulated slow 4G and 4x CPU slowdown) a few times in Debian's Chromium, and writes the
 * median scores to docs/BENCHMARKS.md (section "app").
 *
 *   npm run lighthouse [-- --runs 3] [-- --url-path "/?model=..."] [-- --max-wait MINUTES]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_ARGS, chromiumVersion, findChromium } from '../lib/chromium';
import { buildApp, DEFAULT_MODEL_FILE, startPreview } from '../lib/preview-server';
import { projectRoot } from '../lib/paths';
import { loadSentence, maxWaitMinutesArg, waitForQuietMachine } from '../bench/quiet-machine';
import { arg, writeBenchmarkSection } from '../bench/report';
import { median } from '../lib/median';
import { machineDescription } from '../lib/machine';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const AIMS: Record<string, number> = { performance: 95, accessibility: 100, 'best-practices': 100 };

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const urlPath = arg('url-path', '/');
  const dist = await buildApp();
  const preview = await startPreview({ dist });
  const chrome = await chromeLauncher.launch({
    chromePath: findChromium(),
    chromeFlags: ['--headless=new', ...CHROMIUM_ARGS],
  });
  const outDir = path.join(projectRoot, '.test-output', 'lighthouse');
  mkdirSync(outDir, { recursive: true });
  const scores: Record<string, number[]> = Object.fromEntries(CATEGORIES.map((c) => [c, []]));
  const metrics: Record<string, number[]> = { FCP: [], LCP: [], TBT: [], CLS: [] };
  const failing = new Map<string, string>();
  const benchmarkIndex: number[] = [];
  // A run whose trace Lighthouse could not record (its runtimeError, e.g. NO_NAVSTART) scores
  // 0 without measuring anything: it is said and run again, never counted as a score.
  const failedRuns: string[] = [];
  const quiet = await waitForQuietMachine({ maxWaitMinutes: maxWaitMinutesArg() });
  try {
    for (let i = 0; i < runs; i++) {
      const result = await lighthouse(`${preview.origin}${urlPath}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: [...CATEGORIES],
      });
      if (!result) throw new Error('Lighthouse returned no result');
      const lhr = result.lhr;
      if (lhr.runtimeError) {
        failedRuns.push(lhr.runtimeError.code);
        console.log(`run ${i + 1}/${runs}: Lighthouse failed (${lhr.runtimeError.code}); again`);
        if (failedRuns.length > runs)
          throw new Error(`Lighthouse failed ${failedRuns.length} times`);
        i--;
        continue;
      }
      writeFileSync(path.join(outDir, `run-${i + 1}.json`), JSON.stringify(lhr));
      for (const c of CATEGORIES) scores[c].push(Math.round((lhr.categories[c]?.score ?? 0) * 100));
      benchmarkIndex.push(Math.round(lhr.environment.benchmarkIndex));
      metrics.FCP.push(lhr.audits['first-contentful-paint'].numericValue ?? NaN);
      metrics.LCP.push(lhr.audits['largest-contentful-paint'].numericValue ?? NaN);
      metrics.TBT.push(lhr.audits['total-blocking-time'].numericValue ?? NaN);
      metrics.CLS.push(lhr.audits['cumulative-layout-shift'].numericValue ?? NaN);
      for (const c of CATEGORIES) {
        for (const ref of lhr.categories[c]?.auditRefs ?? []) {
          const audit = lhr.audits[ref.id];
          if (ref.weight > 0 && audit.score !== null && audit.score < 1)
            failing.set(`${c}: ${audit.id}`, audit.title);
        }
      }
      console.log(
        `run ${i + 1}/${runs}: ${CATEGORIES.map((c) => `${c} ${scores[c][i]}`).join(', ')}`,
      );
    }
  } finally {
    await chrome.kill();
    await preview.close();
  }

  const medians = Object.fromEntries(CATEGORIES.map((c) => [c, median(scores[c])]));
  const defaultModel = DEFAULT_MODEL_FILE.replace(projectRoot + '/', '');
  const model = urlPath.includes('model=')
    ? 'as given in the page URL'
    : existsSync(DEFAULT_MODEL_FILE)
      ? `the default, ${defaultModel}`
      : `none (${defaultModel} absent: the app showed "Model not loaded")`;
  const table = [
    '| Category | Median score | All runs | Aim |',
    '|---|---|---|---|',
    ...CATEGORIES.map(
      (c) => `| ${c} | ${medians[c]} | ${scores[c].join(', ')} | ${AIMS[c] ?? '—'} |`,
    ),
  ];
  const metricLine = `Lighthouse's CPU benchmark index of this machine: ${median(benchmarkIndex)} (a typical desktop scores about 1000-2000; the simulated phone timings grow as it falls). Median FCP ${Math.round(median(metrics.FCP))} ms, LCP ${Math.round(median(metrics.LCP))} ms, TBT ${Math.round(median(metrics.TBT))} ms, CLS ${median(metrics.CLS).toFixed(3)} (Lighthouse's simulated mobile figures).`;
  const misses = [...failing.entries()].map(([k, title]) => `- ${k} — ${title}`);
  const body = [
    '## Field app: Lighthouse (mobile)',
    '',
    `Command: \`npm run lighthouse\` (${runs} runs, medians). Lighthouse 12.2.3, mobile mode (emulated phone, simulated slow 4G, 4x CPU slowdown), against the production build served by \`vite preview\` with the isolation headers, fresh profile each run. Page: \`${urlPath}\`; model: ${model}.`,
    `Machine: ${machineDescription(chromiumVersion())}; measured ${new Date().toISOString().slice(0, 10)}. ${loadSentence(quiet)}`,
    '',
    ...table,
    '',
    metricLine,
    '',
    ...(failedRuns.length
      ? [
          `${failedRuns.length} more run(s) failed in Lighthouse itself (${failedRuns.join(', ')}: no ` +
            'trace recorded, so no score) and were run again.',
          '',
        ]
      : []),
    misses.length
      ? `Audits not passed in at least one run:\n${misses.join('\n')}`
      : 'Every weighted audit passed in every run.',
  ].join('\n');
  writeBenchmarkSection('app', body);
  console.log(`\n${body}\n\nWritten to docs/BENCHMARKS.md (section "app"); reports in ${outDir}.`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
