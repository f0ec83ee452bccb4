import { describe, expect, it } from 'vitest';
import {
  installedFileUrl,
  installedModelCacheName,
  installedVersionOf,
  versionOfModelCache,
} from '../../src/workers/installed-model';

describe('where an installed model lives', () => {
  it('names a file under /installed-models/<version>/ and reads the version back', () => {
    const url = installedFileUrl('https://roadcam.example.org/app/', '2.1.0+rc1', 'model.json');
    expect(url).toBe('https://roadcam.example.org/installed-models/2.1.0%2Brc1/model.json');
    expect(installedVersionOf(url)).toBe('2.1.0+rc1');
    expect(
      installedVersionOf('https://roadcam.example.org/models/road-damage/model.json'),
    ).toBeNull();
  });

  it("tells its caches from the service worker's and Workbox's", () => {
    expect(versionOfModelCache(installedModelCacheName('2.1.0'))).toBe('2.1.0');
    // The service worker's cache of served /models/ files is not an installed release.
    expect(versionOfModelCache('roadcam-models')).toBeNull();
    expect(versionOfModelCache('workbox-precache-v2-https://roadcam.example.org/')).toBeNull();
  });
});
