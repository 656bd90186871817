// Not a test: `npm run bench:page` measures, in headless Chromium, how fast the demo page trains against a
// bare model.fit in the same page, and that bare fit against plain Node, interleaved in a rotating order
// so that a machine shared with other work slows each alike; a fourth arm is a bare fit that sends its
// steps one at a time, as fit did before it posted them ahead. It prints digits/s per run, medians and
// ranges of the ratios, and the demo's longest animation-frame gap; it asserts nothing about speed.
// Same digits, noise, seeds, validation set and thread count everywhere.
//
//   BENCH_REPS=5 BENCH_TRAIN=4000 BENCH_BATCHES=32,128 BENCH_THREADS=2 npm run bench:page
//
// A second benchmark (`npm run bench:page -- -t photo` runs it alone): the photo denoiser through
// denoiseImage on a 512x512 grey and a 512x512 colour picture in the page, interleaved with the same
// measurement in plain Node (bench/lib/child.mjs's photo task, as `npm run bench -- --only photo` runs it).
import { execFile, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CDPSession, Page } from 'playwright-core';
import { ROOT, launchChromium, serveDemo } from './chromium.js';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const TRAIN = Number(process.env.BENCH_TRAIN ?? 4000);
const BATCHES = (process.env.BENCH_BATCHES ?? '32,128').split(',').map(Number);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);

type Demo = { status: string; lastRun: { digits: number; seconds: number } | null; maxFrameGap: number; data: { trainNoisy: Promise<{ data: Float32Array; shape: number[] }>; train: { data: Float32Array; shape: number[] }; testNoisy: unknown; testClean: unknown } };

/** A bare fit in a plain Node child process (node-fit.bench.mjs). */
async function nodeFit(batchSize: number): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'test', 'browser', 'node-fit.bench.mjs'), String(TRAIN), String(batchSize), String(THREADS)]);
  return Number(stdout.trim());
}

/** model.fit in the page, no callbacks, on the demo's own data (its noise, its validation set). */
function bareFit(page: Page, batchSize: number, serial = false): Promise<number> {
  return page.evaluate(async ({ batchSize, train, threads, serial }) => {
    const dw = await import(new URL('../../dist/browser/index.js', location.href).href);
    const demo = (window as unknown as { demo: Demo }).demo;
    const rows = (t: { data: Float32Array; shape: number[] }) => ({ data: t.data.subarray(0, train * 784), shape: [train, 28, 28, 1] });
    const x = rows(await demo.data.trainNoisy), y = rows(demo.data.train);
    const model = dw.presets.kerasTutorial({ threads, seed: 0 });
    await model.predict({ data: new Float32Array(784), shape: [1, 28, 28, 1] });
    // serial: fit as before it posted steps ahead (each step sent after the last one's callbacks).
    if (serial) Object.defineProperty((model as unknown as { engine: object }).engine, 'stepsElsewhere', { value: false });
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize, shuffle: true, seed: 0, validationData: [demo.data.testNoisy, demo.data.testClean] });
    const secs = (performance.now() - t0) / 1000;
    model.dispose();
    return train / secs;
  }, { batchSize, train: TRAIN, threads: THREADS, serial });
}

/** The demo's Train button, 1 epoch; its own timing of its fit. */
async function demoFit(page: Page, batchSize: number): Promise<{ rate: number; gap: number }> {
  await page.selectOption('#opt-batch', String(batchSize));
  await page.fill('#opt-epochs', '1');
  await page.evaluate(() => { const d = (window as unknown as { demo: Demo }).demo; d.lastRun = null; d.maxFrameGap = 0; });
  await page.click('#btn-train');
  // Polled slowly: playwright's default polls every animation frame, which would load the demo's thread.
  await page.waitForFunction(() => (window as unknown as { demo: Demo }).demo.lastRun, null, { timeout: 600_000, polling: 250 });
  const { lastRun, maxFrameGap } = await page.evaluate(() => { const d = (window as unknown as { demo: Demo }).demo; return { lastRun: d.lastRun!, maxFrameGap: d.maxFrameGap }; });
  await page.waitForFunction(() => (window as unknown as { demo: Demo }).demo.status === 'done', null, { polling: 250 });
  return { rate: lastRun.digits / lastRun.seconds, gap: maxFrameGap };
}

