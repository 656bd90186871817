// What a new user runs into, each a clear error (or, for weights given as a Node Buffer, a load that
// works): bytes that are a view into a larger buffer, float pictures outside [0, 1], save() without a
// target, sizes past what an array or wasm's memory can hold, a missing model or weights, and an input
// shape whose channels the weights do not fit.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential, denoiseImage, gridImage, layers, loadModel, presets, samplePatches, type Picture, type Tensor } from '../src/index.js';

const picture: Picture = { name: 'p', width: 64, height: 64, channels: 1, data: new Uint8Array(64 * 64) };

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

describe('missing arguments', () => {
  test('save() without a target is refused and creates nothing', async () => {
    const m = presets.kerasTutorial({ threads: 1 });
    await expect((m.save as (t?: string) => Promise<void>)()).rejects.toThrow(
      /save: say where to save: a directory \(Node\), 'indexeddb:\/\/name' or 'downloads:\/\/name' \(browsers\), e.g. model.save\('out\/my-model'\); got undefined/);
    await expect(m.save('')).rejects.toThrow(/got ""/);
    expect(existsSync('undefined')).toBe(false);
  });
  test('loadModel({ json }) without weights says what weights to give', async () => {
    await expect(loadModel({ json: '{}' } as never)).rejects.toThrow(
      /loadModel: \{ json, weights \} needs the weights file's bytes too: weights: a Uint8Array .*; got undefined/);
    await expect(loadModel({ json: '{}', weights: { 'weights.bin': [1, 2] } } as never)).rejects.toThrow(/needs the weights file's bytes too/);
    await expect(loadModel({ json: '{}', weight: new Uint8Array(4) } as never)).rejects.toThrow(/loadModel: unknown option "weight" \(did you mean "weights"\?\)/);
  });
  test('denoiseImage(null, picture) asks for a model', async () => {
    await expect(denoiseImage(null as never, picture)).rejects.toThrow(
      /denoiseImage: the first argument must be a model, e.g. presets.photoDenoiser\(\) or await loadModel\(...\), got null/);
  });
  test('withInputShape with other channels says so, not setWeights', () => {
    expect(() => presets.kerasTutorial().withInputShape([28, 28, 3])).toThrow(
      /withInputShape: \[28,28,3\] has 3 channels, but the model's input \[28,28,1\] has 1, and its weights are made for 1 \(conv2d\/kernel \[3,3,1,16\], \[3,3,3,16\] for \[28,28,3\]\); keep 1 channel: only the height and width can change/);
  });
  test('withInputShape on a dense model names the weight that would change', () => {
    const d = new Sequential({ inputShape: [4] }, [layers.dense({ units: 2 })]);
    expect(() => d.withInputShape([6])).toThrow(/withInputShape: \[6\] needs other weights than the model's input \[4\] \(dense\/kernel \[6,2\] instead of \[4,2\]\)/);
    const f = new Sequential({ inputShape: [4, 4, 1] }, [layers.flatten(), layers.dense({ units: 2 })]);
    expect(() => f.withInputShape([8, 8, 1])).toThrow(/withInputShape: \[8,8,1\] needs other weights than the model's input \[4,4,1\] \(dense\/kernel \[64,2\] instead of \[16,2\]\)/);
  });
});

describe('sizes past what an array or wasm can hold are refused up front, with the limit and the fix', () => {
  test('denoiseImage margin 1e6', async () => {
    const m = presets.photoDenoiser({ threads: 1, compile: false });
    await expect(denoiseImage(m, picture, { margin: 1e6 })).rejects.toThrow(
      /denoiseImage: a tile of 2000064x2000064 pixels .* needs at least [\d,]+ MiB of wasm memory, more than the 4 GiB wasm can address; use a smaller margin \(default 24\) or tileSize \(default 256\)/);
  });
  test('samplePatches count 1e9', () => {
    expect(() => samplePatches([picture], { size: 64, count: 1e9 })).toThrow(
      /samplePatches: 1000000000 patches of 64x64x1 would be 4,096,000,000,000 values, more than one array can hold \(2,147,483,647\); ask for at most 524287 patches/);
  });
  test('gridImage scale 1e5', () => {
    const row: Tensor = { data: new Float32Array(28 * 28), shape: [1, 28, 28, 1] };
    expect(() => gridImage([row], { scale: 1e5 })).toThrow(/gridImage: a 2800000x2800000 RGBA picture would be .* values, more than one array can hold .*; use a smaller scale/);
  });
  test('a sample whose input and output alone exceed 4 GiB: predict says so before any allocation', async () => {
    const m = new Sequential({ inputShape: [20000, 20000, 1], threads: 2 }, [layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same' })]);
    await expect(m.predict({ data: new Float32Array(0), shape: [1, 20000, 20000, 1] })).rejects.toThrow(
      /predict: one sample \(input \[20000,20000,1\], output \[20000,20000,16\]\) needs at least [\d,]+ MiB of wasm memory, more than the 4 GiB wasm can address; use a smaller input shape; denoiseImage runs a fully convolutional model over big pictures in tiles/);
  });
  test('a batch of one that does not fit suggests a smaller input, not a batch smaller than 1', async () => {
    const m = new Sequential({ inputShape: [2048, 2048, 1], threads: 1 }, [layers.conv2d({ filters: 240, kernelSize: 1 })]);
    const x: Tensor = { data: new Float32Array(2048 * 2048), shape: [1, 2048, 2048, 1] };
    const error = await m.predict(x).then(() => null, (e: Error) => e.message);
    expect(error).toMatch(/one sample needs \d+ MiB of wasm memory, more than this runtime allows \(about 4 GiB\); give the model smaller inputs: .*denoiseImage/);
    expect(error).not.toMatch(/batchSize/);
    m.dispose();
  });
});
