/**
 * Quiet measurements. These machines are shared (builds, tests, training), and a figure timed
 * while other work runs reads as a slow product or a regression. So every benchmark waits, for a
 * bounded time, until the 1-minute load average falls below the core count minus one, then
 * times, and reports the load beside its figures: in its printed output, its docs/BENCHMARKS.md
 * section and its --json rows. When the wait runs out it times anyway and says so plainly.
 *
 *   const start = await waitForQuietMachine({ maxWaitMinutes: maxWaitMinutesArg() });
 *   ... time ...
 *   rows.push({ ...figures, ...loadFields(start) });
 *   console.log(loadSentence(start));
 */
import os from 'node:os';

export const DEFAULT_MAX_WAIT_MINUTES = 10;
const POLL_MS = 10_000;
const LOG_EVERY_MS = 60_000;

export interface QuietWaitOptions {
  /** How long to wait at most (default 10 minutes; 0 times at once). */
  maxWaitMinutes?: number;
  /** Where progress lines go (default console.log). */
  log?: (line: string) => void;
  /** The machine, for tests: cores, the 1-minute load average, the clock. */
  cores?: number;
  loadAverage?: () => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** How the machine was when timing began. */
export interface QuietStart {
  cores: number;
  /** The 1-minute load average the wait aimed below: cores - 1 (at least 1). */
  threshold: number;
  /** The 1-minute load average when timing began. */
  load: number;
  waitedMinutes: number;
  maxWaitMinutes: number;
  /** The wait ran out: the figures were timed on a busy machine. */
  busy: boolean;
}

/** The minutes given with `--max-wait` (undefined: the default of 10). */
export function parseMaxWait(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_WAIT_MINUTES;
  const minutes = Number(text);
  if (text.trim() === '' || !Number.isFinite(minutes) || minutes < 0) {
    throw new Error(
      `--max-wait takes the minutes to wait at most for a quiet machine (0 or more, ` +
        `default ${DEFAULT_MAX_WAIT_MINUTES}), not "${text}".`,
    );
  }
  return minutes;
}

/** The minutes after `--max-wait` on the command line, or the default. */
export function maxWaitMinutesArg(argv: readonly string[] = process.argv): number {
  const i = argv.indexOf('--max-wait');
  return i < 0 ? DEFAULT_MAX_WAIT_MINUTES : parseMaxWait(argv[i + 1] ?? '');
}

export async function waitForQuietMachine(options: QuietWaitOptions = {}): Promise<QuietStart> {
  const cores = options.cores ?? os.cpus().length;
  const loadAverage = options.loadAverage ?? (() => os.loadavg()[0]);
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const log = options.log ?? ((line: string) => console.log(line));
  const maxWaitMinutes = options.maxWaitMinutes ?? DEFAULT_MAX_WAIT_MINUTES;
  // cores - 1 leaves a core for the benchmark; on one core that would be 0, never reached.
  const threshold = Math.max(1, cores - 1);
  const started = now();
  const deadline = started + maxWaitMinutes * 60_000;
  let load = loadAverage();
  if (load >= threshold && maxWaitMinutes > 0) {
    log(
      `Waiting up to ${maxWaitMinutes} min for a quiet machine before timing: 1-minute load ` +
        `average ${load.toFixed(2)}, timing starts below ${threshold} (${cores} cores - 1). ` +
        '--max-wait MINUTES changes the wait.',
    );
  }
  let logged = started;
  while (load >= threshold && now() < deadline) {
    await sleep(Math.min(POLL_MS, deadline - now()));
    load = loadAverage();
    if (load >= threshold && now() - logged >= LOG_EVERY_MS) {
      logged = now();
      const left = (deadline - logged) / 60_000;
      log(`  still busy: 1-minute load average ${load.toFixed(2)}; ${left.toFixed(1)} min left`);
    }
  }
  const start: QuietStart = {
    cores,
    threshold,
    load: round2(load),
    waitedMinutes: round2((now() - started) / 60_000),
    maxWaitMinutes,
    busy: load >= threshold,
  };
  log(startSentence(start));
  return start;
}

/** The load fields of a --json row: the 1-minute load average when timing began and when the
 * figures were finished, and whether the machine was busy (the wait ran out). */
export function loadFields(
  start: QuietStart,
  loadNow: number = os.loadavg()[0],
): { load_1m_start: number; load_1m: number; busy_machine: boolean } {
  return { load_1m_start: start.load, load_1m: round2(loadNow), busy_machine: start.busy };
}

/** What the load was when timing began, in a sentence. */
export function startSentence(start: QuietStart): string {
  const waited = start.waitedMinutes > 0 ? ` after waiting ${start.waitedMinutes} min` : '';
  const why =
    start.maxWaitMinutes > 0
      ? `when the wait ran out (--max-wait ${start.maxWaitMinutes})`
      : '(--max-wait 0: no wait)';
  return start.busy
    ? `BUSY MACHINE: the 1-minute load average was ${start.load}${waited}, not below ` +
        `${start.threshold} (${start.cores} cores - 1) ${why}; timing anyway: these figures ` +
        'are slowed by other work.'
    : `Quiet machine: 1-minute load average ${start.load}${waited}, below ${start.threshold} ` +
        `(${start.cores} cores - 1); timing.`;
}

/** The load beside a report's figures: when timing began and at the end, and plainly whether
 * the machine was busy. */
export function loadSentence(start: QuietStart, loadNow: number = os.loadavg()[0]): string {
  const end = round2(loadNow);
  const aim = `below ${start.threshold}, ${start.cores} cores - 1`;
  if (!start.busy) {
    const waited = start.waitedMinutes > 0 ? `, after waiting ${start.waitedMinutes} min` : '';
    return `1-minute load average ${start.load} when timing began (${aim}${waited}) and ${end} at the end.`;
  }
  const why =
    start.maxWaitMinutes > 0
      ? `the ${start.maxWaitMinutes}-minute wait for it to fall ${aim} ran out`
      : `--max-wait 0: no wait for it to fall ${aim}`;
  return (
    `**Timed on a busy machine**: 1-minute load average ${start.load} when timing began ` +
    `(${why}) and ${end} at the end; other work slowed these figures.`
  );
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
