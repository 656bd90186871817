// One measurement in a fresh process (forked by bench/bench.mjs): a task comes in as JSON in argv[2],
// the result goes back over the IPC channel. Fresh processes keep measurements apart (JIT state, wasm
// memory, threads) and give each its own peak RSS. Nothing is imported before a task asks for it, so the
// startup task can time the library's import itself.

const task = JSON.parse(process.argv[2]);
const BATCH = 128;
const INFER_BATCH = 256;

const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;   // maxRSS is in KiB
const rate = (n, t0) => n / ((performance.now() - t0) / 1000);

// The benched models: ours (a preset) and TF.js's twin (bench/lib/tfjs.mjs), by task.model.
const MODELS = { tutorial: ['kerasTutorial', 'tutorialModel'], kerasIo: ['kerasIoDenoiser', 'kerasIoModel'] };

async function ours(t) {
  const { presets } = await import('../../dist/index.js');
  const { makeData } = await import('./data.mjs');
  const model = presets[MODELS[t.model ?? 'tutorial'][0]]({ variant: t.variant, threads: t.threads, seed: 0 });
  const info = await model.engineInfo();
  const out = { info, train: [], infer: [] };
  if (t.train) {
    const { x, y } = makeData(BATCH * t.trainBatches, 1);
    await model.fit(x, y, { epochs: 1, batchSize: BATCH });   // warm-up: V8 tiers the wasm up
    for (let i = 0; i < t.runs; i++) {
      const t0 = performance.now();
      await model.fit(x, y, { epochs: 1, batchSize: BATCH, seed: i + 1 });
      out.train.push(rate(x.shape[0], t0));
    }
    out.wasmMemoryAfterFit = model.engine?.memoryBytes;
  }
  if (t.infer) {
    const { x } = makeData(t.inferN, 2);
    await model.predict(makeData(INFER_BATCH, 3).x, { batchSize: INFER_BATCH });   // warm-up
    for (let i = 0; i < t.inferRuns; i++) {
      const t0 = performance.now();
      await model.predict(x, { batchSize: INFER_BATCH });
      out.infer.push(rate(x.shape[0], t0));
    }
    out.wasmMemoryAfterPredict = model.engine?.memoryBytes;
  }
  out.maxRss = maxRssBytes();
  model.dispose();
  return out;
}

async function tfjs(t) {
  const peers = await import('./tfjs.mjs');
  const { makeData } = await import('./data.mjs');
  const { presets } = await import('../../dist/index.js');
  const { tf, info } = await peers.loadTfjs(t.backend);
  const [preset, twin] = MODELS[t.model ?? 'tutorial'];
  const model = peers[twin](tf);
  // Same starting weights as ours (Keras order and layout on both sides).
  const reference = presets[preset]({ seed: 0 });
  const w0 = reference.getWeights();
  model.setWeights(w0.map((w) => tf.tensor(w.data, w.shape)));
  const out = { info, train: [], infer: [], trainError: null };
  if (t.train) {
    const B = t.trainBatch ?? BATCH;
    const warm = makeData(t.warmupBatch, 4);
    const { x, y } = makeData(B * t.trainBatches, 1);
    try {
      const wx = tf.tensor4d(warm.x.data, warm.x.shape), wy = tf.tensor4d(warm.y.data, warm.y.shape);
      await model.trainOnBatch(wx, wy);   // warm-up (and the error, where the backend cannot train)
      tf.dispose([wx, wy]);
      for (let b = 0; b < t.trainBatches; b++) {
        const bx = tf.tensor4d(x.data.subarray(b * B * 784, (b + 1) * B * 784), [B, 28, 28, 1]);
        const by = tf.tensor4d(y.data.subarray(b * B * 784, (b + 1) * B * 784), [B, 28, 28, 1]);
        const t0 = performance.now();
        await model.trainOnBatch(bx, by);   // resolves with the loss, read back: the step is done
        out.train.push(rate(B, t0));
        tf.dispose([bx, by]);
      }
    } catch (e) {
      out.trainError = String(e?.message ?? e);
    }
  }
  if (t.infer) {
    const { x } = makeData(t.inferN, 2);
    const xt = tf.tensor4d(x.data, x.shape);
    const nWarm = Math.min(INFER_BATCH, x.shape[0]);
    const warm = tf.tensor4d(x.data.subarray(0, nWarm * 784), [nWarm, 28, 28, 1]);
    const wy = model.predict(warm, { batchSize: INFER_BATCH });
    await wy.data();
    tf.dispose([warm, wy]);
    for (let i = 0; i < t.inferRuns; i++) {
      const t0 = performance.now();
      const yt = model.predict(xt, { batchSize: INFER_BATCH });
      await yt.data();
      out.infer.push(rate(x.shape[0], t0));
      yt.dispose();
    }
    xt.dispose();
  }
  out.maxRss = maxRssBytes();
  // Sanity check, after the measurements: from the same weights, TF.js and ours predict the same images.
  model.setWeights(w0.map((w) => tf.tensor(w.data, w.shape)));
  const { x: px } = makeData(16, 5);
  const theirs = await model.predict(tf.tensor4d(px.data, px.shape)).data();
  const mine = (await reference.predict(px)).data;
  let maxDiff = 0;
  for (let i = 0; i < mine.length; i++) maxDiff = Math.max(maxDiff, Math.abs(mine[i] - theirs[i]));
  out.parityMaxAbsDiff = maxDiff;
  reference.dispose();
  return out;
}

