import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors';
import { SyncError } from '../../src/sync/errors';
import { toShownError } from '../../src/ui/shown-error';

describe('toShownError', () => {
  it('keeps the message for the engineer and the detail for the console', () => {
    expect(
      toShownError(new StoreError('storage-full', 'Storage full.', 'QuotaExceededError')),
    ).toEqual({
      message: 'Storage full.',
      detail: 'QuotaExceededError',
    });
    expect(
      toShownError(new SyncError('network', 'No connection.', { detail: 'TypeError: failed' })),
    ).toEqual({ message: 'No connection.', detail: 'TypeError: failed' });
    expect(
      toShownError({ source: 'photo', code: 'heic', message: 'Take it in JPEG.', detail: 'ftyp' }),
    ).toEqual({ message: 'Take it in JPEG.', detail: 'ftyp' });
  });

  it('shows a plain Error or anything else as text, without an empty detail', () => {
    expect(toShownError(new TypeError('boom'))).toEqual({ message: 'boom' });
    expect(toShownError('just text')).toEqual({ message: 'just text' });
    expect(toShownError(null)).toEqual({ message: 'null' });
    expect(toShownError({ message: 'no detail', detail: undefined })).toEqual({
      message: 'no detail',
    });
  });
});
