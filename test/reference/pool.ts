/**
 * Reference (f64, plain loops) MaxPooling2D, NHWC, TF semantics.
 *
 * Window for output (oh, ow): input rows oh*SH - padTop .. + PH - 1, cols ow*SW - padLeft .. + PW - 1,
 * with padTop/padLeft from TF SAME padding (padding.ts) or 0 for VALID.
 * SAME padding acts as -infinity: padded positions never win, only real elements compete
 * (so an all-negative window at the border yields its largest real value, never 0).
 *
 * Ties: the FIRST maximal element in row-major window order (kh outer, kw inner) wins,
 * i.e. a later element only replaces the current max when strictly greater. This matches
 * tfjs-backend-cpu `maxPoolPositions` (`if (pixel > maxValue)`). The backward routes dy
 * only to that argmax; overlapping windows (stride < pool size) accumulate.
 * NaN inputs are not handled specially (a NaN never compares greater).
 */
import { conv2dGeometry, type Shape4 } from './conv2d.js';
import type { Padding } from './padding.js';

export type { Shape4 };

export interface Pool2DOptions {
  PH: number;
  PW: number;
  SH: number;
  SW: number;
  padding: Padding;
}

/** Returns y, its shape, and argmax[i] = flat index into x of the element chosen for y[i]. */
export function maxPool2dForward(
  x: ArrayLike<number>,
  shape: Shape4,
  opts: Pool2DOptions,
): { y: Float64Array; shape: Shape4; argmax: Int32Array } {
  const { N, H, W, C } = shape;
  const { PH, PW, SH, SW, padding } = opts;
  if (x.length !== N * H * W * C) throw new RangeError(`x: expected length ${N * H * W * C}, got ${x.length}`);
  const { OH, OW, padTop, padLeft } = conv2dGeometry(shape, PH, PW, SH, SW, padding);

  const y = new Float64Array(N * OH * OW * C);
  const argmax = new Int32Array(N * OH * OW * C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let kh = 0; kh < PH; kh++) {
            const ih = oh * SH + kh - padTop;
            if (ih < 0 || ih >= H) continue; // padding: -infinity, never wins
            for (let kw = 0; kw < PW; kw++) {
              const iw = ow * SW + kw - padLeft;
              if (iw < 0 || iw >= W) continue;
              const xi = ((n * H + ih) * W + iw) * C + c;
              if (bestIndex < 0 || x[xi] > best) {
                best = x[xi];
                bestIndex = xi;
              }
            }
          }
          if (bestIndex < 0) throw new Error('pool window contains no input element');
          const yi = ((n * OH + oh) * OW + ow) * C + c;
          y[yi] = best;
          argmax[yi] = bestIndex;
        }
      }
    }
  }
  return { y, shape: { N, H: OH, W: OW, C }, argmax };
}

/** dL/dx from dL/dy: each dy goes to the argmax of its window (accumulated over windows). */
export function maxPool2dBackward(
  x: ArrayLike<number>,
  shape: Shape4,
  dy: ArrayLike<number>,
  opts: Pool2DOptions,
): { dx: Float64Array } {
  const { argmax } = maxPool2dForward(x, shape, opts);
  if (dy.length !== argmax.length) throw new RangeError(`dy: expected length ${argmax.length}, got ${dy.length}`);
  const dx = new Float64Array(x.length);
  for (let i = 0; i < argmax.length; i++) {
    dx[argmax[i]] += dy[i];
  }
  return { dx };
}

/**
 * Reference AveragePooling2D, TF semantics: each output is the mean of the REAL elements of its window;
 * SAME padding cells count neither in the sum nor in the divisor (TF's AvgPool; Keras's
 * AveragePooling2D). So a corner window of a 'same' 2x2 pool over an odd image holds one element and
 * returns it unchanged.
 */
export function avgPool2dForward(x: ArrayLike<number>, shape: Shape4, opts: Pool2DOptions): { y: Float64Array; shape: Shape4; count: Int32Array } {
  const { N, H, W, C } = shape;
  const { PH, PW, SH, SW, padding } = opts;
  if (x.length !== N * H * W * C) throw new RangeError(`x: expected length ${N * H * W * C}, got ${x.length}`);
  const { OH, OW, padTop, padLeft } = conv2dGeometry(shape, PH, PW, SH, SW, padding);
  const y = new Float64Array(N * OH * OW * C);
  const count = new Int32Array(OH * OW);
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      for (let kh = 0; kh < PH; kh++) {
        for (let kw = 0; kw < PW; kw++) {
          const ih = oh * SH + kh - padTop, iw = ow * SW + kw - padLeft;
          if (ih >= 0 && ih < H && iw >= 0 && iw < W) count[oh * OW + ow]++;
        }
      }
    }
  }
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let c = 0; c < C; c++) {
          let sum = 0;
          for (let kh = 0; kh < PH; kh++) {
            const ih = oh * SH + kh - padTop;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < PW; kw++) {
              const iw = ow * SW + kw - padLeft;
              if (iw < 0 || iw >= W) continue;
              sum += x[((n * H + ih) * W + iw) * C + c];
            }
          }
          y[((n * OH + oh) * OW + ow) * C + c] = sum / count[oh * OW + ow];
        }
      }
    }
  }
  return { y, shape: { N, H: OH, W: OW, C }, count };
}

/** dL/dx from dL/dy: each dy, divided by its window's real element count, goes to those elements. */
export function avgPool2dBackward(shape: Shape4, dy: ArrayLike<number>, opts: Pool2DOptions): { dx: Float64Array } {
  const { N, H, W, C } = shape;
  const { PH, PW, SH, SW, padding } = opts;
  const { OH, OW, padTop, padLeft } = conv2dGeometry(shape, PH, PW, SH, SW, padding);
  if (dy.length !== N * OH * OW * C) throw new RangeError(`dy: expected length ${N * OH * OW * C}, got ${dy.length}`);
  const { count } = avgPool2dForward(new Float64Array(N * H * W * C), shape, opts);
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let c = 0; c < C; c++) {
          const g = dy[((n * OH + oh) * OW + ow) * C + c] / count[oh * OW + ow];
          for (let kh = 0; kh < PH; kh++) {
            const ih = oh * SH + kh - padTop;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < PW; kw++) {
              const iw = ow * SW + kw - padLeft;
              if (iw >= 0 && iw < W) dx[((n * H + ih) * W + iw) * C + c] += g;
            }
          }
        }
      }
    }
  }
  return { dx };
}
