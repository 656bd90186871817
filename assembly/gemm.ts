// General f32 matrix product, the work-horse of conv2d and dense.
//
//   C[M,N] = A[M,K] · B[K,N]          (accumulate = false)
//   C[M,N] = C[M,N] + A[M,K] · B[K,N] (accumulate = true)
//
// A element (i,k) lives at a + 4*(i*rsA + k*csA): a row-major A has (rsA = K, csA = 1), the transpose of a
// row-major [K,M] matrix has (rsA = 1, csA = M); that is how weight gradients read im2col columns.
// B and C are row-major with row strides ldb and ldc (in floats). All pointers are byte addresses.
//
// Summation order is fixed and shared by the SIMD kernels and their scalar twins: each output starts from
// 0, adds a(i,k)*b(k,j) for k = 0..K-1 (a separate multiply and add in the mul + add builds; see madd),
// and only then is added to C. Every lane of a SIMD tile is therefore bit-identical to the scalar loop.
// The one exception is a column panel narrower than 4 with A rows contiguous in k, which is reduced as a dot product in 4 lane
// partials (see dotRunsSimd); its scalar twin keeps the same 4 partials and folds them the same way.
// see: XNNPACK src/f32-gemm (4x8 register tiles, vacc<row>x<cols> naming).

import { storeWindowMax } from './window-max';

/** C[M,N] (+)= A·B for byte pointers and float strides; see the file comment for the layout. */
export function gemm(M: i32, N: i32, K: i32, a: usize, rsA: i32, csA: i32, b: usize, ldb: i32,
                     c: usize, ldc: i32, accumulate: bool): void {
  if (M <= 0 || N <= 0) return;
  if (ASC_FEATURE_SIMD) gemmSimd(M, N, K, a, rsA, csA, b, ldb, c, ldc, accumulate);
  else gemmScalar(M, N, K, a, rsA, csA, b, ldb, c, ldc, accumulate);
}

// ---------------------------------------------------------------------------------------------------
// Scalar twin: the readable spec.

function gemmScalar(M: i32, N: i32, K: i32, a: usize, rsA: i32, csA: i32, b: usize, ldb: i32,
                    c: usize, ldc: i32, accumulate: bool): void {
  const N4 = N & ~3;
  const ka = <usize>csA << 2, sb = <usize>ldb << 2;
  for (let j = 0; j < N; j++) {
    const bj = b + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      const ai = a + (<usize>(i * rsA) << 2);
      // Columns in panels of 4 or 8 are plain sums over k (what every SIMD lane computes); with
      // contiguous A rows the SIMD build reduces the last N%4 columns as 4-lane dot products.
      const acc = j >= N4 && csA == 1 && rsA != 1 ? dotRunsScalar(1, K, 0, ai, bj, sb) : dotStrided(K, ai, ka, bj, sb);
      storeC(c + (<usize>(i * ldc + j) << 2), acc, accumulate);
    }
  }
}

@inline function storeC(p: usize, v: f32, accumulate: bool): void {
  store<f32>(p, accumulate ? load<f32>(p) + v : v);
}

/**
 * acc + a*b per lane. The mul + add builds round twice (the scalar twins' `acc + a * b`, bit for bit);
 * the relaxed-SIMD builds use f32x4.relaxed_madd, which V8 lowers to one fused multiply-add (one
 * rounding) where the CPU has FMA, else to mul + add: its bits depend on the host, never on threads.
 */
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// ---------------------------------------------------------------------------------------------------
// Micro-kernels, shared with conv2d.ts. A tile's rows of A are given by pointers a0..a3; each row holds
// KH runs of `run` elements, the runs segBytes apart and the elements ka bytes apart (a plain matrix row
// is one run of K; a convolution window is KH runs of KW*C). B rows advance sb bytes per element of the
// reduction, and C rows are sc bytes apart.

