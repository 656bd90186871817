// The browser demo (examples/browser/, served by `npm run demo:web`) in headless Chromium: it trains with
// the simd-threads build on a pool of Web Workers when cross-origin isolated, its per-batch losses are
// bit for bit those of the same seeded run in Node, drawing and the noise slider re-denoise at once,
// the trained model saves and loads back, and without isolation it runs one thread and says why.
// Screenshots land in test-artifacts/browser/.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { addGaussianNoise, loadMnist, presets } from '../../src/index.js';
import { artifactPath, launchChromium, findChromium, serveDemo, type Browser, type Server } from './chromium.js';

interface DemoState {
  status: string;
  info: { variant: string; simd: boolean; threads: number; threadsReason: string } | null;
  batchLosses: number[];
  epochLogs: Array<{ epoch: number; loss: number; val_loss?: number }>;
  denoiseCount: number;
  maxFrameGap: number;
  error: string | null;
}

const nodeRuns = new Map<string, Promise<number[]>>();

/** The same run as the page's, in Node: its digits, its noise, its seeds (see examples/browser/app.js). */
function nodeLosses(train: number, batchSize: number, threads: number): Promise<number[]> {
  const key = `${train}/${batchSize}/${threads}`;
  if (!nodeRuns.has(key)) nodeRuns.set(key, runInNode(train, batchSize, threads));
  return nodeRuns.get(key)!;
}

async function runInNode(train: number, batchSize: number, threads: number): Promise<number[]> {
  const { train: split } = await loadMnist({ seed: 0, trainLimit: train, testLimit: 1 });
  const clean = split.images;
  const noisy = addGaussianNoise(clean, { factor: 0.4, seed: 1 });
  const model = presets.kerasTutorial({ threads, seed: 0 });
  const losses: number[] = [];
  await model.fit(noisy, clean, { epochs: 1, batchSize, shuffle: true, seed: 0, onBatchEnd: (_b, logs) => { losses.push(logs.loss); } });
  model.dispose();
  return losses;
}

async function openDemo(page: Page, url: string): Promise<DemoState> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => {
    const s = (window as unknown as { demo?: DemoState }).demo?.status;
    return s === 'done' || s === 'error';
  }, null, { timeout: 60_000 });
  const state = await page.evaluate(() => {
    const { status, info, batchLosses, epochLogs, denoiseCount, maxFrameGap, error } = (window as unknown as { demo: DemoState }).demo;
    return { status, info, batchLosses, epochLogs, denoiseCount, maxFrameGap, error };
  });
  expect({ error: state.error, pageErrors: errors }).toEqual({ error: null, pageErrors: [] });
  return state;
}

/** A canvas's picture (its red channel: the demo draws grey) as a digest, and how much ink it holds. */
async function picture(page: Page, selector: string): Promise<{ digest: string; ink: number }> {
  const red = await page.$eval(selector, (c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: d.length / 4 }, (_, i) => d[i * 4]);
  });
  return { digest: createHash('sha256').update(Uint8Array.from(red)).digest('hex'), ink: red.reduce((a, b) => a + b, 0) };
}

const idle = (page: Page) => page.evaluate(() => (window as unknown as { demo: { idle(): Promise<void> } }).demo.idle());

let browser: Browser;
let server: Server;

beforeAll(async () => {
  await findChromium();   // fails, saying how to get a Chromium, when none is found
  [browser, server] = await Promise.all([launchChromium(), serveDemo()]);
});

afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

