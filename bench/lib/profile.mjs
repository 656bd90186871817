// --profile: where the time goes. A copy of the SIMD build with a name section (asc --debug, otherwise the
// same flags as scripts/asbuild.mjs) goes into bench/build/; training and inference run on it, on one
// thread, under V8's sampling CPU profiler (node:inspector), and samples are summed per function (self
// time). Functions that binaryen inlines at -O3 show up inside their callers (e.g. the input-gradient
// convolution inside conv2dBackward, max-pool backward inside opBackward).
import asc from 'assemblyscript/asc';
import { Session } from 'node:inspector';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mkdirSync } from 'node:fs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BENCH_BUILD = fileURLToPath(new URL('../build/', import.meta.url));

/** Builds bench/build/denoise.simd.wasm: the SIMD build, with function names. */
export async function buildDebugSimd() {
  mkdirSync(BENCH_BUILD, { recursive: true });
  const out = `${BENCH_BUILD}denoise.simd.wasm`;
  const { error, stderr } = await asc.main([
    `${root}assembly/index.ts`, '--runtime', 'stub', '--importMemory', '--optimizeLevel', '3', '--shrinkLevel', '0',
    '--noAssert', '--converge', '--enable', 'simd', '--debug', '--outFile', out,
  ]);
  if (error) throw new Error(`asc (debug SIMD build): ${error.message}\n${stderr}`);
  return out;
}

// The tutorial's seven 3x3 convolutions: [OH, OW, C, OC]. Which wasm function does which FLOPs, as the
// kernels are written today (assembly/conv2d.ts): forwardSimd runs the forward tiles of channel panels
// of 8 and 4, and also the stride-1 input-gradient convolutions of every layer but the first and the
// last (whose input gradient slidingRows3 runs); the last layer's forward (a single output channel)
// slides in forwardToOne3; weightGradSimd does the weight gradients but the
// first layer's (wgradFromOneChannel3) and the last's (wgradToOneChannel3). The first two layers'
// forward, each followed by a 2x2 max pool with an even output, runs in conv2dForwardPooled
// (fusedPools in src/engine/graph.ts). 2 FLOPs per multiply-add.
const CONVS = [[28, 28, 1, 16], [14, 14, 16, 8], [7, 7, 8, 8], [4, 4, 8, 8], [8, 8, 8, 8], [14, 14, 8, 16], [28, 28, 16, 1]];
const POOLED = 2;   // CONVS[0] and CONVS[1]
const flop = ([OH, OW, C, OC], oc = OC) => 2 * OH * OW * oc * 9 * C;

/** FLOPs per image done inside each named wasm function, for training and for inference. */
export function flopsByFunction() {
  const panels = CONVS.reduce((s, c) => s + flop(c, c[3] & ~3), 0);
  const all = CONVS.reduce((s, c) => s + flop(c), 0);
  const first = flop(CONVS[0]), last = flop(CONVS[CONVS.length - 1]);
  const pooled = CONVS.slice(0, POOLED).reduce((s, c) => s + flop(c), 0);
  return {
    training: {
      'assembly/conv2d/conv2dForwardPooled': pooled, 'assembly/conv2d/forwardSimd': panels - pooled + (all - first - last),
      'assembly/conv2d/forwardToOne3': last, 'assembly/conv2d/slidingRows3': last, 'assembly/conv2d/weightGradSimd': all - first - last,
      'assembly/conv2d/wgradFromOneChannel3': first, 'assembly/conv2d/wgradToOneChannel3': last,
    },
    inference: { 'assembly/conv2d/conv2dForwardPooled': pooled, 'assembly/conv2d/forwardSimd': panels - pooled, 'assembly/conv2d/forwardToOne3': last },
  };
}

function post(session, method, params) {
  return new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
}

/** Self time per function: [{ name, kind: 'wasm' | 'js' | 'vm', ms, share }], largest first. */
function selfTimes(profile) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map();
  // timeDeltas[i] is the time before sample i; attribute each interval to the sample that ends it.
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byNode.get(profile.samples[i]);
    const { functionName, url } = node.callFrame;
    const kind = url.startsWith('wasm://') ? 'wasm' : functionName.startsWith('(') ? 'vm' : 'js';
    const name = kind === 'js' ? `${functionName || '(anonymous)'} ${url ? url.replace(/^.*\/(dist|bench|node_modules)\//, '$1/') : '(native)'}` : functionName;
    const key = `${kind}\u0000${name}`;
    ms.set(key, (ms.get(key) ?? 0) + profile.timeDeltas[i] / 1000);
  }
  const total = [...ms.values()].reduce((a, b) => a + b, 0);
  return [...ms.entries()]
    .map(([key, t]) => { const [kind, name] = key.split('\u0000'); return { name: name.replace(/^\$/, ''), kind, ms: t, share: t / total }; })
    .sort((a, b) => b.ms - a.ms);
}

async function profiled(session, intervalUs, fn) {
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: intervalUs });
  await post(session, 'Profiler.start');
  const t0 = performance.now();
  const work = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const { profile } = await post(session, 'Profiler.stop');
  await post(session, 'Profiler.disable');
  return { seconds, work, functions: selfTimes(profile) };
}

/** The child-process side of --profile (see child.mjs). */
export async function runProfile(t) {
  const { presets } = await import('../../dist/index.js');
  const { makeData } = await import('./data.mjs');
  const BATCH = 128;
  const { x, y } = makeData(BATCH * t.trainBatches, 1);
  const { x: xi } = makeData(t.inferN, 2);
  const release = presets.kerasTutorial({ variant: 'simd', threads: 1, seed: 0 });
  const debug = presets.kerasTutorial({ variant: 'simd', threads: 1, seed: 0, wasmBase: pathToFileURL(BENCH_BUILD) });
  // The debug copy runs the same code as the release build (names only): check the speeds match.
  const speed = { release: [], debug: [] };
  for (const model of [release, debug]) await model.fit(x, y, { epochs: 1, batchSize: BATCH });
  for (let i = 0; i < 3; i++) {
    for (const [name, model] of [['release', release], ['debug', debug]]) {
      const t0 = performance.now();
      await model.fit(x, y, { epochs: 1, batchSize: BATCH, seed: i + 1 });
      speed[name].push(x.shape[0] / ((performance.now() - t0) / 1000));
    }
  }
  release.dispose();
  await debug.predict(xi, { batchSize: 256 });
  const session = new Session();
  session.connect();
  const train = await profiled(session, t.intervalUs, async () => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < t.seconds * 1000) {
      await debug.fit(x, y, { epochs: 1, batchSize: BATCH, seed: n + 2 });
      n += x.shape[0];
    }
    return n;
  });
  const infer = await profiled(session, t.intervalUs, async () => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < t.seconds * 1000) {
      await debug.predict(xi, { batchSize: 256 });
      n += xi.shape[0];
    }
    return n;
  });
  session.disconnect();
  debug.dispose();
  return { speed, intervalUs: t.intervalUs, train, infer, flopsByFunction: flopsByFunction() };
}
