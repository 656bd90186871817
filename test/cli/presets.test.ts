// The CLI's --preset keras-io, unet and dncnn: train (tiny settings), save, load back with the same
// architecture; a saved U-Net denoises a picture of another size through tiles (fully convolutional).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { loadModel } from '../../src/index.js';
import { encodePng } from '../../src/io/png-node.js';
import { writeFile } from 'node:fs/promises';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'denoise-presets-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

test.each([
  ['keras-io', /training keras\.io's denoiser \(28,353 parameters\)/, ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Conv2DTranspose', 'Conv2DTranspose', 'Conv2D']],
  ['unet', /training the U-Net \(\d[\d,]* parameters\)/, null],
  ['dncnn', /training a DnCNN \(8 layers of 32 filters, residual\) \(\d[\d,]* parameters\)/, null],
] as const)('train --preset %s saves a model that loads back', async (preset, says, classes) => {
  const out = join(dir, preset);
  const r = await run('train', '--preset', preset, '--limit', '32', '--epochs', '1', '--batch-size', '16', '-o', out, '--threads', '1');
  expect(r.err).toMatch(says);
  expect(r.code).toBe(0);
  const m = await loadModel(out, { threads: 1 });
  if (classes) expect(m.layerConfigs.map((l) => l.className)).toEqual(classes);
  else expect(m.layerConfigs.map((l) => l.className)).toContain(preset === 'dncnn' ? 'BatchNormalization' : 'Conv2DTranspose');
  m.dispose();
});

test('a U-Net trained by the CLI denoises a 40x52 picture through tiles', async () => {
  const png = join(dir, 'in.png'), outPng = join(dir, 'out.png');
  const H = 40, W = 52;
  const rgba = new Uint8ClampedArray(H * W * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
  await writeFile(png, encodePng({ width: W, height: H, data: rgba }));
  const r = await run('denoise', png, '-o', outPng, '--model', join(dir, 'unet'), '--threads', '1');
  expect(r.err + r.out).not.toMatch(/error/i);
  expect(r.code).toBe(0);
});

test('an unknown preset names the choices', async () => {
  const r = await run('train', '--preset', 'dunno', '-o', join(dir, 'x'));
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/--preset must be tutorial, pretrained, keras-io, unet, dncnn; got "dunno"/);
});
