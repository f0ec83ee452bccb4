/**
 * `npm run server -- token create --name NAME | list | revoke NAME`: device tokens, managed on
 * the server's machine (no HTTP route can create one). Works while the server runs.
 */
import type { TokenStore } from './store/survey-store';
import { TokenNameInUseError } from './store/survey-store';
import { hashDeviceToken, newDeviceToken, TOKEN_NAME_PATTERN } from './tokens';

export const TOKEN_USAGE = `Usage:
  npm run server -- token create --name NAME   print a new device token (shown once)
  npm run server -- token list                 list tokens (names and dates, never the tokens)
  npm run server -- token revoke NAME          revoke the token named NAME`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${TOKEN_USAGE}`);
    this.name = 'UsageError';
  }
}

interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Runs a token command; returns the process exit code. */
export async function runTokenCommand(
  args: readonly string[],
  tokens: TokenStore,
  io: Output,
): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'create': {
      const nameIndex = rest.indexOf('--name');
      const name = nameIndex >= 0 ? rest[nameIndex + 1] : undefined;
      if (!name) throw new UsageError('token create needs --name NAME.');
      if (!TOKEN_NAME_PATTERN.test(name)) {
        throw new UsageError(
          `"${name}" is not a usable name: 1-64 letters, digits, '.', '_', '@' or '-'.`,
        );
      }
      const token = newDeviceToken();
      try {
        await tokens.createToken(name, hashDeviceToken(token));
      } catch (error) {
        if (error instanceof TokenNameInUseError) {
          io.err(error.message);
          return 1;
        }
        throw error;
      }
      // The token alone on stdout, so scripts can capture it; the advice on stderr.
      io.out(token);
      io.err(
        `Device token "${name}" created. Enter it in the app's sync settings. It is shown only ` +
          'now: the server keeps only its SHA-256.',
      );
      return 0;
    }
    case 'list': {
      const all = await tokens.listTokens();
      if (all.length === 0) {
        io.err('No device tokens yet: npm run server -- token create --name NAME');
        return 0;
      }
      io.out(['NAME', 'CREATED', 'LAST USED', 'REVOKED'].join('\t'));
      for (const t of all) {
        io.out([t.name, iso(t.createdAt), iso(t.lastUsedAt), iso(t.revokedAt)].join('\t'));
      }
      return 0;
    }
    case 'revoke': {
      const name = rest[0];
      if (!name) throw new UsageError('token revoke needs a NAME.');
      if (await tokens.revokeToken(name)) {
        io.err(`Device token "${name}" revoked: its requests now get 401.`);
        return 0;
      }
      io.err(`No unrevoked device token is named "${name}" (see: npm run server -- token list).`);
      return 1;
    }
    default:
      throw new UsageError(
        command ? `Unknown token command "${command}".` : 'Missing token command.',
      );
  }
}
