/**
 * Export rows that try every way a writer can go wrong: text a spreadsheet would run, XML and
 * JSON specials, characters XML forbids, NUL, emoji, a survey without a position, a type no
 * column is made for, negative coordinates, every optional field empty.
 */
import type { ExportRow } from '../../src/geo/export-row';

const base: ExportRow = {
  id: '0b7d3c1e-5b1a-4c8e-9f2d-1a2b3c4d5e6f',
  time: '2026-11-30T08:15:00.000+03:00',
  lat: -1.2921,
  lon: 36.8219,
  accuracyM: 6.5,
  positionSource: 'gps',
  found: ['pothole'],
  probabilities: [{ type: 'pothole', probability: 0.93 }],
  notRoadScore: null,
  notRoadKept: null,
  lowConfidence: false,
  severity: 4,
  notes: 'Deep, near the bus stop',
  model: 'pothole-cnn@1.2.0',
  road: { id: 'A104', name: 'Mombasa Road', chainageM: 1234.5, distanceM: 4.25 },
  photoUrl: 'https://roadcam.example.org/api/v1/surveys/0b7d3c1e-5b1a-4c8e-9f2d-1a2b3c4d5e6f/photo',
};

export const TRICKY_ROWS: ExportRow[] = [
  base,
  {
    ...base,
    id: '1c8e4d2f-6c2b-4d9f-8a3e-2b3c4d5e6f70',
    found: ['crack', 'patch'],
    probabilities: [
      { type: 'pothole', probability: 0.1 },
      { type: 'crack', probability: 0.81 },
      { type: 'patch', probability: 0.66 },
      { type: 'rutting', probability: 0.42 },
    ],
    notRoadScore: 0.05,
    // Made by a drive run (issue 13): the run_id column.
    runId: '7c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5',
    notes: '=HYPERLINK("http://evil.example","click")',
    severity: null,
    road: {
      id: 'B 7',
      name: 'Ngong "Old" Road, <north> & \'south\'',
      chainageM: 0,
      distanceM: 29.9,
    },
  },
  {
    ...base,
    id: '2d9f5e30-7d3c-4eaf-9b4f-3c4d5e6f7081',
    lat: 0.3476,
    lon: 32.5825,
    accuracyM: 40,
    found: ['good_road'],
    probabilities: [{ type: 'pothole', probability: 0.02 }],
    notes: '+254 700 000000\r\nsecond line, with a comma\u0000 and NUL',
    road: null,
  },
  {
    ...base,
    id: '3ea06f41-8e4d-4fb0-8c50-4d5e6f708192',
    lat: null,
    lon: null,
    accuracyM: null,
    positionSource: null,
    found: [],
    probabilities: [],
    lowConfidence: null,
    severity: null,
    notes: '',
    model: null,
    road: null,
    photoUrl: null,
  },
  {
    ...base,
    id: '4fb17052-9f5e-40c1-9d61-5e6f708192a3',
    lat: 51.4779,
    lon: -0.0015,
    accuracyM: null,
    positionSource: 'exif',
    found: ['not_road'],
    probabilities: [{ type: 'pothole', probability: 0.5 }],
    notRoadScore: 0.97,
    notRoadKept: true,
    lowConfidence: true,
    notes: '-minus first \u0001\u0008 control, 🚧 emoji, ＝full-width, \ttab, @at, ｆｕｌｌ',
  },
  { ...base, id: '5ac28163-a06f-41d2-8e72-6f708192a3b4', notes: ' =leading space' },
];

/** What `found` and the probabilities look like once read back in a fixed order. */
export function sortedProbabilities(row: ExportRow) {
  return [...row.probabilities].sort((a, b) => a.type.localeCompare(b.type));
}

/** A large stream of rows, made as it is read (never an array), counting what was taken. */
export function rowStream(count: number) {
  const state = { taken: 0 };
  async function* rows(): AsyncGenerator<ExportRow> {
    for (let i = 0; i < count; i++) {
      state.taken++;
      // A database page every 500 rows: the writer must not run ahead of it.
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 0));
      const row = TRICKY_ROWS[i % TRICKY_ROWS.length];
      yield { ...row, id: `${row.id.slice(0, 24)}${String(i).padStart(12, '0')}` };
    }
  }
  return { rows: rows(), state };
}
