// Fuzzing the IDX parsers (parseIdx and decodeIdx, browser-safe; loadIdx from files, Node) from valid
// files of every element type, raw and gzip: random mutations (fuzz.ts) plus header fields set to
// extreme values (dimension counts, sizes up to 2^32 - 1, type codes). A file that loads must re-encode to
// the same bytes; one that does not must be refused with an error naming the function and the file, and
// absurd sizes must be refused from the header, before anything is allocated.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Random, decodeIdx, encodeIdx, parseIdx, type IdxTensor, type IdxType } from '../../src/index.js';
import { loadIdx } from '../../src/node.js';
import { Fuzz, inTempDir, mutate, type Mutant } from './fuzz.js';

const SEED = 20261001;

function validFiles(r: Random): Array<{ name: string; bytes: Uint8Array }> {
  const fill = (n: number, f: () => number) => Array.from({ length: n }, f);
  return [
    { name: 'uint8 3x4x5', bytes: encodeIdx(Uint8Array.from(fill(60, () => r.int(256))), [3, 4, 5]) },
    { name: 'int8 7', bytes: encodeIdx(Int8Array.from(fill(7, () => r.int(256) - 128)), [7]) },
    { name: 'int16 2x3', bytes: encodeIdx(Int16Array.from(fill(6, () => r.int(65536) - 32768)), [2, 3]) },
    { name: 'int32 2x2x2', bytes: encodeIdx(Int32Array.from(fill(8, () => r.int(2 ** 31))), [2, 2, 2]) },
    { name: 'float32 4', bytes: encodeIdx(Float32Array.from(fill(4, () => r.normal())), [4]) },
    { name: 'float64 1x3', bytes: encodeIdx(Float64Array.from(fill(3, () => r.normal())), [1, 3]) },
  ];
}

/** Header fields set to values a corrupt or hostile file could hold. */
function headerMutant(valid: Uint8Array, r: Random): Mutant {
  const b = Uint8Array.from(valid);
  const dims = b[3];
  switch (r.int(3)) {
    case 0: b[3] = r.int(2) ? r.int(256) : r.int(8); return { what: `dimension count ${b[3]}`, bytes: b };
    case 1: b[2] = r.int(256); return { what: `type code 0x${b[2].toString(16)}`, bytes: b };
    default: {
      const d = r.int(dims), v = [0, 1, 0xffffffff, 0x80000000, 0x7fffffff, r.int(2 ** 32), 1 + r.int(1000)][r.int(7)];
      new DataView(b.buffer).setUint32(4 + 4 * d, v, false);
      return { what: `dimension ${d} = ${v}`, bytes: b };
    }
  }
}

/** A loaded file must be exactly what the bytes say: re-encoding gives them back (NaN payloads aside). */
function roundTrips(raw: Uint8Array) {
  return (t: IdxTensor) => {
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    const again = encodeIdx(t.data, t.shape, t.type as IdxType);
    expect(again.length).toBe(raw.length);
    const float = t.type === 'float32' || t.type === 'float64';
    if (!float) expect(Buffer.from(again).equals(Buffer.from(raw))).toBe(true);
    else expect(Buffer.from(again.subarray(0, 4 + 4 * t.shape.length)).equals(Buffer.from(raw.subarray(0, 4 + 4 * t.shape.length)))).toBe(true);
  };
}

test('parseIdx: 2,400 mutants of six valid files (every element type)', async () => {
  const r = new Random(SEED);
  const fuzz = new Fuzz('parseIdx');
  for (const { name, bytes } of validFiles(r)) {
    for (let k = 0; k < 400; k++) {
      const m = k % 4 === 0 ? headerMutant(bytes, r) : mutate(bytes, r);
      await fuzz.case(`${name}, case ${k}: ${m.what}`, () => parseIdx(m.bytes, 'fuzz.idx'), roundTrips(m.bytes), 'parseIdx: fuzz.idx: ');
    }
  }
  fuzz.finish();
  expect(fuzz.ok).toBeGreaterThan(300);        // flips in the data leave valid files: those load (471 with this seed)
  expect(fuzz.rejected).toBeGreaterThan(500);
});

test('decodeIdx: 400 mutants of a gzip file and 200 of its raw content, gzipped again', async () => {
  const r = new Random(SEED + 1);
  const fuzz = new Fuzz('decodeIdx (gzip)');
  const raw = validFiles(r)[0].bytes;
  const gz = new Uint8Array(gzipSync(raw));
  for (let k = 0; k < 400; k++) {
    const m = mutate(gz, r);
    // When the mutant still inflates (e.g. bytes appended after the gzip member), it must load as what it inflates to.
    let inflated: Uint8Array | null = null;
    try { inflated = new Uint8Array(gunzipSync(m.bytes)); } catch { /* corrupt: must be refused */ }
    await fuzz.case(`gzip case ${k}: ${m.what}`, () => decodeIdx(m.bytes, 'fuzz.idx.gz'),
      (t) => { expect(inflated).not.toBeNull(); roundTrips(inflated!)(t); }, 'decodeIdx: fuzz.idx.gz: ');
  }
  for (let k = 0; k < 200; k++) {
    const m = k % 2 ? headerMutant(raw, r) : mutate(raw, r);
    const bytes = new Uint8Array(gzipSync(m.bytes));
    await fuzz.case(`regzipped case ${k}: ${m.what}`, () => decodeIdx(bytes, 'fuzz.idx.gz'), roundTrips(m.bytes), 'decodeIdx: fuzz.idx.gz: ');
  }
  fuzz.finish();
  expect(fuzz.ok).toBeGreaterThan(50);
  expect(fuzz.rejected).toBeGreaterThan(300);
});

test('loadIdx: 150 mutant files on disk, raw and gzip (the Node stream path)', async () => {
  const r = new Random(SEED + 2);
  const fuzz = new Fuzz('loadIdx (files)');
  await inTempDir('denoise-fuzz-idx-', async (dir) => {
    const files = validFiles(r);
    for (let k = 0; k < 150; k++) {
      const { name, bytes } = files[k % files.length];
      const gz = k % 3 === 0;
      const m = k % 2 ? headerMutant(bytes, r) : mutate(bytes, r);
      const path = join(dir, `case-${k}.idx${gz ? '.gz' : ''}`);
      writeFileSync(path, gz ? gzipSync(m.bytes) : m.bytes);
      await fuzz.case(`${name}${gz ? ' (gzip)' : ''}, case ${k}: ${m.what}`, () => loadIdx(path), roundTrips(m.bytes), `loadIdx: ${path}: `);
    }
  });
  fuzz.finish();
  expect(fuzz.ok).toBeGreaterThan(20);
  expect(fuzz.rejected).toBeGreaterThan(50);
});
