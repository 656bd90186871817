// Browser-safe IDX reading and writing (no Node imports); the Node file loader is idx-node.ts.
import { IDX_TYPES, asBytes, decodeIdxBody, isGzip, readIdxHeader } from './idx-format.js';
import type { IdxArray, IdxTensor, IdxType } from './idx-format.js';
import { gunzipBytes } from './gunzip.js';

export type { IdxArray, IdxHeader, IdxTensor, IdxType } from './idx-format.js';
export { isGzip } from './idx-format.js';

/** Decodes raw (uncompressed) IDX bytes; `name` labels errors. Throws for gzip: use decodeIdx for that. */
export function parseIdx(bytes: Uint8Array | ArrayBuffer, name = 'IDX data'): IdxTensor {
  const where = `parseIdx: ${name}`;
  const b = asBytes(bytes, where);
  if (isGzip(b)) {
    throw new Error(`${where}: is gzip-compressed but parseIdx reads raw IDX bytes only (use await decodeIdx(bytes), which decompresses)`);
  }
  return decodeIdxBody(b, readIdxHeader(b, b.length, where));
}

/** Decodes IDX bytes, raw or gzip-compressed (detected by content); `name` labels errors. */
export async function decodeIdx(bytes: Uint8Array | ArrayBuffer, name = 'IDX data'): Promise<IdxTensor> {
  const where = `decodeIdx: ${name}`;
  let b = asBytes(bytes, where);
  if (isGzip(b)) b = await gunzipBytes(b, where);
  return decodeIdxBody(b, readIdxHeader(b, b.length, where));
}

/**
 * Encodes values of `shape` as raw IDX bytes. `type` defaults to the typed array's own type
 * (float64 for plain number arrays); values that don't fit the type are an error, never rounded.
 */
export function encodeIdx(data: IdxArray | ArrayLike<number>, shape: readonly number[], type?: IdxType): Uint8Array {
  const t = type ?? typeOf(data);
  if (!(t in IDX_TYPES)) throw new Error(`encodeIdx: unknown type '${t}' (use one of ${Object.keys(IDX_TYPES).join(', ')})`);
  if (shape.length < 1 || shape.length > 255) {
    throw new Error(`encodeIdx: shape [${shape}] has ${shape.length} dimensions but IDX holds 1 to 255`);
  }
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new Error(`encodeIdx: shape [${shape}] must hold integers in [0, 2^32 - 1]`);
    }
    n *= d;
  }
  if (n !== data.length) throw new Error(`encodeIdx: shape [${shape}] holds ${n} values but data has ${data.length}`);
  const size = IDX_TYPES[t].bytes;
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + n * size);
  const view = new DataView(out.buffer);
  out[2] = IDX_TYPES[t].code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < n; i++) {
    const v = data[i];
    const at = headerBytes + i * size;
    if (t === 'float64') view.setFloat64(at, v, false);
    else if (t === 'float32') view.setFloat32(at, v, false);
    else {
      checkInteger(v, i, t);
      if (t === 'uint8') view.setUint8(at, v);
      else if (t === 'int8') view.setInt8(at, v);
      else if (t === 'int16') view.setInt16(at, v, false);
      else view.setInt32(at, v, false);
    }
  }
  return out;
}

const INT_RANGE: Partial<Record<IdxType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

// DataView setters wrap or truncate silently; refuse instead so a file never holds numbers other than those given.
function checkInteger(v: number, i: number, t: IdxType): void {
  const [lo, hi] = INT_RANGE[t]!;
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new Error(`encodeIdx: value ${v} at index ${i} does not fit ${t} (integers ${lo}..${hi}); scale/round it first or pick a float type`);
  }
}

function typeOf(data: IdxArray | ArrayLike<number>): IdxType {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array || Array.isArray(data)) return 'float64';
  throw new Error(`encodeIdx: can't tell the IDX type of a ${data.constructor?.name ?? typeof data}; pass the type argument`);
}
