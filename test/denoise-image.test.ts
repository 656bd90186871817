// denoiseImage: tiles give what one run over the whole picture gives (no seams), every kind of picture
// comes back as its own kind, colour goes per channel or natively, and mistakes name the fix.
import { denoiseImage, DEFAULT_DENOISE_MARGIN, layers, presets, Random, Sequential, type LayersModel, type Picture, type Tensor } from '../src/index.js';
import { planTiles } from '../src/denoise-image.js';

/** An H x W grey picture with edges, texture and noise (values in [0, 1]). */
function noisyPicture(H: number, W: number, seed: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: H * W }, (_, i) => {
    const y = Math.floor(i / W), x = i % W;
    const clean = (x > W / 3 ? 0.7 : 0.25) + 0.15 * Math.sin(x / 3 + y / 5) * (y > H / 2 ? 1 : 0);
    return Math.min(1, Math.max(0, clean + (25 / 255) * r.normal()));
  });
}

function mirror(i: number, n: number): number {
  const period = 2 * n - 2;
  const k = ((i % period) + period) % period;
  return k >= n ? period - k : k;
}

/** One run of `model` over the picture mirror-extended by `pad` on every side (rounded up to multiples of 4), cropped back. */
async function oneShot(model: LayersModel, img: Float32Array, H: number, W: number, pad: number): Promise<Float32Array> {
  const Hp = Math.ceil((H + 2 * pad) / 4) * 4, Wp = Math.ceil((W + 2 * pad) / 4) * 4;
  const ext = new Float32Array(Hp * Wp);
  for (let y = 0; y < Hp; y++) for (let x = 0; x < Wp; x++) ext[y * Wp + x] = img[mirror(y - pad, H) * W + mirror(x - pad, W)];
  const whole = model.withInputShape([Hp, Wp, 1]);
  const o = await whole.predict({ data: ext, shape: [1, Hp, Wp, 1] });
  whole.dispose();
  return Float32Array.from({ length: H * W }, (_, i) => Math.min(1, Math.max(0, o.data[(Math.floor(i / W) + pad) * Wp + (i % W) + pad])));
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

let photo: LayersModel;
beforeAll(() => { photo = presets.photoDenoiser({ threads: 1, compile: false }); });
afterAll(() => photo.dispose());

test('a core never exceeds tileSize: it is rounded down to the pooling stride (4 for the photo denoiser), at least one stride', () => {
  for (const [tileSize, size, core] of [[102, 306, 80], [100, 300, 100], [30, 101, 28], [3, 50, 4], [256, 1000, 252]]) {
    const plan = planTiles(photo, size, size, { tileSize });
    expect([plan.coreH, plan.coreW]).toEqual([core, core]);
    expect(plan.coreH % 4).toBe(0);
    if (tileSize >= 4) expect(plan.coreH).toBeLessThanOrEqual(tileSize);
  }
});

describe('no seams', () => {
  test('the photo denoiser in 32-pixel tiles equals one run over the whole picture (default margin); a small margin does not', async () => {
    const H = 90, W = 101;   // not multiples of the pooling stride: the last tiles hang over the edge
    const img = noisyPicture(H, W, 1);
    const reference = await oneShot(photo, img, H, W, 48);
    const progress: number[] = [];
    const tiled = await denoiseImage(photo, { data: img, shape: [1, H, W, 1] }, { tileSize: 32, onProgress: (f) => progress.push(f), batchSize: 7 });
    expect(tiled.shape).toEqual([1, H, W, 1]);
    // Measured: 3.3e-7 (from margin 24 up every tile sees the whole reach of each kept pixel; what is left
    // is rounding, e.g. F(4x4)'s Winograd tiles at the third level start 2 pixels apart here).
    expect(maxDiff(tiled.data, reference)).toBeLessThanOrEqual(1e-6);
    expect(DEFAULT_DENOISE_MARGIN).toBe(24);
    // 3 x 4 tiles of 32, at most 7 a batch: two equal batches of 6.
    expect(progress).toEqual([0.5, 1]);
    // With too little context the tiles show: measured 1.2e-2 at margin 8 on this picture.
    const thin = await denoiseImage(photo, { data: img, shape: [1, H, W, 1] }, { tileSize: 32, margin: 8 });
    expect(maxDiff(thin.data, reference)).toBeGreaterThan(3e-3);
  });

  test('a 3-channel model runs on RGB as it is: tiles equal one run over the picture', async () => {
    const m = new Sequential({ inputShape: [8, 8, 3], threads: 1 }, [
      layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }),
    ]);
    const H = 21, W = 17, r = new Random(2);
    const img = Float32Array.from({ length: H * W * 3 }, () => r.uniform());
    const out = await denoiseImage(m, { data: img, shape: [1, H, W, 3] }, { tileSize: 8, margin: 2 });
    const whole = m.withInputShape([H, W, 3]);
    const ref = await whole.predict({ data: img, shape: [1, H, W, 3] });
    whole.dispose();
    // Pixels 2 or more from the edge (the reach of two 3x3 convolutions) see no padding in either run.
    let d = 0;
    for (let y = 2; y < H - 2; y++) for (let x = 2; x < W - 2; x++) for (let c = 0; c < 3; c++) {
      const i = (y * W + x) * 3 + c;
      d = Math.max(d, Math.abs(out.data[i] - Math.min(1, Math.max(0, ref.data[i]))));
    }
    expect(d).toBeLessThanOrEqual(1e-6);
    // A grey picture through a colour model: R = G = B in, the mean of the three out.
    const grey = await denoiseImage(m, { name: 'g', width: 5, height: 4, channels: 1, data: new Uint8Array(20).fill(100) });
    const rgb = await denoiseImage(m, { data: new Float32Array(60).fill(100 / 255), shape: [1, 4, 5, 3] });
    expect(grey.channels).toBe(1);
    expect(Math.abs(grey.data[7] - ((rgb.data[21] + rgb.data[22] + rgb.data[23]) / 3) * 255)).toBeLessThanOrEqual(0.5);
    m.dispose();
  });
});

