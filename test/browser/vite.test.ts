// A page that imports 'denoise-wasm' through a bundler: Vite 7 builds it with no configuration and no
// plugins (the package's "browser" export, its wasm and worker files found by `new URL(..., import.meta.url)`),
// and the built page trains in Chromium, on a pool of Web Workers when cross-origin isolated, with the
// losses of the same run in Node.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { presets, Random, tensor } from '../../src/index.js';
import { ROOT, artifactPath, launchChromium, findChromium, serveDemo, type Browser, type Server } from './chromium.js';

const INDEX_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>denoise-wasm with Vite</title></head>
<body><pre id="out">training…</pre><script type="module" src="./main.js"></script></body></html>
`;

// The page: the package's ordinary import, a few batches of seeded random images, a prediction.
const MAIN_JS = `import { presets, tensor, Random } from 'denoise-wasm';

const r = new Random(1);
const x = tensor(Float32Array.from({ length: 96 * 784 }, () => r.uniform()), [96, 28, 28, 1]);
const model = presets.kerasTutorial({ seed: 0, threads: 2 });
const info = await model.engineInfo();
const losses = [];
await model.fit(x, x, { epochs: 1, batchSize: 32, seed: 0, onBatchEnd: (_b, logs) => { losses.push(logs.loss); } });
const y = await model.predict(x);
window.result = { info, losses, shape: y.shape, sum: y.data.reduce((a, b) => a + b, 0) };
document.getElementById('out').textContent = JSON.stringify(window.result, null, 2);
`;

async function nodeRun(): Promise<{ losses: number[]; sum: number }> {
  const r = new Random(1);
  const x = tensor(Float32Array.from({ length: 96 * 784 }, () => r.uniform()), [96, 28, 28, 1]);
  const model = presets.kerasTutorial({ seed: 0, threads: 1 });
  const losses: number[] = [];
  await model.fit(x, x, { epochs: 1, batchSize: 32, seed: 0, onBatchEnd: (_b, logs) => { losses.push(logs.loss); } });
  const y = await model.predict(x);
  model.dispose();
  return { losses, sum: y.data.reduce((a, b) => a + b, 0) };
}

let app: string;
let browser: Browser;
let server: Server;
let build: { stdout: string; stderr: string };

beforeAll(async () => {
  await findChromium();   // fails, saying how to get a Chromium, when none is found
  app = mkdtempSync(join(tmpdir(), 'denoise-wasm-vite-'));
  writeFileSync(join(app, 'index.html'), INDEX_HTML);
  writeFileSync(join(app, 'main.js'), MAIN_JS);
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'denoise-wasm'), 'dir');   // as `npm install ../denoise-wasm` would
  build = await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
    cwd: app, timeout: 90_000, env: { ...process.env, NO_COLOR: '1' },
  });
  [browser, server] = await Promise.all([launchChromium({ width: 800, height: 600 }), serveDemo(['--dir', join(app, 'dist')])]);
});

afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()]);
  if (app) rmSync(app, { recursive: true, force: true });
});

test('Vite builds a page that imports the package, with no config: wasm builds and workers become assets', () => {
  expect(build.stdout).toMatch(/built in/);
  expect(`${build.stdout}\n${build.stderr}`).not.toMatch(/error|externalized for browser compatibility|Could not resolve/i);
  const assets = readdirSync(join(app, 'dist', 'assets'));
  for (const name of ['denoise.simd-threads', 'denoise.simd', 'denoise.scalar']) {
    expect(assets.some((a) => a.startsWith(`${name}-`) && a.endsWith('.wasm'))).toBe(true);
  }
  expect(assets.some((a) => a.startsWith('engine-worker-') && a.endsWith('.js'))).toBe(true);
  expect(assets.some((a) => a.startsWith('thread-') && a.endsWith('.js'))).toBe(true);
});

test.each([
  ['cross-origin isolated: simd-threads on 2 Web Workers', '', { variant: 'simd-threads', threads: 2 }],
  ['not isolated: simd on one thread', '?coi=0', { variant: 'simd', threads: 1 }],
])('the built page trains in Chromium, %s, with the losses of Node', async (_name, query, want) => {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(server.url + query);
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result, null, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { result: { info: { variant: string; threads: number }; losses: number[]; shape: number[]; sum: number } }).result);
    expect(errors).toEqual([]);
    expect(result.info).toMatchObject(want);
    expect(result.shape).toEqual([96, 28, 28, 1]);
    const node = await nodeRun();
    expect(result.losses).toEqual(node.losses);
    expect(result.sum).toBe(node.sum);
    if (!query) await page.screenshot({ path: artifactPath('vite-page.png') });
  } finally {
    await page.close();
  }
});

describe('the demo (examples/browser/) built by Vite', () => {
  let out: string;
  let demoBuild: { stdout: string; stderr: string };
  let demoServer: Server;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'denoise-wasm-demo-'));
    demoBuild = await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'examples/browser', '--outDir', out, '--emptyOutDir'], {
      cwd: ROOT, timeout: 90_000, env: { ...process.env, NO_COLOR: '1' },
    });
    demoServer = await serveDemo(['--dir', out]);
  });

  afterAll(async () => {
    await demoServer?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('builds without errors and trains in Chromium with threads, as the unbundled demo does', async () => {
    expect(demoBuild.stdout).toMatch(/built in/);
    expect(`${demoBuild.stdout}\n${demoBuild.stderr}`).not.toMatch(/\berror\b|externalized for browser compatibility|Could not resolve/i);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${demoServer.url}?train=128&epochs=1&batch=64&threads=2&autostart=1`);
      await page.waitForFunction(() => ['done', 'error'].includes((window as unknown as { demo?: { status: string } }).demo?.status ?? ''), null, { timeout: 60_000 });
      const state = await page.evaluate(() => {
        const d = (window as unknown as { demo: { status: string; error: string | null; info: unknown; batchLosses: number[] } }).demo;
        return { status: d.status, error: d.error, info: d.info, batchLosses: d.batchLosses };
      });
      expect(errors).toEqual([]);
      expect(state).toMatchObject({ status: 'done', error: null, info: { variant: 'simd-threads', threads: 2 } });
      expect(state.batchLosses).toHaveLength(2);
    } finally {
      await page.close();
    }
  });
});
