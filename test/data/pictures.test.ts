// Your own pictures: loadImages from files (any size, grey or colour), clear errors naming the file,
// and patch sampling that is deterministic for a seed and uniform over every crop position.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { loadImages, samplePatches, patchBatches, encodePng, addGaussianNoise, byteTensor, toFloat, Sequential, layers, Random, type Picture, type Batch } from '../../src/node.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'denoise-pictures-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** An RGBA picture whose value at (y, x) is f(y, x) in every channel (grey) or in R only (colour). */
function rgba(w: number, h: number, f: (y: number, x: number) => number, colour = false): { width: number; height: number; data: Uint8ClampedArray } {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const v = f(y, x), p = 4 * (y * w + x);
    data.set([v, colour ? 255 - v : v, colour ? 7 : v, 255], p);
  }
  return { width: w, height: h, data };
}

async function folder(name: string, files: Record<string, Uint8Array>): Promise<string> {
  const d = join(dir, name);
  await mkdir(d, { recursive: true });
  for (const [f, bytes] of Object.entries(files)) await writeFile(join(d, f), bytes);
  return d;
}

const png = (w: number, h: number, f: (y: number, x: number) => number, colour = false) => encodePng(rgba(w, h, f, colour));
const jpg = (w: number, h: number) => new Uint8Array(jpeg.encode(rgba(w, h, (y, x) => (x * 16 + y * 8) & 255, true), 90).data);

test('a directory of PNG and JPEG files of any sizes, sorted by name; grey stays exact; channels converts', async () => {
  const d = await folder('mixed-sizes', { 'b.png': png(40, 30, (y, x) => (x + 3 * y) & 255), 'a.png': png(17, 50, (y, x) => (x * y) & 255), 'notes.txt': new Uint8Array([1]) });
  const pics = await loadImages(d);
  expect(pics.map((p) => [p.name.endsWith('a.png'), p.width, p.height, p.channels])).toEqual([[true, 17, 50, 1], [false, 40, 30, 1]]);
  expect(pics[1].data[3 * 40 + 5]).toBe((5 + 9) & 255);
  expect(pics[1].data).toBeInstanceOf(Uint8Array);
  const rgb = await loadImages([join(d, 'b.png')], { channels: 3 });
  expect(rgb[0].channels).toBe(3);
  expect(Array.from(rgb[0].data.subarray(0, 6))).toEqual([0, 0, 0, 1, 1, 1]);
  const c = await folder('colour', { 'c.jpg': jpg(32, 24) });
  const [col] = await loadImages(c);
  expect([col.width, col.height, col.channels, col.data.length]).toEqual([32, 24, 3, 32 * 24 * 3]);
  const [grey] = await loadImages(c, { channels: 1 });
  expect(grey.channels).toBe(1);
  const p = 5 * 32 + 9;   // luma of one pixel: (77 R + 150 G + 29 B + 128) >> 8
  expect(grey.data[p]).toBe((77 * col.data[3 * p] + 150 * col.data[3 * p + 1] + 29 * col.data[3 * p + 2] + 128) >> 8);
});

test('bad pictures: errors that name the file and say what to do', async () => {
  const bad = await folder('bad', {
    'empty.png': new Uint8Array(0),
    'text.png': new TextEncoder().encode('hello, not a picture'),
    'cut.png': png(20, 20, () => 9).subarray(0, 60),
  });
  await expect(loadImages([join(bad, 'empty.png')])).rejects.toThrow(`loadImages: ${join(bad, 'empty.png')}: the file is empty`);
  await expect(loadImages([join(bad, 'text.png')])).rejects.toThrow(`loadImages: ${join(bad, 'text.png')}: not a PNG or JPEG image`);
  await expect(loadImages([join(bad, 'cut.png')])).rejects.toThrow(`loadImages: ${join(bad, 'cut.png')}: the PNG is truncated`);
  await expect(loadImages([join(bad, 'none.png')])).rejects.toThrow(`loadImages: ${join(bad, 'none.png')}: no such file`);
  await expect(loadImages(join(bad, 'nowhere'))).rejects.toThrow('no such file or directory');
  await expect(loadImages(await folder('empty-dir', {}))).rejects.toThrow('the directory holds no .png, .jpg or .jpeg files');
  const mixed = await folder('mixed', { 'grey.png': png(30, 30, () => 100), 'photo.png': png(30, 30, () => 100, true) });
  await expect(loadImages(mixed)).rejects.toThrow(`loadImages: mixed channel counts: ${join(mixed, 'photo.png')} is in colour (3 channels) but ${join(mixed, 'grey.png')} is grey (1); pass channels: 1 or channels: 3`);
  await expect(loadImages(mixed, { channels: 2 as 1 })).rejects.toThrow('loadImages: channels must be 1 (grey) or 3 (RGB), got 2');
  const big = await folder('big', { 'huge.png': png(64, 64, () => 1) });
  await expect(loadImages(big, { maxPixels: 1000 })).rejects.toThrow('huge.png: the image declares 64x64 = 4,096 pixels, more than the limit of 1,000');
  const pics = await loadImages(mixed, { channels: 1 });
  expect(() => samplePatches(pics, { size: 31, count: 1 })).toThrow(`samplePatches: ${join(mixed, 'grey.png')} is 30x30, too small for 31x31 patches`);
  expect(() => samplePatches([pics[0], { ...pics[1], channels: 3, data: new Uint8Array(2700) }], { size: 8, count: 1 })).toThrow('mixed channel counts');
});

