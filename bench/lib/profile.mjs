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

// The tutorial's seven 3x3 convolutions: [OH, OW, C, OC]. Which wasm functions do which FLOPs, as the
// kernels are written today (assembly/conv2d.ts), 2 FLOPs per multiply-add of the direct convolution:
// - the layers usesWinograd picks (channels in 4s, 2x2 tiles wasting at most 25%: the 2nd, 4th, 5th and
//   6th) run forward and input gradient in winograd.ts, whose products are tile4x8 calls inlined into its
//   functions: one group, "winograd", whose FLOPs are the direct convolution's (Winograd does fewer);
// - the 3rd layer (7x7: 4x4 tiles would waste 31%) runs its forward and input gradient in forwardSimd;
// - the weight gradients of all but the first and the last layer run in weightGradSimd;
// - the 1st (from 1 channel): forward with the fused 2x2 max pool in conv2dForwardPooled, weight gradient in
//   wgradFromOneChannel3 (its input gradient is never needed); the last (to 1 channel): forward in
//   forwardToOne3Up2 (forwardToOne3 reading the 2x2 upsampling's input), input gradient in slidingRows3,
//   weight gradient in wgradToOneChannel3Up2 (the same, for wgradToOneChannel3).
const CONVS = [[28, 28, 1, 16], [14, 14, 16, 8], [7, 7, 8, 8], [4, 4, 8, 8], [8, 8, 8, 8], [14, 14, 8, 16], [28, 28, 16, 1]];
const flop = ([OH, OW, C, OC]) => 2 * OH * OW * OC * 9 * C;
/** The same test as assembly/conv2d.ts usesWinograd (a copy, for this attribution only), for these 3x3 unit-stride convolutions. */
const winograd = ([OH, OW, C, OC]) => C % 4 === 0 && OC % 4 === 0 && 4 * 4 * ((OH + 1) >> 1) * ((OW + 1) >> 1) <= 5 * OH * OW;
/** The tutorial's layers (1-based) that run on Winograd, e.g. "2nd, 4th, 5th and 6th". */
export function winogradLayerNames() {
  const nth = (i) => `${i}${i === 1 ? 'st' : i === 2 ? 'nd' : i === 3 ? 'rd' : 'th'}`;
  const names = CONVS.map((c, i) => (winograd(c) ? nth(i + 1) : null)).filter(Boolean);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names.join('');
}
export const WINOGRAD_GROUP = 'winograd';
/** Whether a function's self time counts in the Winograd group. */
export const inWinogradGroup = (name) => name.startsWith('assembly/winograd/');

/** FLOPs per image done inside each named wasm function (or the Winograd group), for training and for inference. */
export function flopsByFunction() {
  const first = flop(CONVS[0]), last = flop(CONVS[CONVS.length - 1]);
  const middle = CONVS.slice(1, -1);
  const wino = middle.filter(winograd).reduce((s, c) => s + flop(c), 0);
  const direct = middle.filter((c) => !winograd(c)).reduce((s, c) => s + flop(c), 0);
  return {
    training: {
      'assembly/conv2d/conv2dForwardPooled': first, [WINOGRAD_GROUP]: 2 * wino, 'assembly/conv2d/forwardSimd': 2 * direct,
      'assembly/conv2d/weightGradSimd': wino + direct, 'assembly/conv2d/forwardToOne3Up2': last, 'assembly/conv2d/slidingRows3': last,
      'assembly/conv2d/wgradFromOneChannel3': first, 'assembly/conv2d/wgradToOneChannel3Up2': last,
    },
    inference: {
      'assembly/conv2d/conv2dForwardPooled': first, [WINOGRAD_GROUP]: wino, 'assembly/conv2d/forwardSimd': direct,
      'assembly/conv2d/forwardToOne3Up2': last,
    },
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
