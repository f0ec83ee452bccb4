import { resolveObjectURL } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ThumbnailUrls } from '../../src/ui/thumbnail-urls';

const thumbnail = (text: string) => new Blob([text], { type: 'image/jpeg' });

describe('ThumbnailUrls (real object URLs, Node resolves them)', () => {
  it('makes one URL per survey and revokes the ones no longer shown', async () => {
    const urls = new ThumbnailUrls();
    const a = urls.urlFor('a', thumbnail('photo a'));
    const b = urls.urlFor('b', thumbnail('photo b'));
    expect(urls.urlFor('a', thumbnail('photo a again'))).toBe(a);
    expect(await resolveObjectURL(a)?.text()).toBe('photo a');
    expect(urls.size).toBe(2);

    urls.keepOnly(['a']);
    expect(resolveObjectURL(b)).toBeUndefined();
    expect(await resolveObjectURL(a)?.text()).toBe('photo a');
    expect(urls.size).toBe(1);
    // Shown again later: a new URL.
    const b2 = urls.urlFor('b', thumbnail('photo b'));
    expect(b2).not.toBe(b);
    expect(await resolveObjectURL(b2)?.text()).toBe('photo b');

    urls.clear();
    expect(resolveObjectURL(a)).toBeUndefined();
    expect(resolveObjectURL(b2)).toBeUndefined();
    expect(urls.size).toBe(0);
  });
});
