/**
 * A damage stretch's best frame becomes a survey of the run. Shared by the running session and
 * by the ending of a run a reload left behind (leftover-runs.ts), so both save the same records
 * the same way: every closed stretch's frame, once (a frame that was the best for a crack and
 * for a pothole is one survey that names both), in one transaction with the run's change.
 */
import type { Position } from '../../../schema/survey';
import type { RunRepository, RunSurveyEntry } from '../../../store/run-repository';
import type { RunRecord } from '../../../store/run-record';
import type { SurveyRecord } from '../../../store/survey-record';
import { typesFoundOf, verdictKeyOf } from '../../../store/survey-record';
import { damageOf } from '../../../workers/damage-record';
import type { FrameAnalysis } from '../../../workers/protocol';
import type { ClosedStretch, StretchState } from '../shared/damage-stretches';

/** A GPS fix with what a drive needs. */
export interface DriveFix {
  lon: number;
  lat: number;
  accuracyM: number | null;
  speedMps: number | null;
  headingDeg: number | null;
  /** Epoch ms. */
  at: number;
}

/** An analysed damage frame waiting in its stretch (kept in the run record while open). */
export interface PendingFrame {
  analysis: FrameAnalysis;
  fix: DriveFix | null;
  /** When the frame was grabbed, epoch ms: the frame's identity within its run. */
  at: number;
}

export type OpenStretch = StretchState<PendingFrame>;

/**
 * The frame's analysis as the run record can keep it: no ImageBitmap (IndexedDB cannot store
 * one; frames are analysed without colour heatmaps anyway, the CAM grids are kept).
 */
export function storableAnalysis(analysis: FrameAnalysis): FrameAnalysis {
  const e = analysis.explanation;
  return {
    ...analysis,
    explanation: {
      ...e,
      heatmap: null,
      ...(e.damage
        ? {
            damage: {
              ...e.damage,
              heatmaps: e.damage.heatmaps.map((h) => ({ ...h, heatmap: null })),
            },
          }
        : {}),
    },
  };
}

/** The open stretches a run record keeps (written by DriveSession; plain structured data). */
export function openStretchesOf(run: RunRecord): OpenStretch[] {
  return Array.isArray(run.openStretches) ? (run.openStretches as OpenStretch[]) : [];
}

/**
 * Saves the closed stretches' best frames as surveys (each frame once, none already in
 * `run.savedFrames`), their spots, and `change`, all in one transaction.
 */
export async function saveClosedStretches(
  runs: RunRepository,
  runId: string,
  closed: readonly ClosedStretch<PendingFrame>[],
  change: (run: RunRecord) => RunRecord,
): Promise<{ run: RunRecord; surveys: SurveyRecord[] }> {
  let surveys: SurveyRecord[] = [];
  const run = await runs.saveSurveys(runId, (stored) => {
    const saved = new Set(stored.savedFrames ?? []);
    const entries: RunSurveyEntry[] = [];
    for (const stretch of closed) {
      const frame = stretch.best.payload;
      if (saved.has(frame.at) || !frame.analysis.photo) continue;
      saved.add(frame.at);
      entries.push({
        survey: driveSurveyRecord(frame, runId),
        photo: frame.analysis.photo.jpeg,
        spots: [],
      });
    }
    surveys = entries.map((e) => e.survey);
    const spots = closed.flatMap((s) =>
      s.positions.map((p) => ({ lon: p.lon, lat: p.lat, type: s.type })),
    );
    return {
      entries,
      run: change({
        ...stored,
        damageSpots: [...stored.damageSpots, ...spots],
        savedFrames: [...saved],
      }),
    };
  });
  return { run, surveys };
}

/** A damage frame as a survey of the run. */
export function driveSurveyRecord(frame: PendingFrame, runId: string): SurveyRecord {
  const { explanation, photo } = frame.analysis;
  if (!photo) throw new Error('A drive survey needs the frame photo');
  const at = new Date(frame.at).toISOString();
  const damage = damageOf(explanation);
  const position: Position | null = frame.fix
    ? { lat: frame.fix.lat, lon: frame.fix.lon, accuracyM: frame.fix.accuracyM, source: 'gps' }
    : null;
  return {
    id: crypto.randomUUID(),
    revision: 1,
    createdAt: at,
    updatedAt: at,
    position,
    noPositionReason: position ? null : 'unavailable',
    verdict: explanation.verdict,
    verdictKey: verdictKeyOf(explanation.verdict),
    probabilities: explanation.probabilities,
    cam: explanation.cam,
    model: explanation.model,
    analysisError: null,
    notes: '',
    severity: null,
    photo: photo.meta,
    thumbnail: photo.thumbnail,
    sync: { state: 'local', attempts: 0 },
    ...(damage ? { damage } : {}),
    typesFound: typesFoundOf(explanation.verdict, damage),
    runId,
    motion: {
      speedMps: frame.fix?.speedMps ?? null,
      headingDeg: frame.fix?.headingDeg ?? null,
    },
  };
}