describe('every kind of picture comes back as its kind', () => {
  const H = 30, W = 26;
  const bytes = (seed: number, n: number) => { const r = new Random(seed); return Uint8Array.from({ length: n }, () => Math.floor(r.uniform() * 256)); };

  test('a grey Picture, a colour Picture (R, G, B apart), an RGBA image (alpha kept; grey when R = G = B), NHWC', async () => {
    const g: Picture = { name: 'grey.png', width: W, height: H, channels: 1, data: bytes(3, H * W) };
    const grey = await denoiseImage(photo, g);
    expect({ ...grey, data: null }).toEqual({ name: 'grey.png', width: W, height: H, channels: 1, data: null });
    expect(grey.data).toBeInstanceOf(Uint8Array);
    // The same from floats: bytes = round(clip(v) * 255).
    const floats = await denoiseImage(photo, { data: Float32Array.from(g.data, (b) => b / 255), shape: [1, H, W, 1] });
    expect([...grey.data]).toEqual(Array.from(floats.data, (v) => Math.round(v * 255)));
    expect(maxDiff(grey.data, g.data)).toBeGreaterThan(10);   // it changed the picture

    // Colour: each channel as that grey picture would be.
    const rgb = new Uint8Array(H * W * 3);
    const planes = [g.data, bytes(4, H * W), bytes(5, H * W)];
    for (let i = 0; i < H * W; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = planes[c][i];
    const colour = await denoiseImage(photo, { name: 'c.jpg', width: W, height: H, channels: 3, data: rgb });
    expect(colour.channels).toBe(3);
    for (let c = 0; c < 3; c++) {
      const alone = await denoiseImage(photo, { width: W, height: H, channels: 1, data: planes[c] });
      expect(Array.from({ length: H * W }, (_, i) => colour.data[i * 3 + c])).toEqual([...alone.data]);
    }

    // RGBA: the same colour result, alpha untouched.
    const rgba = new Uint8ClampedArray(H * W * 4);
    for (let i = 0; i < H * W; i++) rgba.set([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], i % 256], i * 4);
    const out = await denoiseImage(photo, { width: W, height: H, data: rgba });
    expect(out.data).toBeInstanceOf(Uint8ClampedArray);
    expect(out.data).not.toBe(rgba);
    for (let i = 0; i < H * W; i++) {
      expect([out.data[i * 4], out.data[i * 4 + 1], out.data[i * 4 + 2], out.data[i * 4 + 3]])
        .toEqual([colour.data[i * 3], colour.data[i * 3 + 1], colour.data[i * 3 + 2], i % 256]);
    }
    // A grey RGBA picture is denoised once and stays grey, as the grey Picture.
    const greyRgba = new Uint8ClampedArray(H * W * 4);
    for (let i = 0; i < H * W; i++) greyRgba.set([g.data[i], g.data[i], g.data[i], 255], i * 4);
    const gOut = await denoiseImage(photo, { width: W, height: H, data: greyRgba });
    for (let i = 0; i < H * W; i++) expect([gOut.data[i * 4], gOut.data[i * 4 + 1], gOut.data[i * 4 + 2]]).toEqual([grey.data[i], grey.data[i], grey.data[i]]);

    // NHWC with two images: each as alone.
    const two: Tensor = { data: new Float32Array(2 * H * W), shape: [2, H, W, 1] };
    two.data.set(floats.data.map(() => 0), 0);
    two.data.set(Float32Array.from(g.data, (b) => b / 255), H * W);
    const both = await denoiseImage(photo, two);
    expect(maxDiff(both.data.subarray(H * W), floats.data)).toBe(0);
  });
});

