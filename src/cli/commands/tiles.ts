// Running a denoiser over an image of any size: overlapping tiles.
//
// The image is cut into a grid of cores (stride S, a multiple of the model's pooling stride); each core
// is run with a margin of m pixels of context on every side (tile T = S + 2m; outside the image the context is the image mirrored at its
// edge), and only the core of each output is kept. A fully convolutional model (every layer type says
// whether it is, in src/model/layers/) is rebuilt for tiles near 144x144 pixels (112 + 2 x 16), at a size it maps to itself (e.g.
// multiples of 4 for the pretrained denoiser, 8k + 4 for the tutorial's model with its valid conv);
// any other image model runs at its own input size (28x28 tiles for the digit models).
import type { LayersModel } from '../../model/model.js';
import { layerType } from '../../model/layers.js';

export interface TilePlan {
  /** The model the tiles run through (the given one, or the same weights at the tile size). */
  model: LayersModel;
  tileH: number; tileW: number;
  /** Context kept around each core, per axis. */
  marginH: number; marginW: number;
  coreH: number; coreW: number;
}

/** The model's image channels (1 or 3), or an error saying why it cannot denoise images. */
export function imageChannels(model: LayersModel): number {
  const i = model.inputShape, o = model.outputShape;
  if (i.length !== 3 || o.length !== 3) {
    throw new Error(`the model takes [${i}] and gives [${o}]; denoising needs images in and out ([height, width, channels])`);
  }
  if (i.join() !== o.join()) throw new Error(`the model maps [${i}] to [${o}]; a denoiser must give back images of its input's size`);
  if (i[2] !== 1 && i[2] !== 3) throw new Error(`the model's images have ${i[2]} channels; 1 (grey) or 3 (RGB) are supported`);
  return i[2];
}

/** A copy of `model`'s layers and weights for inputs of [h, w, c], or null when it does not map them to themselves. */
function atSize(model: LayersModel, h: number, w: number, c: number, threads: 'auto' | number): LayersModel | null {
  let m: LayersModel;
  try {
    m = model.withInputShape([h, w, c], { threads });
  } catch {
    return null;
  }
  return m.outputShape.join() === [h, w, c].join() ? m : null;
}

/** Chooses tiles for an H x W image: big ones for fully convolutional models, the model's own size otherwise. */
export function planTiles(model: LayersModel, H: number, W: number, threads: 'auto' | number, target = 112, margin = 16): TilePlan {
  const C = imageChannels(model);
  const [h0, w0] = model.inputShape;
  const fully = model.layerConfigs.every((l) => layerType(l.className)?.fullyConvolutional);
  if (fully) {
    // The smallest sizes >= the wanted core + 2 margins that the model maps to themselves.
    const pick = (size: number) => {
      const want = Math.min(size, target) + 2 * margin;
      for (let s = want; s < want + 64; s++) if (atSize(model, s, s, C, threads)) return s;
      return 0;
    };
    const th = pick(H), tw = pick(W);
    const m = th && tw ? atSize(model, th, tw, C, threads) : null;
    if (m) {
      // Cores a multiple of the model's total pooling stride, so that every tile's pooling grid lines up
      // with its neighbours' (else alternate tiles pool differently and faint seams show).
      const stride = poolingStride(model);
      const core = (t: number) => {
        let c = Math.floor((t - 2 * margin) / stride) * stride;
        while (c > 0 && (t - c) % 2 !== 0) c -= stride;
        return c > 0 ? c : t - 2 * margin;
      };
      const coreH = core(th), coreW = core(tw);
      return { model: m, tileH: th, tileW: tw, marginH: (th - coreH) / 2, marginW: (tw - coreW) / 2, coreH, coreW };
    }
  }
  // Fixed-size models: their own input size, with a margin of about 1/7 of it (4 pixels of a 28x28 tile).
  const m = Math.max(0, Math.min(Math.floor(Math.min(h0, w0) / 7), Math.floor((Math.min(h0, w0) - 1) / 2)));
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
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - k;
  return k;
}

/**
 * Denoises images of H x W pixels with C channels each (planes: HWC Float32Arrays in [0, 1]), tile by
 * tile; returns the denoised images in the same layout.
 */
export async function denoiseTiled(plan: TilePlan, images: Float32Array[], H: number, W: number, batchSize = 16): Promise<Float32Array[]> {
  const { model, tileH, tileW, marginH, marginW, coreH, coreW } = plan;
  const C = model.inputShape[2];
  const ny = Math.ceil(H / coreH), nx = Math.ceil(W / coreW);
  const tiles: Array<{ img: number; y0: number; x0: number }> = [];
  images.forEach((_, img) => {
    for (let ty = 0; ty < ny; ty++) for (let tx = 0; tx < nx; tx++) tiles.push({ img, y0: ty * coreH, x0: tx * coreW });
  });
  const outputs = images.map(() => new Float32Array(H * W * C));
  const tileSize = tileH * tileW * C;
  for (let start = 0; start < tiles.length; start += batchSize) {
    const batch = tiles.slice(start, start + batchSize);
    const x = new Float32Array(batch.length * tileSize);
    batch.forEach((t, b) => {
      const src = images[t.img];
      for (let y = 0; y < tileH; y++) {
        const sy = mirror(t.y0 - marginH + y, H);
        for (let xx = 0; xx < tileW; xx++) {
          const sx = mirror(t.x0 - marginW + xx, W);
          const from = (sy * W + sx) * C, to = b * tileSize + (y * tileW + xx) * C;
          for (let c = 0; c < C; c++) x[to + c] = src[from + c];
        }
      }
    });
    const y = await model.predict({ data: x, shape: [batch.length, tileH, tileW, C] }, { batchSize: batch.length });
    batch.forEach((t, b) => {
      const out = outputs[t.img];
      for (let cy = 0; cy < coreH && t.y0 + cy < H; cy++) {
        for (let cx = 0; cx < coreW && t.x0 + cx < W; cx++) {
          const from = b * tileSize + ((cy + marginH) * tileW + cx + marginW) * C;
          const to = ((t.y0 + cy) * W + t.x0 + cx) * C;
          for (let c = 0; c < C; c++) out[to + c] = y.data[from + c];
        }
      }
    });
  }
  return outputs;
}
