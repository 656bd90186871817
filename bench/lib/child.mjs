// One measurement in a fresh process (forked by bench/bench.mjs): a task comes in as JSON in argv[2],
// the result goes back over the IPC channel. Fresh processes keep measurements apart (JIT state, wasm
// memory, threads) and give each its own peak RSS. Nothing is imported before a task asks for it, so the
// startup task can time the library's import itself.

const task = JSON.parse(process.argv[2]);
const BATCH = 128;
const INFER_BATCH = 256;

// This process's peak RSS. On Linux, VmHWM: resourceUsage().maxRSS survives exec, so a forked child's
// starts at the bench's own RSS at the fork (checked: 304 MiB reported by a child whose VmHWM was 40 MiB,
// forked from a 300 MiB parent). Elsewhere, maxRSS (KiB).
async function maxRssBytes() {
  return (await procStatusBytes('VmHWM')) ?? process.resourceUsage().maxRSS * 1024;
}

// A size field of /proc/self/status in bytes (VmHWM, VmRSS), or null where there is none (not Linux).
async function procStatusBytes(field) {
  try {
    const { readFileSync } = await import('node:fs');
    const kib = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib ? Number(kib) * 1024 : null;
  } catch {
    return null;
  }
}
const rate = (n, t0) => n / ((performance.now() - t0) / 1000);

// The benched models: ours (a preset) and TF.js's twin (bench/lib/tfjs.mjs), by task.model.
const MODELS = { tutorial: ['kerasTutorial', 'tutorialModel'], kerasIo: ['kerasIoDenoiser', 'kerasIoModel'] };

// t.adjacentPeak ({ file, kernel, pairs, calls }: bench/peak.ts's build, its best one-core kernel, that
// kernel's multiply-add pairs per loop iteration, and calls for ~60 ms of one core's work): the peak kernel
// runs for ~60 ms right before and after each timed run, on this thread (one-thread rows) or on as many
// worker threads as the row uses, their rates summed (bench/lib/peak-worker.mjs, as the bench's all-cores
// peak); the run's rate is also given as a share of the mean of those two: the host's speed swings (up to
// 2x within minutes here), and a peak measured next to each run sees the same swing as the run itself.
// Returns measure() (GFLOP/s, once), close(), and what the row's peak RSS leaves out: footprint (the
// workers' memory) and hwmBefore (the peak before they started).
async function adjacentPeak(spec, threads, measurements) {
  if (!spec) return null;
  const { readFileSync } = await import('node:fs');   // (not peak.mjs: it loads the compiler, 100 MB of RSS)
  const iters = spec.iters, flopPerCall = spec.pairs * 8 * iters;
  if (threads === 1) {
    const { instance } = await WebAssembly.instantiate(readFileSync(spec.file), { env: { abort() { throw new Error('abort'); } } });
    const fn = instance.exports[spec.kernel];
    const measure = (ms) => {
      let calls = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < ms) { fn(iters, 1, 1e-9); calls++; }   // (a wasm call is never optimized away)
      return (calls * flopPerCall) / ((performance.now() - t0) / 1000) / 1e9;
    };
    measure(150);   // warm-up: the optimizing tier
    return { measure: async () => measure(60), footprint: 0, hwmBefore: null, close: async () => {} };
  }
  const { startPeakThreads } = await import('./peak-threads.mjs');
  const module = await WebAssembly.compile(readFileSync(spec.file));
  const hwmBefore = await procStatusBytes('VmHWM'), rssBefore = await procStatusBytes('VmRSS');
  const pool = await startPeakThreads(module, spec.kernel, threads, { iters, calls: spec.calls, runs: measurements, warmupMs: 150 });
  // The workers' own memory, estimated as the RSS growth while they start (they allocate nothing once
  // ready), which ours() leaves out of the row's peak RSS.
  const rssAfter = await procStatusBytes('VmRSS');
  const footprint = rssBefore !== null && rssAfter !== null ? Math.max(0, rssAfter - rssBefore) : 0;
  let r = 0;
  const measure = async () => (await pool.run(r++)).reduce((sum, seconds) => sum + (flopPerCall * spec.calls) / seconds / 1e9, 0);
  return { measure, footprint, hwmBefore, close: pool.close };
}

