// Bytes and pictures in a browser page (headless Chromium, the built package, no bundler): the embedded
// digits load from data/ (fetch + DecompressionStream), byte batches cross to the engine's Web Worker
// and train bit for bit as floats do (and as the same run in Node), loadImages reads a canvas and a Blob.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { loadMnist, presets, toFloat } from '../../src/index.js';
import { encodePng } from '../../src/io/node.js';
import { findChromium, launchChromium, serveDemo, ROOT, type Browser, type Server } from './chromium.js';

let browser: Browser;
let server: Server;
let page: Page;

beforeAll(async () => {
  await findChromium();
  [browser, server] = await Promise.all([launchChromium(), serveDemo()]);
  page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(new URL('/examples/browser/minimal.html?coi=0', server.url).href);
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await page?.close();
  await Promise.all([browser?.close(), server?.close()]);
});

test('bytes train and predict through the page\'s engine worker bit for bit as floats, and as in Node', async () => {
  const inPage = await page.evaluate(async () => {
    const dw = await import('/dist/index.js' as string);
    const { train } = await dw.loadMnist({ seed: 0, trainLimit: 96, testLimit: 1, bytes: true });
    const run = async (x: unknown) => {
      const m = dw.presets.kerasTutorial({ seed: 0 });
      const losses: number[] = [];
      await m.fit(x, x, { epochs: 1, batchSize: 32, seed: 1, onBatchEnd: (_b: number, l: { loss: number }) => { losses.push(l.loss); } });
      const p = await m.predict(x, { batchSize: 40 });
      m.dispose();
      return { losses, p: Array.from(p.data.subarray(0, 2000) as Float32Array) };
    };
    return { kind: train.images.data.constructor.name, bytes: await run(train.images), floats: await run(dw.toFloat(train.images)) };
  });
  expect(inPage.kind).toBe('Uint8Array');
  expect(inPage.bytes.losses).toHaveLength(3);
  expect(inPage.bytes).toEqual(inPage.floats);
  const { train } = await loadMnist({ seed: 0, trainLimit: 96, testLimit: 1, bytes: true });
  const m = presets.kerasTutorial({ seed: 0, threads: 1 });
  const losses: number[] = [];
  await m.fit(train.images, train.images, { epochs: 1, batchSize: 32, seed: 1, onBatchEnd: (_b, l) => { losses.push(l.loss); } });
  const p = await m.predict(train.images, { batchSize: 40 });
  m.dispose();
  expect(inPage.bytes.losses).toEqual(losses);
  // The page's predictions come back through its engine worker (written there and on the page's thread while
  // the job runs, Engine.forward's willFill): the bits of Node's.
  expect(inPage.bytes.p).toEqual(Array.from(p.data.subarray(0, 2000)));
  void toFloat;
});

test('loadImages reads a canvas and a PNG Blob into bytes; bad sources name themselves', async () => {
  const r = await page.evaluate(async () => {
    const dw = await import('/dist/index.js' as string);
    const canvas = document.createElement('canvas');
    canvas.width = 30; canvas.height = 20;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = 'rgb(200, 200, 200)'; ctx.fillRect(0, 0, 30, 20);
    ctx.fillStyle = 'rgb(10, 10, 10)'; ctx.fillRect(0, 0, 5, 5);
    const blob: Blob = await new Promise((res) => canvas.toBlob((b) => res(b!), 'image/png'));
    const file = new File([blob], 'scan.png', { type: 'image/png' });
    const pics = await dw.loadImages([canvas, file]);
    const rgb = await dw.loadImages([file], { channels: 3 });
    const patches = dw.samplePatches(pics, { size: 16, count: 4, seed: 1 });
    let empty = '', small = '';
    try { await dw.loadImages([new File([], 'empty.png')]); } catch (e) { empty = (e as Error).message; }
    try { dw.samplePatches(pics, { size: 21, count: 1 }); } catch (e) { small = (e as Error).message; }
    return {
      pics: pics.map((p: { name: string; width: number; height: number; channels: number; data: Uint8Array }) => [p.name, p.width, p.height, p.channels, p.data[0], p.data[29]]),
      rgb: [rgb[0].channels, Array.from(rgb[0].data.subarray(0, 3))], patchShape: patches.shape, empty, small,
    };
  });
  expect(r.pics).toEqual([['image 0', 30, 20, 1, 10, 200], ['scan.png', 30, 20, 1, 10, 200]]);
  expect(r.rgb).toEqual([3, [10, 10, 10]]);
  expect(r.patchShape).toEqual([4, 16, 16, 1]);
  expect(r.empty).toBe('loadImages: empty.png: the file is empty');
  expect(r.small).toBe('samplePatches: image 0 is 30x20, too small for 21x21 patches: remove it, or choose a smaller patch size');
});

test("the README's browser example of training on your own pictures runs: files chosen in an <input>, trained, a whole picture denoised", async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Train on your own pictures');
  const doc = readme.slice(start, readme.indexOf('\n## ', start + 3));
  const html = /### Browser\n\n```html\n([\s\S]*?)```/.exec(doc)![1];
  const [, markup, code] = /^([\s\S]*?)<script type="module">([\s\S]*?)<\/script>/.exec(html)!;
  const tiny = code.replace("from 'denoise-wasm'", "from '/dist/index.js'").replace('batchesPerEpoch: 50', 'batchesPerEpoch: 3').replace('epochs: 5', 'epochs: 1') +
    '\nwindow.exampleReady = true;\n';   // its listener is attached
  expect(tiny).not.toContain("'denoise-wasm'");
  const p = await browser.context.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(new URL('/examples/browser/minimal.html?coi=0', server.url).href);
  // The host page's own script must be done (it sets window.result last) before its markup is replaced,
  // or its last log lines land in the example's #log.
  await p.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, null, { timeout: 60_000 });
  await p.evaluate(({ markup, tiny }) => {
    document.body.innerHTML = markup;
    const s = document.createElement('script');
    s.type = 'module';
    s.textContent = tiny;
    document.body.append(s);
  }, { markup, tiny });
  const png = (w: number, h: number) => Buffer.from(encodePng({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : ((i >> 2) % w) * 4)) }));
  await p.waitForFunction(() => (window as unknown as { exampleReady?: boolean }).exampleReady === true);
  await p.setInputFiles('#files', [{ name: 'a.png', mimeType: 'image/png', buffer: png(50, 40) }, { name: 'b.png', mimeType: 'image/png', buffer: png(33, 60) }]);
  await p.waitForFunction(() => /^done/.test(document.querySelector('#log')!.textContent ?? ''), null, { timeout: 60_000 });
  expect(await p.textContent('#log')).toBe('done: a.png (50x40)');
  expect(await p.$eval('#result', (c: HTMLCanvasElement) => [c.width, c.height])).toEqual([50, 2 * 40 + 2]);
  expect(errors).toEqual([]);
  await p.close();
});
