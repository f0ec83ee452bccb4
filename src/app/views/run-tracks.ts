/**
 * Drive runs as the Map page draws them: each run's thinned track as a line (runs with fewer
 * than two points have no line), labelled with when it started, how far it went and how many
 * surveys it made, so a tapped line says which run it is.
 */
import type { MapTrack } from '../../features/map/map-view';
import type { RunRecord } from '../../store/run-record';

type Drawn = Pick<RunRecord, 'id' | 'startedAt' | 'state' | 'track' | 'distanceM' | 'surveyIds'>;

export function runLabel(run: Drawn): string {
  const when = `${run.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const km = (run.distanceM / 1000).toFixed(1);
  const n = run.surveyIds.length;
  return `Drive run ${when}, ${km} km, ${n} ${n === 1 ? 'survey' : 'surveys'}${run.state === 'running' ? ' (running)' : ''}`;
}

export function runTracks(runs: readonly Drawn[]): MapTrack[] {
  return runs
    .filter((run) => run.track.length >= 2)
    .map((run) => ({
      id: run.id,
      line: run.track.map(([lon, lat]) => [lon, lat] as const),
      label: runLabel(run),
    }));
}