/** Seconds the page's main thread has spent running tasks so far (Chrome's Performance metrics). */
let cdp: CDPSession;
async function mainThreadSeconds(): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')!.value;
}

/** fn's result and the main thread's busy share of fn's wall time. */
async function withMainThread<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const cpu0 = await mainThreadSeconds(), t0 = performance.now();
  const r = await fn();
  return [r, (await mainThreadSeconds() - cpu0) / ((performance.now() - t0) / 1000)];
}

const median = (a: number[]) => { const s = [...a].sort((p, q) => p - q); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const range = (a: number[]) => `${Math.min(...a).toFixed(2)}-${Math.max(...a).toFixed(2)}`;

test('page benchmark (prints; asserts nothing about speed)', async () => {
  const [browser, server] = await Promise.all([launchChromium(), serveDemo()]);
  try {
    const page = await browser.context.newPage();
    cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${server.url}?train=${TRAIN}&threads=${THREADS}`);
    await page.waitForFunction(() => ['ready', 'error'].includes((window as unknown as { demo: Demo }).demo.status), null, { timeout: 120_000 });
    const lines: string[] = [`page benchmark: ${TRAIN} digits, 1 epoch + 500 validation, ${THREADS} threads, ${REPS} interleaved reps`];
    for (const batchSize of BATCHES) {
      type Run = { node: number; bare: number; serial: number; demo: number; gap: number; bareMain: number; demoMain: number };
      const runs: Run[] = [];
      await nodeFit(batchSize);   // warm-up (jit, data)
      await bareFit(page, batchSize);
      for (let r = 0; r < REPS; r++) {
        const one: Partial<Run> = {};
        const steps = [
          async () => { one.node = await nodeFit(batchSize); },
          async () => { [one.bare, one.bareMain] = await withMainThread(() => bareFit(page, batchSize)); },
          async () => { one.serial = await bareFit(page, batchSize, true); },
          async () => { const [d, main] = await withMainThread(() => demoFit(page, batchSize)); one.demo = d.rate; one.gap = d.gap; one.demoMain = main; },
        ];
        for (let i = 0; i < steps.length; i++) await steps[(i + r) % steps.length]();
        runs.push(one as Run);
        process.stderr.write(`batch ${batchSize} rep ${r + 1} measured\n`);
        lines.push(`  batch ${batchSize} rep ${r + 1}: node ${one.node!.toFixed(0)}, bare fit in page ${one.bare!.toFixed(0)} (serial ${one.serial!.toFixed(0)}), demo ${one.demo!.toFixed(0)} digits/s; demo's longest frame gap ${one.gap!.toFixed(0)} ms; ` +
          `main thread busy ${(100 * one.bareMain!).toFixed(0)}% of the bare fit, ${(100 * one.demoMain!).toFixed(0)}% of the demo's`);
      }
      const demoVsBare = runs.map((x) => x.demo / x.bare), bareVsNode = runs.map((x) => x.bare / x.node), serialVsNode = runs.map((x) => x.serial / x.node);
      lines.push(`  batch ${batchSize}: demo/bare median ${median(demoVsBare).toFixed(2)} (${range(demoVsBare)}), bare/node median ${median(bareVsNode).toFixed(2)} (${range(bareVsNode)}), ` +
        `serial bare/node median ${median(serialVsNode).toFixed(2)} (${range(serialVsNode)}), ` +
        `frame gap median ${median(runs.map((x) => x.gap)).toFixed(0)} ms`);
    }
    console.log(lines.join('\n'));
  } finally {
    await Promise.all([browser.close(), server.close()]);
  }
}, 3_600_000);

/** Seconds per picture in a plain Node process: bench/lib/child.mjs's photo task, `runs` of each picture. */
function nodePhoto(runs: number): Promise<{ grey: number[]; colour: number[] }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(ROOT, 'bench', 'lib', 'child.mjs'), [JSON.stringify({ kind: 'photo', threads: THREADS, size: 512, runs })], { silent: true, cwd: ROOT });
    let result: { ok: boolean; result: { grey: number[]; colour: number[] }; error?: string } | undefined;
    child.on('message', (m) => { result = m as typeof result; });
    child.on('exit', () => (result?.ok ? resolve(result.result) : reject(new Error(`node photo run failed: ${result?.error}`))));
  });
}