/** Pictures whose pixel values encode (picture, y, x), so a patch's corner tells where it was cut. */
function numbered(sizes: Array<[number, number]>): { pics: Picture[]; id: (p: number, y: number, x: number) => number } {
  let next = 0;
  const ids: number[][] = [];
  const pics = sizes.map(([w, h], i) => {
    ids.push([]);
    const data = new Uint8Array(w * h);
    for (let k = 0; k < w * h; k++) { data[k] = next % 256; ids[i].push(next++); }
    return { name: `p${i}`, width: w, height: h, channels: 1 as const, data };
  });
  if (next > 256) throw new Error('too many pixels to number');
  return { pics, id: (p, y, x) => ids[p][y * sizes[p][0] + x] };
}

test('patches are the same for a seed, different for another, and every crop position is equally likely (chi-square)', () => {
  // 9x7 and 5x5 with 3x3 patches: 7*5 + 3*3 = 44 crop positions; the bigger picture should get 35/44 of the patches.
  const { pics, id } = numbered([[9, 7], [5, 5]]);
  const a = samplePatches(pics, { size: 3, count: 44 * 400, seed: 11 });
  expect(a.shape).toEqual([44 * 400, 3, 3, 1]);
  expect(samplePatches(pics, { size: 3, count: 44 * 400, seed: 11 }).data).toEqual(a.data);
  expect(samplePatches(pics, { size: 3, count: 50, seed: 12 }).data).not.toEqual(a.data.subarray(0, 450));
  const corner = new Map<number, number>();
  for (const [p, w, h] of [[0, 9, 7], [1, 5, 5]]) for (let y = 0; y + 3 <= h; y++) for (let x = 0; x + 3 <= w; x++) corner.set(id(p, y, x), 0);
  for (let n = 0; n < a.shape[0]; n++) {
    const c = a.data[n * 9];
    expect(corner.has(c)).toBe(true);
    corner.set(c, corner.get(c)! + 1);
    expect(a.data[n * 9 + 4]).toBe(c + (c < 63 ? 10 : 6));   // the middle pixel: one row down and one across of the same crop
  }
  const expected = 400, chi2 = [...corner.values()].reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
  expect(corner.size).toBe(44);
  expect(chi2).toBeLessThan(72.4);   // chi-square, 43 degrees of freedom: p = 0.001 at 72.4 (picking a picture uniformly, then a position, would give ~9,500)
});

test('flips and rotations give the 8 symmetries of each crop, equally often', () => {
  const { pics } = numbered([[4, 4]]);
  const a = samplePatches(pics, { size: 4, count: 8000, seed: 3, flips: true, rotations: true });
  // The 8 images of the 4x4 square under the dihedral group, by their first row.
  const base = Array.from({ length: 16 }, (_, k) => k);
  const rot = (m: number[]) => m.map((_, k) => m[(k % 4) * 4 + 3 - Math.floor(k / 4)]);
  const flip = (m: number[]) => m.map((_, k) => m[Math.floor(k / 4) * 4 + 3 - (k % 4)]);
  const all = new Map<string, number>();
  let m = base;
  for (let r = 0; r < 4; r++, m = rot(m)) { all.set(m.join(), 0); all.set(flip(m).join(), 0); }
  expect(all.size).toBe(8);
  for (let n = 0; n < 8000; n++) {
    const key = Array.from(a.data.subarray(n * 16, n * 16 + 16)).join();
    expect(all.has(key)).toBe(true);
    all.set(key, all.get(key)! + 1);
  }
  const chi2 = [...all.values()].reduce((s, o) => s + (o - 1000) ** 2 / 1000, 0);
  expect(chi2).toBeLessThan(24.3);   // 7 degrees of freedom, p = 0.001
  expect(samplePatches(pics, { size: 4, count: 10, seed: 3 }).data).toEqual(new Uint8Array(160).map((_, k) => k % 16));
});

