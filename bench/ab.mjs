// Interleaved A/B of two builds in one process, timed in CPU time: for small kernel changes on a shared
// machine, where wall-clock rates swing with other people's jobs (CPU time swings far less).
//
//   node [--experimental-wasm-relaxed-simd] bench/ab.mjs A B [--rounds 25] [--what train|infer]
//
// A and B are a variant ('simd', 'relaxed-simd', 'scalar'), optionally @ a folder of .wasm files built
// from another revision (e.g. simd@bench/build/baseline, as `npm run bench -- --baseline REV` leaves it).
// Both models run on one thread (threads: 1, no workers, so the process's CPU time is theirs), warm up,
// then alternate A B, B A, ... for `rounds` rounds; prints medians and the median of the per-round ratios
// B/A with its quartiles. Nothing is asserted.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { presets } from '../dist/index.js';
import { makeData } from './lib/data.mjs';

const argv = process.argv.slice(2);
const value = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
const [specA, specB] = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
if (!specA || !specB) {
  console.error('node bench/ab.mjs A B [--rounds 25] [--what train|infer]   (A, B: variant or variant@wasm-folder)');
  process.exit(2);
}
const rounds = Number(value('--rounds', 25));
const what = value('--what', 'train');

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const model = (spec) => {
  const [variant, dir] = spec.split('@');
  return presets.kerasTutorial({ variant, threads: 1, seed: 0, wasmBase: dir ? pathToFileURL(resolve(dir) + '/') : undefined });
};
const models = [model(specA), model(specB)];
const { x, y } = makeData(128 * 4, 1);
const xi = makeData(2048, 2).x;
const step = (m) => (what === 'train' ? m.fit(x, y, { epochs: 1, batchSize: 128 }) : m.predict(xi, { batchSize: 256 }));
const n = what === 'train' ? x.shape[0] : xi.shape[0];
for (const m of models) { await step(m); await step(m); }   // V8 tiers the wasm up
const rates = [[], []];
for (let r = 0; r < rounds; r++) {
  for (const k of r % 2 ? [1, 0] : [0, 1]) {
    const t0 = cpuMs();
    await step(models[k]);
    rates[k].push(n / ((cpuMs() - t0) / 1000));
  }
}
const q = (a, f) => [...a].sort((p, s) => p - s)[Math.floor(f * (a.length - 1))];
const ratios = rates[0].map((a, i) => rates[1][i] / a);
const unit = what === 'train' ? 'samples' : 'images';
console.log(`${what}, ${rounds} rounds, ${unit} per CPU-second (median): ${specA} ${q(rates[0], 0.5).toFixed(0)}, ${specB} ${q(rates[1], 0.5).toFixed(0)}; ` +
  `B/A ${q(ratios, 0.5).toFixed(3)} (quartiles ${q(ratios, 0.25).toFixed(2)}-${q(ratios, 0.75).toFixed(2)})`);
for (const m of models) m.dispose();