/**
 * 4 rows x 8 columns: 8 accumulators, 2 loads of B and 4 broadcasts of A per reduction step. POOL_* modes
 * with an != 0 (training) also write the pooling winners' offsets to an: see storePooled.
 */
@inline export function tile4x8(KH: i32, run: i32, segBytes: usize, ka: usize, a0: usize, a1: usize, a2: usize, a3: usize,
                                b: usize, sb: usize, c: usize, sc: usize, mode: i32, bias: usize,
                                an: usize = 0, first: i32 = 0, right: i32 = 0, down: i32 = 0): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
  let bk = b;
  for (let kh = 0; kh < KH; kh++) {
    const o = <usize>kh * segBytes;
    let p0 = a0 + o, p1 = a1 + o, p2 = a2 + o, p3 = a3 + o;
    for (let j = 0; j < run; j++) {
      const vb0123 = v128.load(bk);
      const vb4567 = v128.load(bk, 16);
      const va0 = v128.load32_splat(p0);
      const va1 = v128.load32_splat(p1);
      const va2 = v128.load32_splat(p2);
      const va3 = v128.load32_splat(p3);
      vacc0x0123 = madd(va0, vb0123, vacc0x0123);
      vacc0x4567 = madd(va0, vb4567, vacc0x4567);
      vacc1x0123 = madd(va1, vb0123, vacc1x0123);
      vacc1x4567 = madd(va1, vb4567, vacc1x4567);
      vacc2x0123 = madd(va2, vb0123, vacc2x0123);
      vacc2x4567 = madd(va2, vb4567, vacc2x4567);
      vacc3x0123 = madd(va3, vb0123, vacc3x0123);
      vacc3x4567 = madd(va3, vb4567, vacc3x4567);
      p0 += ka; p1 += ka; p2 += ka; p3 += ka;
      bk += sb;
    }
  }
  if (mode >= POOL_BIAS) {   // the 4 rows are a 2x2 pooling window: its maximum goes to c
    storePooled(c, vacc0x0123, vacc1x0123, vacc2x0123, vacc3x0123, mode - POOL_BIAS + BIAS, bias, an, first, right, down);
    storePooled(c + 16, vacc0x4567, vacc1x4567, vacc2x4567, vacc3x4567, mode - POOL_BIAS + BIAS, bias + 16,
                an == 0 ? 0 : an + 16, first + 4, right, down);
    return;
  }
  storeVec(c, vacc0x0123, mode, bias);          storeVec(c + 16, vacc0x4567, mode, bias + 16);
  storeVec(c + sc, vacc1x0123, mode, bias);     storeVec(c + sc + 16, vacc1x4567, mode, bias + 16);
  storeVec(c + 2 * sc, vacc2x0123, mode, bias); storeVec(c + 2 * sc + 16, vacc2x4567, mode, bias + 16);
  storeVec(c + 3 * sc, vacc3x0123, mode, bias); storeVec(c + 3 * sc + 16, vacc3x4567, mode, bias + 16);
}

/** 1 row x 8 columns. */
@inline export function tile1x8(KH: i32, run: i32, segBytes: usize, ka: usize, a: usize,
                                b: usize, sb: usize, c: usize, mode: i32, bias: usize): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let bk = b;
  for (let kh = 0; kh < KH; kh++) {
    let p = a + <usize>kh * segBytes;
    for (let j = 0; j < run; j++) {
      const va = v128.load32_splat(p);
      vacc0x0123 = madd(va, v128.load(bk), vacc0x0123);
      vacc0x4567 = madd(va, v128.load(bk, 16), vacc0x4567);
      p += ka;
      bk += sb;
    }
  }
  storeVec(c, vacc0x0123, mode, bias);
  storeVec(c + 16, vacc0x4567, mode, bias + 16);
}

