/**
 * The survey's rules that need no schema library: the two labels that are not damage types, the
 * limits, and what makes a set of labels and boxes wrong. src/schema/survey.ts validates with
 * them; the phone's first page reads them from here, so that zod loads only where records are
 * validated (sync, the office, the server).
 */

/** No damage on a road surface. */
export const GOOD_ROAD_LABEL = 'good_road';
/** The photo is not of a road surface. */
export const NOT_ROAD_LABEL = 'not_road';

export const MAX_LABELS = 12;
export const MAX_BOXES = 50;

/** How many earlier verdicts a survey keeps (the oldest go first). */
export const MAX_EARLIER_ANALYSES = 10;

/**
 * What is wrong with a set of labels and boxes, as messages (none: fine). The same rules for the
 * engineer's correction and the office's review: no label twice; good_road and not_road stand
 * alone; boxes only for damage types, and only for types in the list when it is not empty.
 */
export function labelSetProblems(
  labels: readonly string[],
  boxes: readonly { type: string }[],
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (new Set(labels).size !== labels.length) {
    problems.push({ path: ['labels'], message: 'A label is listed twice' });
  }
  const alone = labels.filter((l) => l === GOOD_ROAD_LABEL || l === NOT_ROAD_LABEL);
  if (alone.length > 0 && labels.length > 1) {
    problems.push({
      path: ['labels'],
      message: `${alone[0]} cannot be listed with other labels`,
    });
  }
  boxes.forEach((b, i) => {
    if (b.type === GOOD_ROAD_LABEL || b.type === NOT_ROAD_LABEL) {
      problems.push({ path: ['boxes', i, 'type'], message: `${b.type} has no box` });
    } else if (labels.length > 0 && !labels.includes(b.type)) {
      problems.push({
        path: ['boxes', i, 'type'],
        message: `A box of type ${b.type}, which is not among the labels`,
      });
    }
  });
  return problems;
}
