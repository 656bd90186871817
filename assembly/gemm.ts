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
// 0, adds a(i,k)*b(k,j) for k = 0..K-1 (a separate multiply and add, never fused), and only then is added
// to C. Every lane of a SIMD tile is therefore bit-identical to the scalar loop. The one exception is a
// column panel narrower than 4 with A rows contiguous in k, which is reduced as a dot product in 4 lane
// partials (see dotLanes4); its scalar twin keeps the same 4 partials and folds them the same way.
// see: XNNPACK src/f32-gemm (4x8 register tiles, vacc<row>x<cols> naming).

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
  const narrow = N & 3;
  const N4 = N - narrow;
  // Columns in panels of 4 or 8 are plain sums over k (what every SIMD lane computes).
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N4; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc = acc + load<f32>(a + (<usize>(i * rsA + k * csA) << 2)) * load<f32>(b + (<usize>(k * ldb + j) << 2));
      }
      storeC(c + (<usize>(i * ldc + j) << 2), acc, accumulate);
    }
  }
  // The last N%4 columns: with contiguous A rows the SIMD build reduces them as 4-lane dot products.
  for (let j = N4; j < N; j++) {
    for (let i = 0; i < M; i++) {
      const ai = a + (<usize>(i * rsA) << 2);
      const bj = b + (<usize>j << 2);
      let acc: f32;
      if (csA == 1 && rsA != 1) acc = dotLanes4Scalar(K, ai, bj, ldb);
      else {
        acc = 0;
        for (let k = 0; k < K; k++) acc = acc + load<f32>(ai + (<usize>(k * csA) << 2)) * load<f32>(bj + (<usize>(k * ldb) << 2));
      }
      storeC(c + (<usize>(i * ldc + j) << 2), acc, accumulate);
    }
  }
}

// Dot product of a contiguous A row with a strided B column, as 4 lane partials (k mod 4), folded as
// (l0 + l2) + (l1 + l3), then the K%4 tail added in order. Mirrors dotLanes4Simd exactly.
function dotLanes4Scalar(K: i32, a: usize, b: usize, ldb: i32): f32 {
  let l0: f32 = 0, l1: f32 = 0, l2: f32 = 0, l3: f32 = 0;
  const K4 = K & ~3;
  const sb = <usize>ldb << 2;
  let k = 0;
  for (; k < K4; k += 4) {
    const bk = b + <usize>k * sb;
    l0 = l0 + load<f32>(a + (<usize>k << 2)) * load<f32>(bk);
    l1 = l1 + load<f32>(a + (<usize>k << 2), 4) * load<f32>(bk + sb);
    l2 = l2 + load<f32>(a + (<usize>k << 2), 8) * load<f32>(bk + 2 * sb);
    l3 = l3 + load<f32>(a + (<usize>k << 2), 12) * load<f32>(bk + 3 * sb);
  }
  let acc: f32 = (l0 + l2) + (l1 + l3);
  for (; k < K; k++) acc = acc + load<f32>(a + (<usize>k << 2)) * load<f32>(b + <usize>k * sb);
  return acc;
}

@inline function storeC(p: usize, v: f32, accumulate: bool): void {
  store<f32>(p, accumulate ? load<f32>(p) + v : v);
}

// ---------------------------------------------------------------------------------------------------
// SIMD: 4x8 and 1x8 tiles, then 4x4 and 1x4, then the narrow columns.