test('patchBatches: fresh patches every pass, the same run for the same seed; noise makes float inputs over clean targets', () => {
  const { pics } = numbered([[12, 10]]);
  const src = patchBatches(pics, { size: 4, batchSize: 5, batchesPerEpoch: 3, seed: 2 });
  const pass1 = [...src], pass2 = [...src];
  expect(pass1).toHaveLength(3);
  expect(pass1[0].xs).toBe(pass1[0].ys);
  expect(pass1[0].ys.shape).toEqual([5, 4, 4, 1]);
  expect(pass2[0].ys.data).not.toEqual(pass1[0].ys.data);
  const again = patchBatches(pics, { size: 4, batchSize: 5, batchesPerEpoch: 3, seed: 2 });
  expect([...again].map((b: Batch) => b.ys.data)).toEqual(pass1.map((b) => b.ys.data));
  const noisy = [...patchBatches(pics, { size: 4, batchSize: 5, batchesPerEpoch: 1, seed: 2, noise: 0.2 })][0];
  expect(noisy.xs.data).toBeInstanceOf(Float32Array);
  expect(noisy.ys.data).toEqual(pass1[0].ys.data);
  const diff = Array.from(noisy.xs.data).map((v, i) => v - noisy.ys.data[i] / 255);
  expect(Math.max(...diff.map(Math.abs))).toBeGreaterThan(0.05);
  expect(() => patchBatches(pics, { size: 4, batchesPerEpoch: 0 })).toThrow('patchBatches: batchesPerEpoch must be a positive integer');
  void Random;
});

test('patchBatches: a noise range [min, max] gives each patch its own standard deviation, uniform over the range', () => {
  // Mid-grey pictures, so clipping at 0 and 1 does not bias the measured spreads.
  const pics: Picture[] = [{ name: 'grey', width: 40, height: 40, channels: 1, data: new Uint8Array(1600).fill(128) }];
  const [batch] = [...patchBatches(pics, { size: 16, batchSize: 400, batchesPerEpoch: 1, seed: 5, noise: [0.02, 0.1] })];
  const sds: number[] = [];
  for (let n = 0; n < 400; n++) {
    const d = Array.from(batch.xs.data.subarray(n * 256, (n + 1) * 256)).map((v) => v - 128 / 255);
    sds.push(Math.sqrt(d.reduce((s, v) => s + v * v, 0) / 256));
  }
  expect(Math.min(...sds)).toBeGreaterThan(0.015);
  expect(Math.max(...sds)).toBeLessThan(0.115);
  // Uniform over [0.02, 0.1]: about a quarter of the patches in each quarter of the range.
  const quarters = [0, 0, 0, 0];
  for (const sd of sds) quarters[Math.min(3, Math.max(0, Math.floor((sd - 0.02) / 0.02)))]++;
  for (const q of quarters) expect(q).toBeGreaterThan(60);
  expect(() => patchBatches(pics, { size: 4, batchesPerEpoch: 1, noise: [0.2, 0.1] })).toThrow('noise must be a finite number >= 0 or a range [min, max]');
  expect(() => patchBatches(pics, { size: 4, batchesPerEpoch: 1, noise: NaN })).toThrow('got NaN');
});

test('training by patches: a fully convolutional model built at the patch size, deterministic, then run on whole pictures', async () => {
  const r = new Random(4);
  const pics: Picture[] = [[40, 30], [23, 35]].map(([w, h], i) => ({
    name: `p${i}`, width: w, height: h, channels: 1, data: Uint8Array.from({ length: w * h }, (_, k) => ((k % w) * 6 + (r.uniform() < 0.1 ? 60 : 0)) & 255),
  }));
  const val = samplePatches(pics, { size: 16, count: 24, seed: 99 });
  const run = async () => {
    const m = new Sequential({ inputShape: [16, 16, 1], seed: 1, threads: 1 }, [
      layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const h = await m.fit(patchBatches(pics, { size: 16, batchSize: 8, batchesPerEpoch: 6, seed: 1, noise: 0.1, flips: true, rotations: true }),
      { epochs: 4, validationData: [addGaussianNoise(toFloat(val), { factor: 0.1, seed: 5 }), val] });
    return { m, h };
  };
  const a = await run(), b = await run();
  expect(b.h.history).toEqual(a.h.history);
  expect(a.h.history.val_loss![3]).toBeLessThan(a.h.history.val_loss![0]);
  const whole = a.m.withInputShape([30, 40, 1]);
  const out = await whole.predict(byteTensor(pics[0].data, [1, 30, 40, 1]));
  expect(out.shape).toEqual([1, 30, 40, 1]);
  [a.m, b.m, whole].forEach((m) => m.dispose());
});
