// Bytes to floats: a batch of uint8 pixels, staged in wasm memory by the host, into an f32 input or
// target buffer. The data set stays as bytes in JS; floats exist only for the batch being run.

/**
 * dst[0..n) = f32(src[0..n)) / divisor, src u8, dst f32 (n values; no alignment needed).
 * A division, not a multiply by 1/divisor: f32 division is correctly rounded, and so is JS's f64
 * `b / 255` rounded to f32 (double rounding is exact for division, since 53 >= 2 * 24 + 2), so a batch
 * converted here has the same bits as a Float32Array filled with `b / 255` (see: Figueroa, "When is
 * double rounding innocuous?", SIGNUM 1995).
 */
export function bytesToFloats(dst: usize, src: usize, n: i32, divisor: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vdiv = f32x4.splat(divisor);
    for (; i + 16 <= n; i += 16) {
      const b = v128.load(src + <usize>i);                  // 16 bytes
      const w0 = i16x8.extend_low_i8x16_u(b);               // bytes 0-7 as u16
      const w1 = i16x8.extend_high_i8x16_u(b);              // bytes 8-15
      const o = dst + (<usize>i << 2);
      v128.store(o,      f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(w0)),  vdiv));
      v128.store(o + 16, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(w0)), vdiv));
      v128.store(o + 32, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(w1)),  vdiv));
      v128.store(o + 48, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(w1)), vdiv));
    }
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<u8>(src + <usize>i) / divisor);
}

/**
 * Index of the first NaN or Infinity among the f32 values p[0..n), or -1: a loaded batch checked where
 * it already is (all exponent bits set means Infinity or NaN), 4 at a time in SIMD builds.
 */
export function firstNonFinite(p: usize, n: i32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const exponent = i32x4.splat(0x7F800000);
    for (; i + 16 <= n; i += 16) {
      const q = p + (<usize>i << 2);
      const e0 = i32x4.eq(v128.and(v128.load(q), exponent), exponent), e1 = i32x4.eq(v128.and(v128.load(q, 16), exponent), exponent);
      const e2 = i32x4.eq(v128.and(v128.load(q, 32), exponent), exponent), e3 = i32x4.eq(v128.and(v128.load(q, 48), exponent), exponent);
      if (v128.any_true(v128.or(v128.or(e0, e1), v128.or(e2, e3)))) break;   // the scalar loop finds which
    }
  }
  for (; i < n; i++) if ((load<i32>(p + (<usize>i << 2)) & 0x7F800000) == 0x7F800000) return i;
  return -1;
}