async function memory(t) {
  const { presets } = await import('../../dist/index.js');
  const { makeLargeData } = await import('./data.mjs');
  const rssStart = process.memoryUsage().rss;
  const { x, y } = makeLargeData(t.n);
  const rssData = process.memoryUsage().rss;
  const model = presets.kerasTutorial({ variant: t.variant, threads: t.threads, seed: 0 });
  const stop = new AbortController();
  let batches = 0;
  const t0 = performance.now();
  const h = await model.fit(x, y, {
    epochs: 1, batchSize: BATCH, signal: stop.signal,
    onBatchEnd: () => { if (++batches >= t.batches) stop.abort(); },
  });
  const seconds = (performance.now() - t0) / 1000;
  const out = {
    n: t.n, batches, aborted: h.aborted, seconds,
    info: await model.engineInfo(),
    wasmMemory: model.engine?.memoryBytes,   // the engine's WebAssembly.Memory (private field; see README)
    dataBytes: x.data.byteLength + y.data.byteLength,
    rssStart, rssData, rssAfter: process.memoryUsage().rss, maxRss: maxRssBytes(),
  };
  model.dispose();
  return out;
}

async function startup(t) {
  const t0 = performance.now();   // ms since this process started (performance.timeOrigin)
  if (t.backend) {
    const { loadTfjs, tutorialModel } = await import('./tfjs.mjs');
    const { tf } = await loadTfjs(t.backend);
    const t1 = performance.now();
    const model = tutorialModel(tf);
    const y = model.predict(tf.zeros([1, 28, 28, 1]));
    await y.data();
    const t2 = performance.now();
    return { processStart: t0, importMs: t1 - t0, firstPredictMs: t2 - t1, totalMs: t2 - t0, sinceProcessStartMs: t2 };
  }
  const lib = await import('../../dist/index.js');
  const t1 = performance.now();
  const model = lib.presets.kerasTutorial({ variant: t.variant, threads: t.threads, seed: 0 });
  const info = await model.engineInfo();   // fetch + compile + instantiate (+ start the threads)
  const t2 = performance.now();
  await model.predict(lib.tensor(new Float32Array(784), [1, 28, 28, 1]), { batchSize: 1 });
  const t3 = performance.now();
  model.dispose();
  return { info, processStart: t0, importMs: t1 - t0, engineMs: t2 - t1, firstPredictMs: t3 - t2, totalMs: t3 - t0, sinceProcessStartMs: t3 };
}

async function profile(t) {
  const { runProfile } = await import('./profile.mjs');
  return runProfile(t);
}

const tasks = { ours, tfjs, memory, startup, profile };
try {
  const result = await tasks[task.kind](task);
  process.send({ ok: true, result }, () => process.exit(0));
} catch (e) {
  process.send({ ok: false, error: String(e?.stack ?? e) }, () => process.exit(1));
}
