// Node-only IDX file loading and saving (fs, zlib); browser code uses idx.ts instead.
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { constants as zlibConstants, createGunzip, gunzip as gunzipCb, gunzipSync, gzip as gzipCb } from 'node:zlib';
import idxData from 'idx-data';
import { asBytes, decodeIdxBody, isGzip, readIdxHeader } from './idx-format.js';
import type { IdxArray, IdxTensor, IdxType } from './idx-format.js';
import { encodeIdx } from './idx.js';
import { checkOptions, type OptionSpec } from '../train/validate.js';

const gunzip = promisify(gunzipCb);
const gzip = promisify(gzipCb);

/** Largest possible IDX header: 4 bytes + 255 dimensions x 4 bytes. */
const MAX_HEADER = 4 + 4 * 255;

/**
 * Loads an IDX file from a path or from bytes; gzip is detected by content, not by name.
 * Every error names the file and what is wrong with it.
 */
export async function loadIdx(source: string | Uint8Array | ArrayBuffer, name?: string): Promise<IdxTensor> {
  if (typeof source !== 'string') return decodeBytes(asBytes(source, `loadIdx: ${name ?? 'IDX data'}`), `loadIdx: ${name ?? 'IDX data'}`);
  const where = `loadIdx: ${name ?? source}`;
  const { head, size } = await readHead(source, where);
  if (isGzip(head)) return (await streamGzipBytes(source, size, where)) ?? decodeBytes(await readFile(source), where);
  // idx-data zero-fills truncated files, ignores extra bytes and crashes the process on a bad header,
  // so the header and size are checked here first; it also reads only uint8/int32/float32.
  const header = readIdxHeader(head, size, where);
  if (header.type !== 'uint8' && header.type !== 'int32' && header.type !== 'float32') {
    return decodeIdxBody(await readFile(source), header);
  }
  const stream = createReadStream(source);
  const failed = new Promise<never>((_, reject) => stream.on('error', (e) => reject(new Error(`${where}: read failed: ${e.message}`))));
  const got = await Promise.race([idxData.readFromStream(stream), failed]);
  return { data: got.data, shape: got.shape, type: got.type };
}

/** Options for saveIdx: `gzip` defaults to whether the path ends in ".gz"; `type` as in encodeIdx. */
export interface SaveIdxOptions {
  gzip?: boolean;
  type?: IdxType;
}

const SAVE_IDX_OPTIONS: OptionSpec<SaveIdxOptions> = { gzip: 'value', type: 'value' };