function gemmSimd(M: i32, N: i32, K: i32, a: usize, rsA: i32, csA: i32, b: usize, ldb: i32,
                  c: usize, ldc: i32, accumulate: bool): void {
  const sa = <usize>rsA << 2;   // bytes between rows of A
  const ka = <usize>csA << 2;   // bytes between k steps of A
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 2;
  const M4 = M & ~3;
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const bj = b + (<usize>j << 2);
    let i = 0;
    for (; i < M4; i += 4) tile4x8(K, a + <usize>i * sa, sa, ka, bj, sb, c + <usize>i * sc + (<usize>j << 2), sc, accumulate);
    for (; i < M; i++) tile1x8(K, a + <usize>i * sa, ka, bj, sb, c + <usize>i * sc + (<usize>j << 2), accumulate);
  }
  for (; j + 4 <= N; j += 4) {
    const bj = b + (<usize>j << 2);
    let i = 0;
    for (; i < M4; i += 4) tile4x4(K, a + <usize>i * sa, sa, ka, bj, sb, c + <usize>i * sc + (<usize>j << 2), sc, accumulate);
    for (; i < M; i++) tile1x4(K, a + <usize>i * sa, ka, bj, sb, c + <usize>i * sc + (<usize>j << 2), accumulate);
  }
  for (; j < N; j++) {
    const bj = b + (<usize>j << 2);
    if (csA == 1 && rsA != 1) {
      for (let i = 0; i < M; i++) storeC(c + <usize>i * sc + (<usize>j << 2), dotLanes4Simd(K, a + <usize>i * sa, bj, sb), accumulate);
    } else if (rsA == 1) {
      // A columns are contiguous in i: 4 rows per vector, one broadcast of b(k,j) per k.
      let i = 0;
      for (; i < M4; i += 4) column4(K, a + <usize>i * sa, ka, bj, sb, c + <usize>i * sc + (<usize>j << 2), sc, accumulate);
      for (; i < M; i++) {
        let acc: f32 = 0;
        for (let k = 0; k < K; k++) acc = acc + load<f32>(a + <usize>i * sa + <usize>k * ka) * load<f32>(bj + <usize>k * sb);
        storeC(c + <usize>i * sc + (<usize>j << 2), acc, accumulate);
      }
    } else {
      for (let i = 0; i < M; i++) {
        let acc: f32 = 0;
        for (let k = 0; k < K; k++) acc = acc + load<f32>(a + <usize>i * sa + <usize>k * ka) * load<f32>(bj + <usize>k * sb);
        storeC(c + <usize>i * sc + (<usize>j << 2), acc, accumulate);
      }
    }
  }
}

// 4 rows x 8 columns: 8 accumulators, 2 loads of B and 4 broadcasts of A per k.
@inline function tile4x8(K: i32, a: usize, sa: usize, ka: usize, b: usize, sb: usize, c: usize, sc: usize, accumulate: bool): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
  let a0 = a, a1 = a + sa, a2 = a + 2 * sa, a3 = a + 3 * sa;
  let bk = b;
  for (let k = 0; k < K; k++) {
    const vb0123 = v128.load(bk);
    const vb4567 = v128.load(bk, 16);
    const va0 = v128.load32_splat(a0);
    const va1 = v128.load32_splat(a1);
    const va2 = v128.load32_splat(a2);
    const va3 = v128.load32_splat(a3);
    vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(va0, vb0123));
    vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(va0, vb4567));
    vacc1x0123 = f32x4.add(vacc1x0123, f32x4.mul(va1, vb0123));
    vacc1x4567 = f32x4.add(vacc1x4567, f32x4.mul(va1, vb4567));
    vacc2x0123 = f32x4.add(vacc2x0123, f32x4.mul(va2, vb0123));
    vacc2x4567 = f32x4.add(vacc2x4567, f32x4.mul(va2, vb4567));
    vacc3x0123 = f32x4.add(vacc3x0123, f32x4.mul(va3, vb0123));
    vacc3x4567 = f32x4.add(vacc3x4567, f32x4.mul(va3, vb4567));
    a0 += ka; a1 += ka; a2 += ka; a3 += ka;
    bk += sb;
  }
  storeVec(c, vacc0x0123, accumulate);          storeVec(c + 16, vacc0x4567, accumulate);
  storeVec(c + sc, vacc1x0123, accumulate);     storeVec(c + sc + 16, vacc1x4567, accumulate);
  storeVec(c + 2 * sc, vacc2x0123, accumulate); storeVec(c + 2 * sc + 16, vacc2x4567, accumulate);
  storeVec(c + 3 * sc, vacc3x0123, accumulate); storeVec(c + 3 * sc + 16, vacc3x4567, accumulate);
}

@inline function tile1x8(K: i32, a: usize, ka: usize, b: usize, sb: usize, c: usize, accumulate: bool): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let a0 = a, bk = b;
  for (let k = 0; k < K; k++) {
    const va0 = v128.load32_splat(a0);
    vacc0x0123 = f32x4.add(vacc0x0123, f32x4.mul(va0, v128.load(bk)));
    vacc0x4567 = f32x4.add(vacc0x4567, f32x4.mul(va0, v128.load(bk, 16)));
    a0 += ka;
    bk += sb;
  }
  storeVec(c, vacc0x0123, accumulate);
  storeVec(c + 16, vacc0x4567, accumulate);
}

