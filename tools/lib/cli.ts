/**
 * What the train and eval commands share at the command line: number parsing with clear
 * messages, and one place that turns any error into a message and an exit code (1: the data or
 * model is at fault, 2: the command line is), without a stack trace for expected errors.
 */
import { ToolError } from './tool-error';

export function usageError(message: string, usage: string): ToolError {
  return new ToolError('bad-argument', `${message}\n\n${usage}`);
}

export function parseNumber(
  name: string,
  value: string | undefined,
  fallback: number,
  usage: string,
  { integer = true, min = integer ? 1 : 0 }: { integer?: boolean; min?: number } = {},
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw usageError(
      `--${name} must be ${integer ? 'a whole number' : 'a number'} of at least ${min}, not "${value}".`,
      usage,
    );
  }
  return n;
}

interface ErrorWithCode extends Error {
  code?: unknown;
  detail?: unknown;
}

/** Runs a command's main; prints expected errors as one message, and sets the exit code. */
export async function runCli(main: () => Promise<void>): Promise<never> {
  // The wasm backend's exception hooks keep a process alive on SIGTERM; stop as asked.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  let code = 0;
  try {
    await main();
  } catch (e) {
    const err = e as ErrorWithCode;
    const expected = ['ToolError', 'ModelLoadError', 'ExplainError'].includes(err?.name);
    if (expected) {
      console.error(`error: ${err.message}`);
      if (err.detail && process.env.ROADCAM_DEBUG) console.error(`detail: ${String(err.detail)}`);
      code = err instanceof ToolError && err.code === 'bad-argument' ? 2 : 1;
    } else {
      console.error(`error: ${err?.message ?? String(e)}`);
      console.error(err?.stack ?? '');
      code = 1;
    }
  }
  // Exit explicitly: the wasm backend keeps handles open, and its exception hooks would print
  // its whole source for any late error.
  process.exit(code);
}
