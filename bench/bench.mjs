// npm run bench: the Keras tutorial's conv autoencoder, side by side with TensorFlow.js and against the
// machine's limit, in one run. Speed is never asserted (not run by npm test, never fails CI on speed).
//
//   node bench/bench.mjs [--quick] [--only train,infer,kerasio,quality,peak,memory,startup,size,photo] [--profile] [--baseline REV | --baseline-tree DIR] [--json FILE]
//
//   --quick    fewer runs and images (about a minute)
//   --only     a comma-separated list of sections (train, infer and profile also measure the peak, which
//              their "% of peak" needs)
//   --profile  adds a per-function breakdown: a named copy of the SIMD build under V8's CPU profiler
//   --json     where to write every run (default bench/results/latest.json)
//   --baseline a git revision: its assembly/ is built into bench/build/baseline/ and the mul + add rows
//              also run on those wasm files (with this dist/, so REV must have the same plan layout),
//              each right after the current one; the tables then show after/before ratios
//   --baseline-tree  a built checkout of another revision (its dist/ and build/: `git worktree add
//              ../before REV`, then `npm ci` there): the mul + add rows also run on that whole package,
//              its JS and its wasm, as --baseline does; for revisions whose plan layout differs from this
//              tree's (the package must have today's preset options and engineInfo())
//
// The relaxed-SIMD builds (fused multiply-add) run in children started with --experimental-wasm-relaxed-simd
// when this Node needs it (Node 20); the tables show them beside the mul + add builds with their ratio to
// the mul + add build on the same threads, and the relaxed peak (bench/peak.ts as relaxed_madd).
//
// Every measurement runs in a fresh child process (bench/lib/child.mjs): ours for each build and thread
// count (in rounds: one timed run of every configuration per round, so that a slow spell of the host
// lowers a run of each row, not all the runs of one), TF.js on its cpu backend and on its wasm backend
// (SIMD build, one thread in Node), with the same model, the same starting weights and the same
// synthetic data. The machine's limit is a wasm SIMD
// microbenchmark (bench/peak.ts) compiled with asc into bench/build/. Results: a table on stdout, every
// run in bench/results/latest.json.
import os from 'node:os';
import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';
import { median, min, max, num, mmm, bytes, ratio, table } from './lib/stats.mjs';
import { packageVersion, tfjsWasmDir } from './lib/tfjs.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHILD = fileURLToPath(new URL('./lib/child.mjs', import.meta.url));
const FORWARD_FLOP = 1.503e6;       // per image: 2 x the multiply-adds of the seven convolutions (1,503,360)
const TRAIN_FLOP = 3 * FORWARD_FLOP; // forward + input gradient + weight gradient
const BATCH = 128;
const INFER_BATCH = 256;
const SECTIONS = ['size', 'peak', 'train', 'infer', 'kerasio', 'quality', 'memory', 'startup', 'photo', 'profile'];
const PHOTO_SIZE = 512;   // the photo section's pictures: 512x512, grey and colour
// keras.io's denoiser (presets.kerasIoDenoiser): 2 x the multiply-adds of its five layers per image,
// 28x28x1->32 (225,792), 14x14x32->32 (1,806,336), the two 3x3 stride-2 transposed convs from 7x7x32 and
// 14x14x32 (451,584 and 1,806,336: each input pixel meets 9 x 32 x 32 weights; the few that 'same' crops
// at the border are counted) and 28x28x32->1 (225,792).
const KERASIO_FORWARD_FLOP = 2 * (225792 + 1806336 + 451584 + 1806336 + 225792);

// ---- options -------------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt; };
if (flag('--help') || flag('-h')) {
  console.log('node bench/bench.mjs [--quick] [--only train,infer,kerasio,quality,peak,memory,startup,size,photo,profile] [--profile] [--baseline REV | --baseline-tree DIR] [--json FILE]');
  process.exit(0);
}
const quick = flag('--quick');
const only = new Set(value('--only', SECTIONS.filter((s) => s !== 'profile').join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const s of only) if (!SECTIONS.includes(s)) { console.error(`bench: unknown section "${s}" (one of ${SECTIONS.join(', ')})`); process.exit(2); }
if (flag('--profile')) only.add('profile');
if (['train', 'infer', 'profile'].some((s) => only.has(s))) only.add('peak');   // the "% of peak" columns need it
// An installed package has its dependencies only: TF.js (the peers) and assemblyscript (the peak kernel and
// the profile's build) are devDependencies of a clone. Without them those parts are skipped, saying why.
const hasTfjs = packageVersion('@tensorflow/tfjs') !== null && packageVersion('@tensorflow/tfjs-backend-wasm') !== null;
const hasAsc = packageVersion('assemblyscript') !== null;
const skipped = [];
if (!hasTfjs) skipped.push('TF.js rows (the peers): @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are not installed (devDependencies; run the bench from a clone after npm install, or npm install them)');
for (const s of ['peak', 'profile']) {
  if (only.has(s) && !hasAsc) {
    only.delete(s);
    skipped.push(`${s === 'peak' ? 'the machine-limit section and "% of peak"' : 'the profile'}: it compiles with assemblyscript, which is not installed (a devDependency)`);
  }
}
const jsonPath = value('--json', join(ROOT, 'bench/results/latest.json'));
const baselineRev = value('--baseline', null);
const baselineTree = value('--baseline-tree', null);
if (baselineRev && baselineTree) { console.error('bench: give --baseline or --baseline-tree, not both'); process.exit(2); }

const cores = os.availableParallelism();
const S = quick
  ? { runs: 3, trainBatches: 4, inferN: 2048, inferRuns: 3,
      tfCpu: { warmupBatch: 8, trainBatch: 32, trainBatches: 1, inferN: 128, inferRuns: 2 },   // TF.js cpu: ~5 samples/s
      tfWasm: { inferN: 2048, inferRuns: 3 },
      memory: { n: 60000, warmup: 3, batches: 20, rounds: 1 }, startupRuns: 2, photoRuns: 3, profile: { seconds: 2, trainBatches: 4, inferN: 1024, intervalUs: 100 } }
  : { runs: 5, trainBatches: 8, inferN: 10000, inferRuns: 5,
      tfCpu: { warmupBatch: BATCH, trainBatch: BATCH, trainBatches: 3, inferN: 1024, inferRuns: 3 },
      tfWasm: { inferN: 10000, inferRuns: 5 },
      memory: { n: 60000, warmup: 5, batches: 60, rounds: 3 }, startupRuns: 5, photoRuns: 5, profile: { seconds: 6, trainBatches: 8, inferN: 2048, intervalUs: 100 } };

// Our configurations: each build, and the threads builds on 1..cores threads.
const mulAdd = [
  { label: 'scalar', variant: 'scalar', threads: 1 },
  { label: 'SIMD', variant: 'simd', threads: 1 },
  ...Array.from({ length: cores }, (_, i) => ({ label: `SIMD+threads x${i + 1}`, variant: 'simd-threads', threads: i + 1 })),
];
// The fused multiply-add builds; `pair` is the mul + add build on the same threads (the ratio column).
const relaxedRows = [
  { label: 'relaxed SIMD', variant: 'relaxed-simd', threads: 1, relaxed: true, pair: 'simd' },
  ...Array.from({ length: cores }, (_, i) => ({ label: `relaxed SIMD+threads x${i + 1}`, variant: 'relaxed-simd-threads', threads: i + 1,
    relaxed: true, pair: 'simd-threads' })),
];
// Run order: each relaxed row right after its mul + add pair, so that the pair's ratio sees the same load.
const ours = mulAdd.flatMap((c) => [c, ...relaxedRows.filter((r) => r.pair === c.variant && r.threads === c.threads)]);

const t0 = performance.now();
const log = (s) => process.stderr.write(`bench: [${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${s}\n`);

// One configuration's children (one per round) as one result: their runs in round order, the largest peak RSS.
function mergeRuns(parts) {
  const cat = (k) => parts.flatMap((r) => r[k] ?? []);
  return { ...parts[parts.length - 1], train: cat('train'), infer: cat('infer'), trainPeak: cat('trainPeak'), inferPeak: cat('inferPeak'),
    maxRss: max(parts.map((r) => r.maxRss)), rounds: parts.length };
}

function runChild(task, execArgv = []) {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(task)], { silent: true, execArgv, cwd: ROOT });
    let stderr = '';
    let result = null;
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', () => {});   // TF.js prints a banner; keep stdout for the table
    child.on('message', (m) => { result = m; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result?.ok) resolve(result.result);
      else reject(new Error(`bench child (${JSON.stringify(task)}) failed (exit ${code}): ${result?.error ?? stderr.slice(-2000)}`));
    });
  });
}

