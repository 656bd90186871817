// See inside the network: one held-out digit, then what each layer of the tutorial's conv autoencoder
// makes of it, as the seed's figures show it: the feature maps of each filter (E-G), max pooling halving
// them (H), the (4, 4, 8) code, and the decoder growing them back. Run after `npm run build`:
//   node examples/feature-maps.mjs                            (about a minute; writes out/feature-maps.png)
//   EPOCHS=1 TRAIN_SIZE=256 node examples/feature-maps.mjs    (a quick check)
import { presets, optimizers, loadMnist, addGaussianNoise, sliceRows, featureMapGrid, stackImages } from 'denoise-wasm';
import { encodePng } from 'denoise-wasm/node';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const EPOCHS = Number(process.env.EPOCHS ?? 5);
const TRAIN_SIZE = Number(process.env.TRAIN_SIZE ?? 4000);
const OUT = process.env.OUT ?? 'out/feature-maps.png';

const { train, test } = await loadMnist({ seed: 0, testFraction: 0.2, trainLimit: TRAIN_SIZE });
const noisyTrain = addGaussianNoise(train.images, { factor: 0.4, seed: 1 });
const noisyTest = addGaussianNoise(test.images, { factor: 0.4, seed: 2 });

// The tutorial's model, trained briefly (adam: adadelta needs the tutorial's many epochs).
const model = presets.kerasTutorial({ compile: false });
model.compile({ optimizer: optimizers.adam({ learningRate: 0.003 }), loss: 'binaryCrossentropy' });
await model.fit(noisyTrain, train.images, {
  epochs: EPOCHS, batchSize: 128, validationData: [sliceRows(noisyTest, 0, 500), sliceRows(test.images, 0, 500)],
  onEpochEnd: (e, logs) => console.log(`epoch ${e + 1}/${EPOCHS}  loss ${logs.loss.toFixed(4)}  val_loss ${logs.val_loss.toFixed(4)}`),
});

// Every layer's output for the first held-out digit, from one forward pass: the input first.
const activations = await model.activations(sliceRows(noisyTest, 0, 1));
// The encoder ends at the smallest layer (the (4, 4, 8) code); the decoder follows it.
const sizes = activations.map((a) => a.data.length);
const code = sizes.indexOf(Math.min(...sizes));
const pictures = activations.map((a, i) => {
  const part = i === 0 ? 'held-out digit (noisy input)' : i <= code ? 'encoder' : 'decoder';
  const title = `${part}: ${a.layer} ${a.shape.slice(1).join('x')}`;
  console.log(`${title} (${a.className})`);
  return featureMapGrid(a, { title });
});
const picture = stackImages(pictures, { gap: 8 });
await mkdir(dirname(OUT), { recursive: true });
await writeFile(OUT, encodePng(picture));
console.log(`wrote ${OUT} (${picture.width}x${picture.height})`);
model.dispose();
