// The machine's limit for this kind of code: peak f32 throughput of wasm SIMD (f32x4 mul + add, the
// pair every convolution tile is made of), with enough independent chains to hide the latencies.
// Compiled by bench/peak.mjs (asc --enable simd) into bench/build/peak.wasm; no memory is touched.
//
// Compiled twice: with --enable simd (f32x4.mul then f32x4.add) and with --enable simd,relaxed-simd into
// bench/build/peak-relaxed.wasm, where each pair is one f32x4.relaxed_madd (FMA where the CPU has it), as
// in the tiles of the relaxed-SIMD builds (see madd in assembly/gemm.ts).
//
// FLOP counting: one f32x4.mul plus one f32x4.add (or one relaxed_madd) is 2 FLOPs per lane, 8 per pair.
// The multipliers and addends come in as parameters so that nothing can be folded at compile time;
// the values stay normal (no denormal slow paths): x*m with m = 1 stays x, s + c with tiny c stays ~s.

// x * m + c: mul then add, or one relaxed_madd in the relaxed build.
@inline function madd(x: v128, m: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, m, c);
  return f32x4.add(f32x4.mul(x, m), c);
}

/** acc_i = acc_i * m + c on 12 accumulators: each chain is mul then add (latency mul + add), or one FMA. */
export function mulAdd12(iters: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m);
  const vc = f32x4.splat(c);
  let a0 = f32x4.splat(1.0), a1 = f32x4.splat(1.01), a2 = f32x4.splat(1.02), a3 = f32x4.splat(1.03);
  let a4 = f32x4.splat(1.04), a5 = f32x4.splat(1.05), a6 = f32x4.splat(1.06), a7 = f32x4.splat(1.07);
  let a8 = f32x4.splat(1.08), a9 = f32x4.splat(1.09), a10 = f32x4.splat(1.1), a11 = f32x4.splat(1.11);
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, vm, vc);
    a1 = madd(a1, vm, vc);
    a2 = madd(a2, vm, vc);
    a3 = madd(a3, vm, vc);
    a4 = madd(a4, vm, vc);
    a5 = madd(a5, vm, vc);
    a6 = madd(a6, vm, vc);
    a7 = madd(a7, vm, vc);
    a8 = madd(a8, vm, vc);
    a9 = madd(a9, vm, vc);
    a10 = madd(a10, vm, vc);
    a11 = madd(a11, vm, vc);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11));
  const u = f32x4.add(s, t);
  return f32x4.extract_lane(u, 0) + f32x4.extract_lane(u, 1) + f32x4.extract_lane(u, 2) + f32x4.extract_lane(u, 3);
}

/** The same on 8 accumulators (fewer registers; shows whether 12 are needed). */
export function mulAdd8(iters: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m);
  const vc = f32x4.splat(c);
  let a0 = f32x4.splat(1.0), a1 = f32x4.splat(1.01), a2 = f32x4.splat(1.02), a3 = f32x4.splat(1.03);
  let a4 = f32x4.splat(1.04), a5 = f32x4.splat(1.05), a6 = f32x4.splat(1.06), a7 = f32x4.splat(1.07);
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, vm, vc);
    a1 = madd(a1, vm, vc);
    a2 = madd(a2, vm, vc);
    a3 = madd(a3, vm, vc);
    a4 = madd(a4, vm, vc);
    a5 = madd(a5, vm, vc);
    a6 = madd(a6, vm, vc);
    a7 = madd(a7, vm, vc);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/**
 * Six independent mul chains (p_i *= m) beside six independent add chains (s_i += c): the multiplies
 * and adds never wait on each other, so the chains only need to cover each unit's own latency.
 * Per iteration: 6 muls + 6 adds = 6 pairs.
 */
export function split6x6(iters: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m);
  const vc = f32x4.splat(c);
  let p0 = f32x4.splat(1.0), p1 = f32x4.splat(1.01), p2 = f32x4.splat(1.02);
  let p3 = f32x4.splat(1.03), p4 = f32x4.splat(1.04), p5 = f32x4.splat(1.05);
  let s0 = f32x4.splat(2.0), s1 = f32x4.splat(2.01), s2 = f32x4.splat(2.02);
  let s3 = f32x4.splat(2.03), s4 = f32x4.splat(2.04), s5 = f32x4.splat(2.05);
  for (let i = 0; i < iters; i++) {
    p0 = f32x4.mul(p0, vm); s0 = f32x4.add(s0, vc);
    p1 = f32x4.mul(p1, vm); s1 = f32x4.add(s1, vc);
    p2 = f32x4.mul(p2, vm); s2 = f32x4.add(s2, vc);
    p3 = f32x4.mul(p3, vm); s3 = f32x4.add(s3, vc);
    p4 = f32x4.mul(p4, vm); s4 = f32x4.add(s4, vc);
    p5 = f32x4.mul(p5, vm); s5 = f32x4.add(s5, vc);
  }
  const p = f32x4.add(f32x4.add(f32x4.add(p0, p1), f32x4.add(p2, p3)), f32x4.add(p4, p5));
  const s = f32x4.add(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), f32x4.add(s4, s5));
  const u = f32x4.add(p, s);
  return f32x4.extract_lane(u, 0) + f32x4.extract_lane(u, 1) + f32x4.extract_lane(u, 2) + f32x4.extract_lane(u, 3);
}

/** Multiply-add pairs per iteration of each kernel (for the FLOP count: 8 FLOPs per pair). */
export function pairsPerIteration(kernel: i32): i32 {
  return kernel == 0 ? 12 : kernel == 1 ? 8 : 6;
}
