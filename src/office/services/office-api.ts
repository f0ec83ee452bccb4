/**
 * The office's access to the sync server it is served from: a device token (the server's
 * administrator makes one; kept in this browser's localStorage, never in a URL) and the synced
 * surveys, read from the server's GeoJSON export (streamed by the server, one request), and
 * the road network the server keeps.
 */
import type { ExportFeatureCollection } from '../views/office-rows';
import type { RunFeatureCollection } from '../views/run-features';

const TOKEN_KEY = 'roadcam-office-token';

export class OfficeApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'OfficeApiError';
  }
}

export class OfficeApi {
  constructor(
    private readonly storage: Storage = localStorage,
    private readonly base = '',
  ) {}

  get token(): string {
    return this.storage.getItem(TOKEN_KEY) ?? '';
  }

  set token(value: string) {
    if (value) this.storage.setItem(TOKEN_KEY, value.trim());
    else this.storage.removeItem(TOKEN_KEY);
  }

  private async get(path: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/v1${path}`, {
        headers: { authorization: `Bearer ${this.token}` },
      });
    } catch (error) {
      throw new OfficeApiError(`The sync server did not answer (${String(error)}).`);
    }
    if (response.status === 401)
      throw new OfficeApiError(
        'The server does not know this token: enter a valid device token (the administrator makes one with `npm run server -- token create --name office`).',
        401,
      );
    if (!response.ok)
      throw new OfficeApiError(
        `The server answered ${response.status} to ${path}.`,
        response.status,
      );
    return response;
  }

  /** Every synced survey, as the server's GeoJSON export gives them. */
  async surveys(): Promise<ExportFeatureCollection> {
    return (await (await this.get('/export.geojson')).json()) as ExportFeatureCollection;
  }

  /** Every synced drive run's track; an empty collection from a server without runs (404). */
  async runs(): Promise<RunFeatureCollection> {
    try {
      return (await (await this.get('/export/runs.geojson')).json()) as RunFeatureCollection;
    } catch (error) {
      if (error instanceof OfficeApiError && error.status === 404)
        return { type: 'FeatureCollection', features: [] };
      throw error;
    }
  }

  /**
   * The road network kept on the server (`PUT /api/v1/roads`): its file name and text, or null
   * while it has none (404).
   */
  async roadNetwork(): Promise<{ name: string; text: string } | null> {
    try {
      const [info, file] = await Promise.all([this.get('/roads/info'), this.get('/roads')]);
      return { name: ((await info.json()) as { name: string }).name, text: await file.text() };
    } catch (error) {
      if (error instanceof OfficeApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** What the server says of its road network (name, SHA-256 of its text), or null: none. */
  async roadNetworkInfo(): Promise<{ name: string; sha256: string } | null> {
    try {
      return (await (await this.get('/roads/info')).json()) as { name: string; sha256: string };
    } catch (error) {
      if (error instanceof OfficeApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** A survey's photo (needs the token, so it cannot be a plain <img src>). */
  async photo(id: string): Promise<Blob> {
    return (await this.get(`/surveys/${id}/photo`)).blob();
  }
}
