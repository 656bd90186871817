// Winograd F(2x2, 3x3): a 3x3, unit-stride convolution computed 2x2 outputs at a time with 16 multiplies
// per input/output channel pair instead of 36 (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2015). conv2d.ts runs its forward, its fused-pool forward and its unit-stride input gradient
// through here where usesWinograd says (3x3 kernel, unit strides, winogradFits' channels in 4s, 2x2 tiles
// wasting at most 25%). The weight gradient stays direct: here each tap's rounding error would grow with
// the whole kernel's gradient rather than the tap's own, which adam magnifies (README, Architecture).
//
//   tile (th, tw) of the output: outputs (2th .. 2th+1, 2tw .. 2tw+1), read from the 4x4 window at input
//   row 2th, column 2tw (src is already padded: output (oh, ow) sums src[oh + kh][ow + kw]).
//   U[p] = G g G^T   (g: the 3x3 kernel of one channel pair, p = 4*row + column of the 4x4 result)
//   V[p] = B^T d B   (d: the 4x4 window, one input channel)
//   M[p] = Σ_c V[p][c] U[p][c][oc]   (16 matrix products: the 4x8 tiles of gemm.ts, run over c)
//   y = A^T M A      (the 2x2 outputs)
//   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1], B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A^T = [1 1 1 0; 0 1 -1 -1]
//
// Layouts (floats): U (16, C, OC); per block of 4 tiles V (16, 4, C) and M (16, 4, OC), in the thread's
// work area (winogradWorkFloats). NHWC everywhere, so 4 channels are one vector in both transforms.
// Summation order (shared by the SIMD kernels and their scalar twins, so both builds give the same bits):
// the transforms as written below, term by term; each M[p] from 0, adding V*U for c = 0..C-1 (a separate
// multiply and add in the mul + add builds, see gemm.ts madd); then y's terms in A^T's order, then the
// bias and activation as in the direct convolution's epilogue.
// The rounding differs from the direct convolution's (here the kernel and window pass through the
// transforms); its error against an f64 reference measured 0.4-0.6x the direct sum's.

import { tile4x8, tile4x4, storeVec, storePooled, STORE, BIAS, POOL_BIAS } from './gemm';
import { zeroFloats, copyFloats } from './copy';

/** Whether a 3x3, unit-stride convolution from C to OC channels takes this path. */
@inline export function winogradFits(C: i32, OC: i32): bool {
  return (C & 3) == 0 && (OC & 3) == 0;
}

/** Floats of one thread's work area: U, a block's V and M, one edge window. */
@inline export function winogradWorkFloats(C: i32, OC: i32): i32 {
  return 16 * C * OC + 64 * C + 64 * OC + 16 * C;
}
@inline function vOf(C: i32, OC: i32, work: usize): usize { return work + (<usize>(16 * C * OC) << 2); }
@inline function mOf(C: i32, OC: i32, work: usize): usize { return vOf(C, OC, work) + (<usize>(64 * C) << 2); }
@inline function edgeOf(C: i32, OC: i32, work: usize): usize { return mOf(C, OC, work) + (<usize>(64 * OC) << 2); }

/** U = G g G^T for the kernel w (3, 3, C, OC) (HWIO) into the work area. Scalar in every build. */
export function winogradKernel(C: i32, OC: i32, w: usize, work: usize): void {
  const CO = C * OC, st = <usize>CO << 2;
  for (let k = 0; k < CO; k++) {   // k = c*OC + oc: the same place in every tap and in every U[p]
    const g = w + (<usize>k << 2);
    const g00 = load<f32>(g), g01 = load<f32>(g + st), g02 = load<f32>(g + 2 * st);
    const g10 = load<f32>(g + 3 * st), g11 = load<f32>(g + 4 * st), g12 = load<f32>(g + 5 * st);
    const g20 = load<f32>(g + 6 * st), g21 = load<f32>(g + 7 * st), g22 = load<f32>(g + 8 * st);
    const u = work + (<usize>k << 2);
    kernelRow(g00, g01, g02, u, st);   // G's rows: g's row 0, half the sum, half the alternating sum, row 2
    kernelRow((g00 + g10 + g20) * 0.5, (g01 + g11 + g21) * 0.5, (g02 + g12 + g22) * 0.5, u + 4 * st, st);
    kernelRow((g00 - g10 + g20) * 0.5, (g01 - g11 + g21) * 0.5, (g02 - g12 + g22) * 0.5, u + 8 * st, st);
    kernelRow(g20, g21, g22, u + 12 * st, st);
  }
}

