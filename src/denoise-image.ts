// denoiseImage: a denoiser model over a whole picture of any size, in overlapping tiles. Browser-safe.
//
// The picture is cut into a grid of cores (each a multiple of the model's pooling stride, so that every
// tile's pooling grid lines up with its neighbours'; the cores of one axis are of one size, which balances
// the tiles between threads); each core is run with `margin` pixels of context on every side (tile =
// core + 2 margins; outside the picture the context is the picture mirrored at its edge), and only the
// core of each output is kept. With a margin at least the model's reach (its receptive field's radius),
// the tiles give what one run over the whole mirror-extended picture gives, up to rounding: no seams
// (test/denoise-image.test.ts; the convolutions' Winograd tiles can fall differently on a tile than on
// the whole picture, which changes the last bits). A fully convolutional model (every layer type says whether it is, in
// src/model/layers/) is rebuilt at the tile size with the same weights; any other image model runs at its
// own input size, with a margin of a seventh of it (28x28 tiles for the digit models).
import type { Picture } from './data/pictures.js';
import type { RgbaImage } from './io/image-grid.js';
import { layerType } from './model/layers.js';
import type { LayersModel } from './model/model.js';
import type { Tensor } from './tensor.js';
import { checkArrayLength, checkOptions, checkUnitRange, checkWasmBytes, describeValue, type OptionSpec, type UnitRangeReason } from './train/validate.js';

/**
 * Context kept around each tile's core, in pixels per side: the reach of presets.photoDenoiser() (a depth-2
 * U-Net: two 2x poolings, two 3x3 convolutions per level). Measured on a 512x512 photograph with noise 25
 * (0-255 scale), 64-pixel cores, against one run over the whole mirror-extended picture: largest
 * difference (values in [0, 1]) 1.9e-2 at margin 8, 1.1e-3 at 16, 2.0e-4 at 20. From 24 up only rounding
 * is left: on a synthetic 512x512 picture (the test's kind) 4.2e-7 at 24 (the U-Net's 4x4 Winograd tiles
 * can start 2 pixels apart in a tile and in the whole picture at its third level) and 0 at 32. Models
 * that reach further (deeper U-Nets) need a bigger margin.
 */
export const DEFAULT_DENOISE_MARGIN = 24;

/** Largest core side, in pixels, by default: tiles of 256 + 2 x 24 = 304 pixels a side. */
export const DEFAULT_DENOISE_TILE = 256;

/** A picture as loadImages gives it: height x width pixels of 1 (grey) or 3 (RGB) bytes, rows of HWC. */
export interface PicturePixels {
  name?: string;
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array | Uint8ClampedArray;
}

/** What denoiseImage takes: a Picture (loadImages), an RGBA image (canvas ImageData), or NHWC images in [0, 1]. */
export type DenoiseImageInput = PicturePixels | RgbaImage | Tensor;

