/** A batch of values: row-major `data` with its `shape` (images are NHWC, values in [0, 1]). */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

/**
 * uint8 images, as they are on disk: each byte b stands for the value b / 255 in [0, 1]. fit, predict
 * and evaluate take these wherever they take a Tensor; batches are converted to floats inside wasm, so
 * a data set held as bytes never has a float copy (a quarter of the memory).
 */
export interface ByteTensor {
  data: Uint8Array;
  shape: number[];
}

/** What fit, predict and evaluate accept as images: floats, or bytes read as b / 255. */
export type Images = Tensor | ByteTensor;

/** The value a byte stands for in a ByteTensor: b / BYTE_DIVISOR. */
export const BYTE_DIVISOR = 255;

/** True for a Uint8Array from any realm (a Node Buffer too); false for Uint8ClampedArray and others. */
export function isByteArray(a: unknown): a is Uint8Array {
  return ArrayBuffer.isView(a) && Object.prototype.toString.call(a) === '[object Uint8Array]';
}

/** Wraps bytes in a ByteTensor (values b / 255), checking that the shape accounts for every byte. */
export function byteTensor(data: Uint8Array | Uint8ClampedArray, shape: number[]): ByteTensor {
  if (!ArrayBuffer.isView(data) || (data as Uint8Array).BYTES_PER_ELEMENT !== 1 || data instanceof Int8Array) {
    throw new Error('byteTensor: data must be a Uint8Array (or Uint8ClampedArray) of pixels 0-255 (use tensor() for floats)');
  }
  const bytes = isByteArray(data) ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`byteTensor: shape [${shape}] must hold non-negative integers`);
  }
  if (sizeOf(shape) !== bytes.length) {
    throw new Error(`byteTensor: shape [${shape}] holds ${sizeOf(shape)} values but data has ${bytes.length}`);
  }
  return { data: bytes, shape: [...shape] };
}

/** Float copy of images (bytes become b / 255); a Tensor is returned as it is. */
export function toFloat(t: Images): Tensor {
  if (!isByteArray(t.data)) return t as Tensor;
  const src = t.data, data = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = src[i] / BYTE_DIVISOR;
  return { data, shape: [...t.shape] };
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
export function sliceRows<T extends Images>(t: T, start: number, end: number): T {
  const row = sizeOf(t.shape.slice(1));
  return { data: t.data.slice(start * row, end * row), shape: [end - start, ...t.shape.slice(1)] } as T;
}