// ---- the run -------------------------------------------------------------------------------------
if (!existsSync(join(ROOT, 'dist/index.js')) || !existsSync(join(ROOT, 'build/denoise.simd.wasm'))) {
  console.error('bench: dist/ or build/ is missing: run `npm run build` first');
  process.exit(1);
}
// A warning (not a rebuild) when sources are newer than what the bench would run.
const newest = (dir, ext) => {
  let t = 0;
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(ext)) t = Math.max(t, statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return t;
};
// (Only in a clone: an installed package's files carry whatever times the installer gave them.)
const installed = ROOT.split(/[\\/]/).includes('node_modules') || !existsSync(join(ROOT, 'assembly')) || !existsSync(join(ROOT, 'src'));
if (!installed && (newest('assembly', '.ts') > statSync(join(ROOT, 'build/denoise.simd.wasm')).mtimeMs ||
    newest('src', '.ts') > statSync(join(ROOT, 'dist/index.js')).mtimeMs)) {
  log('warning: assembly/ or src/ changed after the last build; run `npm run build` to bench the current sources');
}
// What a child needs for relaxed SIMD: nothing (Node 22+), the V8 flag (Node 20), or null (no way here).
function relaxedExecArgv() {
  const check = (flags) => spawnSync(process.execPath, [...flags, '--input-type=module', '-e',
    "import('./dist/engine/wasm.js').then((m) => process.exit(m.relaxedSimdSupported() ? 0 : 1))"], { cwd: ROOT }).status === 0;
  if (check([])) return [];
  const flag = ['--experimental-wasm-relaxed-simd'];
  return check(flag) ? flag : null;
}
const relaxedArgv = relaxedExecArgv();
const relaxedWhy = 'this Node does not validate relaxed SIMD, not even with --experimental-wasm-relaxed-simd';

// --baseline REV: that revision's assembly/ (and src/engine/, where the plan layout it imports lives), built
// with today's flags (scripts/asbuild.mjs).
let baselineBase = null;
if (baselineRev && (only.has('train') || only.has('infer'))) {
  const dir = join(ROOT, 'bench/build/baseline');
  const src = join(dir, 'src');
  mkdirSync(src, { recursive: true });
  const archive = spawnSync('git', ['archive', baselineRev, 'assembly', 'src/engine'], { cwd: ROOT, maxBuffer: 1 << 26 });
  if (archive.status !== 0) { console.error(`bench: git archive ${baselineRev} failed: ${archive.stderr}`); process.exit(2); }
  const untar = spawnSync('tar', ['-x', '-C', src], { input: archive.stdout });
  if (untar.status !== 0) { console.error(`bench: tar failed: ${untar.stderr}`); process.exit(2); }
  const { buildVariants } = await import('../scripts/asbuild.mjs');
  await buildVariants({ source: join(src, 'assembly/index.ts'), outDir: dir, names: ['scalar', 'simd', 'simd-threads'], log: () => {} });
  baselineBase = pathToFileURL(`${dir}/`).href;
}
// What the baseline rows' children are given: the baseline's wasm under this dist/, or another whole package.
let baseline = baselineBase ? { task: { wasmBase: baselineBase }, label: baselineRev } : null;
if (baselineTree) {
  const entry = resolve(baselineTree, 'dist/index.js');
  if (!existsSync(entry)) { console.error(`bench: ${entry} does not exist: build that checkout first (npm ci there)`); process.exit(2); }
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: baselineTree, encoding: 'utf8' });
  baseline = { task: { dist: pathToFileURL(entry).href }, label: rev.status === 0 ? rev.stdout.trim() : baselineTree };
}

const startedAt = new Date();
const loadStart = os.loadavg();
const results = { sections: [...only], skipped };
const packages = {
  'denoise-wasm': JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
  '@tensorflow/tfjs': packageVersion('@tensorflow/tfjs'),
  '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
  assemblyscript: packageVersion('assemblyscript'),
};
const machine = {
  cpu: os.cpus()[0]?.model?.trim() ?? 'unknown CPU', cpus: os.cpus().length, availableParallelism: cores,
  memory: os.totalmem(), platform: `${os.platform()} ${os.release()}`, arch: os.arch(),
  node: process.version, v8: process.versions.v8,
};

