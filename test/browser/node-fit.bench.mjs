// For page.bench.ts: one bare model.fit in plain Node (not under jest, which slows wasm here several
// times over), on the built package, with the demo's data, noise and seeds. Prints digits/s.
//   node test/browser/node-fit.bench.mjs TRAIN BATCH THREADS
import { addGaussianNoise, loadMnist, presets } from '../../dist/index.js';

const [train, batchSize, threads] = process.argv.slice(2).map(Number);
const mnist = await loadMnist({ seed: 0, trainLimit: train, testLimit: 500 });
const warmRows = Math.min(train, 512);
const noisy = addGaussianNoise(mnist.train.images, { factor: 0.4, seed: 1 });
const testNoisy = addGaussianNoise(mnist.test.images, { factor: 0.4, seed: 2 });
// Warmed up as the page is (its wasm is compiled and tiered up by earlier runs): a short fit first.
const warm = presets.kerasTutorial({ threads, seed: 1 });
const head = (t) => ({ data: t.data.subarray(0, warmRows * 784), shape: [warmRows, 28, 28, 1] });
await warm.fit(head(noisy), head(mnist.train.images), { epochs: 1, batchSize, shuffle: true, seed: 1 });
warm.dispose();
const model = presets.kerasTutorial({ threads, seed: 0 });
await model.predict({ data: new Float32Array(784), shape: [1, 28, 28, 1] });   // engine started, as the page's is
const t0 = performance.now();
await model.fit(noisy, mnist.train.images, { epochs: 1, batchSize, shuffle: true, seed: 0, validationData: [testNoisy, mnist.test.images] });
console.log(train / ((performance.now() - t0) / 1000));
model.dispose();
