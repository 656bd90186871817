// Checks of user data, made before any work starts, with messages that say what to change.
import type { Images } from '../tensor.js';
import { isByteArray, sizeOf } from '../tensor.js';

/**
 * A bad value as a user would write it, for error messages: NaN and Infinity by name (JSON.stringify
 * would print null), strings quoted, short arrays shown, typed arrays and objects by kind and size.
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  if (typeof v === 'bigint') return `${v}n (a BigInt)`;
  if (v === null || v === undefined || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return 'a function';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength} values`;
  if (Array.isArray(v)) {
    return v.length <= 8 ? `[${v.map(describeValue).join(', ')}]` : `an array of ${v.length} values ([${v.slice(0, 4).map(describeValue).join(', ')}, ...])`;
  }
  if (typeof v === 'symbol') return v.toString();
  const name = (v as object).constructor?.name;
  const keys = Object.keys(v as object);
  return `${name && name !== 'Object' ? `a ${name}` : 'an object'}${keys.length ? ` with keys ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''}` : ''}`;
}

function describe(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks that t is a Tensor (or a ByteTensor of uint8 pixels) of shape [N, ...sampleShape] (a flat
 * [N, size] is also accepted); returns N.
 */
export function checkBatch(t: Images, sampleShape: readonly number[], what: string): number {
  if (!t || !(t.data instanceof Float32Array || isByteArray(t.data)) || !Array.isArray(t.shape)) {
    throw new Error(`${what} must be a Tensor { data: Float32Array, shape: number[] } (use tensor(data, shape)) ` +
      `or uint8 pixels { data: Uint8Array, shape } (use byteTensor(bytes, shape)), got ${describeValue(t?.data ?? t)}`);
  }
  const badDim = t.shape.findIndex((d) => !Number.isInteger(d) || d < 0);
  if (badDim >= 0) {
    throw new Error(`${what}: shape ${describeValue(t.shape)} must hold whole numbers >= 0, but axis ${badDim} is ` +
      `${describeValue(t.shape[badDim])} (e.g. [N, ${sampleShape.join(', ')}])`);
  }
  if (sizeOf(t.shape) !== t.data.length) {
    throw new Error(`${what}: shape ${describe(t.shape)} holds ${sizeOf(t.shape)} values but data has ${t.data.length}`);
  }
  const N = t.shape[0];
  const rest = t.shape.slice(1);
  const exact = rest.length === sampleShape.length && rest.every((d, i) => d === sampleShape[i]);
  const flat = rest.length === 1 && rest[0] === sizeOf(sampleShape);
  if (!exact && !flat) {
    throw new Error(`${what}: shape ${describe(t.shape)} does not match the model's ${describe([-1, ...sampleShape])} ` +
      `(expected [N, ${sampleShape.join(', ')}]` + (t.shape.length === sampleShape.length ? '; add the batch axis' : '') + ')');
  }
  if (N < 1) throw new Error(`${what}: the batch is empty (shape ${describe(t.shape)})`);
  return N;
}

// The scans read the floats' bits as int32 (no float conversion per element: about twice as fast as
// Number.isFinite over a Float32Array in V8), and only a failing scan looks at values.
const EXPONENT = 0x7F800000;   // all exponent bits set: Infinity or NaN
const ONE = 0x3F800000;        // 1.0f; non-negative floats order as their bits do
const MINUS_ZERO = -0x80000000;

function bitsOf(d: Float32Array): Int32Array {
  return new Int32Array(d.buffer, d.byteOffset, d.length);
}

/** Index of the first NaN or Infinity in a, or -1. */
export function firstNonFinite(a: Float32Array): number {
  const bits = bitsOf(a);
  for (let i = 0; i < bits.length; i++) if ((bits[i] & EXPONENT) === EXPONENT) return i;
  return -1;
}

/** Throws on the first NaN or Infinity, naming the sample and position. */
export function checkFinite(t: Images, what: string): void {
  if (isByteArray(t.data)) return;   // bytes are always finite
  const i = firstNonFinite(t.data);
  if (i >= 0) throw nonFiniteError(t, i, what);
}

/** The error for the NaN or Infinity at flat index i of t. */
export function nonFiniteError(t: Images, i: number, what: string): Error {
  const row = sizeOf(t.shape.slice(1));
  return new Error(`${what} contains ${t.data[i]} at sample ${Math.floor(i / row)}, element ${i % row}: ` +
    'remove or repair non-finite values first');
}

/**
 * Cross-entropy targets must be probabilities: the tutorial's classic mistake is 0-255 pixels. One scan
 * also catches NaN and Infinity; when it fails, those are looked for first, so checkFinite's message
 * names them.
 */
export function checkUnitRange(t: Images, what: string): void {
  if (isByteArray(t.data)) return;   // bytes stand for b / 255, always in [0, 1]
  const bits = bitsOf(t.data);
  let inRange = true;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    if (b < 0 ? b !== MINUS_ZERO : b > ONE) { inRange = false; break; }
  }
  if (inRange) return;
  checkFinite(t, what);
  const d = t.data;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    if (d[i] < lo) lo = d[i];
    if (d[i] > hi) hi = d[i];
  }
  throw new Error(`${what} has values in [${lo}, ${hi}], but binary cross-entropy needs targets in [0, 1]` +
    (hi > 2 && hi <= 255 && lo >= 0 ? ': scale 0-255 pixels by 1/255 (unscaled pixels make the loss negative and the outputs white)' :
      lo >= -0.01 && hi <= 1.01 ? ': clip them to [0, 1] (values just outside usually come from rounding in preprocessing)' :
        ': rescale the data, or use loss "meanSquaredError"'));
}

/** A positive integer option, or a clear error. */
export function checkPositiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`${what} must be a positive integer, got ${describeValue(v)}`);
  }
  return v;
}