/** 4 rows x 4 columns. */
@inline export function tile4x4(KH: i32, run: i32, segBytes: usize, ka: usize, a0: usize, a1: usize, a2: usize, a3: usize,
                                b: usize, sb: usize, c: usize, sc: usize, mode: i32, bias: usize): void {
  let vacc0 = f32x4.splat(0), vacc1 = f32x4.splat(0), vacc2 = f32x4.splat(0), vacc3 = f32x4.splat(0);
  let bk = b;
  for (let kh = 0; kh < KH; kh++) {
    const o = <usize>kh * segBytes;
    let p0 = a0 + o, p1 = a1 + o, p2 = a2 + o, p3 = a3 + o;
    for (let j = 0; j < run; j++) {
      const vb = v128.load(bk);
      vacc0 = madd(v128.load32_splat(p0), vb, vacc0);
      vacc1 = madd(v128.load32_splat(p1), vb, vacc1);
      vacc2 = madd(v128.load32_splat(p2), vb, vacc2);
      vacc3 = madd(v128.load32_splat(p3), vb, vacc3);
      p0 += ka; p1 += ka; p2 += ka; p3 += ka;
      bk += sb;
    }
  }
  storeVec(c, vacc0, mode, bias);
  storeVec(c + sc, vacc1, mode, bias);
  storeVec(c + 2 * sc, vacc2, mode, bias);
  storeVec(c + 3 * sc, vacc3, mode, bias);
}

/** 1 row x 4 columns. */
@inline export function tile1x4(KH: i32, run: i32, segBytes: usize, ka: usize, a: usize,
                                b: usize, sb: usize, c: usize, mode: i32, bias: usize): void {
  let vacc = f32x4.splat(0);
  let bk = b;
  for (let kh = 0; kh < KH; kh++) {
    let p = a + <usize>kh * segBytes;
    for (let j = 0; j < run; j++) {
      vacc = madd(v128.load32_splat(p), v128.load(bk), vacc);
      p += ka;
      bk += sb;
    }
  }
  storeVec(c, vacc, mode, bias);
}

// Rows j..j+3 of one column of B (rows sb bytes apart) as a vector: one load when the column is
// contiguous (sb == 4), else gathered lane by lane.
@inline function columnVector(bk: usize, j: i32, sb: usize): v128 {
  if (sb == 4) return v128.load(bk + (<usize>j << 2));
  let vb = v128.load32_splat(bk + <usize>j * sb);
  vb = f32x4.replace_lane(vb, 1, load<f32>(bk + <usize>(j + 1) * sb));
  vb = f32x4.replace_lane(vb, 2, load<f32>(bk + <usize>(j + 2) * sb));
  return f32x4.replace_lane(vb, 3, load<f32>(bk + <usize>(j + 3) * sb));
}

/**
 * A row (KH runs, elements contiguous) · one column of B: 4 lane partials over j < run & ~3, plus an
 * in-order tail over the rest of each run, folded as (l0 + l2) + (l1 + l3) + tail (dotRunsScalar).
 */
export function dotRunsSimd(KH: i32, run: i32, segBytes: usize, a: usize, b: usize, sb: usize): f32 {
  let vacc = f32x4.splat(0);
  let tail: f32 = 0;
  const run4 = run & ~3;
  for (let kh = 0; kh < KH; kh++) {
    const ak = a + <usize>kh * segBytes;
    const bk = b + <usize>(kh * run) * sb;
    let j = 0;
    for (; j < run4; j += 4) {
      vacc = madd(v128.load(ak + (<usize>j << 2)), columnVector(bk, j, sb), vacc);
    }
    for (; j < run; j++) tail = tail + load<f32>(ak + (<usize>j << 2)) * load<f32>(bk + <usize>j * sb);
  }
  return foldLanes(vacc) + tail;
}

