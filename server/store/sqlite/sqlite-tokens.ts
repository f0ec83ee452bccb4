/** Device tokens in the embedded SQLite file (hashes only; see ../../tokens.ts). */
import type Database from 'better-sqlite3';
import {
  tokenInfoFromRow,
  TokenNameInUseError,
  type TokenInfo,
  type TokenStore,
} from '../survey-store';
import { TokenTouchThrottle } from '../token-touch-throttle';
import { tokenRoleFromText, type TokenRole } from '../../tokens';

export class SqliteTokenStore implements TokenStore {
  private readonly touches = new TokenTouchThrottle();

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  async createToken(name: string, tokenSha256: string, role: TokenRole): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO tokens (name, token_sha256, created_at, role) VALUES (?, ?, ?, ?)')
        .run(name, tokenSha256, this.now(), role);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new TokenNameInUseError(name);
      }
      throw error;
    }
  }

  async findActiveToken(tokenSha256: string): Promise<{ name: string; role: TokenRole } | null> {
    const row = this.db
      .prepare<[string], { name: string; role: string }>(
        'SELECT name, role FROM tokens WHERE token_sha256 = ? AND revoked_at IS NULL',
      )
      .get(tokenSha256);
    return row ? { name: row.name, role: tokenRoleFromText(row.role) } : null;
  }

  async touchToken(tokenSha256: string): Promise<void> {
    const now = this.now();
    if (!this.touches.due(tokenSha256, now)) return;
    this.db
      .prepare('UPDATE tokens SET last_used_at = ? WHERE token_sha256 = ?')
      .run(now, tokenSha256);
  }

  async listTokens(): Promise<TokenInfo[]> {
    return this.db
      .prepare<
        [],
        {
          name: string;
          role: string;
          created_at: number;
          last_used_at: number | null;
          revoked_at: number | null;
        }
      >(
        'SELECT name, role, created_at, last_used_at, revoked_at FROM tokens ORDER BY created_at, id',
      )
      .all()
      .map(tokenInfoFromRow);
  }

  async revokeToken(name: string): Promise<boolean> {
    const result = this.db
      .prepare('UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL')
      .run(this.now(), name);
    return result.changes > 0;
  }
}
