/**
 * Exports on the phone, offline, in real Chromium: the surveys the list shows become a CSV, a
 * GeoJSON, a KML and a GeoPackage file made on the phone, read back here with independent readers
 * (csv-parse, JSON, fast-xml-parser, better-sqlite3): one row per stored survey, the same ids,
 * the verdict's types, and the position where the survey has one. The photos are made here.
 */
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import type { Preview } from '../../tools/lib/preview-server';
import { startTestApp, closeAppAndBrowser } from '../helpers/test-app';
import { roadPixels } from '../tools/synthetic-photos';
import {
  analysisSettled,
  choosePhoto,
  modelSettled,
  openApp,
  serviceWorkerControls,
  storedSurveys,
  type StoredSurvey,
} from './app-page';

const SURVEYS = 3;
let preview: Preview;
let browser: LaunchedProfile;
let page: Page;
let stored: StoredSurvey[];

beforeAll(async () => {
  preview = await startTestApp();
  browser = await launchProfile();
  page = await openApp(browser.context, preview.origin);
  await modelSettled(page);
  for (let i = 0; i < SURVEYS; i++) {
    const { data } = roadPixels(400, 300, 40 + i, i === 0);
    const buffer = await sharp(data, { raw: { width: 400, height: 300, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer();
    await choosePhoto(page, { name: `export-${i}.jpg`, mimeType: 'image/jpeg', buffer });
    expect(await analysisSettled(page)).toBe('verdict');
  }
  stored = await storedSurveys(page);
  expect(stored).toHaveLength(SURVEYS);
  // Exports are made on the phone: no network needed once the service worker holds the app
  // (the GeoPackage writer's sql.js and its wasm binary are loaded only when asked for).
  await serviceWorkerControls(page);
  // Linux Chromium has no Web Share: the exports take the download path (src/ui/share-file.ts),
  // which is what these tests check. Should it gain one, this says so instead of testing less.
  const canShareFiles = await page.evaluate(
    () =>
      typeof navigator.share === 'function' &&
      typeof navigator.canShare === 'function' &&
      navigator.canShare({ files: [new File(['id\n'], 'x.csv', { type: 'text/csv' })] }),
  );
  expect(canShareFiles, 'this Chromium can share files: test the share path here').toBe(false);
  await browser.context.setOffline(true);
  await page.getByRole('link', { name: 'Surveys', exact: true }).click();
  await page.getByTestId('export').waitFor();
});

afterAll(() => closeAppAndBrowser(browser, preview));

/** Clicks a format's button and returns the downloaded file's name and bytes. */
async function exported(label: string): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export').getByRole('button', { name: label, exact: true }).click(),
  ]);
  const file = await download.path();
  expect(await download.failure()).toBeNull();
  return { name: download.suggestedFilename(), bytes: readFileSync(file) };
}

const ids = () => stored.map((s) => s.id).sort();
const foundOf = (s: StoredSurvey) =>
  s.verdict ? (s.verdict.label === 'pothole' ? 'pothole' : null) : null;

describe('exports on the phone, offline', () => {
  it('CSV: one row per survey with its id, types found and position columns', async () => {
    const { name, bytes } = await exported('CSV');
    expect(name).toMatch(/^roadcam-surveys-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = parse(bytes, { columns: true, relax_column_count: false }) as Record<
      string,
      string
    >[];
    expect(rows.map((r) => r.id).sort()).toEqual(ids());
    for (const row of rows) {
      const survey = stored.find((s) => s.id === row.id)!;
      expect(row.found, row.id).not.toBe('');
      if (foundOf(survey)) expect(row.found.split(';')).toContain('pothole');
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['lat', 'lon', 'p_pothole']));
    }
  });

  it('GeoJSON: a FeatureCollection with every survey', async () => {
    const { bytes } = await exported('GeoJSON');
    const json = JSON.parse(bytes.toString('utf8')) as {
      type: string;
      features: { id: string; properties: { found: string } }[];
    };
    expect(json.type).toBe('FeatureCollection');
    expect(json.features.map((f) => String(f.id)).sort()).toEqual(ids());
  });

  it('KML: well-formed XML with a placemark per survey', async () => {
    const { bytes } = await exported('KML');
    const xml = new XMLParser({ ignoreAttributes: false }).parse(bytes.toString('utf8')) as {
      kml?: unknown;
    };
    expect(xml.kml).toBeDefined();
    const placemarks = (bytes.toString('utf8').match(/<Placemark/g) ?? []).length;
    expect(placemarks).toBe(stored.length);
    for (const s of stored) expect(bytes.toString('utf8')).toContain(s.id);
  });

  it('GeoPackage: an SQLite file whose feature table holds every survey', async () => {
    const { name, bytes } = await exported('GeoPackage');
    expect(name.endsWith('.gpkg')).toBe(true);
    const db = new Database(bytes, { readonly: true });
    try {
      const contents = db.prepare('SELECT table_name FROM gpkg_contents').all() as {
        table_name: string;
      }[];
      expect(contents.length).toBeGreaterThan(0);
      const table = contents[0].table_name;
      const rows = db.prepare(`SELECT id FROM "${table}"`).all() as { id: string }[];
      expect(rows.map((r) => r.id).sort()).toEqual(ids());
    } finally {
      db.close();
    }
  });
});
