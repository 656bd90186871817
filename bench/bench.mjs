// npm run bench: training and inference speed of the Keras tutorial model (batch 128, 28x28x1) for
// each wasm build, as samples/s and the GFLOP/s they mean. Speed is never asserted in tests.
//   node bench/bench.mjs [--quick] [--variants simd,scalar] [--json out.json]
import { presets, Random, tensor } from '../dist/index.js';
import os from 'node:os';
import { writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const variants = opt('--variants', 'simd,scalar').split(',');
const jsonPath = opt('--json', null);

const FORWARD_FLOP = 1.503e6;   // per image: 2 x multiply-adds of the seven convolutions
const BATCH = 128;
const runs = quick ? 3 : 5;

function median(a) { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; }

function data(n, seed) {
  const r = new Random(seed);
  const clean = new Float32Array(n * 784).map(() => r.uniform());
  const noisy = clean.map((v) => Math.min(1, Math.max(0, v + 0.4 * r.normal())));
  return { x: tensor(noisy, [n, 28, 28, 1]), y: tensor(clean, [n, 28, 28, 1]) };
}

async function measure(variant) {
  const model = presets.kerasTutorial({ variant });
  const trainN = BATCH * (quick ? 4 : 8);
  const { x, y } = data(trainN, 1);
  await model.fit(x, y, { epochs: 1, batchSize: BATCH });   // warm-up (compiles, tiers up)
  const train = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: BATCH, seed: i });
    train.push(trainN / ((performance.now() - t) / 1000));
  }
  const inferN = quick ? 2048 : 10000;
  const { x: xi } = data(inferN, 2);
  await model.predict(xi, { batchSize: 256 });
  const infer = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await model.predict(xi, { batchSize: 256 });
    infer.push(inferN / ((performance.now() - t) / 1000));
  }
  model.dispose();
  return { variant, train, infer };
}

const results = [];
for (const v of variants) results.push(await measure(v));

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`denoise-wasm bench: Keras tutorial model, batch ${BATCH}, ${runs} runs after a warm-up (median, min-max)`);
console.log(`${cpu}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
const fmt = (a) => `${Math.round(median(a)).toLocaleString('en-US').padStart(7)}  (${Math.round(Math.min(...a))}-${Math.round(Math.max(...a))})`;
console.log('build    train samples/s          train GFLOP/s   infer images/s          infer GFLOP/s');
for (const r of results) {
  const tg = (median(r.train) * 3 * FORWARD_FLOP / 1e9).toFixed(1);
  const ig = (median(r.infer) * FORWARD_FLOP / 1e9).toFixed(1);
  console.log(`${r.variant.padEnd(8)} ${fmt(r.train).padEnd(24)} ${tg.padStart(8)}        ${fmt(r.infer).padEnd(24)} ${ig.padStart(8)}`);
}
if (results.length > 1) {
  const [a, b] = results;
  console.log(`\n${a.variant} / ${b.variant}: training ${(median(a.train) / median(b.train)).toFixed(2)}x, inference ${(median(a.infer) / median(b.infer)).toFixed(2)}x`);
}
if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ cpu, node: process.version, date: new Date().toISOString(), batch: BATCH, results }, null, 2));
