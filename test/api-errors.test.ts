// What a new user runs into: weights given as bytes that are a view into a larger buffer (a Node Buffer),
// float pictures outside [0, 1].
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { denoiseImage, loadModel, presets, type Tensor } from '../src/index.js';

describe('loadModel({ json, weights }) with weights that are a view into a larger buffer', () => {
  let dir: string;
  const saved = presets.kerasTutorial({ threads: 1, seed: 3 });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'denoise-view-'));
    await saved.save(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const json = () => readFileSync(join(dir, 'model.json'), 'utf8');

  test('a Buffer from fs.readFileSync (whose slices are views, not copies)', async () => {
    const m = await loadModel({ json: json(), weights: readFileSync(join(dir, 'weights.bin')) });
    expect(m.getWeights()).toEqual(saved.getWeights());
  });

  test('a Uint8Array and a Buffer viewing a larger buffer at an odd byte offset', async () => {
    const bytes = readFileSync(join(dir, 'weights.bin'));
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    for (const view of [padded.subarray(3, 3 + bytes.length), Buffer.from(padded.buffer, 3, bytes.length)]) {
      const m = await loadModel({ json: json(), weights: { 'weights.bin': view } });
      expect(m.getWeights()).toEqual(saved.getWeights());
    }
  });
});

describe('denoiseImage takes float pictures in [0, 1] only', () => {
  const m = presets.pretrained({ threads: 1, compile: false });
  const floats = (v: (i: number) => number): Tensor => ({ data: Float32Array.from({ length: 28 * 28 }, (_, i) => v(i)), shape: [1, 28, 28, 1] });
  test('0-255 values: scale by 1/255', async () => {
    await expect(denoiseImage(m, floats(() => 200))).rejects.toThrow(
      /denoiseImage: the picture has values in \[200, 200\], but denoiseImage takes images with values in \[0, 1\]: scale 0-255 pixels by 1\/255/);
  });
  test('noise that was not clipped: clip to [0, 1]', async () => {
    await expect(denoiseImage(m, floats((i) => (i % 2 ? 1.3 : -0.3)))).rejects.toThrow(/values in \[-0.3\d*, 1.\d+\].*: clip noisy images to \[0, 1\]/);
  });
  test('NaN is named', async () => {
    await expect(denoiseImage(m, floats((i) => (i === 5 ? NaN : 0.5)))).rejects.toThrow(/contains NaN at sample 0, element 5/);
  });
  test('values in [0, 1] still run', async () => {
    expect((await denoiseImage(m, floats((i) => (i % 7) / 6))).shape).toEqual([1, 28, 28, 1]);
  });
});
