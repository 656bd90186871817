// The plan's layout lives in src/engine/plan-layout.ts (shared with the host); here are its accessors.
export * from '../src/engine/plan-layout';

/** Field f of the header or op record at p. */
@inline export function field(p: usize, f: i32): i32 {
  return load<i32>(p + (<usize>f << 2));
}

/** f32 field f of the header at p. */
@inline export function fieldF32(p: usize, f: i32): f32 {
  return load<f32>(p + (<usize>f << 2));
}

/** Pointer field f (byte address). */
@inline export function ptr(p: usize, f: i32): usize {
  return <usize>load<i32>(p + (<usize>f << 2));
}

/** First sample of chunk c when N samples are cut into nChunks: chunks differ by at most one sample. */
@inline export function chunkStart(N: i32, nChunks: i32, c: i32): i32 {
  return <i32>((<i64>c * N) / nChunks);
}