/** dotRunsSimd for 4 rows at once, sharing the loads of B; c[r * sc] = row r's result (same bits). A contiguous column goes to dotRuns4Column. */
export function dotRuns4Simd(KH: i32, run: i32, segBytes: usize, a0: usize, a1: usize, a2: usize, a3: usize,
                             b: usize, sb: usize, c: usize, sc: usize): void {
  let vacc0 = f32x4.splat(0), vacc1 = f32x4.splat(0), vacc2 = f32x4.splat(0), vacc3 = f32x4.splat(0);
  let tail0: f32 = 0, tail1: f32 = 0, tail2: f32 = 0, tail3: f32 = 0;
  const run4 = run & ~3;
  for (let kh = 0; kh < KH; kh++) {
    const o = <usize>kh * segBytes;
    const p0 = a0 + o, p1 = a1 + o, p2 = a2 + o, p3 = a3 + o;
    const bk = b + <usize>(kh * run) * sb;
    let j = 0;
    for (; j < run4; j += 4) {
      const vb = columnVector(bk, j, sb);
      const jj = <usize>j << 2;
      vacc0 = madd(v128.load(p0 + jj), vb, vacc0);
      vacc1 = madd(v128.load(p1 + jj), vb, vacc1);
      vacc2 = madd(v128.load(p2 + jj), vb, vacc2);
      vacc3 = madd(v128.load(p3 + jj), vb, vacc3);
    }
    for (; j < run; j++) {
      const bj = load<f32>(bk + <usize>j * sb), jj = <usize>j << 2;
      tail0 = tail0 + load<f32>(p0 + jj) * bj;
      tail1 = tail1 + load<f32>(p1 + jj) * bj;
      tail2 = tail2 + load<f32>(p2 + jj) * bj;
      tail3 = tail3 + load<f32>(p3 + jj) * bj;
    }
  }
  store<f32>(c, foldLanes(vacc0) + tail0);
  store<f32>(c + sc, foldLanes(vacc1) + tail1);
  store<f32>(c + 2 * sc, foldLanes(vacc2) + tail2);
  store<f32>(c + 3 * sc, foldLanes(vacc3) + tail3);
}

/** dotRuns4Simd for one contiguous column of B (sb == 4: a 1-channel output), pointers stepped; same bits. */
export function dotRuns4Column(KH: i32, run: i32, segBytes: usize, a0: usize, a1: usize, a2: usize, a3: usize,
                               b: usize, c: usize, sc: usize): void {
  let vacc0 = f32x4.splat(0), vacc1 = f32x4.splat(0), vacc2 = f32x4.splat(0), vacc3 = f32x4.splat(0);
  let tail0: f32 = 0, tail1: f32 = 0, tail2: f32 = 0, tail3: f32 = 0;
  const run4 = run & ~3;
  let bk = b;
  for (let kh = 0; kh < KH; kh++) {
    const o = <usize>kh * segBytes;
    let p0 = a0 + o, p1 = a1 + o, p2 = a2 + o, p3 = a3 + o;
    const bEnd = bk + (<usize>run4 << 2);
    while (bk < bEnd) {
      const vb = v128.load(bk);
      vacc0 = madd(v128.load(p0), vb, vacc0);
      vacc1 = madd(v128.load(p1), vb, vacc1);
      vacc2 = madd(v128.load(p2), vb, vacc2);
      vacc3 = madd(v128.load(p3), vb, vacc3);
      p0 += 16; p1 += 16; p2 += 16; p3 += 16; bk += 16;
    }
    for (let j = run4; j < run; j++) {
      const bj = load<f32>(bk);
      tail0 = tail0 + load<f32>(p0) * bj;
      tail1 = tail1 + load<f32>(p1) * bj;
      tail2 = tail2 + load<f32>(p2) * bj;
      tail3 = tail3 + load<f32>(p3) * bj;
      p0 += 4; p1 += 4; p2 += 4; p3 += 4; bk += 4;
    }
  }
  store<f32>(c, foldLanes(vacc0) + tail0);
  store<f32>(c + sc, foldLanes(vacc1) + tail1);
  store<f32>(c + 2 * sc, foldLanes(vacc2) + tail2);
  store<f32>(c + 3 * sc, foldLanes(vacc3) + tail3);
}