@inline function tile4x4(K: i32, a: usize, sa: usize, ka: usize, b: usize, sb: usize, c: usize, sc: usize, accumulate: bool): void {
  let vacc0 = f32x4.splat(0), vacc1 = f32x4.splat(0), vacc2 = f32x4.splat(0), vacc3 = f32x4.splat(0);
  let a0 = a, a1 = a + sa, a2 = a + 2 * sa, a3 = a + 3 * sa;
  let bk = b;
  for (let k = 0; k < K; k++) {
    const vb = v128.load(bk);
    vacc0 = f32x4.add(vacc0, f32x4.mul(v128.load32_splat(a0), vb));
    vacc1 = f32x4.add(vacc1, f32x4.mul(v128.load32_splat(a1), vb));
    vacc2 = f32x4.add(vacc2, f32x4.mul(v128.load32_splat(a2), vb));
    vacc3 = f32x4.add(vacc3, f32x4.mul(v128.load32_splat(a3), vb));
    a0 += ka; a1 += ka; a2 += ka; a3 += ka;
    bk += sb;
  }
  storeVec(c, vacc0, accumulate);
  storeVec(c + sc, vacc1, accumulate);
  storeVec(c + 2 * sc, vacc2, accumulate);
  storeVec(c + 3 * sc, vacc3, accumulate);
}

@inline function tile1x4(K: i32, a: usize, ka: usize, b: usize, sb: usize, c: usize, accumulate: bool): void {
  let vacc = f32x4.splat(0);
  let a0 = a, bk = b;
  for (let k = 0; k < K; k++) {
    vacc = f32x4.add(vacc, f32x4.mul(v128.load32_splat(a0), v128.load(bk)));
    a0 += ka;
    bk += sb;
  }
  storeVec(c, vacc, accumulate);
}

// One column j, 4 consecutive rows held in one vector (A contiguous in i): lane r is row r's sum over k.
@inline function column4(K: i32, a: usize, ka: usize, b: usize, sb: usize, c: usize, sc: usize, accumulate: bool): void {
  let vacc = f32x4.splat(0);
  let ak = a, bk = b;
  for (let k = 0; k < K; k++) {
    vacc = f32x4.add(vacc, f32x4.mul(v128.load(ak), v128.load32_splat(bk)));
    ak += ka;
    bk += sb;
  }
  storeC(c, f32x4.extract_lane(vacc, 0), accumulate);
  storeC(c + sc, f32x4.extract_lane(vacc, 1), accumulate);
  storeC(c + 2 * sc, f32x4.extract_lane(vacc, 2), accumulate);
  storeC(c + 3 * sc, f32x4.extract_lane(vacc, 3), accumulate);
}

function dotLanes4Simd(K: i32, a: usize, b: usize, sb: usize): f32 {
  let vacc = f32x4.splat(0);
  const K4 = K & ~3;
  let k = 0;
  let ak = a, bk = b;
  for (; k < K4; k += 4) {
    // Gather b(k..k+3, j): a strided column (ldb apart).
    let vb = v128.load32_splat(bk);
    vb = f32x4.replace_lane(vb, 1, load<f32>(bk + sb));
    vb = f32x4.replace_lane(vb, 2, load<f32>(bk + 2 * sb));
    vb = f32x4.replace_lane(vb, 3, load<f32>(bk + 3 * sb));
    vacc = f32x4.add(vacc, f32x4.mul(v128.load(ak), vb));
    ak += 16;
    bk += 4 * sb;
  }
  // (l0 + l2, l1 + l3, ...) then lane0 + lane1.
  const vsum = f32x4.add(vacc, v128.shuffle<f32>(vacc, vacc, 2, 3, 0, 1));
  let acc: f32 = f32x4.extract_lane(vsum, 0) + f32x4.extract_lane(vsum, 1);
  for (; k < K; k++) {
    acc = acc + load<f32>(ak) * load<f32>(bk);
    ak += 4;
    bk += sb;
  }
  return acc;
}

@inline function storeVec(p: usize, v: v128, accumulate: bool): void {
  v128.store(p, accumulate ? f32x4.add(v128.load(p), v) : v);
}