describe('mistakes name the fix', () => {
  test('models that are not image denoisers, and pictures that are not pictures', async () => {
    const dense = new Sequential({ inputShape: [4], threads: 1 }, [layers.dense({ units: 4 })]);
    const pic = { width: 2, height: 2, channels: 1 as const, data: new Uint8Array(4) };
    await expect(denoiseImage(dense, pic)).rejects.toThrow('denoiseImage: the model takes [4] and gives [4]; denoising needs images in and out ([height, width, channels])');
    dense.dispose();
    await expect(denoiseImage(photo, { ...pic, data: new Uint8Array(5) })).rejects.toThrow('denoiseImage: the picture is 2x2 with 1 channel(s), 4 bytes, but its data has 5');
    await expect(denoiseImage(photo, { width: 2, height: 2, data: new Uint8ClampedArray(12) })).rejects.toThrow(/2x2 RGBA, 16 bytes, but its data has 12; a picture of 1 or 3 bytes a pixel needs channels: 1 or 3/);
    await expect(denoiseImage(photo, { data: new Float32Array(8), shape: [2, 2, 2] })).rejects.toThrow(/a Tensor must be NHWC \[N, H, W, C\]/);
    await expect(denoiseImage(photo, { data: new Float32Array(8), shape: [1, 2, 2, 2] })).rejects.toThrow('denoiseImage: the picture has 2 channels; 1 (grey) or 3 (RGB) are supported');
    await expect(denoiseImage(photo, pic, { margin: -1 })).rejects.toThrow('denoiseImage: margin must be an integer ≥ 0 (pixels of context per side), got -1');
    await expect(denoiseImage(photo, pic, { tileSize: 0 })).rejects.toThrow(/tileSize must be a positive integer/);
    await expect(denoiseImage(photo, pic, { batchSize: 1.5 })).rejects.toThrow(/batchSize must be a positive integer/);
    await expect(denoiseImage(photo, null as unknown as Picture)).rejects.toThrow(/must be a Picture \(loadImages\), an RGBA image or NHWC images, got null/);
  });

  test('an abort stops before the next batch of tiles, with the signal\'s reason', async () => {
    const controller = new AbortController();
    const img = { data: noisyPicture(64, 64, 3), shape: [1, 64, 64, 1] };
    const run = denoiseImage(photo, img, { tileSize: 16, batchSize: 2, signal: controller.signal, onProgress: (f) => { if (f >= 0.25) controller.abort(new Error('stop')); } });
    await expect(run).rejects.toThrow('stop');
  });
});