// One row of t G^T: (t0, (t0 + t1 + t2)/2, (t0 - t1 + t2)/2, t2).
@inline function kernelRow(t0: f32, t1: f32, t2: f32, u: usize, st: usize): void {
  store<f32>(u, t0);
  store<f32>(u + st, (t0 + t1 + t2) * 0.5);
  store<f32>(u + 2 * st, (t0 - t1 + t2) * 0.5);
  store<f32>(u + 3 * st, t2);
}

/**
 * y (nh, nw, OC) = the 3x3 convolution of src (rows ld floats, C channels per pixel; availH x availW pixels
 * readable, zeros assumed beyond) with the kernel winogradKernel left in work. mode: STORE, or (SIMD
 * builds) BIAS / BIAS_RELU with bias b, as the direct convolution's tiles apply it.
 */
export function winogradConv3(nh: i32, nw: i32, C: i32, OC: i32, src: usize, ld: i32, availH: i32, availW: i32,
                              y: usize, mode: i32, b: usize, work: usize): void {
  const TH = (nh + 1) >> 1, TW = (nw + 1) >> 1, T = TH * TW;
  const M = mOf(C, OC, work);
  const sc = <usize>OC << 2, ms = <usize>(4 * OC) << 2, yRow = <usize>(nw * OC) << 2;
  for (let t0 = 0; t0 < T; t0 += 4) {
    transformBlock(t0, T, TW, C, OC, src, ld, availH, availW, work);
    multiplyBlock(C, OC, work);
    for (let i = 0; i < 4 && t0 + i < T; i++) {
      const t = t0 + i, th = t / TW, tw = t - th * TW;
      const yo = y + (<usize>((2 * th * nw + 2 * tw) * OC) << 2);
      const right = 2 * tw + 1 < nw, down = 2 * th + 1 < nh;
      const mi = M + <usize>i * sc;
      if (ASC_FEATURE_SIMD) {
        for (let oc = 0; oc < OC; oc += 4) outputVec(mi + (<usize>oc << 2), ms, yo + (<usize>oc << 2), sc, yRow, mode, b + (<usize>oc << 2), right, down);
      } else {
        for (let oc = 0; oc < OC; oc++) outputScalar(mi + (<usize>oc << 2), ms, yo + (<usize>oc << 2), sc, yRow, right, down);
      }
    }
  }
}

/**
 * The same convolution followed by a 2x2, stride-2 max pool (SIMD builds; even nh and nw, so each tile is
 * one pool window): pooled (nh/2, nw/2, OC) gets each window's maximum after mode (POOL_BIAS or
 * POOL_BIAS_RELU, bias b) and, with an != 0 (training), the winners' offsets in the unpooled image, as
 * gemm.ts storePooled writes them for the direct tiles.
 */
export function winogradConv3Pooled(nh: i32, nw: i32, C: i32, OC: i32, src: usize, ld: i32, availH: i32, availW: i32,
                                    pooled: usize, mode: i32, b: usize, an: usize, work: usize): void {
  const TW = nw >> 1, T = (nh >> 1) * TW;
  const M = mOf(C, OC, work);
  const sc = <usize>OC << 2, ms = <usize>(4 * OC) << 2, rowFloats = nw * OC;
  for (let t0 = 0; t0 < T; t0 += 4) {
    transformBlock(t0, T, TW, C, OC, src, ld, availH, availW, work);
    multiplyBlock(C, OC, work);
    for (let i = 0; i < 4 && t0 + i < T; i++) {
      const t = t0 + i, th = t / TW, tw = t - th * TW;
      const mi = M + <usize>i * sc;
      for (let oc = 0; oc < OC; oc += 4) {
        const at = <usize>(t * OC + oc) << 2;
        outputPooled(mi + (<usize>oc << 2), ms, pooled + at, mode, b + (<usize>oc << 2), an == 0 ? 0 : an + at,
                     (2 * th * nw + 2 * tw) * OC + oc, OC, rowFloats);
      }
    }
  }
}

