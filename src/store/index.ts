export { SurveyRepository } from './survey-repository';
export { openSurveyDb, DB_VERSION, MIGRATIONS } from './schema';
export { StoreError, STORAGE_FULL_MESSAGE } from './errors';
export * from './survey-record';
