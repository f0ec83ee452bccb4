/**
 * The reliability diagram of a model card as a PNG: for bins of predicted probability, the
 * share of photos that truly showed the damage, before and after calibration, against the
 * diagonal a perfectly calibrated model would follow; bars show how many predictions each bin
 * holds. Drawn as SVG and rendered by sharp (no browser needed).
 */
import sharp from 'sharp';

export interface DiagramBin {
  from: number;
  to: number;
  count: number;
  meanProbability: number | null;
  positiveShare: number | null;
}

const W = 640;
const H = 460;
const PLOT = { left: 70, top: 50, size: 340 };

const x = (p: number) => PLOT.left + p * PLOT.size;
const y = (p: number) => PLOT.top + (1 - p) * PLOT.size;

function curve(
  bins: readonly DiagramBin[],
  colour: string,
  dashed: boolean,
  label: string,
  row: number,
): string {
  const points = bins.filter((b) => b.count > 0 && b.meanProbability !== null);
  const path = points
    .map((b) => `${x(b.meanProbability!).toFixed(1)},${y(b.positiveShare!).toFixed(1)}`)
    .join(' ');
  const dots = points
    .map(
      (b) =>
        `<circle cx="${x(b.meanProbability!).toFixed(1)}" cy="${y(b.positiveShare!).toFixed(1)}" r="4" fill="${colour}"/>`,
    )
    .join('');
  const legendY = PLOT.top + 20 + row * 24;
  return (
    `<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2.5"${dashed ? ' stroke-dasharray="6 4"' : ''}/>` +
    dots +
    `<line x1="${PLOT.left + PLOT.size + 20}" y1="${legendY}" x2="${PLOT.left + PLOT.size + 50}" y2="${legendY}" stroke="${colour}" stroke-width="2.5"${dashed ? ' stroke-dasharray="6 4"' : ''}/>` +
    `<text x="${PLOT.left + PLOT.size + 56}" y="${legendY + 5}" font-size="13">${label}</text>`
  );
}

/** The diagram as SVG text. */
export function reliabilitySvg(args: {
  title: string;
  before: readonly DiagramBin[];
  after: readonly DiagramBin[];
  eceBefore: number | null;
  eceAfter: number | null;
}): string {
  const total = args.after.reduce((s, b) => s + b.count, 0) || 1;
  const bars = args.after
    .map((b) => {
      const h = (b.count / total) * PLOT.size * 0.5;
      return `<rect x="${x(b.from) + 2}" y="${(PLOT.top + PLOT.size - h).toFixed(1)}" width="${(PLOT.size / args.after.length - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="#d9e4f2"/>`;
    })
    .join('');
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1]
    .map(
      (t) =>
        `<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(0) + 5}" stroke="#333"/>` +
        `<text x="${x(t)}" y="${y(0) + 20}" font-size="12" text-anchor="middle">${t.toFixed(1)}</text>` +
        `<line x1="${x(0) - 5}" y1="${y(t)}" x2="${x(0)}" y2="${y(t)}" stroke="#333"/>` +
        `<text x="${x(0) - 9}" y="${y(t) + 4}" font-size="12" text-anchor="end">${t.toFixed(1)}</text>`,
    )
    .join('');
  const ece = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">` +
    `<rect width="${W}" height="${H}" fill="white"/>` +
    `<text x="${W / 2}" y="28" font-size="16" text-anchor="middle">${args.title}</text>` +
    bars +
    `<rect x="${x(0)}" y="${y(1)}" width="${PLOT.size}" height="${PLOT.size}" fill="none" stroke="#333"/>` +
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-width="1"/>` +
    ticks +
    curve(args.before, '#888888', true, `before (ECE ${ece(args.eceBefore)})`, 0) +
    curve(args.after, '#c0392b', false, `after (ECE ${ece(args.eceAfter)})`, 1) +
    `<text x="${PLOT.left + PLOT.size + 20}" y="${PLOT.top + 80}" font-size="12" fill="#555">bars: share of</text>` +
    `<text x="${PLOT.left + PLOT.size + 20}" y="${PLOT.top + 96}" font-size="12" fill="#555">predictions per bin</text>` +
    `<text x="${PLOT.left + PLOT.size + 20}" y="${PLOT.top + 120}" font-size="12" fill="#555">grey line: perfect</text>` +
    `<text x="${x(0.5)}" y="${H - 22}" font-size="13" text-anchor="middle">predicted probability</text>` +
    `<text x="18" y="${y(0.5)}" font-size="13" text-anchor="middle" transform="rotate(-90 18 ${y(0.5)})">share that showed the damage</text>` +
    `</svg>`
  );
}

export async function writeReliabilityDiagram(
  file: string,
  args: Parameters<typeof reliabilitySvg>[0],
): Promise<void> {
  await sharp(Buffer.from(reliabilitySvg(args)))
    .png({ compressionLevel: 9, palette: true })
    .toFile(file);
}