test('photo benchmark: denoiseImage on 512x512 pictures in the page and in Node (prints; asserts nothing about speed)', async () => {
  const [browser, server] = await Promise.all([launchChromium(), serveDemo()]);
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}?threads=${THREADS}`);
    await page.waitForFunction(() => ['ready', 'error'].includes((window as unknown as { demo: Demo }).demo.status), null, { timeout: 120_000 });
    // The page's model and pictures, made once; each rep denoises the grey picture, then the colour one.
    // bench/lib/photo-picture.mjs (not served by the demo's server) goes in as its text, imported from a blob: URL.
    const pictureModule = readFileSync(join(ROOT, 'bench', 'lib', 'photo-picture.mjs'), 'utf8');
    await page.evaluate(async ({ threads, pictureModule }) => {
      const dw = await import(new URL('../../dist/browser/index.js', location.href).href);
      const { photoPicture } = await import(URL.createObjectURL(new Blob([pictureModule], { type: 'text/javascript' })));
      const model = dw.presets.photoDenoiser({ threads, compile: false });
      const colourModel = dw.presets.photoDenoiser({ threads, compile: false, channels: 3 });
      const w = window as unknown as Record<string, unknown>;
      const grey = photoPicture(512, 512, false, 1), colour = photoPicture(512, 512, true, 2);
      Object.assign(w, { photoBench: { dw, models: { grey: model, colour: colourModel }, grey, colour, info: await model.engineInfo() } });
      await dw.denoiseImage(model, grey);   // warm-up
      await dw.denoiseImage(colourModel, colour);
    }, { threads: THREADS, pictureModule });
    const info = await page.evaluate(() => (window as unknown as { photoBench: { info: unknown } }).photoBench.info);
    const inPage = (): Promise<{ grey: number; colour: number }> => page.evaluate(async () => {
      const b = (window as unknown as { photoBench: { dw: { denoiseImage: (m: unknown, p: unknown) => Promise<unknown> }; models: Record<'grey' | 'colour', unknown>; grey: unknown; colour: unknown } }).photoBench;
      const out: Record<string, number> = {};
      for (const key of ['grey', 'colour'] as const) {
        const t0 = performance.now();
        await b.dw.denoiseImage(b.models[key], b[key]);
        out[key] = (performance.now() - t0) / 1000;
      }
      return out as { grey: number; colour: number };
    });
    const page_: Array<{ grey: number; colour: number }> = [], node: Array<{ grey: number; colour: number }> = [];
    for (let r = 0; r < REPS; r++) {
      const steps = [async () => { page_.push(await inPage()); }, async () => { const n = await nodePhoto(1); node.push({ grey: n.grey[0], colour: n.colour[0] }); }];
      for (let i = 0; i < steps.length; i++) await steps[(i + r) % steps.length]();
      process.stderr.write(`photo rep ${r + 1} measured\n`);
    }
    const s = (a: number[]) => `${median(a).toFixed(2)} s (${Math.min(...a).toFixed(2)}-${Math.max(...a).toFixed(2)})`;
    console.log([
      `photo benchmark: presets.photoDenoiser() (grey model for grey, colour model for colour) through denoiseImage, 512x512 RGBA pictures, ${THREADS} threads, ${REPS} interleaved reps; page engine ${JSON.stringify(info)}`,
      `  grey:   page ${s(page_.map((x) => x.grey))}, Node ${s(node.map((x) => x.grey))}, page/Node ${median(page_.map((x, i) => x.grey / node[i].grey)).toFixed(2)}`,
      `  colour: page ${s(page_.map((x) => x.colour))}, Node ${s(node.map((x) => x.colour))}, page/Node ${median(page_.map((x, i) => x.colour / node[i].colour)).toFixed(2)}`,
    ].join('\n'));
  } finally {
    await Promise.all([browser.close(), server.close()]);
  }
}, 3_600_000);
