/** A survey's CAM grid (the wire form) as the coloured image the page stretches over its photo. */
import { colorize } from '../../explain/heatmap/overlay';
import type { RgbaImage } from '../../explain/heatmap/scalar-map';
import { decodeFloat32Base64, type SurveyRecordWire } from '../../schema/survey';

export function camImage(cam: NonNullable<SurveyRecordWire['cam']>): RgbaImage {
  return colorize({ width: cam.width, height: cam.height, data: decodeFloat32Base64(cam.data) });
}
