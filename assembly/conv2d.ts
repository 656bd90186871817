// Conv2D as im2col + GEMM, one image at a time, in blocks of ROWS_PER_BLOCK output pixels so that the
// im2col block (ROWS_PER_BLOCK x K floats) stays in cache.
//
//   x  is (N, H, W, C)        NHWC input
//   w  is (KH, KW, C, OC)     Keras HWIO kernel = a row-major [K, OC] matrix with K = KH*KW*C
//   y  is (N, OH, OW, OC)     y = act(conv(x, w) + b)
//   col is (rows, K)          one im2col row per output pixel: [kh][kw][c], zeros where padding
//
// Padding is TF's: padTop/padLeft are the "before" amounts, and anything past the input is zero.
// Threads: each call owns the images [n0, n1) and writes only their y/dx and its own chunk's partial
// gradients, so no two threads ever write the same address.
import { gemm } from './gemm';
import { copyFloats, addFloats, zeroFloats } from './copy';
import { biasActivationForward } from './activations';

export const ROWS_PER_BLOCK = 64;

// Geometry of one conv layer, unpacked once from the plan.
@final @unmanaged export class ConvShape {
  H: i32; W: i32; C: i32;
  OH: i32; OW: i32; OC: i32;
  KH: i32; KW: i32; SH: i32; SW: i32;
  padTop: i32; padLeft: i32;
}

/** col[r][k] for output pixels m0..m0+rows of image xn (one image, (H,W,C)). */
function im2col(s: ConvShape, xn: usize, m0: i32, rows: i32, col: usize): void {
  const K = s.KH * s.KW * s.C;
  const run = s.KW * s.C;
  let oh = m0 / s.OW, ow = m0 % s.OW;
  for (let r = 0; r < rows; r++) {
    const iw0 = ow * s.SW - s.padLeft;
    const wholeRow = iw0 >= 0 && iw0 + s.KW <= s.W;
    let dst = col + (<usize>(r * K) << 2);
    for (let kh = 0; kh < s.KH; kh++, dst += <usize>run << 2) {
      const ih = oh * s.SH - s.padTop + kh;
      if (ih < 0 || ih >= s.H) { zeroFloats(dst, run); continue; }
      const src = xn + (<usize>((ih * s.W + iw0) * s.C) << 2);
      if (wholeRow) { copyFloats(dst, src, run); continue; }
      for (let kw = 0; kw < s.KW; kw++) {
        const iw = iw0 + kw;
        const d = dst + (<usize>(kw * s.C) << 2);
        if (iw < 0 || iw >= s.W) zeroFloats(d, s.C);
        else copyFloats(d, src + (<usize>(kw * s.C) << 2), s.C);
      }
    }
    if (++ow == s.OW) { ow = 0; oh++; }
  }
}

/** dxn += col2im(dcol): the transpose of im2col, scatter-adding each patch back onto image dxn. */
function col2imAdd(s: ConvShape, dcol: usize, m0: i32, rows: i32, dxn: usize): void {
  const K = s.KH * s.KW * s.C;
  const run = s.KW * s.C;
  let oh = m0 / s.OW, ow = m0 % s.OW;
  for (let r = 0; r < rows; r++) {
    const iw0 = ow * s.SW - s.padLeft;
    const wholeRow = iw0 >= 0 && iw0 + s.KW <= s.W;
    let src = dcol + (<usize>(r * K) << 2);
    for (let kh = 0; kh < s.KH; kh++, src += <usize>run << 2) {
      const ih = oh * s.SH - s.padTop + kh;
      if (ih < 0 || ih >= s.H) continue;
      const dst = dxn + (<usize>((ih * s.W + iw0) * s.C) << 2);
      if (wholeRow) { addFloats(dst, src, run); continue; }
      for (let kw = 0; kw < s.KW; kw++) {
        const iw = iw0 + kw;
        if (iw >= 0 && iw < s.W) addFloats(dst + (<usize>(kw * s.C) << 2), src + (<usize>(kw * s.C) << 2), s.C);
      }
    }
    if (++ow == s.OW) { ow = 0; oh++; }
  }
}

