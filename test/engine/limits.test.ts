// Engine limits: thread counts past what a batch can use, and models bigger than the threads build's
// shared memory, are refused with errors that say what to change (not a stall or a raw RangeError).
import { Sequential, layers } from '../../src/index.js';

const tiny = (threads: number) => new Sequential({ inputShape: [4], threads }, [layers.dense({ units: 2 })]);

describe('threads', () => {
  test.each([17, 1000])('threads: %d is refused: a batch has at most 16 chunks', async (threads) => {
    const m = tiny(threads);
    await expect(m.engineInfo()).rejects.toThrow(/threads must be 'auto' or an integer from 1 to 16, got \d+ \(a batch is cut into at most 16 chunks/);
    m.dispose();
  });

  test.each([[NaN, 'NaN'], [Infinity, 'Infinity'], [0, '0'], ['2', '"2"']])('threads: %p is named as %s', async (threads, shown) => {
    const m = new Sequential({ inputShape: [4], threads: threads as number }, [layers.dense({ units: 2 })]);
    await expect(m.engineInfo()).rejects.toThrow(`got ${shown}`);
  });

  test('16 threads still run', async () => {
    const m = tiny(16);
    expect((await m.engineInfo()).threads).toBe(16);
    m.dispose();
  });
});

describe('memory', () => {
  test('a model too big for the shared memory of the threads build says so, and how to fix it', async () => {
    const m = new Sequential({ inputShape: [1024, 1024, 1], threads: 2 }, [
      layers.conv2d({ filters: 128, kernelSize: 3, padding: 'same' }),
      layers.conv2d({ filters: 128, kernelSize: 3, padding: 'same' }),
    ]);
    await expect(m.engineInfo()).rejects.toThrow(
      /this model needs \d+ MiB of wasm memory before any batch .* on 2 threads\), more than this runtime allows \(at most 1024 MiB shared\); use threads: 1/);
  });
});
