// The first model of "Building Autoencoders in Keras" (F. Chollet, 2016): a single fully-connected layer
// squeezes each 784-pixel digit into 32 numbers and a second one rebuilds the digit (clean -> clean).
// Each Keras line is the comment above its denoise-wasm twin. Run after `npm run build`:
//   node examples/dense-autoencoder.mjs                          (under half a minute; writes out/dense-autoencoder.png)
//   EPOCHS=1 TRAIN_SIZE=256 node examples/dense-autoencoder.mjs  (a quick check)
import { Sequential, layers, loadMnist, psnr, sliceRows, tensor } from 'denoise-wasm';
import { saveImageGrid } from 'denoise-wasm/node';

const EPOCHS = Number(process.env.EPOCHS ?? 50);
const TRAIN_SIZE = Number(process.env.TRAIN_SIZE ?? 8000);
const OUT = process.env.OUT ?? 'out/dense-autoencoder.png';

// encoding_dim = 32     # 32 floats -> compression factor 24.5, assuming the input is 784 floats
const encodingDim = 32;

// input_img = Input(shape=(784,))
const autoencoder = new Sequential({ inputShape: [784] }, [
  // encoded = Dense(encoding_dim, activation='relu')(input_img)
  layers.dense({ units: encodingDim, activation: 'relu' }),
  // decoded = Dense(784, activation='sigmoid')(encoded)
  layers.dense({ units: 784, activation: 'sigmoid' }),
]);
// autoencoder = Model(input_img, decoded)             (presets.denseAutoencoder() builds exactly this model)
autoencoder.summary();

// autoencoder.compile(optimizer='adadelta', loss='binary_crossentropy')
// (adam learns this model far faster than adadelta in 50 short epochs; presets.denseAutoencoder() uses adadelta)
autoencoder.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });

// (x_train, _), (x_test, _) = mnist.load_data()
const { train, test } = await loadMnist({ testSize: 1000, trainLimit: TRAIN_SIZE }); // [N, 28, 28, 1] in [0, 1]
// x_train = x_train.astype('float32') / 255.  (done by loadMnist)
// x_train = x_train.reshape((len(x_train), np.prod(x_train.shape[1:])))
const flatten = (images) => tensor(images.data, [images.shape[0], 784]);
const xTrain = flatten(train.images);
const xTest = flatten(test.images);

// autoencoder.fit(x_train, x_train, epochs=50, batch_size=256, shuffle=True,
//                 validation_data=(x_test, x_test))
await autoencoder.fit(xTrain, xTrain, {
  epochs: EPOCHS, batchSize: 256, shuffle: true, validationData: [xTest, xTest],
  onEpochEnd: (epoch, logs) => {
    if ((epoch + 1) % 10 === 0 || epoch + 1 === EPOCHS) {
      console.log(`epoch ${epoch + 1}/${EPOCHS}  loss ${logs.loss.toFixed(4)}  val_loss ${logs.val_loss.toFixed(4)}`);
    }
  },
});

// decoded_imgs = autoencoder.predict(x_test)
const decodedImgs = await autoencoder.predict(xTest);
console.log(`PSNR of the held-out digits rebuilt from ${encodingDim} numbers: ${psnr(decodedImgs, xTest).mean.toFixed(2)} dB`);

// plt.imshow(x_test[i].reshape(28, 28)) ... for 10 digits: here a PNG with rows original / reconstructed.
const first10 = (t) => tensor(sliceRows(t, 0, 10).data, [10, 28, 28, 1]);
await saveImageGrid(OUT, [first10(xTest), first10(decodedImgs)], { scale: 2 });
console.log(`wrote ${OUT}`);

autoencoder.dispose(); // frees the wasm memory and any worker threads, so that Node can exit
