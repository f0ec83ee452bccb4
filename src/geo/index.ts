/**
 * The location core: pure TypeScript (no DOM) shared by the phone, its workers and the server.
 * Distances on WGS 84, road networks and chainage, segment reports, map markers and clusters,
 * GPS fix quality, and the export row. Exports are in ./export.
 */
export * from './chainage-text';
export * from './damage-types';
export * from './errors';
export * from './export-row';
export * from './gps-quality';
export * from './markers';
export * from './road-matcher';
export * from './road-network';
export * from './ruler';
export * from './segment-report';