// V (16, 4, C) = B^T d B for tiles t0 .. t0+3 (past T: the last tile again, its results unused). A window
// that reaches past availH x availW is first copied into the edge window with zeros around it.
function transformBlock(t0: i32, T: i32, TW: i32, C: i32, OC: i32, src: usize, ld: i32, availH: i32, availW: i32, work: usize): void {
  const V = vOf(C, OC, work), edge = edgeOf(C, OC, work);
  const pixel = <usize>C << 2, vs = <usize>(4 * C) << 2;
  for (let i = 0; i < 4; i++) {
    const t = min(t0 + i, T - 1), th = t / TW, tw = t - th * TW;
    const r = 2 * th, q = 2 * tw;
    let d = src + (<usize>(r * ld + q * C) << 2), rowBytes = <usize>ld << 2;
    if (r + 4 > availH || q + 4 > availW) {
      const rows = min(4, availH - r), cols = min(4, availW - q);
      zeroFloats(edge, 16 * C);
      for (let k = 0; k < rows; k++) copyFloats(edge + <usize>(4 * k) * pixel, d + <usize>k * rowBytes, cols * C);
      d = edge;
      rowBytes = 4 * pixel;
    }
    const v = V + <usize>i * pixel;
    if (ASC_FEATURE_SIMD) {
      for (let c: usize = 0; c < pixel; c += 16) inputVec(d + c, rowBytes, pixel, v + c, vs);
    } else {
      for (let c: usize = 0; c < pixel; c += 4) inputScalar(d + c, rowBytes, pixel, v + c, vs);
    }
  }
}

