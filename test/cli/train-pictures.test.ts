// denoise-wasm train --images DIR --patch N: a folder of PNG/JPEG pictures of any size, trained on by
// patches; the saved model denoises whole pictures; bad folders and flags are one-line errors.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { encodePng } from '../../src/io/png-node.js';
import { loadModel, Random } from '../../src/index.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'denoise-cli-pictures-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

function picture(w: number, h: number, seed: number, colour = false): Uint8Array {
  const r = new Random(seed), data = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    const v = ((p % w) * 5 + (r.uniform() < 0.05 ? 200 : 0)) & 255;
    data.set([v, colour ? 255 - v : v, v, 255], 4 * p);
  }
  return encodePng({ width: w, height: h, data });
}

test('trains the tutorial model on 36x36 patches of pictures of several sizes and saves a 36x36 model', async () => {
  const pics = join(dir, 'pics');
  await mkdir(pics);
  await writeFile(join(pics, 'a.png'), picture(50, 40, 1));
  await writeFile(join(pics, 'b.png'), picture(37, 70, 2));
  const out = join(dir, 'model');
  const r = await run('train', '--images', pics, '--patch', '36', '--patches', '64', '--batch-size', '16', '--epochs', '2', '--augment', '-o', out, '--threads', '1');
  expect(r.err).toMatch(/training the tutorial model \(4,385 parameters\) on 2 pictures \(0\.00 megapixels, grey\), 64 36x36 patches per epoch/);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/saved to .*model \(final loss \d\.\d{5}/);
  const m = await loadModel(out, { threads: 1 });
  expect(m.inputShape).toEqual([36, 36, 1]);
  expect(m.getOptimizerState()!.iterations).toBe(8);
  m.dispose();
});

test.each([
  ['keras-io', "keras.io's denoiser", '1', 'Conv2DTranspose'],
  ['unet', 'the U-Net', '3', 'Concatenate'],
  ['dncnn', 'a DnCNN (8 layers of 32 filters, residual)', '3', 'BatchNormalization'],
] as const)('--preset %s trains that model on pictures (not a substitute), here %s channel(s)', async (preset, label, channels, layer) => {
  const pics = join(dir, `pics-${preset}`);
  await mkdir(pics);
  await writeFile(join(pics, 'a.png'), picture(40, 36, 5, true));
  const out = join(dir, `model-${preset}`);
  const r = await run('train', '--images', pics, '--preset', preset, '--channels', channels, '--patch', '32', '--patches', '16', '--batch-size', '16',
    '--epochs', '1', '-o', out, '--threads', '1');
  expect(r.err).toContain(`training ${label} (`);
  expect(r.code).toBe(0);
  const m = await loadModel(out, { threads: 1 });
  expect(m.inputShape).toEqual([32, 32, Number(channels)]);
  expect(m.layerConfigs.map((l) => l.className)).toContain(layer);
  m.dispose();
});

test('a patch size the preset cannot take names the sizes that fit, before any training', async () => {
  const pics = join(dir, 'pics-patch');
  await mkdir(pics);
  await writeFile(join(pics, 'a.png'), picture(40, 36, 6));
  const r = await run('train', '--images', pics, '--preset', 'unet', '--patch', '30', '-o', join(dir, 'x'), '--threads', '1');
  expect([r.code, r.err.trim()]).toEqual([1, 'denoise-wasm train: the U-Net cannot take 30x30x1 patches: its pooling and upsampling would not give back 30x30 outputs; use --patch 28 or 32']);
});

test('bad pictures and flags: one line naming the file or the flag', async () => {
  const small = join(dir, 'small');
  await mkdir(small);
  await writeFile(join(small, 'tiny.png'), picture(20, 20, 3));
  const a = await run('train', '--images', small, '--patch', '28', '-o', join(dir, 'x'), '--threads', '1');
  expect([a.code, a.err.trim()]).toEqual([1, `denoise-wasm train: ${join(small, 'tiny.png')} is 20x20, too small for 28x28 patches: remove it, or choose a smaller patch size`]);
  const colour = join(dir, 'colour');
  await mkdir(colour);
  await writeFile(join(colour, 'c.png'), picture(40, 40, 4, true));
  const b = await run('train', '--images', colour, '--patch', '28', '-o', join(dir, 'x'), '--threads', '1');
  expect(b.code).toBe(1);
  expect(b.err.trim()).toBe('denoise-wasm train: the tutorial model cannot take 28x28x3 patches: it takes 1 channel (pass --channels 1)');
  const c = await run('train', '--images', small, '--patch', '18', '-o', join(dir, 'x'), '--threads', '1');
  expect(c.code).toBe(1);
  expect(c.err.trim()).toBe('denoise-wasm train: the tutorial model cannot take 18x18x1 patches: its pooling and upsampling would not give back 18x18 outputs; use --patch 12 or 20');
  const broken = join(dir, 'broken');
  await mkdir(broken);
  await writeFile(join(broken, 'bad.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2]));
  const d = await run('train', '--images', broken, '-o', join(dir, 'x'), '--threads', '1');
  expect([d.code, d.err]).toEqual([1, expect.stringContaining(`${join(broken, 'bad.jpg')}: the JPEG is truncated`)]);
  const e = await run('train', '--patch', '32', '-o', join(dir, 'x'));
  expect([e.code, e.err.trim()]).toEqual([2, 'denoise-wasm train: --patch is for pictures: give --images a folder of PNG/JPEG files (or one such file)']);
  const f = await run('train', '--images', small, '--channels', '2', '-o', join(dir, 'x'));
  expect([f.code, f.err.trim()]).toEqual([2, 'denoise-wasm train: --channels must be 1 or 3, got "2"']);
});
