import { describe, expect, it } from 'vitest';
import { parseRoute, routePath } from '../../src/app/router';

describe('routes', () => {
  it('round-trips every page, and sends unknown paths to the survey page', () => {
    const id = '0b6f3c1e-2a4d-4c5e-8f90-123456789abc';
    for (const route of [
      { name: 'survey' },
      { name: 'list' },
      { name: 'detail', id },
      { name: 'map' },
      { name: 'about' },
    ] as const) {
      expect(parseRoute(routePath(route))).toEqual(route);
    }
    expect(parseRoute('/surveys/../../etc')).toEqual({ name: 'survey' });
    expect(parseRoute('/nowhere')).toEqual({ name: 'survey' });
  });
});
