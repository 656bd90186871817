// The simd-threads build: results bit-identical for any thread count (and equal to the single-threaded
// SIMD build), workers that never keep Node alive, and failures that reject instead of hanging. The
// relaxed-SIMD builds likewise among themselves (their fused multiply-adds give other bits than the
// mul + add builds, the same for any thread count).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Sequential, layers, presets, tensor, byteTensor, Random, type Tensor } from '../src/index.js';
import type { Engine } from '../src/engine/engine.js';
import type { VariantRequest } from '../src/engine/wasm.js';

function images(n: number, seed: number): Tensor {
  const r = new Random(seed);
  return tensor(Float32Array.from({ length: n * 784 }, () => r.uniform()), [n, 28, 28, 1]);
}

function strideDenseModel(threads: number | 'auto', variant?: VariantRequest): Sequential {
  const m = new Sequential({ inputShape: [28, 28, 1], threads, variant, seed: 9 }, [
    layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }),
    layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh' }),
    layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }),   // overlapping windows, partial at the border
    layers.flatten(),
    layers.dense({ units: 12, activation: 'relu' }),
    layers.dense({ units: 784, activation: 'sigmoid' }),
    layers.reshape({ targetShape: [28, 28, 1] }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return m;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

// [threads, requested variant, the build that must run]
const MUL_ADD = [[1, 'simd', 'simd'], [1, undefined, 'simd'], [2, undefined, 'simd-threads'], [3, undefined, 'simd-threads']] as const;
const RELAXED = [[1, 'relaxed-simd', 'relaxed-simd'], [1, 'relaxed-simd-threads', 'relaxed-simd-threads'],
  [2, 'auto-relaxed', 'relaxed-simd-threads'], [3, 'auto-relaxed', 'relaxed-simd-threads']] as const;

describe.each([
  ['the tutorial model', (threads: number | 'auto', variant?: VariantRequest) => presets.kerasTutorial({ threads, variant, seed: 3 })],
  ['a stride-2 + average-pool + dense model', strideDenseModel],
])('%s', (_name, make) => {
  test.each([
    ['1, 2 and 3 threads and the SIMD build', MUL_ADD],
    ['the relaxed-SIMD builds on 1, 2 and 3 threads', RELAXED],
  ] as const)('%s give bit-identical losses, weights, predictions and evaluations', async (_what, configs) => {
    const x = images(70, 1), y = images(70, 2);
    const runs: Array<{ loss: number[]; w: ReturnType<Sequential['getWeights']>; p: Float32Array; e: unknown }> = [];
    for (const [threads, variant, build] of configs) {
      const m = make(threads, variant);
      const info = await m.engineInfo();
      expect(info.threads).toBe(threads);
      expect(info.variant).toBe(build);
      const h = await m.fit(x, y, { epochs: 2, batchSize: 32, seed: 4 });   // 3 batches an epoch, the last of 6
      runs.push({ loss: h.history.loss, w: m.getWeights(), p: (await m.predict(x, { batchSize: 25 })).data, e: await m.evaluate(x, y, { batchSize: 35 }) });
      m.dispose();
    }
    for (const r of runs.slice(1)) {
      expect(r.loss).toEqual(runs[0].loss);
      r.w.forEach((w, i) => expect(bits(w.data).equals(bits(runs[0].w[i].data))).toBe(true));
      expect(bits(r.p).equals(bits(runs[0].p))).toBe(true);
      expect(r.e).toEqual(runs[0].e);
    }
  });
});

test('predictions do not depend on how the threads claim the samples', async () => {
  // With threads a prediction's samples are claimed a share of what is left at a time (network.ts
  // forwardClaimed: 13 at most here, down to 1 at the end), so the split depends on the thread count: one
  // thread takes 16 fixed chunks, and 2 and 3 threads cut 200 samples elsewhere (sample 12 ends a claim of
  // 13 on 2 threads, a 1-row dense tile, and sits inside a 4-row tile of the fixed chunk [12, 25)). Which
  // thread takes a claim depends on timing, hence the repeats. Every split must give the same bits, in the
  // mul + add builds and in the relaxed ones.
  const x = images(200, 5);
  const tutorial = (threads: number | 'auto', variant?: VariantRequest) => presets.kerasTutorial({ threads, variant, seed: 3 });
  for (const make of [strideDenseModel, tutorial]) {
    for (const [single, threaded] of [['simd', 'simd-threads'], ['relaxed-simd', 'relaxed-simd-threads']] as const) {
      const one = make(1, single);
      const expected = bits((await one.predict(x, { batchSize: 200 })).data);
      one.dispose();
      for (const threads of [2, 3]) {
        const m = make(threads, threaded);
        for (let run = 0; run < 3; run++) expect(bits((await m.predict(x, { batchSize: 200 })).data).equals(expected)).toBe(true);
        m.dispose();
      }
    }
  }
});

test('pipelined predictions (threads, several batches) give the bits of one batch on one thread', async () => {
  // With worker threads and more than one batch, predict loads batch k+1 and copies out batch k-1 while
  // batch k runs, each batch through one of two plans with their own input and output buffers
  // (Engine.forwardRange). Models whose output is a fused pool and whose input is read again at the end
  // (DnCNN's residual); floats and bytes; a bad value in a later batch; a fit in between (a new layout).
  const r = new Random(6);
  const pooled = (threads: number, variant: VariantRequest) => {
    const m = new Sequential({ inputShape: [12, 12, 2], threads, variant, seed: 5 }, [
      layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),   // the output, fused into the conv's tiles
    ]);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    return m;
  };
  const residual = (threads: number, variant: VariantRequest) =>
    presets.dncnn({ depth: 3, filters: 8, patchSize: 12, threads, variant, seed: 5 });
  for (const [make, channels] of [[pooled, 2], [residual, 1]] as const) {
    const N = 45, shape = [N, 12, 12, channels], size = 12 * 12 * channels;
    const bytes = Uint8Array.from({ length: N * size }, () => Math.floor(r.uniform() * 256));
    const floats = tensor(Float32Array.from(bytes, (b) => b / 255), shape);
    const one = make(1, 'simd');
    const expected = bits((await one.predict(floats, { batchSize: N })).data);
    const outSize = one.outputShape.reduce((a, b) => a * b);
    const y = tensor(Float32Array.from({ length: N * outSize }, () => r.uniform()), [N, ...one.outputShape]);
    await one.fit(floats, y, { epochs: 1, batchSize: 16, seed: 2 });
    const trained = bits((await one.predict(floats, { batchSize: N })).data);
    one.dispose();
    const m = make(2, 'simd-threads');
    await m.engineInfo();
    // Counts the predictions that took the pipeline (two plans; null: one batch at a time).
    const engine = (m as unknown as { engine: { pipeSlots(bytes: boolean): unknown } }).engine;
    const pipeSlots = engine.pipeSlots.bind(engine);
    let pipelined = 0;
    engine.pipeSlots = (b) => { const slots = pipeSlots(b); if (slots) pipelined++; return slots; };
    expect(bits((await m.predict(floats, { batchSize: 7 })).data).equals(expected)).toBe(true);   // 7 batches, the last of 3
    expect(bits((await m.predict(byteTensor(bytes, shape), { batchSize: 8 })).data).equals(expected)).toBe(true);
    const bad = tensor(floats.data.slice(), floats.shape);
    bad.data[40 * size + 17] = NaN;   // in the 6th batch of 7
    await expect(m.predict(bad, { batchSize: 7 })).rejects.toThrow('predict: x contains NaN at sample 40, element 17');
    expect(bits((await m.predict(floats, { batchSize: 6 })).data).equals(expected)).toBe(true);
    await m.fit(floats, y, { epochs: 1, batchSize: 16, seed: 2 });
    expect(bits((await m.predict(floats, { batchSize: 7 })).data).equals(trained)).toBe(true);
    expect(pipelined).toBe(5);
    m.dispose();
  }
});