/** Writes values of `shape` to an IDX file (creating parent directories); resolves to the path. */
export async function saveIdx(
  path: string,
  data: IdxArray | ArrayLike<number>,
  shape: readonly number[],
  options: SaveIdxOptions = {},
): Promise<string> {
  checkOptions(options, SAVE_IDX_OPTIONS, 'saveIdx');
  // Not idx-data's saveBits: it throws a RangeError past 1024 values and leaves the file half written.
  let bytes = encodeIdx(data, shape, options.type);
  if (options.gzip ?? path.endsWith('.gz')) bytes = await gzip(bytes);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

async function decodeBytes(bytes: Uint8Array, where: string): Promise<IdxTensor> {
  let b = bytes;
  if (isGzip(b)) {
    try {
      b = await gunzip(b);
    } catch (e) {
      throw new Error(`${where}: gzip data is corrupt or truncated (${(e as Error).message}); re-download the file`);
    }
  }
  return decodeIdxBody(b, readIdxHeader(b, b.length, where));
}

/**
 * A gzipped uint8 IDX file of images ([N, H, W]: a 16-byte header) decompressed straight into its
 * array, so that loading 60,000 images holds their bytes once (not the file, the decompressed file and
 * a copy, nor a trail of garbage chunks: those raised the peak RSS by ~30 MB). The size to expect comes
 * from the gzip trailer (ISIZE, the uncompressed size mod 2^32), capped by gzip's best ratio (about
 * 1032:1) so a forged trailer cannot ask for a runaway allocation. zlib writes into buffers of
 * `chunkSize` bytes: one of exactly the data's size takes all but the last 16 bytes, the data is moved
 * over the header and the last 16 bytes appended, and the array owns exactly its buffer. The file is
 * read through one reused 64 KiB buffer. Returns null to use the plain path (whole file in memory,
 * every error message of decodeBytes) for anything else: other element types or ranks, a trailer that
 * does not match the data, multi-member files.
 */
export async function streamGzipBytes(path: string, fileSize: number, where: string): Promise<IdxTensor | null> {
  const HEADER = 16;
  if (fileSize < 18 || fileSize > 2 ** 31) return null;
  const file = await open(path, 'r');
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  try {
    const trailer = new Uint8Array(4);
    await file.read(trailer, 0, 4, fileSize - 4);
    const isize = (trailer[0] | (trailer[1] << 8) | (trailer[2] << 16) | (trailer[3] << 24)) >>> 0;
    const dataBytes = isize - HEADER;
    if (dataBytes < 64 || isize > fileSize * 1100) return null;
    // zlib allocates chunkSize at once: first the header, from the stream's start, must agree with the trailer.
    const declared = await readUint8IdxShape(path);
    if (!declared || declared.length !== 3 || declared.reduce((n, d) => n * d, 1) !== dataBytes) return null;
    gunzip = createGunzip({ chunkSize: dataBytes });
    const chunks: Uint8Array[] = [];
    let total = 0;
    const z = gunzip;
    z.on('data', (c: Uint8Array) => { chunks.push(c); total += c.length; });
    const ended = new Promise<boolean>((resolve) => { z.on('end', () => resolve(true)); z.on('error', () => resolve(false)); });
    const input = Buffer.allocUnsafe(Math.min(1 << 16, fileSize));   // at most ~66 MB of output per read, then the size check
    let failed = false;
    for (let pos = 0; pos < fileSize && !failed && total <= isize;) {
      const { bytesRead } = await file.read(input, 0, Math.min(input.length, fileSize - pos), pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      // The callback comes once zlib is done with the chunk, so the buffer can be refilled.
      failed = await new Promise<boolean>((resolve) => z.write(input.subarray(0, bytesRead), (e) => resolve(!!e)));
    }
    z.end();
    const ok = !failed && (await ended);
    if (!ok || total !== isize) return null;   // corrupt gzip, or not what the trailer says
    const first = chunks[0];
    let header: ReturnType<typeof readIdxHeader>;
    try {
      header = readIdxHeader(first.subarray(0, Math.min(first.length, MAX_HEADER)), total, where);
    } catch {
      return null;
    }
    if (header.type !== 'uint8' || header.headerBytes !== HEADER || header.dataBytes !== dataBytes) return null;
    // zlib fills consecutive views of one buffer of chunkSize bytes before it starts the next.
    let at = 0;
    for (const c of chunks) {
      if (at < dataBytes && (c.buffer !== first.buffer || c.byteOffset !== first.byteOffset + at)) return null;
      at += c.length;
    }
    if (first.byteOffset !== 0 || first.buffer.byteLength !== dataBytes) return null;
    const data = new Uint8Array(first.buffer, 0, dataBytes);
    data.copyWithin(0, HEADER, dataBytes);
    let to = dataBytes - HEADER;
    for (const c of chunks) {
      if (c.buffer === first.buffer) continue;
      data.set(c, to);
      to += c.length;
    }
    return { data, shape: header.shape, type: 'uint8' };
  } finally {
    gunzip?.destroy();   // also when a read failed half way: zlib's handle is freed
    await file.close();
  }
}

/**
 * The shape a uint8 IDX file's header declares, read without loading the data (for a split the caller
 * asked none of); null for anything else or a header that cannot be read this way (a full load says why).
 */
export async function readUint8IdxShape(path: string): Promise<number[] | null> {
  try {
    const { head } = await readHead(path, path);
    // The start of a gzip stream is enough: 1 KiB gives at most ~1 MB, and a sync flush lets zlib stop
    // there without an "unexpected end" error.
    const h = isGzip(head) ? gunzipSync(head.subarray(0, 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH }) : head;
    if (h.length < 4 || h[0] !== 0 || h[1] !== 0 || h[2] !== 0x08 || h.length < 4 + 4 * h[3]) return null;
    const view = new DataView(h.buffer, h.byteOffset, h.length);
    return Array.from({ length: h[3] }, (_, d) => view.getUint32(4 + 4 * d, false));
  } catch {
    return null;
  }
}

/** The first bytes of a file (enough for any header) and its size, with clear errors for missing files. */
async function readHead(path: string, where: string): Promise<{ head: Uint8Array; size: number }> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${where}: no such file (check the path and file name)`);
    if (code === 'EISDIR') throw new Error(`${where}: is a directory, not an IDX file (name the file inside it)`);
    throw new Error(`${where}: can't open: ${(e as Error).message}`);
  }
  try {
    const stat = await file.stat();
    // Linux opens directories for reading without complaint; reading them is what fails.
    if (stat.isDirectory()) throw new Error(`${where}: is a directory, not an IDX file (name the file inside it)`);
    const head = new Uint8Array(Math.min(stat.size, MAX_HEADER));
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size: stat.size };
  } finally {
    await file.close();
  }
}
