// Adds the training noise off the page's thread (8,000 digits take most of a second): the same
// addGaussianNoise as in Node, so the same seed gives the same bits. One request at a time:
// { id, data, shape, factor, seed } -> { id, data } (the noisy values, transferred), or { id, error }.
import { addGaussianNoise } from '../../dist/data/noise.js';

self.onmessage = ({ data: { id, data, shape, factor, seed } }) => {
  try {
    const noisy = addGaussianNoise({ data, shape }, { factor, seed }).data;
    self.postMessage({ id, data: noisy }, [noisy.buffer]);
  } catch (e) {
    self.postMessage({ id, error: String(e?.message ?? e) });
  }
};
