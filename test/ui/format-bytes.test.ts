import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/ui/format-bytes';

describe('formatBytes', () => {
  it('reads as an engineer would say it', () => {
    expect(formatBytes(null)).toBe('unknown');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12 * 1024)).toBe('12 KB');
    expect(formatBytes(1.5 * 1024 ** 2)).toBe('1.5 MB');
    expect(formatBytes(2 * 1024 ** 3)).toBe('2.0 GB');
  });
});
