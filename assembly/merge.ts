// Merge layers with Keras semantics, and the gradient sum of a tensor read by several ops.
//
//   inputs: a table of `count` entries [x, dx, channels, -] (see plan-layout.ts TABLE_WORDS); every x is
//           (N, size) floats per sample, except concatenate's, which are (N, rows, channels_k)
//   y, dy:  (N, size) with size = rows * OC; concatenate: OC = Σ channels_k, inputs in table order
//
// Order of operations is fixed per element and the same in the SIMD bodies and their scalar twins
// (inputs in table order), so both builds give the same bits. Threads: a call owns samples [n0, n1).
// Backward writes (never accumulates into) each dx: a tensor read twice gets two buffers, summed by
// gradientSumBackward in a fixed order.
import { OP_ADD, OP_SUBTRACT, OP_MULTIPLY, OP_AVERAGE, OP_MAXIMUM, TABLE_WORDS, T_X, T_DX, T_CHANNELS } from './plan';
import { copyFloats, addFloats } from './copy';

@inline function entry(table: usize, k: i32, f: i32): usize {
  return <usize>load<i32>(table + (<usize>(k * TABLE_WORDS + f) << 2));
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// y = x0 (op) x1 (op) ... in table order; average then scales by f32(1 / count), as TF.js's Average does.
@inline function combine(kind: i32, acc: f32, x: f32): f32 {
  if (kind == OP_SUBTRACT) return acc - x;
  if (kind == OP_MULTIPLY) return acc * x;
  if (kind == OP_MAXIMUM) return acc < x ? x : acc;
  return acc + x;
}

@inline function combine4(kind: i32, acc: v128, x: v128): v128 {
  if (kind == OP_SUBTRACT) return f32x4.sub(acc, x);
  if (kind == OP_MULTIPLY) return f32x4.mul(acc, x);
  if (kind == OP_MAXIMUM) return f32x4.pmax(acc, x);   // acc < x ? x : acc, as the scalar twin
  return f32x4.add(acc, x);
}

/** Elementwise merge (add, subtract, multiply, average, maximum) of samples [n0, n1). */
export function mergeForward(kind: i32, table: usize, count: i32, y: usize, size: i32, n0: i32, n1: i32): void {
  const i0 = n0 * size, i1 = n1 * size;
  const inv: f32 = <f32>(1.0 / <f64>count);
  let i = i0;
  if (ASC_FEATURE_SIMD) {
    const vinv = f32x4.splat(inv);
    for (; i + 4 <= i1; i += 4) {
      let acc = v128.load(at(entry(table, 0, T_X), i));
      for (let k = 1; k < count; k++) acc = combine4(kind, acc, v128.load(at(entry(table, k, T_X), i)));
      if (kind == OP_AVERAGE) acc = f32x4.mul(acc, vinv);
      v128.store(at(y, i), acc);
    }
  }
  for (; i < i1; i++) {
    let acc = load<f32>(at(entry(table, 0, T_X), i));
    for (let k = 1; k < count; k++) acc = combine(kind, acc, load<f32>(at(entry(table, k, T_X), i)));
    if (kind == OP_AVERAGE) acc = acc * inv;
    store<f32>(at(y, i), acc);
  }
}

/**
 * dx_k for samples [n0, n1) given dy:
 *   add: dy   subtract: dy, -dy   average: dy / count   multiply: dy · Π_{j≠k} x_j (j in order)
 *   maximum: dy for the first input holding the maximum (TF's maximum passes ties to its first operand)
 */
export function mergeBackward(kind: i32, table: usize, count: i32, dy: usize, size: i32, n0: i32, n1: i32): void {
  const i0 = n0 * size, n = (n1 - n0) * size;
  const inv: f32 = <f32>(1.0 / <f64>count);
  for (let k = 0; k < count; k++) {
    const dx = entry(table, k, T_DX);
    if (dx == 0) continue;
    if (kind == OP_ADD || (kind == OP_SUBTRACT && k == 0)) {
      copyFloats(at(dx, i0), at(dy, i0), n);
      continue;
    }
    for (let i = i0; i < i0 + n; i++) {
      const g = load<f32>(at(dy, i));
      let d: f32 = 0;
      if (kind == OP_SUBTRACT) d = -g;
      else if (kind == OP_AVERAGE) d = g * inv;
      else if (kind == OP_MULTIPLY) {
        let others: f32 = 1;
        for (let j = 0; j < count; j++) if (j != k) others = others * load<f32>(at(entry(table, j, T_X), i));
        d = g * others;
      } else if (kind == OP_MAXIMUM) {
        let winner = 0;
        let best = load<f32>(at(entry(table, 0, T_X), i));
        for (let j = 1; j < count; j++) {
          const v = load<f32>(at(entry(table, j, T_X), i));
          if (best < v) { best = v; winner = j; }
        }
        d = winner == k ? g : 0;
      }
      store<f32>(at(dx, i), d);
    }
  }
}

/** Concatenation on the channel axis: y[r] = [x_0[r], x_1[r], ...] for rows of samples [n0, n1). */
export function concatenateForward(table: usize, count: i32, y: usize, rows: i32, OC: i32, n0: i32, n1: i32): void {
  for (let r = n0 * rows; r < n1 * rows; r++) {
    let c0 = 0;
    for (let k = 0; k < count; k++) {
      const C = <i32>entry(table, k, T_CHANNELS);
      copyFloats(at(y, r * OC + c0), at(entry(table, k, T_X), r * C), C);
      c0 += C;
    }
  }
}

/** dx_k[r] = dy[r][channels of input k]. */
export function concatenateBackward(table: usize, count: i32, dy: usize, rows: i32, OC: i32, n0: i32, n1: i32): void {
  let c0 = 0;
  for (let k = 0; k < count; k++) {
    const C = <i32>entry(table, k, T_CHANNELS);
    const dx = entry(table, k, T_DX);
    if (dx != 0) {
      for (let r = n0 * rows; r < n1 * rows; r++) copyFloats(at(dx, r * C), at(dy, r * OC + c0), C);
    }
    c0 += C;
  }
}

/** dy += Σ_k table[k].x over samples [n0, n1), k in table order: the gradients of a tensor's other readers. */
export function gradientSumBackward(table: usize, count: i32, dy: usize, size: i32, n0: i32, n1: i32): void {
  const i0 = n0 * size, n = (n1 - n0) * size;
  for (let k = 0; k < count; k++) addFloats(at(dy, i0), at(entry(table, k, T_X), i0), n);
}
