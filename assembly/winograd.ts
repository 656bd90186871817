// Winograd F(2x2, 3x3): a 3x3, unit-stride convolution computed 2x2 outputs at a time with 16 multiplies
// per input/output channel pair instead of 36 (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2015). conv2d.ts runs its forward, its fused-pool forward and its unit-stride input gradient
// through here where usesWinograd says (3x3 kernel, unit strides, winogradFits' channels in 4s, 2x2 tiles
// wasting at most 25%). The weight gradient stays direct: here each tap's rounding error would grow with
// the whole kernel's gradient rather than the tap's own, which adam magnifies (README, Architecture).
// Predictions with 16+ channels each way take F(4x4, 3x3) instead where its tiles fit (winogradUses4;
// its section below): fewer multiplies, a larger error, which training steps would hand to adam.
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

/** Floats of one thread's work area: U, a block's V and M, one edge window (F(4x4, 3x3): and its transforms' first pass). */
@inline export function winogradWorkFloats(C: i32, OC: i32): i32 {
  const two = 16 * C * OC + 64 * C + 64 * OC + 16 * C;
  return winogradUses4(4, 4, C, OC) ? max(two, 36 * C * OC + 144 * C + 144 * OC + 36 * C + 144) : two;
}

/**
 * Whether nh x nw outputs from C to OC channels may take F(4x4, 3x3) (conv2d.ts: in inference only): 36
 * multiplies per 16 outputs instead of 64, for costlier transforms, so only with 16 or more channels
 * each way, and 4x4 tiles wasting at most 12.5% (a 28x28 or 40x40 output: none; 14x14: 31%, F(2x2, 3x3)).
 */
@inline export function winogradUses4(nh: i32, nw: i32, C: i32, OC: i32): bool {
  return C >= 16 && OC >= 16 && (C & 3) == 0 && (OC & 3) == 0 && 8 * 16 * ((nh + 3) >> 2) * ((nw + 3) >> 2) <= 9 * nh * nw;
}
@inline function vOf(C: i32, OC: i32, work: usize): usize { return work + (<usize>(16 * C * OC) << 2); }
@inline function mOf(C: i32, OC: i32, work: usize): usize { return vOf(C, OC, work) + (<usize>(64 * C) << 2); }
@inline function edgeOf(C: i32, OC: i32, work: usize): usize { return mOf(C, OC, work) + (<usize>(64 * OC) << 2); }

/** U = G g G^T for the kernel w (3, 3, C, OC) (HWIO) into the work area (four: F(4x4, 3x3)'s). Scalar in every build. */
export function winogradKernel(C: i32, OC: i32, w: usize, work: usize, four: bool): void {
  if (four) {
    kernel4(C, OC, w, work);
    return;
  }
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
 * readable, zeros assumed beyond) with the kernel winogradKernel left in work (four: on F(4x4, 3x3), whose
 * kernel it must be). mode: STORE, or (SIMD builds) BIAS / BIAS_RELU with bias b, as the direct
 * convolution's tiles apply it.
 */
