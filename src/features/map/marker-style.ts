/**
 * How each kind of survey looks on the map: a shape AND a colour (colour is never the only
 * signal: a colour-blind engineer, or a screen in the sun, tells a triangle from a circle), from
 * the Okabe-Ito palette that stays distinct under the common colour-vision deficiencies. A kind
 * the app does not know yet (a new damage type) gets a hexagon with its initial letter.
 */
import { GOOD_ROAD, NOT_ROAD } from '../../geo/damage-types';
import { PENDING } from '../../geo/markers';

export type MarkerShape =
  'circle' | 'triangle' | 'square' | 'diamond' | 'cross' | 'ring' | 'hexagon';

export interface MarkerStyle {
  shape: MarkerShape;
  colour: string;
  /** Words for the legend and for screen readers. */
  label: string;
  /** Drawn inside the shape for kinds without a shape of their own. */
  letter?: string;
  /** Higher is drawn on top and wins a cluster's colour. */
  rank: number;
}

const STYLES: Record<string, MarkerStyle> = {
  pothole: { shape: 'circle', colour: '#d55e00', label: 'Pothole', rank: 6 },
  crack: { shape: 'triangle', colour: '#e69f00', label: 'Crack', rank: 5 },
  patch: { shape: 'square', colour: '#0072b2', label: 'Patch', rank: 4 },
  [GOOD_ROAD]: { shape: 'diamond', colour: '#009e73', label: 'Good road', rank: 2 },
  [NOT_ROAD]: { shape: 'cross', colour: '#555555', label: 'Not a road', rank: 1 },
  [PENDING]: { shape: 'ring', colour: '#7a7a7a', label: 'Not analysed yet', rank: 0 },
};

export function markerStyle(kind: string): MarkerStyle {
  return (
    STYLES[kind] ?? {
      shape: 'hexagon',
      colour: '#cc79a7',
      label: kind.replace(/_/g, ' '),
      letter: kind.charAt(0).toUpperCase(),
      rank: 3,
    }
  );
}

/** The kind a cluster is drawn as: the highest-ranked kind inside it. */
export function clusterKind(kinds: Record<string, number>): string {
  return Object.keys(kinds).reduce(
    (best, kind) => (markerStyle(kind).rank > markerStyle(best).rank ? kind : best),
    PENDING,
  );
}

/** Draws a marker's shape centred on (x, y), `r` pixels in radius, with a white outline. */
export function drawMarker(
  ctx: CanvasRenderingContext2D,
  style: MarkerStyle,
  x: number,
  y: number,
  r: number,
): void {
  ctx.beginPath();
  switch (style.shape) {
    case 'circle':
    case 'ring':
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      break;
    case 'triangle':
      ctx.moveTo(x, y - r * 1.15);
      ctx.lineTo(x + r * 1.1, y + r * 0.8);
      ctx.lineTo(x - r * 1.1, y + r * 0.8);
      ctx.closePath();
      break;
    case 'square':
      ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      break;
    case 'diamond':
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.2, y);
      ctx.lineTo(x, y + r * 1.2);
      ctx.lineTo(x - r * 1.2, y);
      ctx.closePath();
      break;
    case 'hexagon':
      for (let i = 0; i < 6; i++) {
        const a = (Math.PI / 3) * i;
        ctx[i === 0 ? 'moveTo' : 'lineTo'](x + r * Math.cos(a), y + r * Math.sin(a));
      }
      ctx.closePath();
      break;
    case 'cross': {
      const d = r * 0.9;
      ctx.moveTo(x - d, y - d);
      ctx.lineTo(x + d, y + d);
      ctx.moveTo(x + d, y - d);
      ctx.lineTo(x - d, y + d);
      ctx.lineCap = 'round';
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = r * 0.9;
      ctx.stroke();
      ctx.strokeStyle = style.colour;
      ctx.lineWidth = r * 0.5;
      ctx.stroke();
      return;
    }
  }
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#ffffff';
  if (style.shape === 'ring') {
    ctx.stroke();
    ctx.lineWidth = 3;
    ctx.strokeStyle = style.colour;
    ctx.beginPath();
    ctx.arc(x, y, r - 2, 0, 2 * Math.PI);
    ctx.stroke();
    return;
  }
  ctx.fillStyle = style.colour;
  ctx.fill();
  ctx.stroke();
  if (style.letter) {
    ctx.fillStyle = '#ffffff';
    ctx.font = `bold ${Math.round(r * 1.1)}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(style.letter, x, y + 0.5);
  }
}