export interface DenoiseImageOptions {
  /** Context pixels on each side of a tile's core (default DEFAULT_DENOISE_MARGIN, 24); more is slower, less can show seams. */
  margin?: number;
  /** Largest core side in pixels (default DEFAULT_DENOISE_TILE, 256); bigger tiles waste less on margins but need more memory. */
  tileSize?: number;
  /** Most tiles per model.predict call (default: as many as fit in about a million pixels); the batches are made equal. */
  batchSize?: number;
  /** Called after each batch of tiles with the fraction done, in (0, 1]. */
  onProgress?: (fraction: number) => void;
  /** Stops before the next batch of tiles; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

const DENOISE_IMAGE_OPTIONS: OptionSpec<DenoiseImageOptions> = {
  margin: 'value', tileSize: 'value', batchSize: 'value', onProgress: 'function', signal: 'value',
};

// A float picture's values are pixels in [0, 1], what the models were trained on (and what comes back).
const PIXELS_IN_UNIT_RANGE: UnitRangeReason = {
  needs: 'denoiseImage takes images with values in [0, 1]',
  unscaled: 'the model reads anything above 1 as brighter than white, and it comes back white',
  otherwise: 'clip noisy images to [0, 1] (as addGaussianNoise does), or rescale the images to [0, 1]',
};

/** How a picture is cut: the model the tiles run through, the tile size and the core of each tile. */
export interface TilePlan {
  /** The model the tiles run through (the given one, or a copy with the same weights at the tile size). */
  model: LayersModel;
  tileH: number; tileW: number;
  /** Context kept around each core, per axis. */
  marginH: number; marginW: number;
  coreH: number; coreW: number;
}

/**
 * Denoises a picture of any size with `model` (a denoiser: images in, images of the same size out, 1 or 3
 * channels), in overlapping tiles, and gives back the same kind of picture: a Picture for a Picture (same
 * name and channels), an RGBA image for an RGBA image (alpha kept), NHWC [N, H, W, C] for NHWC (values
 * clipped to [0, 1]). A grey model denoises a colour picture channel by channel (R, G, B apart; once when
 * R = G = B everywhere); a colour model takes colour as it is, and a grey picture as R = G = B, giving
 * back the mean of its three channels (each clipped to [0, 1]). `model` is left as it is (the tiles run through a copy at their size).
 */
export function denoiseImage(model: LayersModel, picture: Picture, options?: DenoiseImageOptions): Promise<Picture>;
export function denoiseImage(model: LayersModel, picture: PicturePixels, options?: DenoiseImageOptions): Promise<PicturePixels>;
export function denoiseImage(model: LayersModel, picture: RgbaImage, options?: DenoiseImageOptions): Promise<RgbaImage>;
export function denoiseImage(model: LayersModel, picture: Tensor, options?: DenoiseImageOptions): Promise<Tensor>;
export async function denoiseImage(model: LayersModel, picture: DenoiseImageInput, options: DenoiseImageOptions = {}): Promise<DenoiseImageInput> {
  checkOptions(options, DENOISE_IMAGE_OPTIONS, 'denoiseImage');
  const C = imageChannels(model, 'denoiseImage');
  const pic = readInput(picture);
  const { H, W } = pic;
  // What goes through the model: HWC float planes of C channels, `from` the picture's channels; each
  // output plane goes back `to` channels of the picture (-1: the mean of the model's three channels).
  const jobs: Array<{ image: number; from: number[]; to: number[] }> = [];
  for (let n = 0; n < pic.count; n++) {
    if (C === 3) jobs.push(pic.channels === 3 ? { image: n, from: [0, 1, 2], to: [0, 1, 2] } : { image: n, from: [0, 0, 0], to: [-1] });
    else if (pic.channels === 1) jobs.push({ image: n, from: [0], to: [0] });
    else if (pic.isGrey(n)) jobs.push({ image: n, from: [0], to: [0, 1, 2] });   // R = G = B: denoised once
    else for (let c = 0; c < 3; c++) jobs.push({ image: n, from: [c], to: [c] });
  }
  const planes = jobs.map(({ image, from }) => {
    const a = new Float32Array(H * W * C);
    for (let i = 0; i < H * W; i++) for (let c = 0; c < C; c++) a[i * C + c] = pic.get(image, i, from[c]);
    return a;
  });
  const plan = planTiles(model, H, W, options);
  try {
    const outputs = await denoiseTiled(plan, planes, H, W, options);
    const result = pic.output();
    jobs.forEach(({ image, to }, k) => {
      const o = outputs[k];
      for (let i = 0; i < H * W; i++) {
        if (to[0] === -1) pic.set(result, image, i, 0, (clip01(o[i * 3]) + clip01(o[i * 3 + 1]) + clip01(o[i * 3 + 2])) / 3);
        else if (C === 1) for (const ch of to) pic.set(result, image, i, ch, o[i]);
        else for (let c = 0; c < 3; c++) pic.set(result, image, i, to[c], o[i * 3 + c]);
      }
    });
    return result;
  } finally {
    if (plan.model !== model) plan.model.dispose();
  }
}

/** A picture of any kind seen as `count` images of H x W pixels with `channels` values in [0, 1] each. */
interface PictureView {
  H: number; W: number; count: number; channels: 1 | 3;
  get(image: number, pixel: number, channel: number): number;
  isGrey(image: number): boolean;
  /** A new picture of the input's kind (an RGBA copy keeps the alpha) for set() to fill. */
  output(): DenoiseImageInput;
  set(out: DenoiseImageInput, image: number, pixel: number, channel: number, value: number): void;
}

const clip01 = (v: number) => (v > 0 ? (v < 1 ? v : 1) : 0);   // NaN -> 0
const toByte = (v: number) => Math.round(clip01(v) * 255);

function readInput(p: DenoiseImageInput): PictureView {
  const where = 'denoiseImage: the picture';
  if (!p || typeof p !== 'object') throw new Error(`${where} must be a Picture (loadImages), an RGBA image or NHWC images, got ${describeValue(p)}`);
  if ('shape' in p) {
    const s = p.shape;
    if (!Array.isArray(s) || s.length !== 4 || !(p.data instanceof Float32Array)) {
      throw new Error(`${where}: a Tensor must be NHWC [N, H, W, C] images with Float32Array data, got shape ${describeValue(s)}`);
    }
    const [N, H, W, c] = s;
    if (c !== 1 && c !== 3) throw new Error(`${where} has ${c} channels; 1 (grey) or 3 (RGB) are supported`);
    if (p.data.length !== N * H * W * c) throw new Error(`${where}: shape [${s}] needs ${N * H * W * c} values, the data has ${p.data.length}`);
    checkSize(H, W);
    checkUnitRange(p, where, PIXELS_IN_UNIT_RANGE);
    const d = p.data, size = H * W * c;
    return {
      H, W, count: N, channels: c,
      get: (n, i, ch) => d[n * size + i * c + ch],
      isGrey: (n) => isGreyRun(d, n * size, size),
      output: () => ({ data: new Float32Array(d.length), shape: [...s] }),
      set: (out, n, i, ch, v) => { (out as Tensor).data[n * size + i * c + ch] = clip01(v); },
    };
  }
  const { width: W, height: H, data } = p as RgbaImage;
  checkSize(H, W);
  if (!ArrayBuffer.isView(data) || (data as ArrayBufferView as Uint8Array).BYTES_PER_ELEMENT !== 1 || (data as ArrayBufferView) instanceof Int8Array) {
    throw new Error(`${where}'s data must be bytes (Uint8Array or Uint8ClampedArray), got ${describeValue(data)}`);
  }
  const d = data as Uint8Array | Uint8ClampedArray;
  if ('channels' in p) {
    const c = p.channels;
    if (c !== 1 && c !== 3) throw new Error(`${where} has channels ${describeValue(c)}; 1 (grey) or 3 (RGB) are supported`);
    if (d.length !== W * H * c) throw new Error(`${where} is ${W}x${H} with ${c} channel(s), ${W * H * c} bytes, but its data has ${d.length}`);
    return {
      H, W, count: 1, channels: c,
      get: (_, i, ch) => d[i * c + ch] / 255,
      isGrey: () => isGreyRun(d, 0, d.length),
      output: () => ({ ...(p.name === undefined ? {} : { name: p.name }), width: W, height: H, channels: c, data: new Uint8Array(d.length) }),
      set: (out, _, i, ch, v) => { (out as PicturePixels).data[i * c + ch] = toByte(v); },
    };
  }
  if (d.length !== W * H * 4) {
    throw new Error(`${where} is ${W}x${H} RGBA, ${W * H * 4} bytes, but its data has ${d.length}; a picture of 1 or 3 bytes a pixel needs channels: 1 or 3`);
  }
  return {
    H, W, count: 1, channels: 3,
    get: (_, i, ch) => d[i * 4 + ch] / 255,
    isGrey: () => { for (let q = 0; q < d.length; q += 4) if (d[q] !== d[q + 1] || d[q] !== d[q + 2]) return false; return true; },
    output: () => ({ width: W, height: H, data: new Uint8ClampedArray(d) }),
    set: (out, _, i, ch, v) => { (out as RgbaImage).data[i * 4 + ch] = toByte(v); },
  };
}

function checkSize(H: number, W: number): void {
  if (!Number.isSafeInteger(H) || !Number.isSafeInteger(W) || H < 1 || W < 1) {
    throw new Error(`denoiseImage: the picture must be at least 1x1 pixels, got ${describeValue(W)}x${describeValue(H)}`);
  }
}

/** True when the RGB pixels of data[start, start + size) all have R = G = B. */
function isGreyRun(d: ArrayLike<number>, start: number, size: number): boolean {
  for (let q = start; q < start + size; q += 3) if (d[q] !== d[q + 1] || d[q] !== d[q + 2]) return false;
  return true;
}

/** The model's image channels (1 or 3), or an error saying why it cannot denoise images; `who` starts it. */
export function imageChannels(model: LayersModel, who?: string): 1 | 3 {
  const prefix = who ? `${who}: ` : '';
  if (!model || typeof model !== 'object' || !Array.isArray(model.inputShape) || typeof model.predict !== 'function') {
    throw new Error(`${prefix}the first argument must be a model, e.g. presets.photoDenoiser() or await loadModel(...), got ${describeValue(model)}`);
  }
  const i = model.inputShape, o = model.outputShape;
  if (i.length !== 3 || o.length !== 3) {
    throw new Error(`${prefix}the model takes [${i}] and gives [${o}]; denoising needs images in and out ([height, width, channels])`);
  }
  if (i.join() !== o.join()) throw new Error(`${prefix}the model maps [${i}] to [${o}]; a denoiser must give back images of its input's size`);
  if (i[2] !== 1 && i[2] !== 3) throw new Error(`${prefix}the model's images have ${i[2]} channels; 1 (grey) or 3 (RGB) are supported`);
  return i[2] as 1 | 3;
}

/** A copy of `model`'s layers and weights for inputs of [h, w, c], or null when it does not map them to themselves. */
function atSize(model: LayersModel, h: number, w: number, c: number): LayersModel | null {
  if (model.inputShape.join() === [h, w, c].join()) return model;
  let m: LayersModel;
  try {
    m = model.withInputShape([h, w, c]);
  } catch {
    return null;
  }
  return m.outputShape.join() === [h, w, c].join() ? m : null;
}

/**
 * Chooses the tiles for an H x W picture: for fully convolutional models cores of at most `tileSize`
 * (balanced: one size per axis, a multiple of the pooling stride, so at most tileSize rounded down to that
 * multiple, or one stride when tileSize is smaller) with `margin` pixels of context (raised
 * to the next size the model maps to itself); for other models their own input size.
 */
export function planTiles(model: LayersModel, H: number, W: number, options: Pick<DenoiseImageOptions, 'margin' | 'tileSize'> = {}): TilePlan {
  const C = imageChannels(model, 'denoiseImage');
  const margin = options.margin ?? DEFAULT_DENOISE_MARGIN, target = options.tileSize ?? DEFAULT_DENOISE_TILE;
  if (!Number.isSafeInteger(margin) || margin < 0) throw new Error(`denoiseImage: margin must be an integer ≥ 0 (pixels of context per side), got ${describeValue(options.margin)}`);
  if (!Number.isSafeInteger(target) || target < 1) throw new Error(`denoiseImage: tileSize must be a positive integer (pixels), got ${describeValue(options.tileSize)}`);
  const [h0, w0] = model.inputShape;
  const fully = model.layerConfigs.every((l) => layerType(l.className)?.fullyConvolutional);
  if (fully) {
    const stride = poolingStride(model);
    // Per axis: the fewest cores of at most `target` (rounded down to a multiple of the stride, at least
    // one stride), then the smallest margin >= the one asked for whose tile the model maps to itself.
    const most = Math.max(stride, Math.floor(target / stride) * stride);
    const coreOf = (size: number) => Math.ceil(Math.ceil(size / Math.ceil(size / most)) / stride) * stride;
    // A tile's input and output alone must fit in wasm's memory (checked before any model is built at that size).
    const [th, tw] = [coreOf(H) + 2 * margin, coreOf(W) + 2 * margin];
    checkWasmBytes(th * tw * 2 * C * 4, `denoiseImage: a tile of ${th}x${tw} pixels (a core of ${coreOf(H)}x${coreOf(W)} and ` +
      `${margin} pixels of margin on each side)`, `use a smaller margin (default ${DEFAULT_DENOISE_MARGIN}) or tileSize (default ${DEFAULT_DENOISE_TILE})`);
    const axis = (size: number) => {
      const core = coreOf(size);
      for (let m = margin; m < margin + 64; m++) if (atSize(model, core + 2 * m, core + 2 * m, C)) return { core, m, tile: core + 2 * m };
      return null;
    };
    const y = axis(H), x = axis(W);
    const m = y && x ? atSize(model, y.tile, x.tile, C) : null;
    if (y && x && m) return { model: m, tileH: y.tile, tileW: x.tile, marginH: y.m, marginW: x.m, coreH: y.core, coreW: x.core };
  }
  // Fixed-size models: their own input size, with a margin of about 1/7 of it (4 pixels of a 28x28 tile).
  const most = Math.floor((Math.min(h0, w0) - 1) / 2);
  if (options.margin !== undefined && margin > most) {
    throw new Error(`denoiseImage: margin ${margin} leaves no core in the model's ${h0}x${w0} input (it is not fully convolutional, so tiles are its size); use a margin of at most ${most}`);
  }
  const m = options.margin ?? Math.max(0, Math.min(Math.floor(Math.min(h0, w0) / 7), most));
  return { model, tileH: h0, tileW: w0, marginH: m, marginW: m, coreH: h0 - 2 * m, coreW: w0 - 2 * m };
}

/** Product of the layers' grid strides (pooling, strided convolutions): the grid a fully convolutional model's output repeats on. */
function poolingStride(model: LayersModel): number {
  let stride = 1;
  for (const l of model.layerConfigs) {
    const s = layerType(l.className)?.gridStride?.(l.config);
    if (s) stride *= Math.max(s[0], s[1]);
  }
  return stride;
}

/** Mirror index into [0, n) (edge pixel not repeated), for any i. */
export function mirrorIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - k;
  return k;
}

