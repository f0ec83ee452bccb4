/**
 * The probability shown beside a verdict: that of the label it says ("Good road 83%" is 1 minus
 * the pothole probability), so a verdict never reads with a number below 50%.
 */
export function verdictProbability(
  verdict: { label: string; potholeProbability: number } | null | undefined,
): number | null {
  if (!verdict) return null;
  return verdict.label === 'pothole' ? verdict.potholeProbability : 1 - verdict.potholeProbability;
}
