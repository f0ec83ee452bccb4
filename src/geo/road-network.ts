/**
 * A road network as agencies keep it: a GeoJSON FeatureCollection of LineString or
 * MultiLineString features, each with a road id and a name, in WGS 84 longitude/latitude.
 * `parseRoadNetwork` validates a file (zod) and turns it into roads with their lengths measured
 * on the ellipsoid; every problem is reported with the feature it is in, so an office can fix
 * its file in one pass. A MultiLineString is one road whose parts are in order from its start:
 * chainage runs on from the end of one part to the start of the next (the gap is not counted).
 */
import { z } from '../schema/zod';
import { MAX_PROBLEMS, RoadNetworkError } from './errors';
import { distanceMetres } from './ruler';

/** [lon, lat] in degrees. */
export type Coordinate = readonly [number, number];

export interface RoadPart {
  coordinates: readonly Coordinate[];
  /** Chainage (m) at each vertex: starts where the previous part ended. */
  chainageAt: Float64Array;
}

export interface Road {
  /** The road's id as in the file (numbers become text). */
  id: string;
  name: string | null;
  parts: readonly RoadPart[];
  lengthM: number;
}

export interface RoadNetwork {
  roads: readonly Road[];
}

export interface RoadNetworkOptions {
  /** Property holding the road id; default: `road_id`, then `id`, then the feature's own id. */
  idProperty?: string;
  /** Property holding the road name; default: `name`, then `road_name`. */
  nameProperty?: string;
}

const DEFAULT_ID_PROPERTIES = ['road_id', 'id'];
const DEFAULT_NAME_PROPERTIES = ['name', 'road_name'];

const PROJECTED_HINT =
  'Is the file in a projected system (metres, e.g. UTM)? Save it as GeoJSON in WGS 84 (EPSG:4326).';

const positionSchema = z
  .array(z.number({ message: 'a coordinate must be a number' }))
  .min(2, { message: 'a position needs a longitude and a latitude' })
  .max(3, { message: 'a position has at most longitude, latitude and height' })
  .superRefine((position, ctx) => {
    const [lon, lat] = position;
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90)
      ctx.addIssue({
        code: 'custom',
        message: `coordinate [${lon}, ${lat}] is out of range (longitude -180..180, latitude -90..90). ${PROJECTED_HINT}`,
      });
  });

const lineSchema = z
  .array(positionSchema)
  .min(2, { message: 'a line needs at least two positions' });

const geometrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('LineString'), coordinates: lineSchema }),
  z.object({
    type: z.literal('MultiLineString'),
    coordinates: z.array(lineSchema).min(1, { message: 'a MultiLineString needs a line' }),
  }),
]);

const featureSchema = z.object({
  type: z.literal('Feature'),
  id: z.union([z.string(), z.number()]).optional(),
  geometry: z.unknown(),
  properties: z.record(z.string(), z.unknown()).nullable().optional(),
});

const collectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  crs: z.unknown().optional(),
  features: z.array(z.unknown()),
});

/** CRS names that mean WGS 84 longitude/latitude (old GeoJSON files may carry a `crs`). */
const WGS84_CRS = /(CRS84|EPSG::?4326)$/i;

function crsName(crs: unknown): string | null {
  if (!crs || typeof crs !== 'object') return null;
  const props = (crs as { properties?: { name?: unknown } }).properties;
  return typeof props?.name === 'string' ? props.name : null;
}

