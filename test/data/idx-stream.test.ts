// Gzipped uint8 IDX files are decompressed as a stream into their array (one copy of the bytes in
// memory); anything unusual falls back to the whole-file path and its error messages.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadIdx, saveIdx } from '../../src/data/idx-node.js';
import { streamGzipBytes } from '../../src/data/idx-node.js';
import { encodeIdx } from '../../src/data/idx.js';
import { Random } from '../../src/random.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'denoise-idx-stream-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

test('a gzipped uint8 IDX file streams into the same array the whole-file path gives', async () => {
  const r = new Random(1);
  const values = Uint8Array.from({ length: 1000 * 784 }, () => (r.uniform() < 0.5 ? 0 : Math.floor(r.uniform() * 256)));
  const path = await saveIdx(join(dir, 'images.gz'), values, [1000, 28, 28]);
  const streamed = await streamGzipBytes(path, (await stat(path)).size, 'test');
  expect(streamed).not.toBeNull();
  expect(streamed!.shape).toEqual([1000, 28, 28]);
  expect(Buffer.from(streamed!.data.buffer, streamed!.data.byteOffset, streamed!.data.byteLength).equals(Buffer.from(values.buffer))).toBe(true);
  const loaded = await loadIdx(path);
  expect(loaded.type).toBe('uint8');
  expect(Buffer.from(loaded.data.buffer, loaded.data.byteOffset, loaded.data.byteLength).equals(Buffer.from(values.buffer))).toBe(true);
});

test('other types, a forged size trailer and short data take the whole-file path, with its messages', async () => {
  const ints = await saveIdx(join(dir, 'ints.gz'), Int32Array.from([1, 2, 3]), [3]);
  expect(await streamGzipBytes(ints, (await stat(ints)).size, 'test')).toBeNull();
  expect(Array.from((await loadIdx(ints)).data)).toEqual([1, 2, 3]);
  // The header says 10 bytes of data, the file holds 9: the trailer matches the data, not the header.
  const short = encodeIdx(new Uint8Array(10), [10]).subarray(0, 17);
  const cut = join(dir, 'cut.gz');
  await writeFile(cut, gzipSync(short));
  expect(await streamGzipBytes(cut, (await stat(cut)).size, 'test')).toBeNull();
  await expect(loadIdx(cut)).rejects.toThrow(/truncated: header says 10 uint8 = 10 bytes of data but the file holds 9/);
  // A trailer claiming far more than gzip can expand to.
  const good = gzipSync(encodeIdx(new Uint8Array(100), [100]));
  good.writeUInt32LE(0xfffffff0, good.length - 4);
  const forged = join(dir, 'forged.gz');
  await writeFile(forged, good);
  expect(await streamGzipBytes(forged, good.length, 'test')).toBeNull();
  await expect(loadIdx(forged)).rejects.toThrow(/gzip data is corrupt or truncated/);
  void readFile;
});