// M[p] (4, OC) = V[p] (4, C) · U[p] (C, OC) for p = 0..15.
function multiplyBlock(C: i32, OC: i32, work: usize): void {
  const V = vOf(C, OC, work), M = mOf(C, OC, work);
  const pixel = <usize>C << 2, vs = <usize>(4 * C) << 2, sc = <usize>OC << 2, ms = <usize>(4 * OC) << 2;
  for (let p = 0; p < 16; p++) {
    const v0 = V + <usize>p * vs, up = work + <usize>p * <usize>(C * OC) * 4, mp = M + <usize>p * ms;
    if (ASC_FEATURE_SIMD) {
      let oc = 0;
      for (; oc + 8 <= OC; oc += 8) {
        tile4x8(1, C, 0, 4, v0, v0 + pixel, v0 + 2 * pixel, v0 + 3 * pixel, up + (<usize>oc << 2), sc, mp + (<usize>oc << 2), sc, STORE, 0);
      }
      if (oc < OC) tile4x4(1, C, 0, 4, v0, v0 + pixel, v0 + 2 * pixel, v0 + 3 * pixel, up + (<usize>oc << 2), sc, mp + (<usize>oc << 2), sc, STORE, 0);
    } else {
      for (let i = 0; i < 4; i++) {
        const vi = v0 + <usize>i * pixel;
        for (let oc = 0; oc < OC; oc++) {
          let acc: f32 = 0;
          for (let c = 0; c < C; c++) acc = acc + load<f32>(vi + (<usize>c << 2)) * load<f32>(up + <usize>(c * OC + oc) * 4);
          store<f32>(mp + <usize>i * sc + (<usize>oc << 2), acc);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The transforms, 4 channels per vector; each scalar twin is one lane of its SIMD kernel.

// v[p] (16 vectors vs bytes apart) = B^T d B, d's rows rowBytes apart and its pixels pixel bytes apart.
// Rows first: (d0 - d2, d1 + d2, d2 - d1, d1 - d3) per column, then the same across each row.
@inline function inputVec(d: usize, rowBytes: usize, pixel: usize, v: usize, vs: usize): void {
  const r1 = d + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
  const a00 = v128.load(d), a01 = v128.load(d + pixel), a02 = v128.load(d + 2 * pixel), a03 = v128.load(d + 3 * pixel);
  const a10 = v128.load(r1), a11 = v128.load(r1 + pixel), a12 = v128.load(r1 + 2 * pixel), a13 = v128.load(r1 + 3 * pixel);
  const a20 = v128.load(r2), a21 = v128.load(r2 + pixel), a22 = v128.load(r2 + 2 * pixel), a23 = v128.load(r2 + 3 * pixel);
  const a30 = v128.load(r3), a31 = v128.load(r3 + pixel), a32 = v128.load(r3 + 2 * pixel), a33 = v128.load(r3 + 3 * pixel);
  inputRowVec(f32x4.sub(a00, a20), f32x4.sub(a01, a21), f32x4.sub(a02, a22), f32x4.sub(a03, a23), v, vs);
  inputRowVec(f32x4.add(a10, a20), f32x4.add(a11, a21), f32x4.add(a12, a22), f32x4.add(a13, a23), v + 4 * vs, vs);
  inputRowVec(f32x4.sub(a20, a10), f32x4.sub(a21, a11), f32x4.sub(a22, a12), f32x4.sub(a23, a13), v + 8 * vs, vs);
  inputRowVec(f32x4.sub(a10, a30), f32x4.sub(a11, a31), f32x4.sub(a12, a32), f32x4.sub(a13, a33), v + 12 * vs, vs);
}
@inline function inputRowVec(t0: v128, t1: v128, t2: v128, t3: v128, v: usize, vs: usize): void {
  v128.store(v, f32x4.sub(t0, t2));
  v128.store(v + vs, f32x4.add(t1, t2));
  v128.store(v + 2 * vs, f32x4.sub(t2, t1));
  v128.store(v + 3 * vs, f32x4.sub(t1, t3));
}

function inputScalar(d: usize, rowBytes: usize, pixel: usize, v: usize, vs: usize): void {
  const r1 = d + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
  const a00 = load<f32>(d), a01 = load<f32>(d + pixel), a02 = load<f32>(d + 2 * pixel), a03 = load<f32>(d + 3 * pixel);
  const a10 = load<f32>(r1), a11 = load<f32>(r1 + pixel), a12 = load<f32>(r1 + 2 * pixel), a13 = load<f32>(r1 + 3 * pixel);
  const a20 = load<f32>(r2), a21 = load<f32>(r2 + pixel), a22 = load<f32>(r2 + 2 * pixel), a23 = load<f32>(r2 + 3 * pixel);
  const a30 = load<f32>(r3), a31 = load<f32>(r3 + pixel), a32 = load<f32>(r3 + 2 * pixel), a33 = load<f32>(r3 + 3 * pixel);
  inputRowScalar(a00 - a20, a01 - a21, a02 - a22, a03 - a23, v, vs);
  inputRowScalar(a10 + a20, a11 + a21, a12 + a22, a13 + a23, v + 4 * vs, vs);
  inputRowScalar(a20 - a10, a21 - a11, a22 - a12, a23 - a13, v + 8 * vs, vs);
  inputRowScalar(a10 - a30, a11 - a31, a12 - a32, a13 - a33, v + 12 * vs, vs);
}
@inline function inputRowScalar(t0: f32, t1: f32, t2: f32, t3: f32, v: usize, vs: usize): void {
  store<f32>(v, t0 - t2);
  store<f32>(v + vs, t1 + t2);
  store<f32>(v + 2 * vs, t2 - t1);
  store<f32>(v + 3 * vs, t1 - t3);
}

// The 2x2 outputs of A^T m A for m's 16 vectors (ms bytes apart): columns first, s0 = (m0 + m1) + m2 and
// s1 = (m1 - m2) - m3 down each column, then the same along s0 and s1. right/down: whether the tile's
// second column/row lies inside the output (sc: bytes per output pixel, yRow: per output row).
@inline function outputVec(m: usize, ms: usize, y: usize, sc: usize, yRow: usize, mode: i32, bias: usize, right: bool, down: bool): void {
  const s00 = colSum(m, ms, 0), s01 = colSum(m, ms, 1), s02 = colSum(m, ms, 2), s03 = colSum(m, ms, 3);
  storeVec(y, f32x4.add(f32x4.add(s00, s01), s02), mode, bias);
  if (right) storeVec(y + sc, f32x4.sub(f32x4.sub(s01, s02), s03), mode, bias);
  if (down) {
    const s10 = colDiff(m, ms, 0), s11 = colDiff(m, ms, 1), s12 = colDiff(m, ms, 2), s13 = colDiff(m, ms, 3);
    storeVec(y + yRow, f32x4.add(f32x4.add(s10, s11), s12), mode, bias);
    if (right) storeVec(y + yRow + sc, f32x4.sub(f32x4.sub(s11, s12), s13), mode, bias);
  }
}
@inline function colSum(m: usize, ms: usize, k: i32): v128 {
  const at = m + <usize>k * ms;
  return f32x4.add(f32x4.add(v128.load(at), v128.load(at + 4 * ms)), v128.load(at + 8 * ms));
}
@inline function colDiff(m: usize, ms: usize, k: i32): v128 {
  const at = m + <usize>(4 + k) * ms;
  return f32x4.sub(f32x4.sub(v128.load(at), v128.load(at + 4 * ms)), v128.load(at + 8 * ms));
}

// outputVec for a tile that is a whole pool window: the 4 outputs in window order go to storePooled.
@inline function outputPooled(m: usize, ms: usize, p: usize, mode: i32, bias: usize, an: usize, first: i32, right: i32, down: i32): void {
  const s00 = colSum(m, ms, 0), s01 = colSum(m, ms, 1), s02 = colSum(m, ms, 2), s03 = colSum(m, ms, 3);
  const s10 = colDiff(m, ms, 0), s11 = colDiff(m, ms, 1), s12 = colDiff(m, ms, 2), s13 = colDiff(m, ms, 3);
  storePooled(p, f32x4.add(f32x4.add(s00, s01), s02), f32x4.sub(f32x4.sub(s01, s02), s03),
              f32x4.add(f32x4.add(s10, s11), s12), f32x4.sub(f32x4.sub(s11, s12), s13), mode - POOL_BIAS + BIAS, bias, an, first, right, down);
}

function outputScalar(m: usize, ms: usize, y: usize, sc: usize, yRow: usize, right: bool, down: bool): void {
  const s00 = colSumScalar(m, ms, 0), s01 = colSumScalar(m, ms, 1), s02 = colSumScalar(m, ms, 2), s03 = colSumScalar(m, ms, 3);
  store<f32>(y, (s00 + s01) + s02);
  if (right) store<f32>(y + sc, (s01 - s02) - s03);
  if (down) {
    const s10 = colDiffScalar(m, ms, 0), s11 = colDiffScalar(m, ms, 1), s12 = colDiffScalar(m, ms, 2), s13 = colDiffScalar(m, ms, 3);
    store<f32>(y + yRow, (s10 + s11) + s12);
    if (right) store<f32>(y + yRow + sc, (s11 - s12) - s13);
  }
}
@inline function colSumScalar(m: usize, ms: usize, k: i32): f32 {
  const at = m + <usize>k * ms;
  return (load<f32>(at) + load<f32>(at + 4 * ms)) + load<f32>(at + 8 * ms);
}
@inline function colDiffScalar(m: usize, ms: usize, k: i32): f32 {
  const at = m + <usize>(4 + k) * ms;
  return (load<f32>(at) - load<f32>(at + 4 * ms)) - load<f32>(at + 8 * ms);
}
