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

/** Why values must lie in [0, 1], what 0-255 pixels would do, and the fix for values far outside. */
export interface UnitRangeReason {
  needs: string;
  unscaled: string;
  otherwise: string;
}

const CROSS_ENTROPY_TARGETS: UnitRangeReason = {
  needs: 'binary cross-entropy needs targets in [0, 1]',
  unscaled: 'unscaled pixels make the loss negative and the outputs white',
  otherwise: 'rescale the data, or use loss "meanSquaredError"',
};

/**
 * Values that must be in [0, 1]: cross-entropy targets are probabilities (the tutorial's classic mistake
 * is 0-255 pixels), denoiseImage's float images are pixels. One scan also catches NaN and Infinity; when
 * it fails, those are looked for first, so checkFinite's message names them.
 */
export function checkUnitRange(t: Images, what: string, reason: UnitRangeReason = CROSS_ENTROPY_TARGETS): void {
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
  throw new Error(`${what} has values in [${lo}, ${hi}], but ${reason.needs}` +
    (hi > 2 && hi <= 255 && lo >= 0 ? `: scale 0-255 pixels by 1/255 (${reason.unscaled})` :
      lo >= -0.01 && hi <= 1.01 ? ': clip them to [0, 1] (values just outside usually come from rounding in preprocessing)' :
        `: ${reason.otherwise}`));
}

// ---------------------------------------------------------------------------------------------------
// Sizes: refused up front with the limit and the fix, before an allocation fails with a bare RangeError

/** The most values one typed array holds in every runtime we support (2^31 - 1: Safari's and 32-bit V8's limit). */
export const MAX_ARRAY_LENGTH = 2 ** 31 - 1;

/** Bytes a wasm module's memory can address (65,536 pages of 64 KiB). */
const WASM_MAX_BYTES = 2 ** 32;

const count = (n: number) => (Number.isSafeInteger(n) ? n.toLocaleString('en-US') : n.toPrecision(3));

/** Throws when an array of n values (what it is: `what`) could not be made; `fix` says what to change. */
export function checkArrayLength(n: number, what: string, fix: string): void {
  if (!(n <= MAX_ARRAY_LENGTH)) {
    throw new Error(`${what} would be ${count(n)} values, more than one array can hold (${count(MAX_ARRAY_LENGTH)}); ${fix}`);
  }
}

/** Throws when `bytes` of wasm memory (a lower bound of what `what` needs) exceed what wasm can address. */
export function checkWasmBytes(bytes: number, what: string, fix: string): void {
  if (!(bytes <= WASM_MAX_BYTES)) {
    throw new Error(`${what} needs at least ${count(Math.ceil(bytes / 2 ** 20))} MiB of wasm memory, more than the ` +
      `${WASM_MAX_BYTES / 2 ** 30} GiB wasm can address; ${fix}`);
  }
}

/** A positive integer option, or a clear error. */
export function checkPositiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`${what} must be a positive integer, got ${describeValue(v)}`);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------
// Options objects

/**
 * The option names of an options type T as a value, each marked 'function' (callbacks) or 'value'.
 * Written beside the type, `const FIT_OPTIONS: OptionSpec<FitOptions> = { epochs: 'value', ... }`: the
 * compiler refuses a spec that leaves out a key of T, names one T lacks, or marks a callback 'value',
 * so the type and what checkOptions accepts cannot drift apart.
 */
export type OptionSpec<T> = { readonly [K in keyof T]-?: NonNullable<T[K]> extends (...args: never[]) => unknown ? 'function' : 'value' };

/** An OptionSpec whose type is not known statically (the layer registry holds one per layer type). */
export type AnyOptionSpec = Readonly<Record<string, 'function' | 'value'>>;

/**
 * Checks a public function's options before any work: undefined or an object whose every key the spec
 * names (a near miss gets "did you mean ...?", Keras's snake_case its camelCase name) and whose
 * callbacks are functions. `notes` explain names that are not options here (a Keras option we lack,
 * another library's name), with what to use instead. Returns the options ({} for undefined).
 */
export function checkOptions<T>(options: T | undefined, spec: NoInfer<OptionSpec<T>>, where: string,
    notes: Readonly<Record<string, string>> = {}): T {
  const names = Object.keys(spec);
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new Error(`${where}: the options must be an object ({ ${names.join(', ')} }), got ${describeValue(options)}`);
  }
  for (const [key, v] of Object.entries(options)) {
    const kind = Object.hasOwn(spec, key) ? (spec as AnyOptionSpec)[key] : undefined;
    if (kind === 'function') {
      if (v !== undefined && typeof v !== 'function') throw new Error(`${where}: ${key} must be a function, got ${describeValue(v)}`);
    } else if (kind === undefined) {
      if (Object.hasOwn(notes, key)) throw new Error(`${where}: ${key} is not supported: ${notes[key]}`);
      const near = nearestName(key, names);
      throw new Error(`${where}: unknown option ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; ` +
        `the options are ${names.join(', ')}`);
    }
  }
  return options;
}

/**
 * The name in `names` that `key` most likely misspells: the same letters ignoring case and underscores
 * (batch_size, batchsize: batchSize), else the closest within an edit or two (epoch: epochs).
 */
function nearestName(key: string, names: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/_/g, '');
  const k = fold(key);
  const same = names.find((n) => fold(n) === k);
  if (same) return same;
  let best: string | undefined, bestDistance = k.length >= 8 ? 3 : 2;
  for (const n of names) {
    const d = editDistance(k, fold(n));
    if (d < bestDistance) { best = n; bestDistance = d; }
  }
  return best;
}

/** Edits from a to b: single-character insertions, deletions, substitutions and swaps of neighbours (depht: depth). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
