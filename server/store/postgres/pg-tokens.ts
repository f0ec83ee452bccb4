/** Device tokens in PostgreSQL (hashes only; see ../../tokens.ts). Times on the database clock. */
import {
  tokenInfoFromRow,
  TokenNameInUseError,
  type TokenInfo,
  type TokenStore,
} from '../survey-store';
import { TokenTouchThrottle } from '../token-touch-throttle';
import { tokenRoleFromText, type TokenRole } from '../../tokens';
import { DB_NOW_MS, type PgDatabase } from './pg-database';

const UNIQUE_VIOLATION = '23505';

export class PgTokenStore implements TokenStore {
  private readonly touches = new TokenTouchThrottle();

  constructor(private readonly db: PgDatabase) {}

  async createToken(name: string, tokenSha256: string, role: TokenRole): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO tokens (name, token_sha256, created_at, role) VALUES ($1, $2, ${DB_NOW_MS}, $3)`,
        [name, tokenSha256, role],
      );
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new TokenNameInUseError(name);
      }
      throw error;
    }
  }

  async findActiveToken(tokenSha256: string): Promise<{ name: string; role: TokenRole } | null> {
    const result = await this.db.query<{ name: string; role: string }>(
      'SELECT name, role FROM tokens WHERE token_sha256 = $1 AND revoked_at IS NULL',
      [tokenSha256],
    );
    const row = result.rows[0];
    return row ? { name: row.name, role: tokenRoleFromText(row.role) } : null;
  }

  async touchToken(tokenSha256: string): Promise<void> {
    if (!this.touches.due(tokenSha256, Date.now())) return;
    await this.db.query(`UPDATE tokens SET last_used_at = ${DB_NOW_MS} WHERE token_sha256 = $1`, [
      tokenSha256,
    ]);
  }

  async listTokens(): Promise<TokenInfo[]> {
    const result = await this.db.query<Parameters<typeof tokenInfoFromRow>[0]>(
      'SELECT name, role, created_at, last_used_at, revoked_at FROM tokens ORDER BY created_at, id',
    );
    return result.rows.map(tokenInfoFromRow);
  }

  async revokeToken(name: string): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE tokens SET revoked_at = ${DB_NOW_MS} WHERE name = $1 AND revoked_at IS NULL`,
      [name],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