// (l0 + l2) + (l1 + l3), the fold every dot product here uses.
@inline export function foldLanes(v: v128): f32 {
  const vsum = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(vsum, 0) + f32x4.extract_lane(vsum, 1);
}

/** Scalar twin of dotRunsSimd, same partials, same order. */
export function dotRunsScalar(KH: i32, run: i32, segBytes: usize, a: usize, b: usize, sb: usize): f32 {
  let l0: f32 = 0, l1: f32 = 0, l2: f32 = 0, l3: f32 = 0, tail: f32 = 0;
  const run4 = run & ~3;
  for (let kh = 0; kh < KH; kh++) {
    const ak = a + <usize>kh * segBytes;
    const bk = b + <usize>(kh * run) * sb;
    let j = 0;
    for (; j < run4; j += 4) {
      l0 = l0 + load<f32>(ak + (<usize>j << 2)) * load<f32>(bk + <usize>j * sb);
      l1 = l1 + load<f32>(ak + (<usize>j << 2), 4) * load<f32>(bk + <usize>(j + 1) * sb);
      l2 = l2 + load<f32>(ak + (<usize>j << 2), 8) * load<f32>(bk + <usize>(j + 2) * sb);
      l3 = l3 + load<f32>(ak + (<usize>j << 2), 12) * load<f32>(bk + <usize>(j + 3) * sb);
    }
    for (; j < run; j++) tail = tail + load<f32>(ak + (<usize>j << 2)) * load<f32>(bk + <usize>j * sb);
  }
  return ((l0 + l2) + (l1 + l3)) + tail;
}

// How a tile writes its 4 columns at p: plain, added to what is there, or with the columns' bias (and a
// ReLU) applied in the same order as activations.ts does it, so a fused epilogue gives the same bits.
// POOL_*: tile4x8 only, its 4 rows being one 2x2 max-pooling window: BIAS or BIAS_RELU on each row, then
// the window's maximum, taken as MaxPooling2D takes it (window-max.ts), is the one row written.
export const STORE = 0;
export const ACCUMULATE = 1;
export const BIAS = 2;
export const BIAS_RELU = 3;
export const POOL_BIAS = 4;
export const POOL_BIAS_RELU = 5;

@inline function withBias(v: v128, mode: i32, bias: usize): v128 {
  v = f32x4.add(v, v128.load(bias));
  return mode == BIAS_RELU ? f32x4.pmax(f32x4.splat(0), v) : v;
}

@inline export function storeVec(p: usize, v: v128, mode: i32, bias: usize): void {
  if (mode == ACCUMULATE) v = f32x4.add(v128.load(p), v);
  else if (mode == BIAS || mode == BIAS_RELU) v = withBias(v, mode, bias);
  v128.store(p, v);
}

// p = the window maximum (window-max.ts) of rows r0..r3 after `mode` (BIAS or BIAS_RELU); an != 0
// (training): the winners' offsets too. Without winners the bias and ReLU go after the maximum, once
// instead of 4 times (they compete with the tile's adds for the same ports: 1.06x this layer's time):
// the same bits, as both are monotone (a rounded sum never reverses an order) and the first of equal
// values wins either way. One exception: a NaN sum in a window's first place with ReLU gives 0 here,
// where ReLU first would have let a later element win (a NaN sum needs an overflow to infinity).
@inline export function storePooled(p: usize, r0: v128, r1: v128, r2: v128, r3: v128, mode: i32, bias: usize,
                             an: usize, first: i32, right: i32, down: i32): void {
  if (an == 0) {
    storeWindowMax(p, 0, r0, r1, r2, r3, 0, 0, 0);
    v128.store(p, withBias(v128.load(p), mode, bias));
    return;
  }
  storeWindowMax(p, an, withBias(r0, mode, bias), withBias(r1, mode, bias), withBias(r2, mode, bias), withBias(r3, mode, bias),
                 first, right, down);
}