function pick(
  properties: Record<string, unknown>,
  feature: { id?: string | number },
  names: readonly string[],
  useFeatureId: boolean,
): string | null {
  for (const name of names) {
    const value = properties[name];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  if (useFeatureId && feature.id !== undefined && String(feature.id).trim() !== '')
    return String(feature.id).trim();
  return null;
}

function issueText(issue: z.core.$ZodIssue): string {
  const where =
    issue.path.length > 0
      ? ` (at coordinates${issue.path
          .slice(1)
          .map((p) => `[${String(p)}]`)
          .join('')})`
      : '';
  return `${issue.message}${where}`;
}

function measure(lines: readonly (readonly Coordinate[])[]): {
  parts: RoadPart[];
  lengthM: number;
} {
  let chainage = 0;
  const parts = lines.map((coordinates) => {
    const chainageAt = new Float64Array(coordinates.length);
    chainageAt[0] = chainage;
    for (let i = 1; i < coordinates.length; i++) {
      const [lon0, lat0] = coordinates[i - 1];
      const [lon1, lat1] = coordinates[i];
      chainage += distanceMetres({ lon: lon0, lat: lat0 }, { lon: lon1, lat: lat1 });
      chainageAt[i] = chainage;
    }
    return { coordinates, chainageAt };
  });
  return { parts, lengthM: chainage };
}

/** Reads a road network from parsed JSON; throws RoadNetworkError listing every problem. */
export function parseRoadNetwork(json: unknown, options: RoadNetworkOptions = {}): RoadNetwork {
  const top = collectionSchema.safeParse(json);
  if (!top.success)
    throw new RoadNetworkError(
      'not-feature-collection',
      'This file is not a GeoJSON FeatureCollection. A road network is one FeatureCollection of LineString features, each with a road id and a name.',
    );
  const crs = crsName(top.data.crs);
  if (crs && !WGS84_CRS.test(crs))
    throw new RoadNetworkError(
      'bad-features',
      `This file says its coordinates are in ${crs}. ${PROJECTED_HINT}`,
    );

  const idNames = options.idProperty ? [options.idProperty] : DEFAULT_ID_PROPERTIES;
  const nameNames = options.nameProperty ? [options.nameProperty] : DEFAULT_NAME_PROPERTIES;
  const problems: string[] = [];
  let problemCount = 0;
  const report = (text: string) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  const roads: Road[] = [];
  const featureOfId = new Map<string, number>();

  top.data.features.forEach((raw, index) => {
    const label = `feature ${index + 1}`;
    const feature = featureSchema.safeParse(raw);
    if (!feature.success) {
      report(
        `${label}: not a GeoJSON Feature (it needs "type": "Feature", a geometry and properties)`,
      );
      return;
    }
    const properties = feature.data.properties ?? {};
    const id = pick(properties, feature.data, idNames, !options.idProperty);
    const named = id === null ? label : `${label} (road ${JSON.stringify(id)})`;
    const geometry = feature.data.geometry as { type?: unknown } | null;
    if (!geometry || typeof geometry !== 'object') {
      report(`${named}: has no geometry; a road needs a LineString`);
      return;
    }
    if (geometry.type !== 'LineString' && geometry.type !== 'MultiLineString') {
      report(
        `${named}: its geometry is a ${String(geometry.type)}; a road network holds LineString or MultiLineString features only`,
      );
      return;
    }
    const parsed = geometrySchema.safeParse(geometry);
    if (!parsed.success) {
      report(`${named}: ${issueText(parsed.error.issues[0])}`);
      return;
    }
    if (id === null) {
      const looked = options.idProperty
        ? `property "${options.idProperty}"`
        : `properties ${DEFAULT_ID_PROPERTIES.map((n) => `"${n}"`).join(' or ')}, or the feature's id`;
      report(`${label}: has no road id (looked for ${looked}); give every road an id`);
      return;
    }
    const earlier = featureOfId.get(id);
    if (earlier !== undefined) {
      report(
        `${named}: the road id is also used by feature ${earlier + 1}; give each road one feature (a MultiLineString, parts in order from the road's start, for a road in pieces)`,
      );
      return;
    }
    featureOfId.set(id, index);
    const lines =
      parsed.data.type === 'LineString' ? [parsed.data.coordinates] : parsed.data.coordinates;
    const { parts, lengthM } = measure(lines.map((line) => line.map((p) => [p[0], p[1]] as const)));
    roads.push({ id, name: pick(properties, {}, nameNames, false), parts, lengthM });
  });

  if (problemCount > 0) {
    if (problemCount > problems.length)
      problems.push(`... and ${problemCount - problems.length} more`);
    throw new RoadNetworkError(
      'bad-features',
      `The road network has ${problemCount} problem${problemCount === 1 ? '' : 's'}; fix them and load it again.`,
      problems,
    );
  }
  if (roads.length === 0)
    throw new RoadNetworkError(
      'empty',
      'The road network has no roads (its FeatureCollection is empty).',
    );
  return { roads };
}

/** Reads a road network from file text (a .geojson or .json file). */
export function parseRoadNetworkText(text: string, options: RoadNetworkOptions = {}): RoadNetwork {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RoadNetworkError(
      'not-json',
      `This file is not valid JSON, so not GeoJSON (${(error as Error).message}). Export the road network from your GIS as GeoJSON.`,
    );
  }
  return parseRoadNetwork(json, options);
}
