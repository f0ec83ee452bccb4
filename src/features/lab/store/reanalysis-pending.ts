/**
 * Whether a re-analysis was running when the app was last closed, checked at start-up so that
 * the field app can bring the lab back (hidden) to finish it. Small on purpose: it is the only
 * lab code the field app loads at start, and it creates no database that is not there yet.
 */
import { openDB } from 'idb';
import { LAB_DB_NAME } from './lab-db';

export async function hasRunningReanalysis(): Promise<boolean> {
  try {
    const names = await indexedDB.databases?.();
    if (!names?.some((d) => d.name === LAB_DB_NAME)) return false;
    // No version: open it as it is, without upgrading (the lab upgrades it when it opens).
    const db = await openDB(LAB_DB_NAME);
    try {
      if (!db.objectStoreNames.contains('reanalysis-runs')) return false;
      const runs = (await db.getAll('reanalysis-runs')) as { state: string }[];
      return runs.some((r) => r.state === 'running');
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}