test('dispose() during a pipelined predict rejects it, and the model starts again', async () => {
  const m = presets.kerasTutorial({ threads: 2 });
  const x = images(8000, 3);
  await m.predict(images(2, 1));
  const done = m.predict(x, { batchSize: 32 });   // 250 batches
  setTimeout(() => m.dispose(), 0);
  await expect(done).rejects.toThrow(/disposed/);
  expect((await m.predict(images(40, 1), { batchSize: 8 })).shape).toEqual([40, 28, 28, 1]);
  m.dispose();
});

test("engineInfo: 'auto' uses every core; threads: 1 uses no workers and says why", async () => {
  const auto = presets.kerasTutorial();
  const info = await auto.engineInfo();
  const cores = (await import('node:os')).availableParallelism();
  expect(info.threads).toBe(cores);
  expect(info.variant).toBe(cores > 1 ? 'simd-threads' : 'simd');
  auto.dispose();
  const one = presets.kerasTutorial({ threads: 1 });
  expect(await one.engineInfo()).toEqual({ variant: 'simd', simd: true, threads: 1, threadsReason: 'threads: 1 was requested' });
  // 'auto-relaxed' adds the fused multiply-add builds (npm test runs Node with relaxed SIMD on).
  const relaxed = presets.kerasTutorial({ variant: 'auto-relaxed' });
  expect((await relaxed.engineInfo()).variant).toBe(cores > 1 ? 'relaxed-simd-threads' : 'relaxed-simd');
  relaxed.dispose();
  await expect(presets.kerasTutorial({ threads: 0 }).engineInfo()).rejects.toThrow(/threads must be 'auto' or an integer from 1 to 16, got 0/);
});