describe('cross-origin isolated (COOP + COEP)', () => {
  let page: Page;
  let state: DemoState;

  beforeAll(async () => {
    page = await browser.context.newPage();
    state = await openDemo(page, `${server.url}?train=256&epochs=1&batch=64&threads=2&autostart=1`);
  });

  afterAll(() => page?.close());

  test('trains with the simd-threads build on 2 Web Workers, and the page shows it', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(state.info).toEqual({ variant: 'simd-threads', simd: true, threads: 2, threadsReason: '' });
    expect(await page.textContent('#badge-build')).toBe('simd-threads build');
    expect(await page.textContent('#badge-threads')).toBe('2 threads');
    expect(await page.isHidden('#threads-reason')).toBe(true);
    expect(state.status).toBe('done');
    expect(state.batchLosses).toHaveLength(4);
    expect(state.epochLogs).toHaveLength(1);
    expect(state.epochLogs[0].val_loss).toBeGreaterThan(0);
    expect(await page.getAttribute('#progress', 'aria-valuenow')).toBe('100');
    expect(await page.textContent('#status')).toMatch(/^Done: 1 epoch in .* loss 0\.\d{4} · validation 0\.\d{4}$/);
    await page.screenshot({ path: artifactPath('demo-threads.png'), fullPage: true });
  });

  test("the page's per-batch losses equal the same seeded run in Node, bit for bit", async () => {
    expect(state.batchLosses).toEqual(await nodeLosses(256, 64, 2));
  });

  test('drawing a digit and moving the noise slider denoise it again at once', async () => {
    await idle(page);
    const before = await picture(page, '#view-denoised');
    await page.click('#btn-clear');
    await idle(page);
    expect((await picture(page, '#view-input')).ink).toBe(0);
    // A "7": a bar, then a diagonal, drawn with the mouse.
    const box = (await page.locator('#pad').boundingBox())!;
    const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
    const count = (await page.evaluate(() => (window as unknown as { demo: DemoState }).demo.denoiseCount));
    await page.mouse.move(...at(0.25, 0.22));
    await page.mouse.down();
    await page.mouse.move(...at(0.75, 0.22), { steps: 8 });
    await page.mouse.move(...at(0.42, 0.82), { steps: 10 });
    await page.mouse.up();
    await idle(page);
    expect(await page.evaluate(() => (window as unknown as { demo: DemoState }).demo.denoiseCount)).toBeGreaterThan(count);
    expect((await picture(page, '#view-input')).ink).toBeGreaterThan(28 * 28 * 10);
    const denoised = await picture(page, '#view-denoised');
    expect(denoised.digest).not.toBe(before.digest);
    const noisy = await picture(page, '#view-noisy');
    await page.locator('#noise').fill('0.8');
    await idle(page);
    expect(await page.textContent('#noise-value')).toBe('0.80');
    expect((await picture(page, '#view-noisy')).digest).not.toBe(noisy.digest);
    expect((await picture(page, '#view-denoised')).digest).not.toBe(denoised.digest);
    await page.screenshot({ path: artifactPath('demo-drawn.png'), fullPage: true });
  });

  test('save downloads the model, and loading those files gives back the same predictions', async () => {
    const grid = (await picture(page, '#grid')).digest;
    const downloads: Array<{ name: string; path: string }> = [];
    const done = new Promise<void>((resolve) => {
      page.on('download', async (d) => {
        downloads.push({ name: d.suggestedFilename(), path: (await d.path())! });
        if (downloads.length === 2 || (downloads.length === 1 && downloads[0].name.endsWith('weights.json'))) resolve();
      });
    });
    await page.click('#btn-save');
    await done;
    expect(downloads.length).toBeGreaterThanOrEqual(1);
    for (const d of downloads) expect(readFileSync(d.path).length).toBeGreaterThan(0);
    await page.click('#btn-reset');
    await idle(page);
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('The model is back'));
    expect((await picture(page, '#grid')).digest).not.toBe(grid);
    await page.setInputFiles('#file-model', downloads.map((d) => ({ name: d.name, mimeType: d.name.endsWith('.bin') ? 'application/octet-stream' : 'application/json', buffer: readFileSync(d.path) })));
    await page.waitForFunction(() => /^(Loaded|Could not)/.test(document.getElementById('weights-status')!.textContent!));
    expect(await page.textContent('#weights-status')).toMatch(/^Loaded /);
    await idle(page);
    expect((await picture(page, '#grid')).digest).toBe(grid);
  });

  test('reads well on a phone (390 px wide, no horizontal scrolling)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: artifactPath('demo-phone.png'), fullPage: true });
  });
});

test('without cross-origin isolation: the SIMD build on one thread, the page says why, same losses', async () => {
  const page = await browser.context.newPage();
  try {
    const state = await openDemo(page, `${server.url}?coi=0&train=128&epochs=1&batch=64&autostart=1`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(state.info).toMatchObject({ variant: 'simd', simd: true, threads: 1 });
    expect(state.info!.threadsReason).toMatch(/not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
    expect(await page.textContent('#badge-threads')).toBe('1 thread');
    expect(await page.isVisible('#threads-reason')).toBe(true);
    expect(await page.textContent('#threads-reason')).toMatch(/^One thread: the page is not cross-origin isolated/);
    // One thread in a Web Worker gives the bits of two threads, and of Node.
    expect(state.batchLosses).toEqual(await nodeLosses(128, 64, 1));
    await page.screenshot({ path: artifactPath('demo-no-isolation.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('a page that imports dist/index.js unbundled (examples/browser/minimal.html) trains in a worker too, and round-trips IndexedDB', async () => {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(server.url + 'minimal.html');
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result, null, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { result: { info: { variant: string; threads: number }; losses: number[]; indexedDbSame: boolean } }).result);
    expect(errors).toEqual([]);
    expect(result.info).toMatchObject({ variant: 'simd-threads' });
    expect(result.indexedDbSame).toBe(true);
    expect(result.losses).toEqual(await nodeLosses(256, 64, 2));
  } finally {
    await page.close();
  }
});
