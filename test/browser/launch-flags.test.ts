/**
 * The browser the tests and benchmarks launch: desktop Chromium's address-bar popups (WebUI
 * pages built at every launch, about half a second of CPU beside the page being timed) are off,
 * and Playwright's own disabled features are all still off (Chromium reads only the last
 * --disable-features, so tools/lib/chromium.ts repeats Playwright's list; a Playwright update
 * that adds one fails here).
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  BROWSER_UI_FEATURES,
  launchProfile,
  removeProfile,
  type LaunchedProfile,
} from '../../tools/lib/chromium';

const launched: LaunchedProfile[] = [];

afterAll(async () => {
  for (const b of launched) {
    await b.close();
    removeProfile(b.userDataDir);
  }
});

async function launch(browserUi: boolean): Promise<LaunchedProfile> {
  const b = await launchProfile({ browserUi });
  launched.push(b);
  return b;
}

/** Every --disable-features switch on the browser's command line, in order. */
async function disabledFeatureSwitches(b: LaunchedProfile): Promise<string[][]> {
  const page = await b.context.newPage();
  await page.goto('chrome://version');
  const commandLine = (await page.locator('#command_line').textContent()) ?? '';
  await page.close();
  return [...commandLine.matchAll(/--disable-features=(\S+)/g)].map((m) => m[1].split(','));
}

/** The browser's own UI pages (targets Playwright does not list as pages). */
async function browserUiPages(b: LaunchedProfile): Promise<string[]> {
  const session = await b.context.browser()!.newBrowserCDPSession();
  const { targetInfos } = await session.send('Target.getTargets');
  await session.detach();
  return targetInfos.filter((t) => t.type === 'browser_ui').map((t) => t.url);
}

describe('the launched browser', () => {
  it("keeps Playwright's disabled features and turns off the address-bar popups", async () => {
    const b = await launch(false);
    const switches = await disabledFeatureSwitches(b);
    expect(switches.length, 'Playwright’s switch and ours').toBeGreaterThanOrEqual(2);
    const playwrights = switches[0];
    const effective = switches[switches.length - 1];
    expect(effective).toEqual(expect.arrayContaining([...playwrights, ...BROWSER_UI_FEATURES]));
    // The popups are built a moment after launch: give them the time they took with the flag off.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await browserUiPages(b)).toEqual([]);
  });

  it('builds them when asked to keep the browser UI (what the flag turns off)', async () => {
    const b = await launch(true);
    let pages: string[] = [];
    for (let i = 0; i < 30 && pages.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      pages = await browserUiPages(b);
    }
    expect(pages.some((url) => url.startsWith('chrome://omnibox-popup'))).toBe(true);
  });
});
