// The GEMM micro-kernels swept over the edges of every tile (as XNNPACK's gemm-microkernel-tester
// does): M across the 4-row tiles, N across the 8/4-column panels and the narrow remainder, K short and
// long, A row-major and transposed, with and without accumulation — against an f64 reference, for the
// SIMD and the scalar build, which must also agree bit for bit, and for the relaxed-SIMD build.
import { compileVariant, instantiateKernels, relaxedSimdSupported, type KernelExports, type Variant } from '../../src/engine/wasm.js';
import { mulberry32, randomArray } from '../reference/gradcheck.js';

async function load(variant: Variant): Promise<{ k: KernelExports; memory: WebAssembly.Memory }> {
  const memory = new WebAssembly.Memory({ initial: 16 });
  const k = await instantiateKernels(await compileVariant(variant), memory);
  return { k, memory };
}

function run(kit: { k: KernelExports; memory: WebAssembly.Memory }, M: number, N: number, K: number, transposedA: boolean,
             accumulate: boolean, a: Float32Array, b: Float32Array, c0: Float32Array): Float32Array {
  const base = Math.ceil(kit.k.heapBase() / 64) * 64;
  const pa = base, pb = pa + a.length * 4, pc = pb + b.length * 4;
  const f = new Float32Array(kit.memory.buffer);
  f.set(a, pa / 4); f.set(b, pb / 4); f.set(c0, pc / 4);
  // A(i, k) at a[i*rsA + k*csA]: row-major [M, K] or the transpose of a row-major [K, M].
  const [rsA, csA] = transposedA ? [1, M] : [K, 1];
  kit.k.gemm(M, N, K, pa, rsA, csA, pb, N, pc, N, accumulate ? 1 : 0);
  return new Float32Array(kit.memory.buffer, pc, M * N).slice();
}

type Kit = Awaited<ReturnType<typeof load>>;

test('gemm over tile edges matches the f64 reference; SIMD and scalar agree bit for bit', async () => {
  expect(await sweep(await load('simd'), await load('scalar'))).toBe(6 * 12 * 4 * 4);
});

// Not skipped where the runtime lacks relaxed SIMD: npm test runs Node with it (scripts/jest.mjs).
test('the test runtime validates relaxed SIMD, and the relaxed-SIMD build uses it', async () => {
  expect(relaxedSimdSupported()).toBe(true);
  const relaxed = await load('relaxed-simd');
  expect([relaxed.k.hasRelaxedSimd(), relaxed.k.hasSimd(), (await load('simd')).k.hasRelaxedSimd()]).toEqual([1, 1, 0]);
});

test('gemm of the relaxed-SIMD build (fused multiply-add) over tile edges matches the f64 reference', async () => {
  expect(await sweep(await load('relaxed-simd'), null)).toBe(6 * 12 * 4 * 4);
});

/** Every tile edge case on `kit` against f64, and bit for bit against `twin` when given; returns the count. */
async function sweep(kit: Kit, twin: Kit | null): Promise<number> {
  const rng = mulberry32(17);
  let cases = 0;
  for (const M of [1, 3, 4, 5, 8, 9]) {
    for (const N of [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17]) {
      for (const K of [1, 2, 5, 33]) {
        for (const transposedA of [false, true]) {
          for (const accumulate of [false, true]) {
            const a = Float32Array.from(randomArray(M * K, rng));
            const b = Float32Array.from(randomArray(K * N, rng));
            const c0 = Float32Array.from(randomArray(M * N, rng));
            const got = run(kit, M, N, K, transposedA, accumulate, a, b, c0);
            if (twin) {
              const other = run(twin, M, N, K, transposedA, accumulate, a, b, c0);
              expect(Buffer.from(other.buffer).equals(Buffer.from(got.buffer))).toBe(true);
            }
            for (let i = 0; i < M; i++) {
              for (let j = 0; j < N; j++) {
                let want = accumulate ? c0[i * N + j] : 0;
                for (let k = 0; k < K; k++) want += (transposedA ? a[k * M + i] : a[i * K + k]) * b[k * N + j];
                // f32 sums of K terms of size <= 1: error within K ulps of the partial sums' size.
                if (Math.abs(got[i * N + j] - want) > (K + 2) * 2 ** -23 * (K + 1)) {
                  throw new Error(`M=${M} N=${N} K=${K} T=${transposedA} acc=${accumulate} at (${i},${j}): ${got[i * N + j]} vs ${want}`);
                }
              }
            }
            cases++;
          }
        }
      }
    }
  }
  return cases;
}
