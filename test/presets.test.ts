// Presets built with the functional API: their shapes, parameter counts and that they train.
import { presets, tensor, Random } from '../src/index.js';

describe('presets.dncnn', () => {
  test('the paper\'s grey model: 17 layers of 64 filters, BatchNormalization, residual output', () => {
    const m = presets.dncnn({ compile: false });
    // 3x3x1x64 + 64, then 15 x (3x3x64x64 + 64 + BatchNormalization's 4 x 64), then 3x3x64x1 + 1
    expect(m.countParams()).toBe(640 + 15 * (36928 + 256) + 577);
    expect(m.weights.filter((w) => !w.trainable)).toHaveLength(30);   // 15 moving means and variances
    expect(m.inputShape).toEqual([40, 40, 1]);
    expect(m.summary(null)).toMatch(/denoised \(Subtract\)\s+\(None, 40, 40, 1\)\s+0\s+\['noisy\[0\]\[0\]', 'noise\[0\]\[0\]'\]/);
  });

  test('a small colour one trains (loss falls), runs at another size, and refuses bad options', async () => {
    const m = presets.dncnn({ depth: 4, filters: 8, channels: 3, patchSize: 12, threads: 1 });
    const r = new Random(3);
    const clean = Float32Array.from({ length: 16 * 12 * 12 * 3 }, (_, i) => 0.5 + 0.4 * Math.sin(i / 7));
    const noisy = clean.map((v) => v + 0.1 * r.normal());
    const h = await m.fit(tensor(noisy, [16, 12, 12, 3]), tensor(clean, [16, 12, 12, 3]), { epochs: 8, batchSize: 8 });
    expect(h.history.loss[7]).toBeLessThan(h.history.loss[0]);
    const big = m.withInputShape([20, 16, 3]);
    expect((await big.predict(tensor(new Float32Array(20 * 16 * 3).fill(0.5), [1, 20, 16, 3]))).shape).toEqual([1, 20, 16, 3]);
    big.dispose(); m.dispose();
    expect(() => presets.dncnn({ depth: 2 })).toThrow('presets.dncnn: depth must be an integer >= 3, got 2');
    expect(() => presets.dncnn({ channels: 2 })).toThrow(/channels must be 1 \(grey\) or 3 \(colour\), got 2/);
    expect(presets.dncnn({ batchNorm: false, depth: 5, filters: 4, compile: false }).weights.every((w) => w.trainable)).toBe(true);
  });
});
