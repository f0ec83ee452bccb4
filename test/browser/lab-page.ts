/**
 * What the lab's browser tests do to the lab, in a model builder's words (open the lab, pick
 * model files, fill the manifest form, read the layers, run a grid), plus reading canvas pixels,
 * which a person does with their eyes.
 */
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { appUrl, pollUntil } from './app-page';

export async function openLab(
  context: BrowserContext,
  origin: string,
  options: { model?: string | null } = {},
): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(appUrl(origin, { path: '/lab', model: options.model }));
  await labReady(page);
  return page;
}

/** The lab element is up and its worker's backend runs. */
export async function labReady(page: Page): Promise<void> {
  await page.locator('roadcam-lab').waitFor();
  await pollUntil(
    'the lab engine to start',
    async () => (await page.getByTestId('lab-backend').textContent()) ?? '',
    (t) => t !== '' && !/starting/.test(t),
    60_000,
  );
}

export async function labError(page: Page): Promise<string> {
  return ((await page.getByTestId('lab-error').textContent()) ?? '').trim();
}

/** Waits until the open model is `name` (or an error shows, which fails with its text). */
export async function modelOpened(page: Page, name: RegExp, timeout = 60_000): Promise<void> {
  const shown = await pollUntil(
    'the model to open',
    async () => {
      const error = await labError(page);
      if (error) return `error: ${error}`;
      const shown = page.getByTestId('lab-model');
      return (await shown.count()) ? ((await shown.textContent()) ?? '') : '';
    },
    (t) => t.startsWith('error:') || name.test(t),
    timeout,
  );
  if (shown.startsWith('error:')) throw new Error(`The lab said: ${shown.slice(7)}`);
}

export async function tab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`lab-tab-${id}`).click();
}

export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The pixels a canvas shows (it may sit inside open shadow roots). They travel as base64: a
 * JSON array of a photo's million numbers takes seconds to cross from the page. */
export async function canvasPixels(canvas: Locator): Promise<Pixels> {
  const { width, height, base64 } = await canvas.evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let binary = '';
    for (let i = 0; i < data.length; i += 0x8000) {
      binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    }
    return { width: c.width, height: c.height, base64: btoa(binary) };
  });
  return { width, height, data: new Uint8Array(Buffer.from(base64, 'base64')) };
}

/** Mean absolute difference of the colour channels of two same-sized images, 0..255. */
export function meanAbsDiff(a: Pixels, b: Pixels): number {
  if (a.width !== b.width || a.height !== b.height) return 255;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 3; c++) sum += Math.abs(a.data[i + c] - b.data[i + c]);
    n += 3;
  }
  return sum / n;
}

/** Standard deviation of the colour values: a flat canvas has none. */
export function spread(p: Pixels): number {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let i = 0; i < p.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      sum += p.data[i + c];
      sq += p.data[i + c] ** 2;
      n++;
    }
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean));
}

/** Live tensors in the lab worker (leak check), through the lab element's client. */
export function labWorkerTensors(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const app = document.querySelector('roadcam-app')!;
    const lab = app.shadowRoot!.querySelector('roadcam-lab') as unknown as {
      client: { liveTensors(): Promise<number> };
    };
    return lab.client.liveTensors();
  });
}
