// The IDX binary format (LeCun's MNIST files): two zero bytes, a type code, a dimension count,
// each dimension as a big-endian uint32, then the values big-endian, row-major.
// Shared by the browser decoder (idx.ts) and the Node loader (idx-node.ts) so both validate alike.
import { describeValue } from '../train/validate.js';

/** Element types an IDX file can hold. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** Typed array matching an IdxType. */
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: row-major `data` of `shape` with its element `type`. */
export interface IdxTensor {
  data: IdxArray;
  shape: number[];
  type: IdxType;
}

/** What an IDX header says: element type, shape, and the byte lengths of header and data. */
export interface IdxHeader {
  type: IdxType;
  shape: number[];
  headerBytes: number;
  dataBytes: number;
}

/** Per-type type code (byte 2 of the file), element size in bytes and typed-array constructor. */
export const IDX_TYPES: Record<IdxType, { code: number; bytes: number; array: new (n: number) => IdxArray }> = {
  uint8: { code: 0x08, bytes: 1, array: Uint8Array },
  int8: { code: 0x09, bytes: 1, array: Int8Array },
  int16: { code: 0x0b, bytes: 2, array: Int16Array },
  int32: { code: 0x0c, bytes: 4, array: Int32Array },
  float32: { code: 0x0d, bytes: 4, array: Float32Array },
  float64: { code: 0x0e, bytes: 8, array: Float64Array },
};

const TYPE_BY_CODE = new Map<number, IdxType>(
  (Object.keys(IDX_TYPES) as IdxType[]).map((t) => [IDX_TYPES[t].code, t]),
);

const TYPE_LIST = (Object.keys(IDX_TYPES) as IdxType[]).map((t) => `${hex(IDX_TYPES[t].code)} ${t}`).join(', ');

/** True when bytes start with the gzip magic number 1f 8b (content, not file name, decides). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Views an ArrayBuffer or Uint8Array as a Uint8Array without copying. */
export function asBytes(bytes: Uint8Array | ArrayBuffer, where: string): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  // Another realm's ArrayBuffer (a worker, jest) fails instanceof; a number would make zero-filled bytes.
  if (Object.prototype.toString.call(bytes) === '[object ArrayBuffer]') return new Uint8Array(bytes);
  throw new Error(`${where}: give the file's bytes (a Uint8Array or ArrayBuffer)${where.startsWith('loadIdx') ? ' or a file path (string)' : ''}, ` +
    `got ${describeValue(bytes)}`);
}

/**
 * Reads and checks the header at the start of `head`; `totalBytes` is the whole file's length
 * (may exceed head.length when only the start was read). `where` prefixes every error, e.g. "loadIdx: a.idx".
 */
export function readIdxHeader(head: Uint8Array, totalBytes: number, where: string): IdxHeader {
  if (totalBytes < 4) {
    throw new Error(`${where}: truncated: ${totalBytes} bytes is shorter than the 4-byte IDX header (re-download the file)`);
  }
  if (head[0] !== 0 || head[1] !== 0) {
    const gz = isGzip(head) ? ' It is gzip-compressed: use decodeIdx or loadIdx, which decompress.' : '';
    throw new Error(
      `${where}: not an IDX file: it starts with bytes ${hex(head[0])} ${hex(head[1])} but IDX files start with 0x00 0x00.${gz}` +
        ' (check that this is an IDX file such as train-images-idx3-ubyte)',
    );
  }
  const type = TYPE_BY_CODE.get(head[2]);
  if (type === undefined) {
    throw new Error(`${where}: unknown IDX type code ${hex(head[2])} in byte 2 (known: ${TYPE_LIST}); the file is corrupt or not IDX`);
  }
  const dims = head[3];
  if (dims === 0) {
    throw new Error(`${where}: header declares 0 dimensions but IDX data needs at least 1; the file is corrupt or not IDX`);
  }
  const headerBytes = 4 + 4 * dims;
  if (totalBytes < headerBytes || head.length < headerBytes) {
    throw new Error(
      `${where}: truncated: the header declares ${dims} dimensions, needing ${headerBytes} header bytes, ` +
        `but the file holds ${totalBytes} (re-download the file)`,
    );
  }
  const view = new DataView(head.buffer, head.byteOffset, headerBytes);
  const shape: number[] = [];
  for (let d = 0; d < dims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  // A product of uint32s can pass 2^53, but then it can't match any real file length below, so it still fails clearly.
  const dataBytes = shape.reduce((n, d) => n * d, 1) * IDX_TYPES[type].bytes;
  const held = totalBytes - headerBytes;
  const says = `header says ${shape.join('x')} ${type} = ${dataBytes} bytes of data but the file holds ${held}`;
  if (held < dataBytes) throw new Error(`${where}: truncated: ${says} (re-download the file)`);
  if (held > dataBytes) {
    throw new Error(`${where}: ${held - dataBytes} extra bytes after the data: ${says}; the header and file size disagree (the file is corrupt or not IDX)`);
  }
  return { type, shape, headerBytes, dataBytes };
}

/** Decodes checked, uncompressed IDX bytes into a fresh typed array (big-endian → native). */
export function decodeIdxBody(bytes: Uint8Array, header: IdxHeader): IdxTensor {
  const { type, shape, headerBytes, dataBytes } = header;
  const { bytes: size, array } = IDX_TYPES[type];
  const n = dataBytes / size;
  const body = bytes.subarray(headerBytes, headerBytes + dataBytes);
  const data = new array(n);
  // Copy into a fresh array: a Node Buffer's slice() would be a view that keeps the header and the rest alive.
  if (size === 1) {
    new Uint8Array(data.buffer).set(body);
    return { data, shape, type };
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (type === 'int16') for (let i = 0; i < n; i++) data[i] = view.getInt16(2 * i, false);
  else if (type === 'int32') for (let i = 0; i < n; i++) data[i] = view.getInt32(4 * i, false);
  else if (type === 'float32') for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, false);
  else for (let i = 0; i < n; i++) data[i] = view.getFloat64(8 * i, false);
  return { data, shape, type };
}

/** "0x0a"-style hex of one byte, for error messages. */
function hex(b: number | undefined): string {
  return b === undefined ? '(none)' : `0x${b.toString(16).padStart(2, '0')}`;
}
