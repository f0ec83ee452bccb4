export {
  SurveyRepository,
  MAX_NOTES_LENGTH,
  type SurveyEdit,
  type SurveyFilter,
} from './survey-repository';
export { openSurveyDb, DB_NAME, DB_VERSION, MIGRATIONS, type RoadcamDB } from './schema';
export { StoreError, STORAGE_FULL_MESSAGE, isQuotaError, type StoreErrorCode } from './errors';
export * from './survey-record';
