import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { gridImage } from '../../src/io/index.js';
import { decodePng, encodePng, saveImageGrid } from '../../src/io/node.js';
import type { Tensor } from '../../src/tensor.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'png-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const batch = (n: number, f: (k: number) => number): Tensor => ({
  data: Float32Array.from({ length: n * 28 * 28 }, (_, k) => f(k)),
  shape: [n, 28, 28, 1],
});

test('saveImageGrid writes a PNG (creating directories) that pngjs decodes to the grid pixels', async () => {
  const clean = batch(4, (k) => (k % 28) / 27);
  const noisy = batch(4, (k) => ((k * 7919) % 101) / 100);
  const path = join(dir, 'out', 'sub', 'grid.png');
  expect(await saveImageGrid(path, [noisy, clean], { gap: 2, scale: 2 })).toBe(path);
  const png = pngjs.PNG.sync.read(await readFile(path));
  expect([png.width, png.height]).toEqual([4 * 56 + 3 * 2, 2 * 56 + 2]);
  const want = gridImage([noisy, clean], { gap: 2, scale: 2 });
  expect(Buffer.compare(png.data, Buffer.from(want.data.buffer))).toBe(0);
  // spot-check against the source directly: clean image 0, row 0, column 27 → 1.0; noisy image 1 pixel 0
  const at = (x: number, y: number) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4));
  expect(at(27 * 2, 58 + 1)).toEqual([255, 255, 255, 255]);
  expect(at(58, 0)[0]).toBe(Math.round((((784 * 7919) % 101) / 100) * 255));
});

test('saveImageGrid writes the format the extension names: a JPEG for .jpg/.jpeg; any other name is refused, nothing written', async () => {
  const rows = [batch(2, (k) => (k % 28) / 27)];
  for (const name of ['grid.jpg', 'grid.JPEG']) {
    const path = join(dir, name);
    await saveImageGrid(path, rows);
    const bytes = await readFile(path);
    expect(Array.from(bytes.subarray(0, 3))).toEqual([0xff, 0xd8, 0xff]);
    const back = jpeg.decode(bytes, { useTArray: true });
    expect([back.width, back.height]).toEqual([2 * 28 + 2, 28]);
  }
  for (const name of ['grid.bmp', 'grid']) {
    const path = join(dir, 'refused', name);
    await expect(saveImageGrid(path, rows)).rejects.toThrow(`saveImageGrid: cannot tell the format of ${path}: the name must end in .png, .jpg or .jpeg`);
    expect(existsSync(join(dir, 'refused'))).toBe(false);
  }
});

test('encodePng / decodePng round-trip RGBA exactly; bad input is a clear error', () => {
  const image = { width: 3, height: 2, data: Uint8ClampedArray.from({ length: 24 }, (_, i) => (i * 37) % 256) };
  const bytes = encodePng(image);
  expect(Array.from(bytes.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
  const back = decodePng(bytes);
  expect([back.width, back.height]).toEqual([3, 2]);
  expect(Array.from(back.data)).toEqual(Array.from(image.data));
  expect(() => encodePng({ width: 3, height: 2, data: new Uint8ClampedArray(20) })).toThrow(
    'encodePng: a 3x2 RGBA image needs 24 bytes but data has 20',
  );
  expect(() => decodePng(new Uint8Array([1, 2, 3, 4]))).toThrow('decodePng: not a readable PNG');
});
