// Lays batches of images out as one RGBA picture, e.g. rows noisy / denoised / clean, for eyeballing results.
import type { Tensor } from '../tensor.js';
import { checkArrayLength, checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

/** An RGBA picture: width x height pixels, 4 bytes each, row-major (the layout of canvas ImageData). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Layout of gridImage: cells per row, gap and scale in output pixels, gap colour as [r, g, b] 0..255. */
export interface GridOptions {
  /** Images shown per row (default: the largest N among the rows); rows with fewer leave background. */
  columns?: number;
  /** Background pixels between cells (default 2). */
  gap?: number;
  /** Integer upscaling of each image pixel, nearest neighbour (default 1). */
  scale?: number;
  /** Colour of the gaps and empty cells (default white [255, 255, 255]). */
  background?: [number, number, number];
}

const GRID_OPTIONS: OptionSpec<GridOptions> = { columns: 'value', gap: 'value', scale: 'value', background: 'value' };

/**
 * One row per tensor, NHWC [N, H, W, C] with C = 1 (grey) or 3 (RGB), or [N, H, W] grey; the first `columns`
 * images of each. Values [0, 1] map to 0..255 (clipped; NaN shows as 0); gaps only between cells.
 */
export function gridImage(rows: Tensor[], options: GridOptions = {}): RgbaImage {
  const { gap = 2, scale = 1, background = [255, 255, 255] } = checkOptions(options, GRID_OPTIONS, 'gridImage');
  if (!Array.isArray(rows)) throw new Error(`gridImage: give an array of image batches (one per row), got ${describeValue(rows)}`);
  if (rows.length === 0) throw new Error('gridImage: no rows given (pass an array of image batches)');
  if (!Number.isInteger(gap) || gap < 0) throw new Error(`gridImage: gap must be an integer ≥ 0, got ${describeValue(gap)}`);
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`gridImage: scale must be an integer ≥ 1, got ${describeValue(scale)}`);
  const dims = rows.map((t, r) => imageDims(t, r));
  const [, h, w] = dims[0];
  dims.forEach(([, rh, rw], r) => {
    if (rh !== h || rw !== w) throw new Error(`gridImage: row ${r} holds ${rh}x${rw} images but row 0 holds ${h}x${w} (all rows need one image size)`);
  });
  const columns = options.columns ?? Math.max(...dims.map(([n]) => n));
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`gridImage: columns must be an integer ≥ 1, got ${describeValue(columns)}`);
  const cellW = w * scale;
  const cellH = h * scale;
  const width = columns * cellW + (columns - 1) * gap;
  const height = rows.length * cellH + (rows.length - 1) * gap;
  checkArrayLength(width * height * 4, `gridImage: a ${width}x${height} RGBA picture`,
    `use a smaller scale (${scale} makes each ${h}x${w} image ${cellH}x${cellW}) or gap, fewer columns or fewer rows`);
  const { data } = blankImage(width, height, background);
  rows.forEach((t, r) => {
    const [n, , , c] = dims[r];
    for (let col = 0; col < Math.min(columns, n); col++) {
      const x0 = col * (cellW + gap);
      const y0 = r * (cellH + gap);
      for (let y = 0; y < cellH; y++) {
        for (let x = 0; x < cellW; x++) {
          const src = ((col * h + ((y / scale) | 0)) * w + ((x / scale) | 0)) * c;
          const dst = ((y0 + y) * width + x0 + x) * 4;
          for (let k = 0; k < 3; k++) data[dst + k] = toByte(t.data[src + (c === 1 ? 0 : k)]);
          data[dst + 3] = 255;
        }
      }
    }
  });
  return { width, height, data };
}

/** [N, H, W, C] of a row, accepting [N, H, W] as C = 1. */
function imageDims(t: Tensor, r: number): [number, number, number, number] {
  const s = t.shape;
  const c = s.length === 3 ? 1 : s[3];
  if ((s.length !== 3 && s.length !== 4) || (c !== 1 && c !== 3)) {
    throw new Error(`gridImage: row ${r} has shape [${s}] but needs [N, H, W, C] with C = 1 or 3 (or [N, H, W])`);
  }
  return [s[0], s[1], s[2], c];
}

function toByte(v: number): number {
  // NaN fails both comparisons and goes to 0; `| 0` rounds the positive v·255 + 0.5 like Math.round.
  return v > 0 ? (v < 1 ? (v * 255 + 0.5) | 0 : 255) : 0;
}

/** Layout of stackImages. */
export interface StackOptions {
  /** 'down' (default): one under the other, left-aligned; 'right': side by side, top-aligned. */
  direction?: 'down' | 'right';
  /** Background pixels between pictures (default 4). */
  gap?: number;
  /** Colour of gaps and of the space beside narrower pictures (default white). */
  background?: [number, number, number];
}

const STACK_OPTIONS: OptionSpec<StackOptions> = { direction: 'value', gap: 'value', background: 'value' };

/** Pictures (gridImage's, featureMapGrid's) one under the other or side by side, as one picture. */
export function stackImages(images: RgbaImage[], options: StackOptions = {}): RgbaImage {
  const { direction = 'down', gap = 4, background = [255, 255, 255] } = checkOptions(options, STACK_OPTIONS, 'stackImages');
  if (!Array.isArray(images) || images.length === 0) throw new Error('stackImages: give a non-empty array of pictures');
  if (direction !== 'down' && direction !== 'right') throw new Error(`stackImages: direction must be 'down' or 'right', got ${describeValue(direction)}`);
  if (!Number.isInteger(gap) || gap < 0) throw new Error(`stackImages: gap must be an integer ≥ 0, got ${describeValue(gap)}`);
  images.forEach((im, i) => {
    if (!im || !(im.data instanceof Uint8ClampedArray) || im.data.length !== im.width * im.height * 4) {
      throw new Error(`stackImages: picture ${i} is not an RGBA picture { width, height, data } (as gridImage returns)`);
    }
  });
  const down = direction === 'down';
  const along = images.reduce((s, im) => s + (down ? im.height : im.width), 0) + gap * (images.length - 1);
  const across = Math.max(...images.map((im) => (down ? im.width : im.height)));
  const width = down ? across : along, height = down ? along : across;
  checkArrayLength(width * height * 4, `stackImages: a ${width}x${height} RGBA picture`, 'stack fewer or smaller pictures, or a smaller gap');
  const { data } = blankImage(width, height, background);
  let at = 0;
  for (const im of images) {
    const x0 = down ? 0 : at, y0 = down ? at : 0;
    for (let y = 0; y < im.height; y++) data.set(im.data.subarray(y * im.width * 4, (y + 1) * im.width * 4), ((y0 + y) * width + x0) * 4);
    at += (down ? im.height : im.width) + gap;
  }
  return { width, height, data };
}

/** A picture of one colour (opaque). */
export function blankImage(width: number, height: number, colour: [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < data.length; p += 4) {
    data[p] = colour[0]; data[p + 1] = colour[1]; data[p + 2] = colour[2]; data[p + 3] = 255;
  }
  return { width, height, data };
}
