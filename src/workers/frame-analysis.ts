/**
 * A drive frame in the worker (issue 13): fitted to the photo size, explained without the
 * colour heatmap (its grid is kept; the detail view draws it), and encoded as a survey photo
 * only when it found damage, so frames of good road cost no JPEG encoding and are not kept.
 */
import { findingOf } from '../model/frame-finding';
import {
  fitLongSide,
  PHOTO_JPEG_QUALITY,
  PHOTO_LONG_SIDE,
  THUMBNAIL_JPEG_QUALITY,
  THUMBNAIL_LONG_SIDE,
} from '../image/prepare-photo';
import { sha256Hex } from '../schema/sha256-hex';
import type { FieldAnalyser } from './field-analyser';
import type { FrameAnalysis } from './protocol';

export async function analyseFrame(
  analyser: FieldAnalyser,
  frame: ImageBitmap,
): Promise<FrameAnalysis> {
  const started = performance.now();
  const size = fitLongSide(frame.width, frame.height, PHOTO_LONG_SIDE);
  const canvas = new OffscreenCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(frame, 0, 0, size.width, size.height);
  frame.close();
  // No colour heatmap per frame: the grid is kept, and drawn when a survey is opened.
  const explanation = await analyser.explain(canvas, undefined, undefined, 'none');
  const damage = findingOf(explanation.damage ?? explanation.verdict).damage;
  const encodeStart = performance.now();
  const photo = damage ? await encodeFramePhoto(canvas) : null;
  const done = performance.now();
  return {
    explanation,
    damage,
    photo,
    timings: {
      totalMs: done - started,
      inferenceMs: explanation.timings.inferenceMs,
      encodeMs: done - encodeStart,
    },
  };
}

async function encodeFramePhoto(
  canvas: OffscreenCanvas,
): Promise<NonNullable<FrameAnalysis['photo']>> {
  const jpeg = await canvas.convertToBlob({ type: 'image/jpeg', quality: PHOTO_JPEG_QUALITY });
  const thumbSize = fitLongSide(canvas.width, canvas.height, THUMBNAIL_LONG_SIDE);
  const thumbCanvas = new OffscreenCanvas(thumbSize.width, thumbSize.height);
  const thumbCtx = thumbCanvas.getContext('2d')!;
  thumbCtx.imageSmoothingQuality = 'high';
  thumbCtx.drawImage(canvas, 0, 0, thumbSize.width, thumbSize.height);
  const thumbnail = await thumbCanvas.convertToBlob({
    type: 'image/jpeg',
    quality: THUMBNAIL_JPEG_QUALITY,
  });
  return {
    jpeg,
    thumbnail,
    meta: {
      sha256: await sha256Hex(await jpeg.arrayBuffer()),
      bytes: jpeg.size,
      width: canvas.width,
      height: canvas.height,
      type: 'image/jpeg',
    },
  };
}
