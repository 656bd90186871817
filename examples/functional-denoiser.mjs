// The convolutional denoiser of "Building Autoencoders in Keras" (F. Chollet, 2016) in the blog's own
// functional shape, line for line: each Keras line is the comment above its denoise-wasm twin (TF.js's
// names: input, layer.apply, model). examples/conv-denoiser.mjs is the same model as a Sequential stack;
// both build exactly presets.kerasTutorial() (same layer names, so the same seed gives the same weights
// and training gives the same bits). Run after `npm run build`:
//   node examples/functional-denoiser.mjs                           (under half a minute; writes out/functional-denoiser.png)
//   EPOCHS=1 TRAIN_SIZE=256 node examples/functional-denoiser.mjs   (a quick check)
import { fileURLToPath } from 'node:url';
import { input, layers, model, optimizers, loadMnist, addGaussianNoise, psnr, sliceRows } from 'denoise-wasm';
import { saveImageGrid } from 'denoise-wasm/node';

/** The blog's model; `options` as for any model ({ seed, threads, variant }). */
export function buildAutoencoder(options = {}) {
  // input_img = Input(shape=(28, 28, 1))
  const inputImg = input({ shape: [28, 28, 1] });

  // x = Conv2D(16, (3, 3), activation='relu', padding='same')(input_img)
  let x = layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(inputImg);
  // x = MaxPooling2D((2, 2), padding='same')(x)
  x = layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x);
  // x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
  x = layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(x);
  // x = MaxPooling2D((2, 2), padding='same')(x)
  x = layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x);
  // x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
  x = layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(x);
  // encoded = MaxPooling2D((2, 2), padding='same')(x)     # at this point the representation is (4, 4, 8)
  const encoded = layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(x);

  // x = Conv2D(8, (3, 3), activation='relu', padding='same')(encoded)
  x = layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(encoded);
  // x = UpSampling2D((2, 2))(x)
  x = layers.upSampling2d({ size: 2 }).apply(x);
  // x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
  x = layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }).apply(x);
  // x = UpSampling2D((2, 2))(x)
  x = layers.upSampling2d({ size: 2 }).apply(x);
  // x = Conv2D(16, (3, 3), activation='relu')(x)          # 'valid' padding: 16x16 -> 14x14
  x = layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }).apply(x);
  // x = UpSampling2D((2, 2))(x)
  x = layers.upSampling2d({ size: 2 }).apply(x);
  // decoded = Conv2D(1, (3, 3), activation='sigmoid', padding='same')(x)
  const decoded = layers.conv2d({ filters: 1, kernelSize: 3, activation: 'sigmoid', padding: 'same' }).apply(x);

  // autoencoder = Model(input_img, decoded)
  return model({ ...options, inputs: inputImg, outputs: decoded });
}

// The script itself (not when another module imports buildAutoencoder).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const EPOCHS = Number(process.env.EPOCHS ?? 10);         // the tutorial trains 50-100 epochs on 60,000 digits
  const TRAIN_SIZE = Number(process.env.TRAIN_SIZE ?? 8000);
  const OUT = process.env.OUT ?? 'out/functional-denoiser.png';

  // (x_train, _), (x_test, _) = mnist.load_data()   then scaled to [0, 1] and reshaped to (n, 28, 28, 1)
  const { train, test } = await loadMnist({ testSize: 1000, trainLimit: TRAIN_SIZE });
  const xTrain = train.images;
  const xTest = test.images;
  // x_train_noisy = np.clip(x_train + noise_factor * np.random.normal(size=x_train.shape), 0., 1.)
  const xTrainNoisy = addGaussianNoise(xTrain, { factor: 0.4, seed: 1 });
  const xTestNoisy = addGaussianNoise(xTest, { factor: 0.4, seed: 2 });

  const autoencoder = buildAutoencoder();
  autoencoder.summary();

  // autoencoder.compile(optimizer='adadelta', loss='binary_crossentropy')
  // (as in conv-denoiser.mjs: adam with a larger step gets much further than adadelta in a run of seconds)
  autoencoder.compile({ optimizer: optimizers.adam({ learningRate: 0.003 }), loss: 'binaryCrossentropy' });

  // autoencoder.fit(x_train_noisy, x_train, epochs=100, batch_size=128, shuffle=True,
  //                 validation_data=(x_test_noisy, x_test))
  await autoencoder.fit(xTrainNoisy, xTrain, {
    epochs: EPOCHS, batchSize: 128, shuffle: true, validationData: [xTestNoisy, xTest],
    onEpochEnd: (epoch, logs) => console.log(`epoch ${epoch + 1}/${EPOCHS}  loss ${logs.loss.toFixed(4)}  val_loss ${logs.val_loss.toFixed(4)}`),
  });

  // decoded_imgs = autoencoder.predict(x_test_noisy)
  const decodedImgs = await autoencoder.predict(xTestNoisy);
  console.log(`PSNR on the held-out digits: noisy ${psnr(xTestNoisy, xTest).mean.toFixed(2)} dB, ` +
    `denoised ${psnr(decodedImgs, xTest).mean.toFixed(2)} dB`);

  // plt.imshow(...) for 10 digits: here a PNG with rows noisy / denoised / clean.
  const first10 = (t) => sliceRows(t, 0, 10);
  await saveImageGrid(OUT, [first10(xTestNoisy), first10(decodedImgs), first10(xTest)], { scale: 2 });
  console.log(`wrote ${OUT}`);

  autoencoder.dispose(); // frees the wasm memory and any worker threads, so that Node can exit
}
