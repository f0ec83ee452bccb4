/**
 * What the routes need from storage for surveys and device tokens, and nothing more. SQLite
 * (sqlite/) and PostgreSQL (postgres/) implement it; both pass one contract suite
 * (test/server/store-contract/). Methods are async so a networked database fits; each one is a
 * single transaction.
 *
 * Invariants every implementation keeps:
 * - A survey id is stored once. A record with a stored id replaces the stored one only when
 *   decideExistingSurvey (../survey-versions.ts) says `updated` (a higher revision, same id,
 *   createdAt and photo); any other difference is a conflict, reported and not stored.
 * - `photo.storedAt` is set only after the photo file is complete and fsynced (the route
 *   writes the file first, then calls markPhotoStored).
 * - When a method resolves, its writes are durable (survive a crash or power loss).
 * - `changedAt` comes from the store's change clock: it only grows, and a change committed
 *   after another has a higher changedAt (PostgreSQL: one clock row taken at the end of each
 *   writing transaction, so several servers share it; SQLite: one writer process). So paging
 *   by (changedAt, id) never misses a change, whatever runs at the same time.
 */
import type { SurveyRecordWire } from '../../src/schema/survey';
import type { ExistingSurveyDecision } from '../survey-versions';
import { tokenRoleFromText, type TokenRole } from '../tokens';

/** A validated record with its canonical JSON (see canonical-json.ts) and that text's SHA-256. */
export interface PreparedSurvey {
  id: string;
  record: SurveyRecordWire;
  canonicalJson: string;
  contentSha256: string;
}

export type PutSurveyOutcome = { status: 'created' } | ExistingSurveyDecision;

export interface StoredSurvey {
  id: string;
  record: SurveyRecordWire;
  contentSha256: string;
  /** Store clock, ms since the epoch, when the record was first stored. */
  receivedAt: number;
  /** Name of the device token that uploaded it first. */
  receivedFrom: string;
  /** Change clock: last change the server saw (record stored or updated, or photo stored). */
  changedAt: number;
  photo: {
    /** The SHA-256 the record declares; the stored bytes have exactly this hash. */
    sha256: string;
    bytes: number;
    /** Null until the photo's bytes are stored. */
    storedAt: number | null;
  };
}

/** Keyset pagination position: the last (changedAt, id) a page ended with. */
export interface SurveyCursor {
  changedAt: number;
  id: string;
}

export interface SurveyListQuery {
  /** Only surveys with changedAt >= since (ms); null for all. */
  since: number | null;
  after: SurveyCursor | null;
  limit: number;
}

export interface SurveyPage {
  /** Ordered by (changedAt, id). */
  surveys: StoredSurvey[];
  /**
   * Every change committed after this read has changedAt >= readAt: a safe `since` for the
   * next incremental pull (the API's serverTime).
   */
  readAt: number;
}

/** What the store holds of one survey or run, for a phone's check (POST /surveys/check, /runs/check). */
export interface RecordHolding {
  id: string;
  /** The revision stored (a record without one reads as 1). */
  revision: number;
}

/** What the store holds of one survey, for a phone's check (POST /surveys/check). */
export interface SurveyHolding extends RecordHolding {
  photoStored: boolean;
}

export interface SurveyStore {
  /**
   * Stores the batch in one durable transaction; returns one outcome per record, in order. The
   * same id may come twice in a batch: the later one is decided against the earlier.
   */
  putSurveys(surveys: readonly PreparedSurvey[], receivedFrom: string): Promise<PutSurveyOutcome[]>;
  getSurvey(id: string): Promise<StoredSurvey | null>;
  listSurveys(query: SurveyListQuery): Promise<SurveyPage>;
  /**
   * Up to `limit` surveys with id > afterId, ordered by id: the export's pages. An update does
   * not move a survey, so an export in pages lists each survey stored before it began once.
   */
  listSurveysById(afterId: string | null, limit: number): Promise<StoredSurvey[]>;
  /**
   * Up to `limit` surveys received before `before` (exclusive), newest first, by (receivedAt,
   * id): the review page's order. receivedAt never changes, so paging by it skips nothing that
   * was stored before the first page.
   */
  listSurveysByReceived(
    before: { receivedAt: number; id: string } | null,
    limit: number,
  ): Promise<StoredSurvey[]>;
  /**
   * The revision and photo state of each of these ids the store holds (unknown ids are left
   * out), in no particular order. One read, without the records: a phone asks about up to 1000
   * of its surveys at once.
   */
  findHoldings(ids: readonly string[]): Promise<SurveyHolding[]>;
  /** Marks the photo present; false when it already was (a concurrent or repeated upload). */
  markPhotoStored(id: string): Promise<boolean>;
}

export interface TokenInfo {
  name: string;
  role: TokenRole;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A tokens row (integers may come as strings from PostgreSQL) as TokenInfo. */
export function tokenInfoFromRow(row: {
  name: string;
  role: string;
  created_at: number | string;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}): TokenInfo {
  const ms = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    name: row.name,
    role: tokenRoleFromText(row.role),
    createdAt: Number(row.created_at),
    lastUsedAt: ms(row.last_used_at),
    revokedAt: ms(row.revoked_at),
  };
}

export class TokenNameInUseError extends Error {
  constructor(readonly tokenName: string) {
    super(
      `A token named "${tokenName}" already exists and is not revoked. Revoke it first ` +
        `(token revoke ${tokenName}) or choose another name.`,
    );
    this.name = 'TokenNameInUseError';
  }
}

export interface TokenStore {
  /** Throws TokenNameInUseError when an unrevoked token has this name. */
  createToken(name: string, tokenSha256: string, role: TokenRole): Promise<void>;
  /** The unrevoked token with this hash, or null. */
  findActiveToken(tokenSha256: string): Promise<{ name: string; role: TokenRole } | null>;
  /** Records use; best effort (a read-only disk must not refuse reads because of it). */
  touchToken(tokenSha256: string): Promise<void>;
  listTokens(): Promise<TokenInfo[]>;
  /** Revokes the unrevoked token with this name; false when there is none. */
  revokeToken(name: string): Promise<boolean>;
}
