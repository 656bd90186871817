/**
 * Reference (f64, plain loops) Conv2D, Keras semantics, dilation 1, no groups.
 *
 * Layouts:
 *   x  NHWC : x[n][h][w][c]        at ((n*H + h)*W + w)*C + c
 *   w  HWIO : w[kh][kw][c][oc]     at ((kh*KW + kw)*C + c)*OC + oc
 *   b       : b[oc]
 *   y  NHWC : y[n][oh][ow][oc]     at ((n*OH + oh)*OW + ow)*OC + oc
 *
 * y[n,oh,ow,oc] = b[oc] + sum_{kh,kw,c} x[n, oh*SH + kh - padTop, ow*SW + kw - padLeft, c] * w[kh,kw,c,oc]
 * where out-of-range input positions contribute 0 (zero padding), and padTop/padLeft
 * come from TF SAME padding (see padding.ts) or are 0 for VALID.
 * y is the pre-activation output; activations are separate ops (activations.ts).
 */
import { padInfo, type Padding } from './padding.js';

export interface Shape4 {
  N: number;
  H: number;
  W: number;
  C: number;
}

export interface Conv2DOptions {
  KH: number;
  KW: number;
  OC: number;
  SH: number;
  SW: number;
  padding: Padding;
}

function checkLen(name: string, a: ArrayLike<number>, n: number): void {
  if (a.length !== n) throw new RangeError(`${name}: expected length ${n}, got ${a.length}`);
}

/** Output shape and padding of a conv (or pool) over H and W. */
export function conv2dGeometry(
  xShape: Shape4,
  KH: number,
  KW: number,
  SH: number,
  SW: number,
  padding: Padding,
): { OH: number; OW: number; padTop: number; padLeft: number } {
  const ph = padInfo(xShape.H, KH, SH, padding);
  const pw = padInfo(xShape.W, KW, SW, padding);
  return { OH: ph.out, OW: pw.out, padTop: ph.before, padLeft: pw.before };
}

export function conv2dForward(
  x: ArrayLike<number>,
  xShape: Shape4,
  w: ArrayLike<number>,
  b: ArrayLike<number> | null,
  opts: Conv2DOptions,
): { y: Float64Array; shape: Shape4 } {
  const { N, H, W, C } = xShape;
  const { KH, KW, OC, SH, SW, padding } = opts;
  checkLen('x', x, N * H * W * C);
  checkLen('w', w, KH * KW * C * OC);
  if (b !== null) checkLen('b', b, OC);
  const { OH, OW, padTop, padLeft } = conv2dGeometry(xShape, KH, KW, SH, SW, padding);

  const y = new Float64Array(N * OH * OW * OC);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let oc = 0; oc < OC; oc++) {
          let sum = b !== null ? b[oc] : 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * SH + kh - padTop;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * SW + kw - padLeft;
              if (iw < 0 || iw >= W) continue;
              for (let c = 0; c < C; c++) {
                sum += x[((n * H + ih) * W + iw) * C + c] * w[((kh * KW + kw) * C + c) * OC + oc];
              }
            }
          }
          y[((n * OH + oh) * OW + ow) * OC + oc] = sum;
        }
      }
    }
  }
  return { y, shape: { N, H: OH, W: OW, C: OC } };
}

/**
 * Given dy = dL/dy (shape [N,OH,OW,OC]), returns dL/dx, dL/dw, dL/db.
 * Straight transpose of the forward loop: every product x*w that fed y gets dy back.
 */
export function conv2dBackward(
  x: ArrayLike<number>,
  xShape: Shape4,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
  opts: Conv2DOptions,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const { N, H, W, C } = xShape;
  const { KH, KW, OC, SH, SW, padding } = opts;
  checkLen('x', x, N * H * W * C);
  checkLen('w', w, KH * KW * C * OC);
  const { OH, OW, padTop, padLeft } = conv2dGeometry(xShape, KH, KW, SH, SW, padding);
  checkLen('dy', dy, N * OH * OW * OC);

  const dx = new Float64Array(N * H * W * C);
  const dw = new Float64Array(KH * KW * C * OC);
  const db = new Float64Array(OC);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let oc = 0; oc < OC; oc++) {
          const g = dy[((n * OH + oh) * OW + ow) * OC + oc];
          db[oc] += g;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * SH + kh - padTop;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * SW + kw - padLeft;
              if (iw < 0 || iw >= W) continue;
              for (let c = 0; c < C; c++) {
                const xi = ((n * H + ih) * W + iw) * C + c;
                const wi = ((kh * KW + kw) * C + c) * OC + oc;
                dx[xi] += w[wi] * g;
                dw[wi] += x[xi] * g;
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}
