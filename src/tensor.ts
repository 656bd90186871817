/** A batch of values: row-major `data` with its `shape` (images are NHWC, values in [0, 1]). */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

/** Number of elements a shape holds. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Wraps data in a Tensor, checking that the shape accounts for every element. */
export function tensor(data: Float32Array | ArrayLike<number>, shape: number[]): Tensor {
  const arr = data instanceof Float32Array ? data : Float32Array.from(data);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`tensor: shape [${shape}] must hold non-negative integers`);
  }
  if (sizeOf(shape) !== arr.length) {
    throw new Error(`tensor: shape [${shape}] holds ${sizeOf(shape)} values but data has ${arr.length}`);
  }
  return { data: arr, shape: [...shape] };
}

/** Rows [start, end) of a batch, sharing no memory with the source. */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const row = sizeOf(t.shape.slice(1));
  return { data: t.data.slice(start * row, end * row), shape: [end - start, ...t.shape.slice(1)] };
}