if (only.has('size')) {
  log('wasm sizes');
  const files = readdirSync(join(ROOT, 'build')).filter((f) => f.endsWith('.wasm')).sort().map((f) => join(ROOT, 'build', f));
  const tfWasm = hasTfjs ? join(tfjsWasmDir(), 'tfjs-backend-wasm-simd.wasm') : null;
  if (tfWasm && existsSync(tfWasm)) files.push(tfWasm);
  results.size = files.map((f) => {
    const raw = readFileSync(f);
    return { file: relative(ROOT, f).replace(/^node_modules\//, ''), raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
  });
}

let peakPairs = null;   // multiply-add pairs per loop iteration of each peak kernel (bench/lib/peak.mjs)
if (only.has('peak')) {
  log('peak f32 GFLOP/s (bench/peak.ts)');
  const { measurePeak, KERNELS } = await import('./lib/peak.mjs');
  peakPairs = KERNELS;
  results.peak = await measurePeak({ quick, cores });
  log(`peak with relaxed_madd (bench/peak.ts, relaxed SIMD${relaxedArgv?.length ? ', child with ' + relaxedArgv.join(' ') : ''})`);
  results.peakRelaxed = relaxedArgv
    ? await runChild({ kind: 'peak', quick, cores, relaxed: true }, relaxedArgv).catch((e) => ({ error: e.message }))
    : { error: relaxedWhy };
}
// The limit: the best run of the best kernel on one core (conservative: noise only lowers runs).
const onePeak = results.peak ? max(results.peak.oneCore.flatMap((k) => k.gflops)) : NaN;
const allPeak = results.peak ? max(results.peak.allCores.gflops) : NaN;
const oneRelaxedPeak = results.peakRelaxed?.oneCore ? max(results.peakRelaxed.oneCore.flatMap((k) => k.gflops)) : NaN;
const allRelaxedPeak = results.peakRelaxed?.allCores ? max(results.peakRelaxed.allCores.gflops) : NaN;
// The SIMD rows also run the best one-core peak kernel next to each timed run, on as many threads as the
// row uses (child.mjs adjacentPeak); calls: about 60 ms of one core's work at this run's peak.
const adjacentPeakOf = (relaxed) => {
  const pk = relaxed ? results.peakRelaxed : results.peak;
  const gflops = relaxed ? oneRelaxedPeak : onePeak;
  if (!pk?.best || !Number.isFinite(gflops)) return undefined;
  const iters = 200_000, flopPerCall = peakPairs[pk.best] * 8 * iters;
  return { file: fileURLToPath(new URL(`build/${relaxed ? 'peak-relaxed' : 'peak'}.wasm`, import.meta.url)), kernel: pk.best,
    pairs: peakPairs[pk.best], iters, calls: Math.max(1, Math.round((0.06 * gflops * 1e9) / flopPerCall)) };
};

if (only.has('train') || only.has('infer')) {
  // Rounds: every configuration gets one timed run (after its warm-up) per round, in a fresh child, and the
  // rounds repeat the whole list, so each row's runs are spread over the section instead of taken back to
  // back: this host's speed swings for a minute or more at a time, and a slow spell then lowers a run of
  // every row rather than every run of one row (the medians below are over the rounds).
  const rows = ours.map((c) => ({ ...c, parts: [], before: [] }));
  for (let round = 1; round <= S.runs; round++) {
    for (const c of rows) {
      if (c.relaxed && !relaxedArgv) { c.skipped = true; continue; }
      log(`round ${round} of ${S.runs}, denoise-wasm ${c.label}: ${[only.has('train') && 'train', only.has('infer') && 'infer'].filter(Boolean).join(' + ')}`);
      // --quick: the scalar build (10x slower) on a quarter of the work.
      const scale = quick && c.variant === 'scalar' ? 4 : 1;
      const task = { kind: 'ours', variant: c.variant, threads: c.threads, train: only.has('train'), infer: only.has('infer'),
        runs: 1, trainBatches: S.trainBatches / scale, inferN: S.inferN / scale, inferRuns: 1, seed: round };
      task.adjacentPeak = c.variant !== 'scalar' ? adjacentPeakOf(c.relaxed) : undefined;
      c.parts.push(await runChild(task, c.relaxed ? relaxedArgv : []));
      // The same configuration on the baseline (--baseline's wasm or --baseline-tree's package), right after
      // (the after/before column).
      if (baseline && !c.relaxed) c.before.push(await runChild({ ...task, ...baseline.task }));
    }
  }
  results.ours = [];
  results.skipped = [];
  for (const { parts, before, skipped: skip, ...c } of rows) {
    if (skip) results.skipped.push({ ...c, error: relaxedWhy });
    else results.ours.push({ ...c, ...mergeRuns(parts), before: before.length ? mergeRuns(before) : null });
  }
  results.tfjs = [];
}
if ((only.has('train') || only.has('infer')) && hasTfjs) {
  log(`TF.js cpu (slow: training ${S.tfCpu.trainBatches} batch(es) of ${S.tfCpu.trainBatch} after a warm-up, inference on ${S.tfCpu.inferN} images)`);
  results.tfjs.push({ label: 'TF.js cpu', backend: 'cpu', ...await runChild({ kind: 'tfjs', backend: 'cpu', train: only.has('train'), infer: only.has('infer'), ...S.tfCpu }) });
  log('TF.js wasm');
  results.tfjs.push({ label: 'TF.js wasm', backend: 'wasm', ...await runChild({ kind: 'tfjs', backend: 'wasm', train: only.has('train'), infer: only.has('infer'),
    warmupBatch: BATCH, trainBatches: 1, ...S.tfWasm }) });
}

if (only.has('kerasio')) {
  // keras.io's denoiser: SIMD on one thread and the threads build on every core, against TF.js cpu (TF.js
  // wasm cannot train convolutions), training and inference in the same run.
  results.kerasio = [];
  for (const c of [mulAdd[1], mulAdd[mulAdd.length - 1]].filter((c, i, a) => a.indexOf(c) === i)) {
    log(`keras.io denoiser: denoise-wasm ${c.label}`);
    results.kerasio.push({ ...c, ...await runChild({ kind: 'ours', model: 'kerasIo', variant: c.variant, threads: c.threads, train: true, infer: true,
      runs: S.runs, trainBatches: S.trainBatches / 2, inferN: S.inferN / 2, inferRuns: S.inferRuns }) });
  }
  if (hasTfjs) {
    log('keras.io denoiser: TF.js cpu (slow)');
    results.kerasio.push({ label: 'TF.js cpu', backend: 'cpu', ...await runChild({ kind: 'tfjs', model: 'kerasIo', backend: 'cpu', train: true, infer: true,
      ...S.tfCpu, trainBatch: S.tfCpu.trainBatch / 4, inferN: S.tfCpu.inferN / 4 }) });
  }
}

if (only.has('quality')) {
  // The tutorial model and keras.io's denoiser, the same training time each on every core (adam for both),
  // then their denoising of the held-out digits.
  results.quality = [];
  for (const model of ['tutorial', 'kerasIo']) {
    log(`quality: ${model}, ${quick ? 20 : 90} s of training`);
    results.quality.push({ model, ...await runChild({ kind: 'quality', model, threads: cores, seconds: quick ? 20 : 90 }) });
  }
}

if (only.has('memory')) {
  results.memory = [];
  // Debian's dataset-fashion-mnist when installed, else synthetic images; the data held three ways (see
  // memory() in lib/child.mjs); the last needs the GaussianNoise layer. Each run is its own process.
  const FASHION = '/usr/share/datasets/fashion-mnist';
  const dir = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz')) || existsSync(join(FASHION, 'train-images-idx3-ubyte')) ? FASHION : undefined;
  const { layers } = await import('../dist/index.js');
  const noiseLayer = typeof layers.gaussianNoise === 'function';
  const kinds = ['f32', 'u8', noiseLayer ? 'u8-noise-layer' : 'u8-clean'];
  if (!noiseLayer) skipped.push('memory with clean bytes only and a GaussianNoise layer: this build has no layers.gaussianNoise; "clean uint8 only" trains fit(clean, clean) without noise instead, for its memory only');
  // The arena is the same for every build: the SIMD build on one thread and the threads build on all cores.
  // Rounds, as for training: each round runs every (build, data) once, a build's data kinds back to back
  // (each kind first in turn), so that a slow spell of the host (a run times about a second of training)
  // hits both sides of a ratio.
  const configs = mulAdd.filter((c) => (c.variant === 'simd' && c.threads === 1) || (c.variant === 'simd-threads' && c.threads === cores));
  const runs = configs.map(() => kinds.map(() => []));
  for (let round = 0; round < S.memory.rounds; round++) {
    for (const [i, c] of configs.entries()) {
      for (const k of kinds.map((_, j) => (j + round) % kinds.length)) {   // each kind first in turn
        const data = kinds[k];
        log(`memory: round ${round + 1}/${S.memory.rounds}, ${c.label}, ${S.memory.n} images as ${data}`);
        runs[i][k].push(await runChild({ kind: 'memory', variant: c.variant, threads: c.threads, data, dir, ...S.memory }));
      }
    }
  }
  // A row: its last run, with the speed's median over the rounds (and each round's), and the largest peak RSS.
  for (const [i, c] of configs.entries()) {
    for (const [k] of kinds.entries()) {
      const rs = runs[i][k];
      results.memory.push({ ...c, ...rs[rs.length - 1], speeds: rs.map((r) => r.samplesPerSecond), samplesPerSecond: median(rs.map((r) => r.samplesPerSecond)),
        maxRss: max(rs.map((r) => r.maxRss)), loadMs: median(rs.map((r) => r.loadMs)) });
    }
  }
}

if (only.has('startup')) {
  results.startup = [];
  const configs = [...mulAdd.filter((c) => c.variant !== 'simd-threads' || c.threads === cores),
    ...(hasTfjs ? [{ label: 'TF.js cpu', backend: 'cpu' }, { label: 'TF.js wasm', backend: 'wasm' }] : [])];
  for (const c of configs) {
    log(`startup: ${c.label}`);
    const runs = [];
    for (let i = 0; i < S.startupRuns; i++) runs.push(await runChild({ kind: 'startup', ...c }));
    results.startup.push({ ...c, runs });
  }
}

if (only.has('photo')) {
  // The photo denoiser over a whole picture (denoiseImage): the SIMD build on one thread and the threads
  // build on every core, each in its own process.
  results.photo = [];
  for (const c of [mulAdd[1], mulAdd[mulAdd.length - 1]].filter((c, i, a) => a.indexOf(c) === i)) {
    log(`photo: presets.photoDenoiser() on ${PHOTO_SIZE}x${PHOTO_SIZE} pictures, ${c.label}`);
    results.photo.push({ ...c, ...await runChild({ kind: 'photo', variant: c.variant, threads: c.threads, size: PHOTO_SIZE, runs: S.photoRuns }) });
  }
}

if (only.has('profile')) {
  log('profile: building a named copy of the SIMD build into bench/build/');
  const { buildDebugSimd } = await import('./lib/profile.mjs');
  await buildDebugSimd();
  log(`profile: training and inference under the V8 CPU profiler (${S.profile.seconds} s each)`);
  results.profile = await runChild({ kind: 'profile', ...S.profile });
}

const loadEnd = os.loadavg();

// ---- the report ----------------------------------------------------------------------------------
const out = [];
const p = (s = '') => out.push(s);
// % of the one-core peak of the same kind of arithmetic: mul + add for those builds, relaxed_madd for the relaxed ones.
const peakOf = (relaxed) => (relaxed ? oneRelaxedPeak : onePeak);
const pct = (g, threads, relaxed = false) => (Number.isFinite(peakOf(relaxed)) ? `${(100 * g / (peakOf(relaxed) * threads)).toFixed(1)}%` : '-');
// One-thread rows: the median over runs of each run's GFLOP/s over the peak measured right around it.
const adjacentShare = (rates, peaks, flop) => (peaks?.length && peaks.length === rates.length ? median(rates.map((v, i) => v * flop / 1e9 / peaks[i])) : NaN);
const pctOf = (share) => (Number.isFinite(share) ? `${(100 * share).toFixed(1)}%` : '-');
const mib = (b) => (b === undefined ? '-' : `${(b / 2 ** 20).toFixed(0)} MiB`);

p(`denoise-wasm bench: the Keras tutorial's conv autoencoder (28x28x1, 4,385 parameters, batch ${BATCH})`);
p(`  ${FORWARD_FLOP / 1e6} MFLOP per image forward; a training sample counts 3x forward (${(TRAIN_FLOP / 1e6).toFixed(2)} MFLOP)`);
p(`  ${machine.cpu}, ${machine.cpus} cores (availableParallelism ${cores}), ${machine.platform} ${machine.arch}, Node ${machine.node} (V8 ${machine.v8})`);
p(`  ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}; denoise-wasm ${packages['denoise-wasm']}, @tensorflow/tfjs ${packages['@tensorflow/tfjs'] ?? 'not installed'}, ` +
  `@tensorflow/tfjs-backend-wasm ${packages['@tensorflow/tfjs-backend-wasm'] ?? 'not installed'}`);
p(`  load average (1 min) ${loadStart[0].toFixed(2)} at the start, ${loadEnd[0].toFixed(2)} at the end, on ${cores} cores` +
  (Math.max(loadStart[0], loadEnd[0]) > 0.5 ? ': the machine was busy, numbers are noisy' : ''));
p(`  medians of ${S.runs} runs after a warm-up (min-max); ours: ${S.runs} rounds over every build and thread count, one run of each per round` +
  `${quick ? '; --quick: fewer runs and images' : ''}`);
for (const s of skipped) p(`  skipped: ${s}`);

const summary = [];
const targets = [];

// Issue 16's rate targets: [variant, threads, at least], medians of this run.
function rateTargets(key, list, what, unit) {
  for (const [variant, threads, want] of list) {
    const r = results.ours.find((x) => x.variant === variant && x.info.threads === threads);
    if (!r) continue;
    const got = median(r[key]);
    targets.push([got >= want, `${what} >= ${want.toLocaleString('en-US')} ${unit} (${r.label}): ${num(got)}` +
      (r.relaxed && pairOf(r) ? ` (${vsMulAdd(r, key)} the mul + add build)` : '')]);
  }
}

// Thread scaling: each SIMD+threads run against the same build on one thread, measured in this run.
function scaling(key, what) {
  const runs = (results.ours ?? []).filter((r) => r.variant === 'simd-threads');
  const one = runs.find((r) => r.info.threads === 1);
  if (!one) return;
  const ups = runs.filter((r) => r.info.threads > 1).map((r) => [r.info.threads, median(r[key]) / median(one[key])]);
  if (!ups.length) return;
  summary.push(`thread scaling, ${what} (SIMD+threads over its 1-thread run): ` + ups.map(([t, x]) => `${t} threads ${x.toFixed(2)}x`).join(', '));
  if (key === 'train') {
    const two = ups.find(([t]) => t === 2);
    if (two) targets.push([two[1] >= 1.5, `training with 2 threads >= 1.5x one thread: ${two[1].toFixed(2)}x`]);
  }
}

if (results.peak) {
  const pk = results.peak;
  p();
  p('Machine limit: wasm SIMD f32x4.mul + f32x4.add (bench/peak.ts), 2 FLOPs per lane per pair');
  const rows = [['kernel', 'threads', 'GFLOP/s (median, min-max)', 'best']];
  for (const k of pk.oneCore) rows.push([k.kernel, 1, mmm(k.gflops), num(max(k.gflops))]);
  if (cores > 1) rows.push([pk.allCores.kernel, cores, mmm(pk.allCores.gflops), num(max(pk.allCores.gflops))]);
  p(table(rows));
  p(`  peak used below: ${num(onePeak)} GFLOP/s per core (the best run of any kernel); all ${cores} cores: ${num(allPeak)} GFLOP/s (${(allPeak / onePeak).toFixed(2)}x one core)`);
  const pr = results.peakRelaxed;
  p();
  if (pr?.error) p(`Relaxed SIMD peak (f32x4.relaxed_madd): could not run: ${pr.error.split('\n')[0]}`);
  else if (pr) {
    p(`Relaxed SIMD peak: the same chains as one f32x4.relaxed_madd each (FMA where the CPU has it)${relaxedArgv?.length ? `; run with ${relaxedArgv.join(' ')}` : ''}`);
    const rows = [['kernel', 'threads', 'GFLOP/s (median, min-max)', 'best', 'vs mul + add (best)']];
    for (const k of pr.oneCore) {
      const twin = results.peak.oneCore.find((m) => m.kernel === k.kernel);
      rows.push([`${k.kernel} (relaxed_madd)`, 1, mmm(k.gflops), num(max(k.gflops)), twin ? ratio(max(k.gflops), max(twin.gflops)) : '-']);
    }
    if (cores > 1) rows.push([`${pr.allCores.kernel} (relaxed_madd)`, cores, mmm(pr.allCores.gflops), num(max(pr.allCores.gflops)), ratio(allRelaxedPeak, allPeak)]);
    p(table(rows));
    p(`  relaxed peak used below (relaxed rows): ${num(oneRelaxedPeak)} GFLOP/s per core (${ratio(oneRelaxedPeak, onePeak)} the mul + add peak); all ${cores} cores: ${num(allRelaxedPeak)} GFLOP/s`);
  }
}

const tfCpu = results.tfjs?.find((r) => r.backend === 'cpu');
const tfWasm = results.tfjs?.find((r) => r.backend === 'wasm');
const oursMulAdd = results.ours?.filter((r) => !r.relaxed);
const bestOf = (key, rows = oursMulAdd) => rows.reduce((a, b) => (median(b[key]) > median(a[key]) ? b : a));
const simd1 = results.ours?.find((r) => r.variant === 'simd');
// Same-run ratios: a relaxed row against the mul + add build on the same threads; any row against its
// run on the --baseline wasm or --baseline-tree package (after / before).
const pairOf = (r) => (r.relaxed ? results.ours.find((m) => m.variant === r.pair && m.info.threads === r.info.threads) : null);
const vsMulAdd = (r, key) => { const m = pairOf(r); return m ? ratio(median(r[key]), median(m[key])) : ''; };
const vsBefore = (r, key) => (r.before?.[key]?.length ? ratio(median(r[key]), median(r.before[key])) : '');
const ratioCols = (r, key) => [vsMulAdd(r, key), ...(baseline ? [vsBefore(r, key)] : [])];
const ratioHead = ['relaxed / mul+add', ...(baseline ? [`after / before (${baseline.label})`] : [])];
const noRatios = () => ratioHead.map(() => '');

if (results.ours && only.has('train')) {
  p();
  p(`Training: model.fit, batch ${BATCH}, ${S.trainBatches * BATCH} samples per run${quick ? ' (scalar: a quarter)' : ''}; ` +
    `TF.js cpu: trainOnBatch, ${S.tfCpu.trainBatches} batch(es) of ${S.tfCpu.trainBatch} after a warm-up`);
  const rows = [['engine', 'threads', 'samples/s (median, min-max)', 'GFLOP/s', '% of peak', '% of adjacent peak', ...ratioHead, 'vs TF.js cpu', 'peak RSS']];
  const cpuRate = tfCpu?.train.length ? median(tfCpu.train) : NaN;
  for (const r of results.ours) {
    const g = median(r.train) * TRAIN_FLOP / 1e9;
    rows.push([`denoise-wasm ${r.label}`, r.info.threads, mmm(r.train), num(g), pct(g, r.info.threads, r.relaxed),
      pctOf(adjacentShare(r.train, r.trainPeak, TRAIN_FLOP)), ...ratioCols(r, 'train'), ratio(median(r.train), cpuRate), mib(r.maxRss)]);
  }
  for (const r of results.skipped) rows.push([`denoise-wasm ${r.label}`, r.threads, 'could not run (below)', '-', '-', '-', ...noRatios(), '-', '-']);
  for (const r of results.tfjs) {
    const threads = r.backend === 'wasm' ? r.info.threads ?? 1 : 1;
    const label = r.backend === 'wasm' ? `TF.js wasm${r.info.simd ? ' (SIMD)' : ''}` : 'TF.js cpu';
    if (r.trainError) rows.push([label, threads, 'cannot train (below)', '-', '-', '-', ...noRatios(), '-', mib(r.maxRss)]);
    else {
      const g = median(r.train) * TRAIN_FLOP / 1e9;
      rows.push([label, threads, mmm(r.train), num(g), pct(g, threads), '-', ...noRatios(), ratio(median(r.train), cpuRate), mib(r.maxRss)]);
    }
  }
  p(table(rows));
  p('  % of peak: of the one-core peak of the same arithmetic (mul + add builds: the mul + add peak; relaxed: the relaxed_madd peak)');
  p('  % of adjacent peak: median over runs of the run against that peak kernel run right before and after it, in the same process, on as many');
  p('  threads as the row uses (their rates summed); peak RSS leaves out those threads\' own memory');
  for (const r of results.skipped) p(`  ${r.label}: could not run: ${r.error}`);
  for (const r of results.tfjs.filter((r) => r.trainError)) p(`  ${r.label}: trainOnBatch throws "${r.trainError}"`);
  const best = bestOf('train');
  if (Number.isFinite(cpuRate)) {
    summary.push(`${best.label} trains ${ratio(median(best.train), cpuRate)} faster than TF.js cpu` +
      (simd1 && simd1 !== best ? `; SIMD on one thread: ${ratio(median(simd1.train), cpuRate)}` : ''));
    targets.push([median(best.train) / cpuRate >= 100, `training hundreds of times TF.js cpu: ${ratio(median(best.train), cpuRate)} (${best.label})`]);
  }
  if (tfWasm?.trainError) summary.push(`TF.js wasm cannot train this model: "${tfWasm.trainError}"`);
  scaling('train', 'training');
  if (Number.isFinite(onePeak)) {
    for (const r of [simd1, best].filter((r, i, a) => r && a.indexOf(r) === i)) {
      const share = median(r.train) * TRAIN_FLOP / 1e9 / (onePeak * r.info.threads);
      const bestShare = max(r.train) * TRAIN_FLOP / 1e9 / (onePeak * r.info.threads);
      const adjacent = adjacentShare(r.train, r.trainPeak, TRAIN_FLOP);
      targets.push([share >= 0.5, `training >= 50% of the one-core peak per core: ${(100 * share).toFixed(1)}% ` +
        `(best run ${(100 * bestShare).toFixed(1)}%${Number.isFinite(adjacent) ? `; of the adjacent peak ${pctOf(adjacent)}` : ''}; ` +
        `${r.label}, ${r.info.threads} thread${r.info.threads > 1 ? 's' : ''})`]);
    }
  }
  rateTargets('train', [['simd-threads', 1, 5100], ['simd', 1, 5100], ['relaxed-simd-threads', 1, 6000], ['relaxed-simd', 1, 6000],
    ['relaxed-simd-threads', 2, 11000]], 'training', 'samples/s');
}

if (results.ours && only.has('infer')) {
  p();
  p(`Inference: predict on ${S.inferN.toLocaleString('en-US')} images${quick ? ' (scalar: a quarter)' : ''}, batch ${INFER_BATCH} ` +
    `(TF.js cpu on ${S.tfCpu.inferN.toLocaleString('en-US')})`);
  const rows = [['engine', 'threads', 'images/s (median, min-max)', 'GFLOP/s', '% of peak', '% of adjacent peak', ...ratioHead, 'vs TF.js wasm', 'vs TF.js cpu', 'peak RSS']];
  const wasmRate = tfWasm?.infer.length ? median(tfWasm.infer) : NaN;
  const cpuRate = tfCpu?.infer.length ? median(tfCpu.infer) : NaN;
  for (const r of [...results.ours, ...results.tfjs]) {
    const threads = r.info.threads ?? 1;
    const label = r.backend ? (r.backend === 'wasm' ? `TF.js wasm${r.info.simd ? ' (SIMD)' : ''}` : 'TF.js cpu') : `denoise-wasm ${r.label}`;
    const g = median(r.infer) * FORWARD_FLOP / 1e9;
    rows.push([label, threads, mmm(r.infer), num(g), pct(g, threads, r.relaxed), pctOf(adjacentShare(r.infer, r.inferPeak, FORWARD_FLOP)),
      ...(r.backend ? noRatios() : ratioCols(r, 'infer')), ratio(median(r.infer), wasmRate), ratio(median(r.infer), cpuRate), mib(r.maxRss)]);
  }
  for (const r of results.skipped) rows.push([`denoise-wasm ${r.label}`, r.threads, 'could not run (see training)', '-', '-', '-', ...noRatios(), '-', '-', '-']);
  p(table(rows));
  const parity = results.tfjs.filter((r) => r.parityMaxAbsDiff !== undefined).map((r) => `${r.label} ${r.parityMaxAbsDiff.toExponential(1)}`);
  if (parity.length) p(`  same weights, same 16 images: max |ours - TF.js| = ${parity.join(', ')}`);
  const best = bestOf('infer');
  if (Number.isFinite(wasmRate)) {
    summary.push(`${best.label} predicts ${ratio(median(best.infer), wasmRate)} faster than TF.js wasm (SIMD, 1 thread)` +
      (simd1 && simd1 !== best ? `; one thread against one thread (SIMD): ${ratio(median(simd1.infer), wasmRate)}` : ''));
    targets.push([median(best.infer) / wasmRate >= 3, `inference several times TF.js wasm's: ${ratio(median(best.infer), wasmRate)} (${best.label})`]);
  }
  if (Number.isFinite(cpuRate)) summary.push(`${best.label} predicts ${ratio(median(best.infer), cpuRate)} faster than TF.js cpu`);
  scaling('infer', 'inference');
  if (Number.isFinite(onePeak)) {
    for (const r of [simd1, best].filter((r, i, a) => r && a.indexOf(r) === i)) {
      const share = median(r.infer) * FORWARD_FLOP / 1e9 / (onePeak * r.info.threads);
      const bestShare = max(r.infer) * FORWARD_FLOP / 1e9 / (onePeak * r.info.threads);
      const adjacent = adjacentShare(r.infer, r.inferPeak, FORWARD_FLOP);
      targets.push([share >= 0.6, `inference >= 60% of the one-core peak per core: ${(100 * share).toFixed(1)}% ` +
        `(best run ${(100 * bestShare).toFixed(1)}%${Number.isFinite(adjacent) ? `; of the adjacent peak ${pctOf(adjacent)}` : ''}; ` +
        `${r.label}, ${r.info.threads} thread${r.info.threads > 1 ? 's' : ''})`]);
    }
  }
  rateTargets('infer', [['simd-threads', 1, 18000], ['simd', 1, 18000], ['relaxed-simd-threads', 1, 22000], ['relaxed-simd', 1, 22000]],
    'inference', 'images/s');
}

if (results.kerasio) {
  p();
  p(`keras.io's denoiser (presets.kerasIoDenoiser(): Conv2D + MaxPool x 2, Conv2DTranspose stride 2 x 2, 28,353 parameters, adam, BCE); ` +
    `${(KERASIO_FORWARD_FLOP / 1e6).toFixed(1)} MFLOP per image forward`);
  p(`  training: model.fit, batch ${BATCH} (TF.js cpu: trainOnBatch, batch ${S.tfCpu.trainBatch / 4}); inference: predict, batch ${INFER_BATCH}`);
  const tfc = results.kerasio.find((r) => r.backend === 'cpu');
  const cpuTrain = tfc?.train.length ? median(tfc.train) : NaN, cpuInfer = tfc?.infer.length ? median(tfc.infer) : NaN;
  const rows = [['engine', 'threads', 'train samples/s (median, min-max)', 'vs TF.js cpu', 'infer images/s (median, min-max)', 'vs TF.js cpu', 'infer GFLOP/s']];
  for (const r of results.kerasio) {
    rows.push([r.backend ? r.label : `denoise-wasm ${r.label}`, r.info.threads ?? 1, r.trainError ? 'cannot train' : mmm(r.train), ratio(median(r.train), cpuTrain),
      mmm(r.infer), ratio(median(r.infer), cpuInfer), num(median(r.infer) * KERASIO_FORWARD_FLOP / 1e9)]);
  }
  p(table(rows));
  if (tfc?.parityMaxAbsDiff !== undefined) p(`  same weights, same 16 images: max |ours - TF.js cpu| = ${tfc.parityMaxAbsDiff.toExponential(1)}`);
  const best = results.kerasio.filter((r) => !r.backend).reduce((a, b) => (median(b.train) > median(a.train) ? b : a));
  if (Number.isFinite(cpuTrain)) summary.push(`keras.io denoiser: ${best.label} trains ${ratio(median(best.train), cpuTrain)} and predicts ${ratio(median(best.infer), cpuInfer)} TF.js cpu's speed`);
}

if (results.quality) {
  const q0 = results.quality[0];
  p();
  p(`Denoising quality after the same training time: ${q0.seconds.toFixed(0)} s each on ${cores} threads, the embedded digits ` +
    `(noise 0.4, adam, batch ${BATCH}); 1,000 held-out digits, noisy input PSNR ${q0.noisyPsnr.toFixed(2)} dB, SSIM ${q0.noisySsim.toFixed(3)}`);
  const rows = [['model', 'parameters', 'epochs', 'samples seen', 'val_loss (BCE)', 'PSNR (dB)', 'SSIM']];
  for (const r of results.quality) {
    rows.push([r.model === 'kerasIo' ? "keras.io's denoiser" : 'tutorial model', r.params.toLocaleString('en-US'), r.epochs,
      r.samples.toLocaleString('en-US'), r.valLoss.toFixed(4), r.psnr.toFixed(2), r.ssim.toFixed(3)]);
  }
  p(table(rows));
}

if (results.memory) {
  const m0 = results.memory[0];
  const DATA = { f32: 'noisy + clean f32 (before)', u8: 'noisy + clean uint8', 'u8-noise-layer': 'clean uint8, GaussianNoise layer',
    'u8-clean': 'clean uint8 only, no noise (memory proxy)' };
  p();
  p(`Memory: training the tutorial model on ${m0.n.toLocaleString('en-US')} images (${m0.source}), batch ${BATCH}, ` +
    `one epoch stopped after ${m0.batches} batches (speed over the last ${S.memory.batches}); ${m0.speeds.length} round${m0.speeds.length > 1 ? 's' : ''}`);
  // vs f32: the median over rounds of the run's speed against the f32 run of the same build in the same round.
  const vsF32 = (r) => {
    const f32 = results.memory.find((q) => q.label === r.label && q.data === 'f32');
    if (f32 && f32.speeds.length !== r.speeds.length) throw new Error(`bench: ${r.label} ${r.data} ran ${r.speeds.length} rounds, its f32 row ${f32.speeds.length}`);
    return f32 ? median(r.speeds.map((v, i) => v / f32.speeds[i])) : NaN;
  };
  const rows = [['build', 'threads', 'data', 'data size', 'wasm memory', 'RSS with the data', 'peak RSS', 'samples/s (median, min-max)', 'vs f32', 'load ms/batch']];
  for (const r of results.memory) {
    rows.push([`denoise-wasm ${r.label}`, r.info.threads, DATA[r.data], mib(r.dataBytes), bytes(r.wasmMemory), mib(r.rssData), mib(r.maxRss),
      mmm(r.speeds), Number.isFinite(vsF32(r)) ? `${vsF32(r).toFixed(2)}x` : '-', r.loadMs.toFixed(3)]);
  }
  p(table(rows));
  p('  rounds: each runs every row once, a build\'s three rows back to back; vs f32: the median over rounds of a run against');
  p('  the same round\'s f32 run of that build; peak RSS: the largest of the rounds.');
  p('  wasm memory: the engine\'s WebAssembly.Memory (Engine#memoryBytes, read as model.engine.memoryBytes); it depends on');
  p('  the batch size, not on the data set, which stays in JS (bytes are converted per batch inside wasm).');
  p('  RSS from process.memoryUsage(); peak RSS: VmHWM (Linux; elsewhere resourceUsage().maxRSS), each run in its own process. load ms/batch: loading one');
  p(`  shuffled batch of ${BATCH} alone (gather; for bytes also the conversion in wasm), the mean of 200.`);
  const proxy = results.memory.filter((r) => r.data === 'u8-clean').sort((a, b) => a.maxRss - b.maxRss)[0];
  if (proxy) p(`  With a GaussianNoise layer (not in this build) the data would be the clean bytes only: ${mib(proxy.maxRss)} peak in the proxy run.`);
  const best = results.memory.filter((r) => r.data === 'u8' || r.data === 'u8-noise-layer').sort((a, b) => a.maxRss - b.maxRss)[0];
  if (best) {
    const f32 = results.memory.find((q) => q.label === best.label && q.data === 'f32');
    targets.push([best.maxRss < 150 * 2 ** 20, `training on 60,000 images in under 150 MB peak RSS: ${mib(best.maxRss)} (${DATA[best.data]}, ${best.label})`]);
    if (f32) {
      const ratio = vsF32(best);
      targets.push([ratio >= 0.95, `with bytes, training as fast as with floats (>= 0.95x, same run; the median of each round's ratio): ${ratio.toFixed(2)}x (${best.label})`]);
    }
  }
}

if (results.startup) {
  p();
  p('Startup: a fresh process per run; import + compile + instantiate (+ start threads) + first predict of one image');
  const rows = [['engine', 'import ms', 'engine ms', 'first predict ms', 'total ms (median, min-max)', 'since process start ms']];
  for (const r of results.startup) {
    const col = (k) => (r.runs[0][k] === undefined ? '-' : num(median(r.runs.map((x) => x[k]))));
    rows.push([r.backend ? r.label : `denoise-wasm ${r.label}`, col('importMs'), col('engineMs'), col('firstPredictMs'),
      mmm(r.runs.map((x) => x.totalMs)), col('sinceProcessStartMs')]);
  }
  p(table(rows));
  if (hasTfjs) p('  TF.js: import = import + setBackend; first predict includes building the model.');
}

if (results.photo) {
  p();
  p(`Photo denoising: presets.photoDenoiser() (residual U-Nets, 116,881 parameters grey, 117,459 colour) through denoiseImage on ` +
    `${PHOTO_SIZE}x${PHOTO_SIZE} pictures (tiles of 304x304: 256-pixel cores, 24 pixels of context), RGBA in and out: grey with the grey`);
  p('  model, colour with the colour model (channels: 3, one pass) and with the grey model per channel (three passes). Seconds per picture,');
  p('  each call with its tile-size copy of the model and that copy\'s engine start; CPU s: CPU time of the whole process (all threads)');
  p('  per picture, which a busy machine inflates far less than wall time.');
  const rows = [['build', 'threads', 'grey (s)', 'grey CPU s', 'colour (s)', 'colour CPU s', 'colour per channel (s)', 'grey megapixels/s', 'peak RSS']];
  for (const r of results.photo) {
    rows.push([`denoise-wasm ${r.label}`, r.info.threads, mmm(r.grey), num(median(r.greyCpu)), mmm(r.colour), num(median(r.colourCpu)),
      mmm(r.perChannel), (PHOTO_SIZE * PHOTO_SIZE / 1e6 / median(r.grey)).toFixed(2), mib(r.maxRss)]);
  }
  p(table(rows));
  const two = results.photo.find((r) => r.info.threads === 2);
  if (two) {
    targets.push([median(two.grey) < 1, `a ${PHOTO_SIZE}x${PHOTO_SIZE} photo denoised in under 1 s on 2 threads (grey): ${median(two.grey).toFixed(2)} s`]);
    targets.push([median(two.colour) < 1, `the same in colour (the colour model): ${median(two.colour).toFixed(2)} s`]);
  }
}

if (results.size) {
  p();
  p('Wasm files (gzip: zlib level 9)');
  p(table([['file', 'raw', 'gzip'], ...results.size.map((f) => [f.file, bytes(f.raw), bytes(f.gzip)])]));
}

if (results.profile) {
  const pr = results.profile;
  const { inWinogradGroup, WINOGRAD_GROUP, winogradLayerNames } = await import('./lib/profile.mjs');
  p();
  p(`Profile: SIMD build with names (bench/build/denoise.simd.wasm), 1 thread, V8 sampling profiler every ${pr.intervalUs} us`);
  p(`  training speed, 3 runs each, alternating: release ${mmm(pr.speed.release)} samples/s, named copy ${mmm(pr.speed.debug)} (the same code)`);
  for (const [what, r, flop, fnFlops] of [['training', pr.train, TRAIN_FLOP, pr.flopsByFunction.training],
    ['inference', pr.infer, FORWARD_FLOP, pr.flopsByFunction.inference]]) {
    const rate = r.work / r.seconds;
    p(`  ${what}: ${num(rate)} samples/s while profiled (${num(rate * flop / 1e9)} GFLOP/s), self time:`);
    const wasm = r.functions.filter((f) => f.kind === 'wasm');
    const other = r.functions.filter((f) => f.kind !== 'wasm');
    const group = wasm.filter((f) => inWinogradGroup(f.name));
    const groupRow = { name: `${WINOGRAD_GROUP} (${group.map((f) => f.name.split('/').pop()).join(', ')})`, ms: 0, share: 0 };
    for (const f of group) { groupRow.ms += f.ms; groupRow.share += f.share; }
    const rows = [['function', 'self %', 'ms', 'MFLOP/image', 'GFLOP/s inside', '% of peak']];
    const listed = [...(group.length ? [groupRow] : []), ...wasm.filter((f) => !inWinogradGroup(f.name))].sort((a, b) => b.ms - a.ms);
    for (const f of listed.filter((f) => f.share >= 0.001)) {
      const fl = f === groupRow ? fnFlops[WINOGRAD_GROUP] : fnFlops[f.name];
      const g = fl ? fl * r.work / (f.ms / 1000) / 1e9 : NaN;
      rows.push([f.name.replace(/^assembly\//, ''), `${(100 * f.share).toFixed(1)}%`, num(f.ms), fl ? (fl / 1e6).toFixed(3) : '', fl ? num(g) : '', fl ? pct(g, 1) : '']);
    }
    const otherShare = other.reduce((s, f) => s + f.share, 0);
    rows.push([`not wasm (JS, GC, idle): ${other.slice(0, 3).map((f) => `${f.name.split(' ')[0]} ${(100 * f.share).toFixed(1)}%`).join(', ')}`,
      `${(100 * otherShare).toFixed(1)}%`, num(other.reduce((s, f) => s + f.ms, 0)), '', '', '']);
    p(table(rows, { indent: '    ' }));
  }
  p('  MFLOP/image: 2 x the multiply-adds of the direct convolutions each function runs per image (bench/lib/profile.mjs');
  p(`  says which: the winograd row sums every function of winograd.ts, which run the ${winogradLayerNames()} layers'`);
  p('  forward and input gradient with fewer multiplies, so its % of peak can pass 100%; the other middle layers');
  p('  run in forwardSimd, the weight gradients but the 1st\'s and the last\'s in weightGradSimd, those two layers in');
  p('  their sliding kernels); GFLOP/s inside = those FLOPs / its self time.');
}

if (summary.length) {
  p();
  p('Summary');
  for (const s of summary) p(`  - ${s}`);
}
if (targets.length) {
  p();
  p('Targets (informational; the bench never fails on speed)');
  for (const [ok, s] of targets) p(`  [${ok ? 'met' : 'MISSED'}] ${s}`);
}

console.log(out.join('\n'));

mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(jsonPath, JSON.stringify({
  date: startedAt.toISOString(), finished: new Date().toISOString(), quick, machine, packages,
  loadavg: { start: loadStart, end: loadEnd },
  constants: { forwardFlopPerImage: FORWARD_FLOP, trainFlopPerSample: TRAIN_FLOP, batch: BATCH, inferBatch: INFER_BATCH },
  settings: S, onePeakGflops: onePeak, allCoresPeakGflops: allPeak, results, table: out.join('\n'),
}, null, 2));
log(`wrote ${relative(process.cwd(), jsonPath)}`);
