/**
 * Reference (f64, plain loops) Conv2DTranspose, Keras semantics (output_padding None, dilation 1).
 *
 * Layouts:
 *   x  NHWC : x[n][ih][iw][c]       the layer's input, C channels
 *   w       : w[kh][kw][f][c]       at ((kh*KW + kw)*F + f)*C + c      (Keras stores [KH, KW, filters, in])
 *   b       : b[f]
 *   y  NHWC : y[n][oh][ow][f]
 *
 * Output size per axis (Keras deconv_output_length / TF.js deconvLength):
 *   'same' : out = in * stride            'valid': out = in * stride + max(k - stride, 0)
 * Each input pixel scatters its kernel-weighted values into the output (the definition of a transposed
 * convolution, written independently of the conv2d code): y[ih*S + kh - pad][iw*S + kw - pad][f] +=
 * x[ih][iw][c] * w[kh][kw][f][c], where pad is TF's 'same' padding of the Conv2D that maps an image of
 * the output's size to the input's (tf.nn.conv2d_transpose = conv2d_backprop_input), entries landing
 * outside the output dropped. y is the pre-activation output.
 */
import { padInfo, type Padding } from './padding.js';
import type { Shape4 } from './conv2d.js';

export interface Conv2DTransposeOptions {
  KH: number;
  KW: number;
  /** filters: output channels. */
  F: number;
  SH: number;
  SW: number;
  padding: Padding;
}

export function deconvLength(inSize: number, k: number, stride: number, padding: Padding): number {
  return padding === 'same' ? inSize * stride : inSize * stride + Math.max(k - stride, 0);
}

/** Output sizes and the 'before' padding of the adjoint Conv2D (TF's arithmetic on the output size). */
export function conv2dTransposeGeometry(xShape: Shape4, o: Conv2DTransposeOptions) {
  const OH = deconvLength(xShape.H, o.KH, o.SH, o.padding), OW = deconvLength(xShape.W, o.KW, o.SW, o.padding);
  const ph = padInfo(OH, o.KH, o.SH, o.padding), pw = padInfo(OW, o.KW, o.SW, o.padding);
  if (ph.out !== xShape.H || pw.out !== xShape.W) throw new Error('conv2dTransposeGeometry: inconsistent sizes');
  return { OH, OW, padTop: ph.before, padLeft: pw.before };
}

export function conv2dTransposeForward(x: ArrayLike<number>, xShape: Shape4, w: ArrayLike<number>, b: ArrayLike<number> | null,
                                       o: Conv2DTransposeOptions): { y: Float64Array; shape: Shape4 } {
  const { N, H, W, C } = xShape;
  const { KH, KW, F, SH, SW } = o;
  const { OH, OW, padTop, padLeft } = conv2dTransposeGeometry(xShape, o);
  const y = new Float64Array(N * OH * OW * F);
  for (let n = 0; n < N; n++) {
    if (b) for (let p = 0; p < OH * OW; p++) for (let f = 0; f < F; f++) y[(n * OH * OW + p) * F + f] = b[f];
    for (let ih = 0; ih < H; ih++) {
      for (let iw = 0; iw < W; iw++) {
        for (let kh = 0; kh < KH; kh++) {
          const oh = ih * SH + kh - padTop;
          if (oh < 0 || oh >= OH) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ow = iw * SW + kw - padLeft;
            if (ow < 0 || ow >= OW) continue;
            for (let f = 0; f < F; f++) {
              let sum = 0;
              for (let c = 0; c < C; c++) sum += x[((n * H + ih) * W + iw) * C + c] * w[((kh * KW + kw) * F + f) * C + c];
              y[((n * OH + oh) * OW + ow) * F + f] += sum;
            }
          }
        }
      }
    }
  }
  return { y, shape: { N, H: OH, W: OW, C: F } };
}

/** Given dy = dL/dy ([N, OH, OW, F]): dL/dx, dL/dw, dL/db, the transpose of the forward loop. */
export function conv2dTransposeBackward(x: ArrayLike<number>, xShape: Shape4, w: ArrayLike<number>, dy: ArrayLike<number>,
                                        o: Conv2DTransposeOptions): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const { N, H, W, C } = xShape;
  const { KH, KW, F, SH, SW } = o;
  const { OH, OW, padTop, padLeft } = conv2dTransposeGeometry(xShape, o);
  const dx = new Float64Array(N * H * W * C), dw = new Float64Array(KH * KW * F * C), db = new Float64Array(F);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < OH * OW; p++) for (let f = 0; f < F; f++) db[f] += dy[(n * OH * OW + p) * F + f];
    for (let ih = 0; ih < H; ih++) {
      for (let iw = 0; iw < W; iw++) {
        for (let kh = 0; kh < KH; kh++) {
          const oh = ih * SH + kh - padTop;
          if (oh < 0 || oh >= OH) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ow = iw * SW + kw - padLeft;
            if (ow < 0 || ow >= OW) continue;
            for (let f = 0; f < F; f++) {
              const g = dy[((n * OH + oh) * OW + ow) * F + f];
              for (let c = 0; c < C; c++) {
                const xi = ((n * H + ih) * W + iw) * C + c, wi = ((kh * KW + kw) * F + f) * C + c;
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
