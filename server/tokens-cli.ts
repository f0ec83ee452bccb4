/**
 * `npm run server -- token create --name NAME [--role surveyor|reviewer|admin] | list |
 * revoke NAME`:
 * tokens, managed on the server's machine (no HTTP route can create one). Works while the server
 * runs. Phones get `surveyor` tokens (the default); the office's review page a `reviewer` one.
 */
import type { TokenStore } from './store/survey-store';
import { TokenNameInUseError } from './store/survey-store';
import {
  hashDeviceToken,
  isTokenRole,
  newDeviceToken,
  TOKEN_NAME_PATTERN,
  TOKEN_ROLES,
  type TokenRole,
} from './tokens';

export const TOKEN_USAGE = `Usage:
  npm run server -- token create --name NAME [--role surveyor|reviewer|admin]
                                               print a new token (shown once); surveyor (a phone)
                                               by default, reviewer for the office's review page
  npm run server -- token list                 list tokens (names, roles and dates, never the tokens)
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
      const roleIndex = rest.indexOf('--role');
      const roleText = roleIndex >= 0 ? rest[roleIndex + 1] : 'surveyor';
      if (roleText === undefined || !isTokenRole(roleText)) {
        throw new UsageError(
          `--role must be one of ${TOKEN_ROLES.join(', ')}, not "${roleText ?? ''}".`,
        );
      }
      const role: TokenRole = roleText;
      const token = newDeviceToken();
      try {
        await tokens.createToken(name, hashDeviceToken(token), role);
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
        role !== 'surveyor'
          ? `${role === 'admin' ? 'Admin' : 'Reviewer'} token "${name}" created. Paste it into the office's review page ` +
              '(/office on this server). It is shown only now: the server keeps only its SHA-256.'
          : `Device token "${name}" created. Enter it in the app's sync settings. It is shown ` +
              'only now: the server keeps only its SHA-256.',
      );
      return 0;
    }
    case 'list': {
      const all = await tokens.listTokens();
      if (all.length === 0) {
        io.err('No device tokens yet: npm run server -- token create --name NAME');
        return 0;
      }
      io.out(['NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'].join('\t'));
      for (const t of all) {
        io.out([t.name, t.role, iso(t.createdAt), iso(t.lastUsedAt), iso(t.revokedAt)].join('\t'));
      }
      return 0;
    }
    case 'revoke': {
      const name = rest[0];
      if (!name) throw new UsageError('token revoke needs a NAME.');
      if (await tokens.revokeToken(name)) {
        io.err(`Token "${name}" revoked: its requests now get 401.`);
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