/** Pixels per predict call that batchSize's default aims at (about 1 M: tens of MB of activations for a small U-Net). */
const BATCH_PIXELS = 1 << 20;

/**
 * Denoises images of H x W pixels with C channels each (HWC Float32Arrays in [0, 1]), tile by tile through
 * `plan`; returns the denoised images in the same layout.
 */
export async function denoiseTiled(plan: TilePlan, images: Float32Array[], H: number, W: number,
  options: Pick<DenoiseImageOptions, 'batchSize' | 'onProgress' | 'signal'> = {}): Promise<Float32Array[]> {
  const { model, tileH, tileW, marginH, marginW, coreH, coreW } = plan;
  const C = model.inputShape[2];
  const ny = Math.ceil(H / coreH), nx = Math.ceil(W / coreW);
  const tiles: Array<{ img: number; y0: number; x0: number }> = [];
  images.forEach((_, img) => {
    for (let ty = 0; ty < ny; ty++) for (let tx = 0; tx < nx; tx++) tiles.push({ img, y0: ty * coreH, x0: tx * coreW });
  });
  const { batchSize: asked, onProgress, signal } = options;
  if (asked !== undefined && !(Number.isSafeInteger(asked) && asked >= 1)) {
    throw new Error(`denoiseImage: batchSize must be a positive integer (tiles per predict call), got ${describeValue(asked)}`);
  }
  // Equal batches (the threads share each batch's tiles), each within the pixel budget unless asked.
  const most = asked ?? Math.max(1, Math.floor(BATCH_PIXELS / (tileH * tileW)));
  const batchSize = Math.ceil(tiles.length / Math.ceil(tiles.length / most));
  checkArrayLength(batchSize * tileH * tileW * C, `denoiseImage: a batch of ${batchSize} tiles of ${tileH}x${tileW}x${C}`, 'use a smaller batchSize');
  const outputs = images.map(() => new Float32Array(H * W * C));
  const tileSize = tileH * tileW * C;
  for (let start = 0; start < tiles.length; start += batchSize) {
    if (signal?.aborted) throw signal.reason ?? new Error('denoiseImage: aborted');
    const batch = tiles.slice(start, start + batchSize);
    const x = new Float32Array(batch.length * tileSize);
    batch.forEach((t, b) => {
      const src = images[t.img];
      for (let y = 0; y < tileH; y++) {
        const sy = mirrorIndex(t.y0 - marginH + y, H);
        for (let xx = 0; xx < tileW; xx++) {
          const sx = mirrorIndex(t.x0 - marginW + xx, W);
          const from = (sy * W + sx) * C, to = b * tileSize + (y * tileW + xx) * C;
          for (let c = 0; c < C; c++) x[to + c] = src[from + c];
        }
      }
    });
    const y = await model.predict({ data: x, shape: [batch.length, tileH, tileW, C] }, { batchSize: batch.length });
    batch.forEach((t, b) => {
      const out = outputs[t.img];
      for (let cy = 0; cy < coreH && t.y0 + cy < H; cy++) {
        const from = b * tileSize + ((cy + marginH) * tileW + marginW) * C;
        const to = ((t.y0 + cy) * W + t.x0) * C;
        const n = Math.min(coreW, W - t.x0) * C;
        out.set(y.data.subarray(from, from + n), to);
      }
    });
    onProgress?.(Math.min(1, (start + batch.length) / tiles.length));
  }
  return outputs;
}
