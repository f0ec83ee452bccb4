/**
 * Runs the `roadcam` command line from the figures script: the same main() that
 * tools/cli/roadcam.mjs calls with `npx roadcam ARGS`, in this process (so tsx, the wasm backend
 * and the libraries start once, not once per figure), with its stdout kept for the captions.
 */
import path from 'node:path';
import { ToolError } from '../lib/tool-error';
import { main } from '../cli/main';
import { projectRoot } from '../lib/paths';

export interface RoadcamRun {
  /** The command as a user would type it (paths relative to the project where they can be). */
  command: string;
  stdout: string;
  seconds: number;
}

/**
 * An argument as typed at a shell in the project folder: relative when inside the project or
 * ../shared, `$WORK/...` inside the script's scratch folder, quoted when needed.
 */
export function shellArg(arg: string, work?: string, cwd = projectRoot): string {
  let text = arg;
  if (work && path.isAbsolute(arg) && (arg === work || arg.startsWith(work + path.sep))) {
    text = '$WORK' + arg.slice(work.length);
  } else if (path.isAbsolute(arg)) {
    const rel = path.relative(cwd, arg);
    if (!rel.startsWith('..' + path.sep) || rel.startsWith(`..${path.sep}shared${path.sep}`)) {
      text = rel;
    }
  }
  const safe = /^[\w./=,:+-]*$/;
  const inWork = text.startsWith('$WORK');
  if ((inWork && safe.test(text.slice(5))) || (text !== '' && safe.test(text))) return text;
  // $WORK stays expandable in double quotes; anything else goes in single quotes.
  if (inWork && !/["\\$`]/.test(text.slice(5))) return `"${text}"`;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(args: readonly string[], work?: string): string {
  return ['npx roadcam', ...args.map((a) => shellArg(a, work))].join(' ');
}

/**
 * Runs `roadcam ARGS`; echoes its output, and throws when it exits non-zero (a figure made from a
 * failed command would be wrong, so the script stops).
 */
export async function runRoadcam(args: readonly string[], work?: string): Promise<RoadcamRun> {
  const command = commandLine(args, work);
  const chunks: string[] = [];
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout);
  // Tee stdout: the user still sees every line; the script reads the verdicts from it.
  stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stdout.write;
  const started = performance.now();
  let code: number;
  try {
    code = await main([...args]);
  } finally {
    stdout.write = write;
  }
  if (code !== 0) {
    throw new ToolError(
      'bad-argument',
      `This step of the figures failed (exit code ${code}); its message is above:\n  ${command}`,
    );
  }
  return { command, stdout: chunks.join(''), seconds: (performance.now() - started) / 1000 };
}

/** One line of `roadcam explain` output: the verdict, and which class one overlay shows. */
export interface ExplainLine {
  photo: string;
  verdict: string;
  verdictProbability: number;
  lowConfidence: boolean;
  method: string;
  /** The class the overlay explains. */
  label: string;
  /** With --top: this class's probability and rank. */
  probability?: number;
  rank?: number;
  overlay: string;
  emptyMap: boolean;
}

const EXPLAIN_LINE =
  /^(.+?): (.+) (\d\.\d{3})( \(low confidence\))?; (\w+) for "(.*)"(?: \((\d\.\d{3}), rank (\d+)\))? -> (.+?\.png)( \(empty map[^)]*\))?$/;

/** Reads the lines `roadcam explain` prints, one per overlay written. */
export function parseExplainOutput(stdout: string): ExplainLine[] {
  const out: ExplainLine[] = [];
  for (const line of stdout.split('\n')) {
    const m = EXPLAIN_LINE.exec(line.trimEnd());
    if (!m) continue;
    out.push({
      photo: m[1],
      verdict: m[2],
      verdictProbability: Number(m[3]),
      lowConfidence: m[4] !== undefined,
      method: m[5],
      label: m[6],
      ...(m[7] !== undefined ? { probability: Number(m[7]), rank: Number(m[8]) } : {}),
      overlay: m[9],
      emptyMap: m[10] !== undefined,
    });
  }
  return out;
}

/** The overlays of one photo, in the order printed; throws if the command wrote none for it. */
export function overlaysOf(lines: readonly ExplainLine[], photo: string): ExplainLine[] {
  const found = lines.filter((l) => path.resolve(l.photo) === path.resolve(photo));
  if (found.length === 0) {
    throw new ToolError(
      'unreadable-photo',
      `roadcam explain printed no verdict for ${photo}; the figure cannot be made.`,
    );
  }
  return found;
}

/**
 * Photos split into runs of `roadcam explain` in which no two share a file name, since the
 * overlays are named after the photo (`normal/12.jpg` and `potholes/12.jpg` would collide).
 */
export function uniqueNameBatches<T extends { path: string }>(photos: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (const p of photos) {
    const name = path.parse(p.path).name;
    const free = batches.find((b) => b.every((q) => path.parse(q.path).name !== name));
    if (free) free.push(p);
    else batches.push([p]);
  }
  return batches;
}
