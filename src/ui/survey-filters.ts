/**
 * The survey filters' choices, in one list for every page that filters surveys (the Surveys
 * list and the Map page share the app's filter state, so they must offer the same options with
 * the same words). The empty value means "All".
 */
import type { SyncState, VerdictKey } from '../store/survey-record';

export interface FilterOption<T extends string> {
  value: T;
  label: string;
}

export const VERDICT_FILTERS: readonly FilterOption<VerdictKey>[] = [
  { value: 'pothole', label: 'Pothole' },
  { value: 'damage', label: 'Other damage' },
  { value: 'normal', label: 'Good road' },
  { value: 'not-a-road', label: 'Not a road' },
  { value: 'unanalysed', label: 'Not analysed yet' },
];

/** What a survey's verdict is called where it is listed (a pothole-era or a summary verdict). */
export const VERDICT_TITLES: Record<VerdictKey, string> = {
  pothole: 'Pothole',
  normal: 'Good road',
  damage: 'Damage',
  'not-a-road': 'Not a road',
  unanalysed: 'Not analysed yet',
};

export const SYNC_FILTERS: readonly FilterOption<SyncState>[] = [
  { value: 'local', label: 'On phone only' },
  { value: 'queued', label: 'Waiting to sync' },
  { value: 'uploading', label: 'Uploading' },
  { value: 'synced', label: 'Synced' },
  { value: 'failed', label: 'Sync failed' },
];

/** The damage types the list filters by (a road-damage model's main types). */
export const TYPE_FILTERS: readonly FilterOption<string>[] = [
  { value: 'pothole', label: 'Pothole' },
  { value: 'crack', label: 'Crack' },
  { value: 'patch', label: 'Patch' },
];
