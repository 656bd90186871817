// The maximum of a 2x2 pooling window, 4 channels at a time, as TF takes it: compare-and-select in window
// order (row, then column), a later element winning only when greater. Shared by MaxPooling2D (pool2d.ts)
// and the conv epilogue that runs a fused pool (gemm.ts storePooled), so both give the same bits.

/**
 * y = the lanewise maximum of v00, v01, v10, v11 (the window's elements in order). an != 0: the winner's
 * offset in the image goes to an: first (v00's offset, lane 0's channel) plus right for v01, down for v10,
 * down + right for v11, plus the lane.
 */
@inline export function storeWindowMax(y: usize, an: usize, v00: v128, v01: v128, v10: v128, v11: v128,
                                       first: i32, right: i32, down: i32): void {
  if (an == 0) {
    // No winners to record (inference): pmax(best, v) is `best < v ? v : best`, the select below, NaNs
    // and signed zeros included, in one maxps on x64 where the compare and the bitselect take several.
    v128.store(y, f32x4.pmax(f32x4.pmax(f32x4.pmax(v00, v01), v10), v11));
    return;
  }
  let best = v00;
  const b01 = f32x4.gt(v01, best);
  best = v128.bitselect(v01, best, b01);
  const b10 = f32x4.gt(v10, best);
  best = v128.bitselect(v10, best, b10);
  const b11 = f32x4.gt(v11, best);
  best = v128.bitselect(v11, best, b11);
  v128.store(y, best);
  let at = i32x4.splat(first);
  at = v128.bitselect(i32x4.splat(first + right), at, b01);
  at = v128.bitselect(i32x4.splat(first + down), at, b10);
  at = v128.bitselect(i32x4.splat(first + down + right), at, b11);
  v128.store(an, i32x4.add(at, i32x4(0, 1, 2, 3)));
}
