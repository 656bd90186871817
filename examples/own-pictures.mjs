// Train a denoiser on your own pictures: a folder of PNG/JPEG files of any size, read one picture at a
// time (a folder of large photos never sits in memory all at once), trained on by random patches, then
// used on a whole picture. Fully convolutional, so the model built at the patch size runs at any size.
//
//   node examples/own-pictures.mjs [DIR]        (default: a folder of digit sheets it makes in a temp dir)
//   env: EPOCHS, PATCH, OUT
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Sequential, layers, loadImages, patchBatches, samplePatches, addGaussianNoise, byteTensor, toFloat, psnr,
  saveImageGrid, loadMnist, encodePng, Random,
} from 'denoise-wasm/node';
import { readdir, writeFile } from 'node:fs/promises';

const EPOCHS = Number(process.env.EPOCHS ?? 8);
const PATCH = Number(process.env.PATCH ?? 32);
const NOISE = 0.3;
const OUT = process.env.OUT ?? 'out/own-pictures.png';
const dir = process.argv[2] ?? await makeDemoFolder();

const files = (await readdir(dir)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().map((f) => join(dir, f));
console.log(`${files.length} pictures in ${dir}`);

// Batches read lazily: each pass (epoch) visits the files in a seeded order, loads one, draws 8 batches
// of fresh patches from it with new noise, and lets it go before the next.
let pass = 0;
const batches = {
  async *[Symbol.asyncIterator]() {
    const order = new Random(pass++).shuffle(files.map((_, i) => i));
    for (const i of order) {
      const [picture] = await loadImages([files[i]], { channels: 1 });
      yield* patchBatches([picture], { size: PATCH, batchSize: 32, batchesPerEpoch: 8, seed: pass * 7919 + i, noise: NOISE, flips: true, rotations: true });
    }
  },
};

// A fixed validation set: patches of the first picture, noised once.
const [first] = await loadImages([files[0]], { channels: 1 });
const clean = samplePatches([first], { size: PATCH, count: 64, seed: 1 });
const noisy = addGaussianNoise(toFloat(clean), { factor: NOISE, seed: 2 });

const model = new Sequential({ inputShape: [PATCH, PATCH, 1] }, [
  layers.conv2d({ filters: 24, kernelSize: 3, padding: 'same', activation: 'relu' }),
  layers.conv2d({ filters: 24, kernelSize: 3, padding: 'same', activation: 'relu' }),
  layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid' }),
]);
model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
await model.fit(batches, {
  epochs: EPOCHS, validationData: [noisy, clean],
  onEpochEnd: (e, logs) => console.log(`epoch ${e + 1}/${EPOCHS}  loss ${logs.loss.toFixed(4)}  val_loss ${logs.val_loss.toFixed(4)}`),
});

// The whole first picture: the same weights in a model built at its size.
const whole = model.withInputShape([first.height, first.width, 1]);
const picture = byteTensor(first.data, [1, first.height, first.width, 1]);
const corrupted = addGaussianNoise(toFloat(picture), { factor: NOISE, seed: 3 });
const denoised = await whole.predict(corrupted);
console.log(`PSNR on ${first.name} (${first.width}x${first.height}): noisy ${psnr(toFloat(picture), corrupted).mean.toFixed(2)} dB, ` +
  `denoised ${psnr(toFloat(picture), denoised).mean.toFixed(2)} dB`);
await saveImageGrid(OUT, [corrupted, denoised, toFloat(picture)]);
console.log(`wrote ${OUT} (rows: noisy, denoised, clean)`);
model.dispose();
whole.dispose();

/** A folder of three "scans": sheets of embedded MNIST digits of different sizes, as PNG files. */
async function makeDemoFolder() {
  const folder = mkdtempSync(join(tmpdir(), 'own-pictures-'));
  const { train } = await loadMnist({ trainLimit: 300, bytes: true });
  const sheets = [[10, 6], [7, 9], [12, 4]];   // digits across, down
  let next = 0;
  for (const [k, [across, down]] of sheets.entries()) {
    const W = across * 28, H = down * 28, rgba = new Uint8ClampedArray(W * H * 4).fill(255);
    for (let d = 0; d < across * down; d++, next++) {
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
        const v = 255 - train.images.data[next * 784 + y * 28 + x], p = 4 * (((d / across | 0) * 28 + y) * W + (d % across) * 28 + x);
        rgba[p] = rgba[p + 1] = rgba[p + 2] = v;
      }
    }
    await writeFile(join(folder, `sheet-${k}.png`), encodePng({ width: W, height: H, data: rgba }));
  }
  return folder;
}