async function ours(t) {
  // t.dist: another package's entry (bench --baseline-tree), with its own wasm.
  const { presets } = await import(t.dist ?? '../../dist/index.js');
  const { makeData } = await import('./data.mjs');
  // wasmBase: another build of the same source tree (bench --baseline), run by this dist/.
  const model = presets[MODELS[t.model ?? 'tutorial'][0]]({ variant: t.variant, threads: t.threads, seed: 0, wasmBase: t.wasmBase });
  const info = await model.engineInfo();
  const out = { info, train: [], infer: [], trainPeak: [], inferPeak: [] };
  const measurements = 2 * ((t.train ? t.runs : 0) + (t.infer ? t.inferRuns : 0));
  const peak = await adjacentPeak(t.adjacentPeak, t.threads, measurements);
  // One timed run of fn on n samples: its rate, and the peak around it (when asked for).
  const timed = async (n, fn, rates, peaks) => {
    const before = await peak?.measure();
    const t0 = performance.now();
    await fn();
    rates.push(rate(n, t0));
    if (peak) peaks.push((before + await peak.measure()) / 2);
  };
  if (t.train) {
    const { x, y } = makeData(BATCH * t.trainBatches, 1);
    await model.fit(x, y, { epochs: 1, batchSize: BATCH });   // warm-up: V8 tiers the wasm up
    for (let i = 0; i < t.runs; i++) {
      await timed(x.shape[0], () => model.fit(x, y, { epochs: 1, batchSize: BATCH, seed: (t.seed ?? 1) + i }), out.train, out.trainPeak);
    }
    out.wasmMemoryAfterFit = model.engine?.memoryBytes;
  }
  if (t.infer) {
    const { x } = makeData(t.inferN, 2);
    // Warm-up on two batches, so that the timed call's path has run: the threads builds pipeline a
    // prediction of more than one batch, in wasm memory that its first such call grows (and faults in).
    await model.predict(makeData(Math.min(2 * INFER_BATCH, t.inferN), 3).x, { batchSize: INFER_BATCH });
    for (let i = 0; i < t.inferRuns; i++) await timed(x.shape[0], () => model.predict(x, { batchSize: INFER_BATCH }), out.infer, out.inferPeak);
    out.wasmMemoryAfterPredict = model.engine?.memoryBytes;
  }
  // Without the adjacent peak's workers: the peak before they started, or the peak since less their memory.
  out.maxRss = Math.max(peak?.hwmBefore ?? 0, (await maxRssBytes()) - (peak?.footprint ?? 0));
  await peak?.close();
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
  out.maxRss = await maxRssBytes();
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

// Training on 60,000 images, the data held three ways (t.data): 'f32' noisy + clean floats (3,136 bytes a
// sample), 'u8' noisy + clean bytes (1,568; converted per batch in wasm), 'u8-noise-layer' clean bytes only
// (784) with a GaussianNoise layer in the model making the noise. t.dir: Fashion-MNIST IDX files, else synthetic.
async function memory(t) {
  const lib = await import('../../dist/node.js');
  const rssStart = process.memoryUsage().rss;
  const { x, y, source } = await memoryData(lib, t);
  const rssData = process.memoryUsage().rss;
  const model = t.data === 'u8-noise-layer' ? tutorialWithNoise(lib, t) : lib.presets.kerasTutorial({ variant: t.variant, threads: t.threads, seed: 0 });
  const stop = new AbortController();
  let batches = 0, tTimed = 0;
  const t0 = performance.now();
  const h = await model.fit(x, y, {
    epochs: 1, batchSize: BATCH, signal: stop.signal,
    onBatchEnd: () => {
      if (++batches === t.warmup) tTimed = performance.now();   // V8 tiers the wasm up in the first batches
      if (batches >= t.warmup + t.batches) stop.abort();
    },
  });
  const tEnd = performance.now();
  // Loading alone (gather, and for bytes the conversion in wasm): 200 shuffled batches, as fit loads them.
  const engine = model.engine, rng = new lib.Random(9), rows = new Int32Array(BATCH);
  const tLoad = performance.now();
  for (let i = 0; i < 200; i++) {
    for (let k = 0; k < BATCH; k++) rows[k] = rng.int(x.shape[0]);
    engine.loadBatch(x.data, rows, y.data);
  }
  const loadMs = (performance.now() - tLoad) / 200;
  const out = {
    n: x.shape[0], data: t.data, source, batches, aborted: h.aborted, seconds: (tEnd - t0) / 1000,
    samplesPerSecond: (t.batches * BATCH) / ((tEnd - tTimed) / 1000), loadMs,
    info: await model.engineInfo(),
    wasmMemory: model.engine?.memoryBytes,   // the engine's WebAssembly.Memory (private field; see README)
    dataBytes: x.data.byteLength + (y === x ? 0 : y.data.byteLength),
    rssStart, rssData, rssAfter: process.memoryUsage().rss, maxRss: await maxRssBytes(),
  };
  model.dispose();
  return out;
}

/** The tutorial model with a GaussianNoise(0.4) layer first (the noise made in the model, during training only). */
function tutorialWithNoise(lib, t) {
  const { Sequential, layers } = lib;
  const conv = (filters, activation = 'relu', padding = 'same') => layers.conv2d({ filters, kernelSize: 3, activation, padding });
  const pool = () => layers.maxPooling2d({ poolSize: 2, padding: 'same' });
  const up = () => layers.upSampling2d({ size: 2 });
  const m = new Sequential({ inputShape: [28, 28, 1], variant: t.variant, threads: t.threads, seed: 0 }, [
    layers.gaussianNoise({ stddev: 0.4 }),
    conv(16), pool(), conv(8), pool(), conv(8), pool(), conv(8), up(), conv(8), up(), conv(16, 'relu', 'valid'), up(), conv(1, 'sigmoid'),
  ]);
  m.compile({ optimizer: 'adadelta', loss: 'binaryCrossentropy' });
  return m;
}

// The training set in the form t.data asks for, never holding a float copy when it asks for bytes.
async function memoryData(lib, t) {
  let clean;   // Uint8Array of n * 784
  let source;
  if (t.dir) {
    const { train } = await lib.loadMnistFiles(t.dir, { bytes: true, testLimit: 0 });
    clean = train.images.data;
    source = `Fashion-MNIST (${t.dir})`;
  } else {
    const { makeLargeBytes } = await import('./data.mjs');
    clean = makeLargeBytes(t.n);
    source = 'synthetic';
  }
  const n = clean.length / 784, shape = [n, 28, 28, 1];
  // 'u8-clean': fit(clean, clean) with no noise at all, the memory of the GaussianNoise case without its layer.
  if (t.data === 'u8-noise-layer' || t.data === 'u8-clean') { const c = lib.byteTensor(clean, shape); return { x: c, y: c, source }; }
  // The tutorial's noise, clip(x + 0.4 N(0, 1), 0, 1), drawn once; as bytes it is rounded to 1/255.
  const rng = new lib.Random(5);
  if (t.data === 'u8') {
    const noisy = new Uint8Array(clean.length);
    for (let i = 0; i < clean.length; i++) noisy[i] = Math.round(255 * Math.min(1, Math.max(0, clean[i] / 255 + 0.4 * rng.normal())));
    return { x: lib.byteTensor(noisy, shape), y: lib.byteTensor(clean, shape), source };
  }
  const y = new Float32Array(clean.length), x = new Float32Array(clean.length);
  for (let i = 0; i < y.length; i++) y[i] = clean[i] / 255;
  for (let i = 0; i < y.length; i++) x[i] = Math.min(1, Math.max(0, y[i] + 0.4 * rng.normal()));
  return { x: lib.tensor(x, shape), y: lib.tensor(y, shape), source };
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

async function peak(t) {
  const { measurePeak } = await import('./peak.mjs');
  return measurePeak(t);
}

// Denoising quality after a fixed training time: the preset trained on the embedded digits (noise 0.4,
// fixed, the same for every model) until `seconds` of wall time are spent (whole epochs; the last one
// may run over), then val_loss, PSNR and SSIM on the held-out digits.
async function quality(t) {
  const lib = await import('../../dist/index.js');
  const { train, test } = await lib.loadMnist({ testSize: 1000 });
  const noisy = lib.addGaussianNoise(train.images, { factor: 0.4, seed: 1 });
  const testNoisy = lib.addGaussianNoise(test.images, { factor: 0.4, seed: 2 });
  const model = lib.presets[MODELS[t.model][0]]({ threads: t.threads, seed: 0 });
  if (t.model === 'tutorial') model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });   // the same optimizer for both
  const t0 = performance.now();
  let epochs = 0;
  while ((performance.now() - t0) / 1000 < t.seconds) {
    await model.fit(noisy, train.images, { epochs: 1, batchSize: BATCH, seed: epochs });
    epochs++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const valLoss = await model.evaluate(testNoisy, test.images);
  const denoised = await model.predict(testNoisy);
  const out = { params: model.countParams(), epochs, seconds, samples: epochs * train.images.shape[0], valLoss,
    psnr: lib.psnr(test.images, denoised).mean, ssim: lib.ssim(test.images, denoised).mean,
    noisyPsnr: lib.psnr(test.images, testNoisy).mean, noisySsim: lib.ssim(test.images, testNoisy).mean };
  model.dispose();
  return out;
}

// Photo denoising: presets.photoDenoiser() through denoiseImage on a W x W grey and a W x W colour picture
// (RGBA, as a canvas gives them), after a warm-up, `runs` times each, alternating; seconds per picture:
// grey with the grey model, colour with the colour model (channels: 3) and with the grey model per channel.
// Each call includes what denoiseImage does every time: the model's copy at the tile size and its engine.
async function photo(t) {
  const lib = await import('../../dist/index.js');
  const { photoPicture } = await import('./photo-picture.mjs');
  const grey = photoPicture(t.size, t.size, false, 1), colour = photoPicture(t.size, t.size, true, 2);
  const options = { variant: t.variant, threads: t.threads, compile: false };
  const greyModel = lib.presets.photoDenoiser(options), colourModel = lib.presets.photoDenoiser({ ...options, channels: 3 });
  const info = await greyModel.engineInfo();
  await lib.denoiseImage(greyModel, grey);   // warm-up: V8 tiers the wasm up
  await lib.denoiseImage(colourModel, colour);
  // cpu: CPU seconds of the whole process (every thread) per picture, which a busy machine inflates far less than wall time.
  const cases = [['grey', greyModel, grey], ['colour', colourModel, colour], ['perChannel', greyModel, colour]];
  const out = { info };
  for (const [key] of cases) { out[key] = []; out[`${key}Cpu`] = []; }
  for (let i = 0; i < t.runs; i++) {
    for (const [key, model, picture] of cases) {
      const t0 = performance.now(), c0 = process.cpuUsage();
      await lib.denoiseImage(model, picture);
      const c = process.cpuUsage(c0);
      out[key].push((performance.now() - t0) / 1000);
      out[`${key}Cpu`].push((c.user + c.system) / 1e6);
    }
  }
  out.maxRss = await maxRssBytes();
  greyModel.dispose();
  colourModel.dispose();
  return out;
}

const tasks = { ours, tfjs, memory, startup, profile, peak, quality, photo };
try {
  const result = await tasks[task.kind](task);
  process.send({ ok: true, result }, () => process.exit(0));
} catch (e) {
  process.send({ ok: false, error: String(e?.stack ?? e) }, () => process.exit(1));
}