test('a script that trains with threads and forgets dispose() still exits', () => {
  const index = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const script = `import { presets, tensor } from ${JSON.stringify(index)};
    const m = presets.kerasTutorial({ threads: 2 });
    const x = tensor(new Float32Array(8 * 784).fill(0.5), [8, 28, 28, 1]);
    await m.fit(x, x, { epochs: 1, batchSize: 4 });
    console.log((await m.engineInfo()).threads);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 30000, encoding: 'utf8' });
  expect(r.error).toBeUndefined();
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe('2');
});

test("without relaxed SIMD (Node 20 without the flag), 'auto-relaxed' falls back and 'relaxed-simd' says how to get it", () => {
  const index = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const script = `import { presets, relaxedSimdSupported } from ${JSON.stringify(index)};
    const out = [relaxedSimdSupported()];
    for (const variant of ['auto-relaxed', 'relaxed-simd']) {
      const m = presets.kerasTutorial({ variant, threads: 1 });
      out.push(await m.engineInfo().then((i) => i.variant, (e) => e.message));
      m.dispose();
    }
    console.log(JSON.stringify(out));`;
  // A plain child Node: no --experimental-wasm-relaxed-simd, whatever this process was started with.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 30000, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect(r.status).toBe(0);
  const [supported, auto, relaxed] = JSON.parse(r.stdout.trim());
  if (supported) expect([auto, relaxed]).toEqual(['relaxed-simd', 'relaxed-simd']);   // Node 22+
  else {
    expect(auto).toBe('simd');
    expect(relaxed).toMatch(/does not validate relaxed SIMD \(Node 20 needs the flag --experimental-wasm-relaxed-simd.*use variant "auto-relaxed", "auto" or "simd"/);
  }
});

describe('failures reject the pending call instead of hanging', () => {
  const engineOf = (m: Sequential) => (m as unknown as { ready(): Promise<Engine> }).ready();

  test('a worker that traps', async () => {
    const m = presets.kerasTutorial({ threads: 2 });
    const engine = await engineOf(m);
    await expect(engine.trapWorkerForTesting(1)).rejects.toThrow(/worker 1 (trapped|failed)/);
    await expect(m.predict(images(2, 1))).rejects.toThrow(/threads stopped; call dispose\(\)/);
    m.dispose();   // and the model works again, with fresh threads and the same weights
    expect((await m.predict(images(2, 1))).data.every(Number.isFinite)).toBe(true);
    m.dispose();
  });

  test('a worker that dies in the middle of training', async () => {
    const m = presets.kerasTutorial({ threads: 2 });
    const engine = await engineOf(m);
    const workers = (engine as unknown as { pool: { workers: Array<{ terminate(): void }> } }).pool.workers;
    const x = images(256, 3);
    const done = m.fit(x, x, { epochs: 20, batchSize: 64, onBatchEnd: (b) => { if (b === 1) workers[1].terminate(); } });
    await expect(done).rejects.toThrow(/worker 1 exited/);
    m.dispose();
  });

  test('an aborted fit leaves a threaded model usable', async () => {
    const m = presets.kerasTutorial({ threads: 2 });
    const x = images(64, 5);
    const ac = new AbortController();
    const h = await m.fit(x, x, { epochs: 3, batchSize: 8, signal: ac.signal, onBatchEnd: (b) => { if (b === 2) ac.abort(); } });
    expect(h.aborted).toBe(true);
    const h2 = await m.fit(x, x, { epochs: 1, batchSize: 32 });
    expect(h2.history.loss[0]).toBeGreaterThan(0);
    m.dispose();
  });
});

test('a batch too large for the shared memory gets a clear error, and the model still works', async () => {
  const m = presets.kerasTutorial({ threads: 2 });
  const x = tensor(new Float32Array(6000 * 784).fill(0.5), [6000, 28, 28, 1]);
  // Training keeps every activation of the batch (and the gradients alive at once): 6,000 digits need more than the 1 GiB.
  await expect(m.fit(x, x, { batchSize: 6000 })).rejects.toThrow(/a batch of 6000 samples needs \d+ MiB of wasm memory, more than this runtime allows \(at most 1024 MiB shared\); use a smaller batchSize \(3000 or less\)/);
  // Inference reuses the buffers already read, so the same batch fits for predict.
  expect((await m.predict(x, { batchSize: 6000 })).shape).toEqual([6000, 28, 28, 1]);
  const big = tensor(new Float32Array(16000 * 784).fill(0.5), [16000, 28, 28, 1]);
  await expect(m.predict(big, { batchSize: 16000 })).rejects.toThrow(/a batch of 16000 samples needs \d+ MiB of wasm memory, more than this runtime allows \(at most 1024 MiB shared\); use a smaller batchSize \(8000 or less\)/);
  expect((await m.predict(images(3, 1))).shape).toEqual([3, 28, 28, 1]);
  expect((await m.fit(images(8, 2), images(8, 2), { batchSize: 8 })).history.loss[0]).toBeGreaterThan(0);
  m.dispose();
});

test('dispose() while a threaded fit runs rejects it instead of leaving it pending', async () => {
  const m = presets.kerasTutorial({ threads: 2 });
  const x = images(512, 7);
  // Dispose a few ms after the first batch, while the second one is (most likely) running on the workers;
  // between batches the next step rejects too, with the pool's "disposed" error.
  const done = m.fit(x, x, { epochs: 5, batchSize: 256, onBatchEnd: (b) => { if (b === 0) setTimeout(() => m.dispose(), 5); } });
  await expect(done).rejects.toThrow(/disposed/);
  expect((await m.predict(images(2, 1))).shape).toEqual([2, 28, 28, 1]);   // and it starts again
  m.dispose();
});

test('calls made without awaiting each other queue: a predict during a threaded fit changes nothing', async () => {
  const x = images(96, 8), probe = images(5, 9);
  const alone = presets.kerasTutorial({ threads: 2 });
  const expected = await alone.fit(x, x, { epochs: 2, batchSize: 32, seed: 1 });
  alone.dispose();
  const m = presets.kerasTutorial({ threads: 2 });
  const fitting = m.fit(x, x, { epochs: 2, batchSize: 32, seed: 1 });
  const predictions = [];
  for (let i = 0; i < 5; i++) {
    predictions.push(m.predict(probe, { batchSize: 5 }));
    await new Promise((r) => setImmediate(r));
  }
  const got = await fitting;
  expect(got.history.loss).toEqual(expected.history.loss);
  for (const p of await Promise.all(predictions)) expect(p.data.every(Number.isFinite)).toBe(true);
  m.dispose();
});