export function winogradConv3(nh: i32, nw: i32, C: i32, OC: i32, src: usize, ld: i32, availH: i32, availW: i32,
                              y: usize, mode: i32, b: usize, work: usize, four: bool): void {
  if (four) {
    conv4(nh, nw, C, OC, src, ld, availH, availW, y, mode, b, work, false);
    return;
  }
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
 * gemm.ts storePooled writes them for the direct tiles. four (inference: an == 0): on F(4x4, 3x3).
 */
export function winogradConv3Pooled(nh: i32, nw: i32, C: i32, OC: i32, src: usize, ld: i32, availH: i32, availW: i32,
                                    pooled: usize, mode: i32, b: usize, an: usize, work: usize, four: bool): void {
  if (four) {
    conv4(nh, nw, C, OC, src, ld, availH, availW, pooled, mode, b, work, true);
    return;
  }
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

// V (16, 4, C) = B^T d B for tiles t0 .. t0+3 (past T: the last tile again, its results unused).
function transformBlock(t0: i32, T: i32, TW: i32, C: i32, OC: i32, src: usize, ld: i32, availH: i32, availW: i32, work: usize): void {
  const V = vOf(C, OC, work), edge = edgeOf(C, OC, work);
  const pixel = <usize>C << 2, vs = <usize>(4 * C) << 2;
  for (let i = 0; i < 4; i++) {
    const t = min(t0 + i, T - 1), th = t / TW, tw = t - th * TW;
    const d = windowAt(src, ld, C, 2 * th, 2 * tw, 4, availH, availW, edge), rowBytes: usize = d == edge ? 4 * pixel : <usize>ld << 2;
    const v = V + <usize>i * pixel;
    if (ASC_FEATURE_SIMD) {
      for (let c: usize = 0; c < pixel; c += 16) inputVec(d + c, rowBytes, pixel, v + c, vs);
    } else {
      for (let c: usize = 0; c < pixel; c += 4) inputScalar(d + c, rowBytes, pixel, v + c, vs);
    }
  }
}

// The size x size window at row r, column q of src: in place, or, where it reaches past availH x
// availW, copied into edge with zeros around it (rows size x C floats long there).
@inline function windowAt(src: usize, ld: i32, C: i32, r: i32, q: i32, size: i32, availH: i32, availW: i32, edge: usize): usize {
  const d = src + (<usize>(r * ld + q * C) << 2);
  if (r + size <= availH && q + size <= availW) return d;
  const rows = min(size, availH - r), cols = min(size, availW - q), edgeRow = <usize>(size * C) << 2;
  zeroFloats(edge, size * size * C);
  for (let k = 0; k < rows; k++) copyFloats(edge + <usize>k * edgeRow, d + (<usize>(k * ld) << 2), cols * C);
  return edge;
}

// M[p] (4, OC) = V[p] (4, C) · U[p] (C, OC) for p = 0..15.
function multiplyBlock(C: i32, OC: i32, work: usize): void {
  multiplyProducts(16, C, OC, work, vOf(C, OC, work), mOf(C, OC, work));
}

// M[p] (4, OC) = V[p] (4, C) · U[p] (C, OC) for p = 0..P-1 (U at work).
@inline function multiplyProducts(P: i32, C: i32, OC: i32, work: usize, V: usize, M: usize): void {
  const pixel = <usize>C << 2, vs = <usize>(4 * C) << 2, sc = <usize>OC << 2, ms = <usize>(4 * OC) << 2;
  for (let p = 0; p < P; p++) {
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
// F(4x4, 3x3) (winogradUses4): 4x4 outputs from each 6x6 window, 36 multiplies per channel pair.
//   G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// Layouts (floats): U (36, C, OC); per block of 4 tiles V (36, 4, C) and M (36, 4, OC); a 6x6 edge window;
// 36 vectors for the transforms' first pass. Each transform combines rows first (through the 36 vectors),
// then across each row, in the order in4Vec/out4Vec write (scalar twins: the same, per lane). U is
// formed in f64 and rounded once (its 1/6 and 1/24 are not exact in f32).
@inline function v4Of(C: i32, OC: i32, work: usize): usize { return work + (<usize>(36 * C * OC) << 2); }
@inline function m4Of(C: i32, OC: i32, work: usize): usize { return v4Of(C, OC, work) + (<usize>(144 * C) << 2); }
@inline function edge4Of(C: i32, OC: i32, work: usize): usize { return m4Of(C, OC, work) + (<usize>(144 * OC) << 2); }
@inline function pass4Of(C: i32, OC: i32, work: usize): usize { return edge4Of(C, OC, work) + (<usize>(36 * C) << 2); }

// Row i of G applied to (a0, a1, a2), in f64.
@inline function gRow(i: i32, a0: f64, a1: f64, a2: f64): f64 {
  switch (i) {
    case 0: return a0 / 4;
    case 1: return -(a0 + a1 + a2) / 6;
    case 2: return -(a0 - a1 + a2) / 6;
    case 3: return (a0 + 2 * a1 + 4 * a2) / 24;
    case 4: return (a0 - 2 * a1 + 4 * a2) / 24;
    default: return a2;
  }
}

function kernel4(C: i32, OC: i32, w: usize, work: usize): void {
  const CO = C * OC, st = <usize>CO << 2;
  for (let k = 0; k < CO; k++) {
    const g = w + (<usize>k << 2);
    for (let j = 0; j < 6; j++) {   // G across each kernel row (kw), then down the columns (kh)
      const h0 = gRow(j, <f64>load<f32>(g), <f64>load<f32>(g + st), <f64>load<f32>(g + 2 * st));
      const h1 = gRow(j, <f64>load<f32>(g + 3 * st), <f64>load<f32>(g + 4 * st), <f64>load<f32>(g + 5 * st));
      const h2 = gRow(j, <f64>load<f32>(g + 6 * st), <f64>load<f32>(g + 7 * st), <f64>load<f32>(g + 8 * st));
      for (let i = 0; i < 6; i++) store<f32>(work + <usize>(i * 6 + j) * st + (<usize>k << 2), <f32>gRow(i, h0, h1, h2));
    }
  }
}

// y (nh, nw, OC) as winogradConv3 writes it, or (pool) the 2x2 max pool of it as winogradConv3Pooled
// writes it in inference (y: the pooled output; even nh and nw, so each tile holds 1, 2 or 4 whole windows).
function conv4(nh: i32, nw: i32, C: i32, OC: i32, src: usize, ld: i32, availH: i32, availW: i32,
               y: usize, mode: i32, b: usize, work: usize, pool: bool): void {
  const TW = (nw + 3) >> 2, T = ((nh + 3) >> 2) * TW;
  const V = v4Of(C, OC, work), M = m4Of(C, OC, work), edge = edge4Of(C, OC, work), pass = pass4Of(C, OC, work);
  const pixel = <usize>C << 2, vs = <usize>(4 * C) << 2;
  const sc = <usize>OC << 2, ms = <usize>(4 * OC) << 2, yRow = <usize>(nw * OC) << 2;
  for (let t0 = 0; t0 < T; t0 += 4) {
    for (let i = 0; i < 4; i++) {   // V (36, 4, C) for tiles t0 .. t0+3 (past T: the last tile again, unused)
      const t = min(t0 + i, T - 1), th = t / TW, tw = t - th * TW;
      const d = windowAt(src, ld, C, 4 * th, 4 * tw, 6, availH, availW, edge), rowBytes: usize = d == edge ? 6 * pixel : <usize>ld << 2;
      const v = V + <usize>i * pixel;
      if (ASC_FEATURE_SIMD) {
        for (let c: usize = 0; c < pixel; c += 16) inputVec4(d + c, rowBytes, pixel, v + c, vs, pass);
      } else {
        for (let c: usize = 0; c < pixel; c += 4) inputScalar4(d + c, rowBytes, pixel, v + c, vs, pass);
      }
    }
    multiplyProducts(36, C, OC, work, V, M);
    for (let i = 0; i < 4 && t0 + i < T; i++) {
      const t = t0 + i, th = t / TW, tw = t - th * TW;
      const yo = y + (<usize>((4 * th * nw + 4 * tw) * OC) << 2);
      const rows = min(4, nh - 4 * th), cols = min(4, nw - 4 * tw);
      const mi = M + <usize>i * sc;
      if (ASC_FEATURE_SIMD && pool) {
        const PW = nw >> 1, at = (2 * th * PW + 2 * tw) * OC, first = (4 * th * nw + 4 * tw) * OC;
        for (let oc = 0; oc < OC; oc += 4) {
          const o = <usize>oc << 2;
          outputPooled4(mi + o, ms, y + (<usize>(at + oc) << 2), PW * OC, mode, b + o, first + oc, OC, nw * OC, rows, cols, pass);
        }
      } else if (ASC_FEATURE_SIMD) {
        for (let oc = 0; oc < OC; oc += 4) {
          const o = <usize>oc << 2;
          outputVec4(mi + o, ms, yo + o, sc, yRow, mode, b + o, rows, cols, pass);
        }
      } else {
        for (let oc = 0; oc < OC; oc++) outputScalar4(mi + (<usize>oc << 2), ms, yo + (<usize>oc << 2), sc, yRow, rows, cols, pass);
      }
    }
  }
}

// v[p] (36 vectors vs bytes apart) = B^T d B for the 6x6 window d (rows rowBytes apart, pixels pixel
// bytes apart): each column through in4Vec into pass (row k of the result at pass + 96k), then each row.
@inline function inputVec4(d: usize, rowBytes: usize, pixel: usize, v: usize, vs: usize, pass: usize): void {
  for (let j = 0; j < 6; j++) {
    const c = d + <usize>j * pixel;
    in4Vec(v128.load(c), v128.load(c + rowBytes), v128.load(c + 2 * rowBytes), v128.load(c + 3 * rowBytes),
           v128.load(c + 4 * rowBytes), v128.load(c + 5 * rowBytes), pass + (<usize>j << 4), 96);
  }
  for (let k = 0; k < 6; k++) {
    const r = pass + <usize>k * 96;
    in4Vec(v128.load(r), v128.load(r, 16), v128.load(r, 32), v128.load(r, 48), v128.load(r, 64), v128.load(r, 80), v + <usize>(6 * k) * vs, vs);
  }
}
// B^T's rows on (d0 .. d5), results st bytes apart.
@inline function in4Vec(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, out: usize, st: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  v128.store(out, f32x4.add(f32x4.sub(d4, f32x4.mul(d2, five)), f32x4.mul(d0, four)));
  const a = f32x4.sub(d4, f32x4.mul(d2, four)), c = f32x4.sub(f32x4.mul(d1, four), d3);
  v128.store(out + st, f32x4.sub(a, c));
  v128.store(out + 2 * st, f32x4.add(a, c));
  const bb = f32x4.sub(d4, d2), e = f32x4.mul(f32x4.sub(d1, d3), two);
  v128.store(out + 3 * st, f32x4.sub(bb, e));
  v128.store(out + 4 * st, f32x4.add(bb, e));
  v128.store(out + 5 * st, f32x4.add(f32x4.sub(d5, f32x4.mul(d3, five)), f32x4.mul(d1, four)));
}

function inputScalar4(d: usize, rowBytes: usize, pixel: usize, v: usize, vs: usize, pass: usize): void {
  for (let j = 0; j < 6; j++) {
    const c = d + <usize>j * pixel;
    in4Scalar(load<f32>(c), load<f32>(c + rowBytes), load<f32>(c + 2 * rowBytes), load<f32>(c + 3 * rowBytes),
              load<f32>(c + 4 * rowBytes), load<f32>(c + 5 * rowBytes), pass + (<usize>j << 2), 24);
  }
  for (let k = 0; k < 6; k++) {
    const r = pass + <usize>k * 24;
    in4Scalar(load<f32>(r), load<f32>(r, 4), load<f32>(r, 8), load<f32>(r, 12), load<f32>(r, 16), load<f32>(r, 20), v + <usize>(6 * k) * vs, vs);
  }
}
@inline function in4Scalar(d0: f32, d1: f32, d2: f32, d3: f32, d4: f32, d5: f32, out: usize, st: usize): void {
  store<f32>(out, (d4 - d2 * 5) + d0 * 4);
  const a = d4 - d2 * 4, c = d1 * 4 - d3;
  store<f32>(out + st, a - c);
  store<f32>(out + 2 * st, a + c);
  const bb = d4 - d2, e = (d1 - d3) * 2;
  store<f32>(out + 3 * st, bb - e);
  store<f32>(out + 4 * st, bb + e);
  store<f32>(out + 5 * st, (d5 - d3 * 5) + d1 * 4);
}

// The rows..cols corner of the 4x4 outputs A^T m A for m's 36 vectors (ms bytes apart): each column of m
// through A^T into pass (4 rows of 6), then each of those rows.
@inline function outputVec4(m: usize, ms: usize, y: usize, sc: usize, yRow: usize, mode: i32, bias: usize, rows: i32, cols: i32, pass: usize): void {
  for (let j = 0; j < 6; j++) {
    const c = m + <usize>j * ms;
    out4Vec(v128.load(c), v128.load(c + 6 * ms), v128.load(c + 12 * ms), v128.load(c + 18 * ms), v128.load(c + 24 * ms), v128.load(c + 30 * ms),
            pass + (<usize>j << 4), 96);
  }
  for (let k = 0; k < rows; k++) {
    const r = pass + <usize>k * 96, yk = y + <usize>k * yRow;
    const m0 = v128.load(r), m1 = v128.load(r, 16), m2 = v128.load(r, 32), m3 = v128.load(r, 48), m4 = v128.load(r, 64), m5 = v128.load(r, 80);
    const p = f32x4.add(m1, m2), q = f32x4.sub(m1, m2), rr = f32x4.add(m3, m4), s = f32x4.sub(m3, m4);
    storeVec(yk, f32x4.add(f32x4.add(m0, p), rr), mode, bias);
    if (cols > 1) storeVec(yk + sc, f32x4.add(q, f32x4.mul(s, f32x4.splat(2))), mode, bias);
    if (cols > 2) storeVec(yk + 2 * sc, f32x4.add(p, f32x4.mul(rr, f32x4.splat(4))), mode, bias);
    if (cols > 3) storeVec(yk + 3 * sc, f32x4.add(f32x4.add(q, f32x4.mul(s, f32x4.splat(8))), m5), mode, bias);
  }
}
// outputVec4 for a tile of whole 2x2 pool windows (rows, cols: 2 or 4): each window's 4 outputs in
// window order go to storePooled (p: the pooled pixel of the tile's first window; pRow: floats per
// pooled row; first, right, down: storePooled's unpooled offsets, as conv4 computes them; no winners here).
@inline function outputPooled4(m: usize, ms: usize, p: usize, pRow: i32, mode: i32, bias: usize,
                               first: i32, right: i32, down: i32, rows: i32, cols: i32, pass: usize): void {
  for (let j = 0; j < 6; j++) {
    const c = m + <usize>j * ms;
    out4Vec(v128.load(c), v128.load(c + 6 * ms), v128.load(c + 12 * ms), v128.load(c + 18 * ms), v128.load(c + 24 * ms), v128.load(c + 30 * ms),
            pass + (<usize>j << 4), 96);
  }
  const pm = mode - POOL_BIAS + BIAS;
  for (let k = 0; k < rows; k += 2) {   // window row k/2: output rows k and k + 1
    const r = pass + <usize>k * 96;
    const a0 = v128.load(r), a1 = v128.load(r, 16), a2 = v128.load(r, 32), a3 = v128.load(r, 48), a4 = v128.load(r, 64), a5 = v128.load(r, 80);
    const b0 = v128.load(r, 96), b1 = v128.load(r, 112), b2 = v128.load(r, 128), b3 = v128.load(r, 144), b4 = v128.load(r, 160), b5 = v128.load(r, 176);
    const ap = f32x4.add(a1, a2), aq = f32x4.sub(a1, a2), ar = f32x4.add(a3, a4), as = f32x4.sub(a3, a4);
    const bp = f32x4.add(b1, b2), bq = f32x4.sub(b1, b2), br = f32x4.add(b3, b4), bs = f32x4.sub(b3, b4);
    const pk = p + (<usize>((k >> 1) * pRow) << 2), fk = first + k * down;
    storePooled(pk, f32x4.add(f32x4.add(a0, ap), ar), f32x4.add(aq, f32x4.mul(as, f32x4.splat(2))),
                f32x4.add(f32x4.add(b0, bp), br), f32x4.add(bq, f32x4.mul(bs, f32x4.splat(2))), pm, bias, 0, fk, right, down);
    if (cols > 2) {
      storePooled(pk + (<usize>right << 2), f32x4.add(ap, f32x4.mul(ar, f32x4.splat(4))), f32x4.add(f32x4.add(aq, f32x4.mul(as, f32x4.splat(8))), a5),
                  f32x4.add(bp, f32x4.mul(br, f32x4.splat(4))), f32x4.add(f32x4.add(bq, f32x4.mul(bs, f32x4.splat(8))), b5), pm, bias,
                  0, fk + 2 * right, right, down);
    }
  }
}

// A^T's rows on (m0 .. m5), results st bytes apart.
@inline function out4Vec(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, out: usize, st: usize): void {
  const p = f32x4.add(m1, m2), q = f32x4.sub(m1, m2), r = f32x4.add(m3, m4), s = f32x4.sub(m3, m4);
  v128.store(out, f32x4.add(f32x4.add(m0, p), r));
  v128.store(out + st, f32x4.add(q, f32x4.mul(s, f32x4.splat(2))));
  v128.store(out + 2 * st, f32x4.add(p, f32x4.mul(r, f32x4.splat(4))));
  v128.store(out + 3 * st, f32x4.add(f32x4.add(q, f32x4.mul(s, f32x4.splat(8))), m5));
}

function outputScalar4(m: usize, ms: usize, y: usize, sc: usize, yRow: usize, rows: i32, cols: i32, pass: usize): void {
  for (let j = 0; j < 6; j++) {
    const c = m + <usize>j * ms;
    out4Scalar(load<f32>(c), load<f32>(c + 6 * ms), load<f32>(c + 12 * ms), load<f32>(c + 18 * ms), load<f32>(c + 24 * ms), load<f32>(c + 30 * ms),
               pass + (<usize>j << 2), 24);
  }
  for (let k = 0; k < rows; k++) {
    const r = pass + <usize>k * 24, yk = y + <usize>k * yRow;
    const m0 = load<f32>(r), m1 = load<f32>(r, 4), m2 = load<f32>(r, 8), m3 = load<f32>(r, 12), m4 = load<f32>(r, 16), m5 = load<f32>(r, 20);
    const p = m1 + m2, q = m1 - m2, rr = m3 + m4, s = m3 - m4;
    store<f32>(yk, (m0 + p) + rr);
    if (cols > 1) store<f32>(yk + sc, q + s * 2);
    if (cols > 2) store<f32>(yk + 2 * sc, p + rr * 4);
    if (cols > 3) store<f32>(yk + 3 * sc, (q + s * 8) + m5);
  }
}
@inline function out4Scalar(m0: f32, m1: f32, m2: f32, m3: f32, m4: f32, m5: f32, out: usize, st: usize): void {
  const p = m1 + m2, q = m1 - m2, r = m3 + m4, s = m3 - m4;
  store<f32>(out, (m0 + p) + r);
  store<f32>(out + st, q + s * 2);
  store<f32>(out + 2 * st, p + r * 4);
  store<f32>(out + 3 * st, (q + s * 8) + m5);
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
