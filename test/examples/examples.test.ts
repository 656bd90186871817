// Each script in examples/ runs against the built package (imports 'denoise-wasm' resolve to the package
// itself) with tiny settings, exits 0 and writes its picture.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '../../src/io/node.js';
import { featureMapGrid, tensor } from '../../src/index.js';
import { ensureBuilt, ROOT } from '../cli/build-dist.mjs';

let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'denoise-examples-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runExample(name: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'examples', name)], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

test.each([
  // [script, rows in the picture, what stdout shows]
  ['conv-denoiser.mjs', 3, /Total params: 4,385/],
  ['dense-autoencoder.mjs', 2, /Total params: 50,992/],
  ['functional-denoiser.mjs', 3, /Connected to[\s\S]*Total params: 4,385/],
])('examples/%s runs and writes its picture', async (name, rows, summary) => {
  const out = join(dir, name.replace('.mjs', '.png'));
  const r = await runExample(name, { EPOCHS: '1', TRAIN_SIZE: '256', OUT: out });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(summary);
  expect(r.stdout).toMatch(/epoch 1\/1 {2}loss \d\.\d{4} {2}val_loss \d\.\d{4}/);
  expect(r.stdout).toContain(`wrote ${out}`);
  const png = decodePng(readFileSync(out));
  // 10 digits per row at scale 2 (56x56 cells), 2-pixel gaps.
  expect([png.width, png.height]).toEqual([10 * 56 + 9 * 2, rows * 56 + (rows - 1) * 2]);
});

// The functional example builds presets.kerasTutorial() exactly: same layer names, so the same seed gives
// the same initial weights, and the same fit gives the same bits. Run against the built package, in a
// child process, as a user would import the example's builder.
test('examples/functional-denoiser.mjs trains to the same bits as presets.kerasTutorial()', async () => {
  const script = `
    import { buildAutoencoder } from './examples/functional-denoiser.mjs';
    import { presets, tensor } from 'denoise-wasm';
    let s = 7;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
    const x = tensor(Float32Array.from({ length: 24 * 784 }, rand), [24, 28, 28, 1]);
    const y = tensor(Float32Array.from(x.data, (v) => Math.min(1, v + 0.1)), x.shape);
    const run = async (m) => {
      const initial = m.getWeights();
      m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      const losses = [];
      await m.fit(x, y, { epochs: 2, batchSize: 8, seed: 3, onBatchEnd: (_b, logs) => { losses.push(logs.loss); } });
      const bits = (w) => Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length));
      const out = { className: m.constructor.name, initial: initial.map((w) => [w.name, bits(w)]), losses, weights: m.getWeights().map((w) => [w.name, bits(w)]) };
      m.dispose();
      return out;
    };
    const functional = await run(buildAutoencoder({ seed: 5, threads: 1 }));
    const preset = await run(presets.kerasTutorial({ seed: 5, threads: 1, compile: false }));
    console.log(JSON.stringify({ functional, preset }));
  `;
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? -1 : 0, stdout, stderr }));
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const { functional, preset } = JSON.parse(r.stdout);
  expect([functional.className, preset.className]).toEqual(['LayersModel', 'Sequential']);
  expect(functional.initial.map(([name]: [string]) => name)).toEqual(preset.initial.map(([name]: [string]) => name));
  expect(functional.initial).toEqual(preset.initial);
  expect(functional.losses).toHaveLength(6);
  expect(functional.losses).toEqual(preset.losses);
  expect(functional.weights).toEqual(preset.weights);
  expect(functional.weights).not.toEqual(functional.initial); // training moved the weights
});

// Issue 17: the feature maps of one held-out digit, layer by layer, and what a 10-neuron bottleneck costs.
test('examples/feature-maps.mjs writes the digit and every layer\'s feature maps, encoder then decoder', async () => {
  const out = join(dir, 'feature-maps.png');
  const r = await runExample('feature-maps.mjs', { EPOCHS: '1', TRAIN_SIZE: '256', OUT: out });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const parts = r.stdout.split('\n').filter((l) => /^(held-out digit|encoder|decoder)/.test(l));
  expect(parts).toEqual([
    'held-out digit (noisy input): input_1 28x28x1 (InputLayer)',
    ...['conv2d 28x28x16 (Conv2D)', 'max_pooling2d 14x14x16 (MaxPooling2D)', 'conv2d_1 14x14x8 (Conv2D)', 'max_pooling2d_1 7x7x8 (MaxPooling2D)',
      'conv2d_2 7x7x8 (Conv2D)', 'max_pooling2d_2 4x4x8 (MaxPooling2D)'].map((l) => `encoder: ${l}`),
    ...['conv2d_3 4x4x8 (Conv2D)', 'up_sampling2d 8x8x8 (UpSampling2D)', 'conv2d_4 8x8x8 (Conv2D)', 'up_sampling2d_1 16x16x8 (UpSampling2D)',
      'conv2d_5 14x14x16 (Conv2D)', 'up_sampling2d_2 28x28x16 (UpSampling2D)', 'conv2d_6 28x28x1 (Conv2D)'].map((l) => `decoder: ${l}`),
  ]);
  // The picture is those 14 grids stacked 8 pixels apart: rebuild the layout from zeros of the same shapes.
  const shapes = parts.map((l) => l.split(' ').find((w) => /^\d+x\d+x\d+$/.test(w))!.split('x').map(Number));
  const grids = parts.map((l, i) => featureMapGrid(tensor(new Float32Array(shapes[i].reduce((a, b) => a * b)), [1, ...shapes[i]]), { title: l.replace(/ \(\w+\)$/, '') }));
  const png = decodePng(readFileSync(out));
  expect([png.width, png.height]).toEqual([Math.max(...grids.map((g) => g.width)), grids.reduce((h, g) => h + g.height, 0) + 8 * 13]);
  expect(r.stdout).toContain(`wrote ${out} (${png.width}x${png.height})`);
});

test('examples/bottleneck.mjs trains both models and reports PSNR and SSIM side by side', async () => {
  const out = join(dir, 'bottleneck.png');
  const r = await runExample('bottleneck.mjs', { EPOCHS: '1', TRAIN_SIZE: '256', OUT: out });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^2000 held-out digits, noise 0\.4 \(noisy: PSNR \d+\.\d\d dB, SSIM 0\.\d{3}\); 1 epochs of 256 digits each$/m);
  expect(r.stdout).toMatch(/^tutorial {4}4385 params +\d+ s {2}val_loss \d\.\d{4} {2}PSNR \d+\.\d\d dB {2}SSIM -?\d\.\d{3}$/m);
  expect(r.stdout).toMatch(/^bottleneck {2}7083 params +\d+ s {2}val_loss \d\.\d{4} {2}PSNR \d+\.\d\d dB {2}SSIM -?\d\.\d{3}$/m);
  const png = decodePng(readFileSync(out));
  // 4 rows of 10 digits at scale 2, then the 10x10 codes drawn 10 times larger under a two-line caption.
  expect([png.width, png.height]).toEqual([10 * 56 + 9 * 2, 4 * 56 + 3 * 2 + 6 + 2 * 7 + 2 + 100]);
}, 120_000);
