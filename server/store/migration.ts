/**
 * Schema migrations, versioned, one list per database (sqlite/sqlite-migrations.ts,
 * postgres/pg-migrations.ts). Both lists have the same versions with the same names
 * (test/server/migrations.test.ts checks it), so "schema version 3" means the same record types
 * on either database; a step that one database does not need is empty there. A new record type
 * (runs, reviews, model releases) adds one step at the end of both lists.
 */
export interface Migration<Db> {
  version: number;
  name: string;
  /** SQL, or a function for steps that rewrite rows; runs in one transaction with the bump. */
  up: string | ((db: Db) => void | Promise<void>);
}

export class SchemaTooNewError extends Error {
  constructor(where: string, found: number, known: number) {
    super(
      `The database ${where} was written by a newer RoadCAM server (schema version ${found}; ` +
        `this server knows up to ${known}): upgrade this server, or restore a backup made ` +
        'before the upgrade.',
    );
    this.name = 'SchemaTooNewError';
  }
}
