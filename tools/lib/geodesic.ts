/**
 * GeographicLib's WGS 84 geodesic (Karney's algorithm): the reference that the location core's
 * distances are measured against, in tests and in tools/geo. The package is CommonJS; Node hands
 * it over as the default export, a bundler as the namespace, so both are accepted.
 */
import * as geographiclib from 'geographiclib-geodesic';

const lib =
  (geographiclib as unknown as { default?: typeof geographiclib }).default ?? geographiclib;

export const wgs84Geodesic = lib.Geodesic.WGS84;
