// A layer's activations for one image as a picture: a conv layer's channels as a grid of small grey
// maps (the feature maps of the seed's figures E-H), or a flat layer's values as a strip of cells (a
// dense bottleneck's code). Each map is stretched to its own range, black its lowest value and white its
// highest, and the picture says so in its caption.
import type { Tensor } from '../tensor.js';
import { checkArrayLength, checkOptions, describeValue, type OptionSpec } from '../train/validate.js';
import { blankImage, type RgbaImage } from './image-grid.js';
import { drawText, textWidth, TEXT_HEIGHT } from './tiny-font.js';

export interface FeatureMapGridOptions {
  /** Which image of the batch (default 0). */
  index?: number;
  /** Maps per row (default: all of them, up to 8); a flat layer's values always make one row. */
  columns?: number;
  /** Integer upscaling of each map (default: so that a map is about 28 pixels high); for a flat layer, each value's cell size (default 12). */
  scale?: number;
  /** Background pixels between maps (default 2). */
  gap?: number;
  /** A first caption line, e.g. the layer's name and shape (default none). */
  title?: string;
  /** Draw the caption: the title and how values are scaled (default true). */
  caption?: boolean;
  /** Integer scale of the caption's 3x5 pixel letters (default 1). */
  textScale?: number;
  /** Colour of gaps and caption background (default white). */
  background?: [number, number, number];
}

const FEATURE_MAP_GRID_OPTIONS: OptionSpec<FeatureMapGridOptions> = {
  index: 'value', columns: 'value', scale: 'value', gap: 'value', title: 'value', caption: 'value', textScale: 'value', background: 'value',
};

/** The picture, and each map's [lowest, highest] value (black and white in it). */
export interface FeatureMapGrid extends RgbaImage {
  ranges: Array<[number, number]>;
}

/** What the caption says about the grey levels of maps (several) or of a flat layer's values. */
export const SCALE_NOTE = { maps: 'each map scaled to its own range', flat: 'scaled to the values\' range' } as const;

/**
 * activations: a layer's output for a batch, [N, H, W, C] (C maps of H x W) or [N, F] (F values), e.g.
 * an entry of `model.activations(x)`. Returns an RGBA picture for encodePng (Node) or a canvas's
 * ImageData (browsers). A map whose values are all equal is drawn black.
 */
export function featureMapGrid(activations: Tensor, options: FeatureMapGridOptions = {}): FeatureMapGrid {
  const where = 'featureMapGrid';
  checkOptions(options, FEATURE_MAP_GRID_OPTIONS, where);
  const shape = activations?.shape;
  if (!Array.isArray(shape) || (shape.length !== 4 && shape.length !== 2) || !(activations.data instanceof Float32Array)) {
    throw new Error(`${where}: activations must be a tensor [N, H, W, C] (maps) or [N, F] (a flat layer), got shape ${describeValue(shape)}`);
  }
  const flat = shape.length === 2;
  const [N, H, W, C] = flat ? [shape[0], 1, shape[1], 1] : shape;
  const { index = 0, gap = 2, caption = true, textScale = 1, background = [255, 255, 255] } = options;
  const int = (v: unknown, what: string, min: number) => {
    if (!Number.isInteger(v) || (v as number) < min) throw new Error(`${where}: ${what} must be an integer ≥ ${min}, got ${describeValue(v)}`);
    return v as number;
  };
  if (int(index, 'index', 0) >= N) throw new Error(`${where}: index ${index} is past the batch's ${N} images`);
  int(gap, 'gap', 0);
  int(textScale, 'textScale', 1);
  const scale = int(options.scale ?? (flat ? 12 : Math.max(1, Math.round(28 / H))), 'scale', 1);
  const maps = flat ? 1 : C;
  const columns = flat ? 1 : Math.min(int(options.columns ?? Math.min(maps, 8), 'columns', 1), maps);
  const rows = Math.ceil(maps / columns);
  const sample = activations.data.subarray(index * H * W * C, (index + 1) * H * W * C);

  // Each map's range; values are read at (h, w, c) of the sample.
  const ranges: Array<[number, number]> = [];
  for (let c = 0; c < maps; c++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = c; i < sample.length; i += maps) { lo = Math.min(lo, sample[i]); hi = Math.max(hi, sample[i]); }
    ranges.push([lo, hi]);
  }
  const lines = caption ? [...(options.title ? [options.title] : []), flat ? `${SCALE_NOTE.flat} ${fmt(ranges[0][0])} to ${fmt(ranges[0][1])}` : SCALE_NOTE.maps] : [];
  const lineHeight = (TEXT_HEIGHT + 2) * textScale;
  const top = lines.length * lineHeight + (lines.length ? 2 : 0);
  const cellW = W * scale, cellH = H * scale;
  const gridW = columns * cellW + (columns - 1) * gap;
  const width = Math.max(gridW, ...lines.map((l) => textWidth(l, textScale)));
  const height = top + rows * cellH + (rows - 1) * gap;
  checkArrayLength(width * height * 4, `${where}: a ${width}x${height} RGBA picture`, 'use a smaller scale, gap or textScale');
  const image: FeatureMapGrid = { ...blankImage(width, height, background), ranges };
  lines.forEach((line, i) => drawText(image, line, 0, i * lineHeight + textScale, [40, 40, 40], textScale));
  for (let c = 0; c < maps; c++) {
    const [lo, hi] = ranges[c];
    const x0 = (c % columns) * (cellW + gap), y0 = top + Math.floor(c / columns) * (cellH + gap);
    for (let y = 0; y < cellH; y++) {
      for (let x = 0; x < cellW; x++) {
        const v = sample[(Math.floor(y / scale) * W + Math.floor(x / scale)) * maps + c];
        const grey = hi > lo ? Math.round((255 * (v - lo)) / (hi - lo)) : 0;
        const p = ((y0 + y) * width + x0 + x) * 4;
        image.data[p] = image.data[p + 1] = image.data[p + 2] = grey;
      }
    }
  }
  return image;
}

/** A number for a caption: 3 significant digits. */
function fmt(v: number): string {
  return Number(v.toPrecision(3)).toString();
}
