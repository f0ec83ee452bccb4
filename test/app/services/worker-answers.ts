/** The worker's answers and the phone's position that the survey-flow tests make themselves. */
import type { PositionTracker } from '../../../src/app/services/position';
import type { PhotoAnalysis, PhotoToKeep } from '../../../src/workers/protocol';

/** The JPEG kept of a photo of this size (a 4-byte JPEG; its SHA-256 given as 'c' x 64). */
export function keptPhoto(width: number, height: number): PhotoToKeep {
  return {
    jpeg: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }),
    thumbnail: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }),
    photo: { sha256: 'c'.repeat(64), bytes: 4, width, height, type: 'image/jpeg' },
    stages: [],
  };
}

/** A photo analysed without a model (none loaded): no verdict, the error says why. */
export function unanalysedPhoto(keepTicket: number): PhotoAnalysis {
  return {
    keepTicket,
    display: null as unknown as ImageBitmap,
    exifPosition: null,
    adjustments: [],
    quality: null,
    explanation: null,
    analysisError: { source: 'model', code: 'model-unavailable', message: 'Not loaded.' },
    timings: { prepareMs: 1, stages: [] },
  };
}

/** A phone without a position. */
export const noPosition = {
  current: async () => ({ reason: 'unavailable' as const }),
} as unknown as PositionTracker;
