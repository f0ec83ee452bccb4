import { describe, expect, it } from 'vitest';
import {
  dismissed,
  INITIAL_INSTALL_STATE,
  installed,
  installFailed,
  readInstallState,
  versionsToKeep,
  wentBack,
  type InstalledModel,
} from '../../../src/features/model-update/shared/install-state';

const model = (version: string): InstalledModel => ({
  version,
  modelId: 'roadcam-road-damage',
  name: 'RoadCAM road damage',
  notes: `notes of ${version}`,
  publishedAt: '2026-12-01T00:00:00.000Z',
  installedAt: '2026-12-02T00:00:00.000Z',
  whatChanged: [`notes of ${version}`],
});

describe('the install state machine', () => {
  it('a first install keeps the bundled model to go back to, and announces itself', () => {
    const s = installed(INITIAL_INSTALL_STATE, model('2.1.0'));
    expect(s.current?.version).toBe('2.1.0');
    expect(s.previous).toBe('bundled');
    expect(s.announce).toBe(true);
    expect(versionsToKeep(s)).toEqual(['2.1.0']);
    expect(dismissed(s).announce).toBe(false);
  });

  it('a second install keeps the first to go back to, and drops nothing else it needs', () => {
    const s = installed(installed(INITIAL_INSTALL_STATE, model('2.1.0')), model('2.2.0'));
    expect(s.current?.version).toBe('2.2.0');
    expect(s.previous).toMatchObject({ version: '2.1.0' });
    expect(versionsToKeep(s)).toEqual(['2.2.0', '2.1.0']);
  });

  it('the same release installed again (its files were dropped) keeps the way back it had', () => {
    const two = installed(installed(INITIAL_INSTALL_STATE, model('2.1.0')), model('2.2.0'));
    const again = installed(two, model('2.2.0'));
    expect(again.current?.version).toBe('2.2.0');
    expect(again.previous).toMatchObject({ version: '2.1.0' });
  });

  it('a failed install changes neither the running model nor the way back', () => {
    const before = installed(INITIAL_INSTALL_STATE, model('2.1.0'));
    const problem = { version: '2.2.0', message: 'hash differs', at: '2026-12-02T01:00:00.000Z' };
    const after = installFailed(before, problem);
    expect(after.current).toEqual(before.current);
    expect(after.previous).toEqual(before.previous);
    expect(after.problem).toEqual(problem);
    expect(after.declined).toEqual([]); // a cut or corrupt download is tried again
    // The next good install clears it.
    expect(installed(after, model('2.2.0')).problem).toBeNull();
    // A model that downloaded whole but does not run here is not downloaded again.
    expect(installFailed(before, problem, true).declined).toEqual(['2.2.0']);
  });

  it('going back runs the previous model, remembers what was left, and ends at the bundled one', () => {
    const two = installed(installed(INITIAL_INSTALL_STATE, model('2.1.0')), model('2.2.0'));
    const back = wentBack(two);
    expect(back.current?.version).toBe('2.1.0');
    expect(back.previous).toBe('bundled');
    expect(back.declined).toEqual(['2.2.0']);
    expect(versionsToKeep(back)).toEqual(['2.1.0']);
    const bundled = wentBack(back);
    expect(bundled.current).toBeNull();
    expect(bundled.previous).toBeNull();
    expect(bundled.declined).toEqual(['2.2.0', '2.1.0']);
    expect(wentBack(bundled)).toBe(bundled); // nothing further to go back to
  });

  it('reads back what it wrote, and starts from the bundled model on anything else', () => {
    const s = installed(INITIAL_INSTALL_STATE, model('2.1.0'));
    expect(readInstallState(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(readInstallState(null)).toEqual(INITIAL_INSTALL_STATE);
    expect(readInstallState({ current: 'x', previous: 7 })).toEqual(INITIAL_INSTALL_STATE);
  });
});