// ---------------------------------------------------------------------------------------------------
// SIMD GEMM: 4x8 and 1x8 tiles, then 4x4 and 1x4, then the narrow columns.

function gemmSimd(M: i32, N: i32, K: i32, a: usize, rsA: i32, csA: i32, b: usize, ldb: i32,
                  c: usize, ldc: i32, accumulate: bool): void {
  const sa = <usize>rsA << 2;   // bytes between rows of A
  const ka = <usize>csA << 2;   // bytes between k steps of A
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 2;
  const M4 = M & ~3;
  const mode = accumulate ? ACCUMULATE : STORE;
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const bj = b + (<usize>j << 2);
    let i = 0;
    for (; i < M4; i += 4) {
      const ai = a + <usize>i * sa;
      tile4x8(1, K, 0, ka, ai, ai + sa, ai + 2 * sa, ai + 3 * sa, bj, sb, c + <usize>i * sc + (<usize>j << 2), sc, mode, 0);
    }
    for (; i < M; i++) tile1x8(1, K, 0, ka, a + <usize>i * sa, bj, sb, c + <usize>i * sc + (<usize>j << 2), mode, 0);
  }
  for (; j + 4 <= N; j += 4) {
    const bj = b + (<usize>j << 2);
    let i = 0;
    for (; i < M4; i += 4) {
      const ai = a + <usize>i * sa;
      tile4x4(1, K, 0, ka, ai, ai + sa, ai + 2 * sa, ai + 3 * sa, bj, sb, c + <usize>i * sc + (<usize>j << 2), sc, mode, 0);
    }
    for (; i < M; i++) tile1x4(1, K, 0, ka, a + <usize>i * sa, bj, sb, c + <usize>i * sc + (<usize>j << 2), mode, 0);
  }
  for (; j < N; j++) {
    const bj = b + (<usize>j << 2);
    let i = 0;
    if (csA == 1 && rsA != 1) {
      for (; i < M; i++) storeC(c + <usize>i * sc + (<usize>j << 2), dotRunsSimd(1, K, 0, a + <usize>i * sa, bj, sb), accumulate);
    } else if (rsA == 1) {
      // A columns are contiguous in i: 4 rows per vector, one broadcast of b(k,j) per k.
      for (; i < M4; i += 4) column4(K, a + <usize>i * sa, ka, bj, sb, c + <usize>i * sc + (<usize>j << 2), sc, accumulate);
    }
    for (; i < M; i++) storeC(c + <usize>i * sc + (<usize>j << 2), dotStrided(K, a + <usize>i * sa, ka, bj, sb), accumulate);
  }
}

// Plain in-order dot product with strides (what one lane of a tile computes).
@inline function dotStrided(K: i32, a: usize, ka: usize, b: usize, sb: usize): f32 {
  let acc: f32 = 0;
  for (let k = 0; k < K; k++) acc = acc + load<f32>(a + <usize>k * ka) * load<f32>(b + <usize>k * sb);
  return acc;
}

// One column j, 4 consecutive rows held in one vector (A contiguous in i): lane r is row r's sum over k.
@inline function column4(K: i32, a: usize, ka: usize, b: usize, sb: usize, c: usize, sc: usize, accumulate: bool): void {
  let vacc = f32x4.splat(0);
  let ak = a, bk = b;
  for (let k = 0; k < K; k++) {
    vacc = madd(v128.load(ak), v128.load32_splat(bk), vacc);
    ak += ka;
    bk += sb;
  }
  storeC(c, f32x4.extract_lane(vacc, 0), accumulate);
  storeC(c + sc, f32x4.extract_lane(vacc, 1), accumulate);
  storeC(c + 2 * sc, f32x4.extract_lane(vacc, 2), accumulate);
  storeC(c + 3 * sc, f32x4.extract_lane(vacc, 3), accumulate);
}
