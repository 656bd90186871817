/**
 * Reference (f64, plain loops) UpSampling2D, interpolation 'nearest', integer factors, NHWC.
 *   y[n][h][w][c] = x[n][floor(h/fh)][floor(w/fw)][c],   y shape [N, H*fh, W*fw, C]
 * Backward: dx[n][h][w][c] = sum of dy over its fh x fw block.
 */
import type { Shape4 } from './conv2d.js';

export function upsample2dForward(
  x: ArrayLike<number>,
  shape: Shape4,
  fh: number,
  fw: number,
): { y: Float64Array; shape: Shape4 } {
  const { N, H, W, C } = shape;
  if (!(Number.isInteger(fh) && fh >= 1 && Number.isInteger(fw) && fw >= 1)) {
    throw new RangeError(`bad upsampling factors ${fh}x${fw}`);
  }
  if (x.length !== N * H * W * C) throw new RangeError(`x: expected length ${N * H * W * C}, got ${x.length}`);
  const OH = H * fh;
  const OW = W * fw;
  const y = new Float64Array(N * OH * OW * C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let c = 0; c < C; c++) {
          const ih = Math.floor(oh / fh);
          const iw = Math.floor(ow / fw);
          y[((n * OH + oh) * OW + ow) * C + c] = x[((n * H + ih) * W + iw) * C + c];
        }
      }
    }
  }
  return { y, shape: { N, H: OH, W: OW, C } };
}

/** xShape is the INPUT shape of the forward; dy has shape [N, H*fh, W*fw, C]. */
export function upsample2dBackward(
  dy: ArrayLike<number>,
  xShape: Shape4,
  fh: number,
  fw: number,
): { dx: Float64Array } {
  const { N, H, W, C } = xShape;
  const OH = H * fh;
  const OW = W * fw;
  if (dy.length !== N * OH * OW * C) throw new RangeError(`dy: expected length ${N * OH * OW * C}, got ${dy.length}`);
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) {
          let sum = 0;
          for (let i = 0; i < fh; i++) {
            for (let j = 0; j < fw; j++) {
              sum += dy[((n * OH + (h * fh + i)) * OW + (w * fw + j)) * C + c];
            }
          }
          dx[((n * H + h) * W + w) * C + c] = sum;
        }
      }
    }
  }
  return { dx };
}
