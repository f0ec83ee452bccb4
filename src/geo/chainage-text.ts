/** "1+234": chainage as road agencies write it, kilometres + metres (rounded to the metre). */
export function chainageText(metres: number): string {
  const m = Math.max(0, Math.round(metres));
  return `${Math.floor(m / 1000)}+${String(m % 1000).padStart(3, '0')}`;
}
