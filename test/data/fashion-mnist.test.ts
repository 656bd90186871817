// The real Fashion-MNIST files as Debian's package dataset-fashion-mnist installs them (gzip IDX).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadMnist } from '../../src/data/index.js';
import type { MnistData } from '../../src/data/index.js';
import { loadIdx } from '../../src/data/node.js';

const DIR = '/usr/share/datasets/fashion-mnist';
const present = existsSync(join(DIR, 'train-images-idx3-ubyte.gz'));
if (!present) {
  // Straight to stderr: jest drops console output of a file whose tests are all skipped when it runs several files.
  process.stderr.write(`SKIPPED Fashion-MNIST tests (test/data/fashion-mnist.test.ts): ${DIR} is absent (apt-get install -y dataset-fashion-mnist to run them)\n`);
}

/** Big-endian uint32 at byte `at`, read by hand. */
function u32(b: Uint8Array, at: number): number {
  return b[at] * 2 ** 24 + b[at + 1] * 2 ** 16 + b[at + 2] * 2 ** 8 + b[at + 3];
}

(present ? describe : describe.skip)('Fashion-MNIST from /usr/share/datasets/fashion-mnist', () => {
  let m: MnistData;
  beforeAll(async () => {
    m = await loadMnist({ dir: DIR });
  });

  test('60000 train / 10000 test images of 28x28x1 in [0, 1], 6000 / 1000 per class', () => {
    expect(m.train.images.shape).toEqual([60000, 28, 28, 1]);
    expect(m.train.labels.length).toBe(60000);
    expect(m.test.images.shape).toEqual([10000, 28, 28, 1]);
    expect(m.test.labels.length).toBe(10000);
    const per = (l: Int32Array) => l.reduce((c, v) => (c[v]++, c), new Array(10).fill(0));
    expect(per(m.train.labels)).toEqual(new Array(10).fill(6000));
    expect(per(m.test.labels)).toEqual(new Array(10).fill(1000));
    // published: the first training item is an ankle boot (9); Fashion-MNIST's mean pixel is 0.2860
    expect(Array.from(m.train.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(Array.from(m.test.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    let sum = 0;
    for (const v of m.train.images.data) sum += v;
    expect(sum / m.train.images.data.length).toBeCloseTo(0.286, 3);
  });

  test('pixels and labels equal the file bytes parsed by hand, divided by 255', async () => {
    for (const [split, stem] of [['train', 'train'], ['test', 't10k']] as const) {
      const img = gunzipSync(await readFile(join(DIR, `${stem}-images-idx3-ubyte.gz`)));
      const lab = gunzipSync(await readFile(join(DIR, `${stem}-labels-idx1-ubyte.gz`)));
      const n = split === 'train' ? 60000 : 10000;
      expect([u32(img, 0), u32(img, 4), u32(img, 8), u32(img, 12)]).toEqual([0x0803, n, 28, 28]);
      expect([u32(lab, 0), u32(lab, 4)]).toEqual([0x0801, n]);
      const images = m[split].images.data;
      let bad = -1;
      // every 97th pixel, so each image and each position is sampled
      for (let i = 0; i < n * 784 && bad < 0; i += 97) if (images[i] !== new Float32Array([img[16 + i] / 255])[0]) bad = i;
      expect(bad).toBe(-1);
      const last = (n - 1) * 784;
      for (let j = 0; j < 784; j++) if (images[last + j] * 255 - img[16 + last + j] > 1e-4) bad = j;
      expect(bad).toBe(-1);
      expect(Array.from(m[split].labels)).toEqual(Array.from(lab.subarray(8)));
    }
    // row 10, columns 10..19 of the first training image, read once with numpy
    const row = Array.from(m.train.images.data.subarray(10 * 28 + 10, 10 * 28 + 20), (v) => (v * 255 + 0.5) | 0);
    expect(row).toEqual([0, 0, 0, 193, 228, 218, 213, 198, 180, 212]);
  });

  test('loadIdx reads the .gz file and its raw gunzipped copy alike', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'fashion-raw-'));
    try {
      const raw = join(dir, 't10k-images.idx3-ubyte');
      await writeFile(raw, gunzipSync(await readFile(join(DIR, 't10k-images-idx3-ubyte.gz'))));
      const a = await loadIdx(raw);
      const b = await loadIdx(join(DIR, 't10k-images-idx3-ubyte.gz'));
      expect(a.shape).toEqual([10000, 28, 28]);
      expect(b.shape).toEqual([10000, 28, 28]);
      expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer))).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