/** True when im2col would copy x unchanged (1x1 kernel, stride 1, no padding): the GEMM reads x directly. */
@inline function isPointwise(s: ConvShape): bool {
  return s.KH == 1 && s.KW == 1 && s.SH == 1 && s.SW == 1 && s.padTop == 0 && s.padLeft == 0;
}

/** Scratch bytes one thread needs: an im2col block plus the transposed kernel. */
export function conv2dScratchBytes(s: ConvShape): i32 {
  const K = s.KH * s.KW * s.C;
  return (ROWS_PER_BLOCK * K + K * s.OC) << 2;
}

/** y[n] = act(conv(x[n], w) + b) for images n0..n1. */
export function conv2dForward(s: ConvShape, x: usize, w: usize, b: usize, act: i32, y: usize,
                              n0: i32, n1: i32, scratch: usize): void {
  const K = s.KH * s.KW * s.C;
  const M = s.OH * s.OW;
  const inBytes = <usize>(s.H * s.W * s.C) << 2;
  const outBytes = <usize>(M * s.OC) << 2;
  for (let n = n0; n < n1; n++) {
    const xn = x + <usize>n * inBytes;
    const yn = y + <usize>n * outBytes;
    for (let m0 = 0; m0 < M; m0 += ROWS_PER_BLOCK) {
      const rows = min(ROWS_PER_BLOCK, M - m0);
      let a = xn + (<usize>(m0 * K) << 2);
      if (!isPointwise(s)) { im2col(s, xn, m0, rows, scratch); a = scratch; }
      const yb = yn + (<usize>(m0 * s.OC) << 2);
      gemm(rows, s.OC, K, a, K, 1, w, s.OC, yb, s.OC, false);
      biasActivationForward(yb, rows, s.OC, b, act);
    }
  }
}

/**
 * Backward for images n0..n1 given dz = dL/d(pre-activation) (the caller applied act'):
 *   dW += col^T · dz   and   db += Σ dz   (into this chunk's partials, accumulated image by image)
 *   dx  = col2im(dz · w^T)                (skipped when dx == 0)
 */
export function conv2dBackward(s: ConvShape, x: usize, w: usize, dz: usize, dx: usize, dw: usize, db: usize,
                               n0: i32, n1: i32, scratch: usize): void {
  const K = s.KH * s.KW * s.C;
  const M = s.OH * s.OW;
  const OC = s.OC;
  const inBytes = <usize>(s.H * s.W * s.C) << 2;
  const outBytes = <usize>(M * OC) << 2;
  const col = scratch;
  const wT = scratch + (<usize>(ROWS_PER_BLOCK * K) << 2);   // (OC, K)
  if (dx != 0) {
    for (let k = 0; k < K; k++) {
      for (let oc = 0; oc < OC; oc++) {
        store<f32>(wT + (<usize>(oc * K + k) << 2), load<f32>(w + (<usize>(k * OC + oc) << 2)));
      }
    }
  }
  for (let n = n0; n < n1; n++) {
    const xn = x + <usize>n * inBytes;
    const dzn = dz + <usize>n * outBytes;
    for (let m = 0; m < M; m++) addFloats(db, dzn + (<usize>(m * OC) << 2), OC);
    if (dx != 0) zeroFloats(dx + <usize>n * inBytes, s.H * s.W * s.C);
    for (let m0 = 0; m0 < M; m0 += ROWS_PER_BLOCK) {
      const rows = min(ROWS_PER_BLOCK, M - m0);
      const dzb = dzn + (<usize>(m0 * OC) << 2);
      if (isPointwise(s)) {
        const xb = xn + (<usize>(m0 * K) << 2);
        gemm(K, OC, rows, xb, 1, K, dzb, OC, dw, OC, true);
        if (dx != 0) gemm(rows, K, OC, dzb, OC, 1, wT, K, dx + <usize>n * inBytes + (<usize>(m0 * K) << 2), K, false);
        continue;
      }
      im2col(s, xn, m0, rows, col);
      gemm(K, OC, rows, col, 1, K, dzb, OC, dw, OC, true);
      if (dx != 0) {
        gemm(rows, K, OC, dzb, OC, 1, wT, K, col, K, false);   // the block's dcol overwrites its col
        col2imAdd(s, col, m0, rows, dx + <usize>n * inBytes);
      }
    }
  }
}
