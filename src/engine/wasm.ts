// Finding, compiling and instantiating the wasm builds. Browser-safe: Node's fs is imported lazily and
// only when running under Node (behind a specifier bundlers do not follow); elsewhere the files are
// fetched with streaming compilation. The modules import nothing but the memory (and abort).

/**
 * The wasm builds. The three mul + add builds give the same bits everywhere; the relaxed-SIMD builds use
 * fused multiply-adds in the tiles (faster; their bits depend on the CPU and runtime, never on threads).
 */
export type Variant = 'relaxed-simd-threads' | 'relaxed-simd' | 'simd-threads' | 'simd' | 'scalar';

/**
 * What a model asks for: a build, or 'auto' (the fastest mul + add build the runtime supports: the same
 * bits in every runtime), or 'auto-relaxed' (as 'auto', but the relaxed-SIMD builds where the runtime
 * validates them).
 */
export type VariantRequest = Variant | 'auto' | 'auto-relaxed';

/** Builds with a thread pool over shared memory. */
export const isThreadsVariant = (v: Variant): boolean => v === 'simd-threads' || v === 'relaxed-simd-threads';

/** What the runner exports (byte pointers into the imported memory). */
export interface KernelExports {
  forward(plan: number, n: number, tid: number, nThreads: number): void;
  evaluate(plan: number, n: number, tid: number, nThreads: number): void;
  gradients(plan: number, n: number, tid: number, nThreads: number): void;
  trainStep(plan: number, n: number, tid: number, nThreads: number): void;
  gemm(M: number, N: number, K: number, a: number, rsA: number, csA: number, b: number, ldb: number,
       c: number, ldc: number, accumulate: number): void;
  /** dst[0..n) = f32(src bytes[0..n)) / divisor. */
  bytesToFloats(dst: number, src: number, n: number, divisor: number): void;
  /** Index of the first NaN or Infinity among the f32 values at p[0..n), or -1. */
  firstNonFinite(p: number, n: number): number;
  opScratchBytes(op: number): number;
  heapBase(): number;
  hasSimd(): number;
  hasThreads(): number;
  hasRelaxedSimd(): number;
}

// The smallest module that uses a v128 instruction (as wasm-feature-detect checks SIMD).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** True when this runtime validates wasm SIMD (fixed-width, non-relaxed). */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

// f32x4.relaxed_madd of three splats: validates only where relaxed SIMD is on (Chrome/Edge 114+,
// Firefox 146+, Node 22+; Node 20 with --experimental-wasm-relaxed-simd).
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

/** True when this runtime validates relaxed SIMD (f32x4.relaxed_madd). */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** URL of a build's .wasm file, next to the package's build/ folder (the form bundlers understand). */
export function wasmUrl(variant: Variant, base?: string | URL): URL {
  if (base) return new URL(`denoise.${variant}.wasm`, base);
  return new URL(`../../build/denoise.${variant}.wasm`, import.meta.url);
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compiles a build once per URL and caches the module (instances are cheap, compiling is not). */
export function compileVariant(variant: Variant, base?: string | URL): Promise<WebAssembly.Module> {
  const url = wasmUrl(variant, base);
  let p = compiled.get(url.href);
  if (!p) {
    p = compileFrom(url).catch((err: Error) => {
      compiled.delete(url.href);
      throw new Error(`denoise-wasm: cannot load ${url.href}: ${err.message}` +
        (url.protocol === 'file:' ? ' (run `npm run build` to generate the wasm files)' : ''));
    });
    compiled.set(url.href, p);
  }
  return p;
}

async function compileFrom(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:' && isNode) {
    const nodeFs = 'node:fs/promises';   // a variable: bundlers leave Node-only modules out of browser builds
    const { readFile } = await import(/* @vite-ignore */ /* webpackIgnore: true */ nodeFs) as typeof import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  if (typeof WebAssembly.compileStreaming === 'function') {
    // Streaming compilation needs Content-Type: application/wasm; a server that sends another type
    // still works, compiled from the bytes.
    const type = response.headers.get('content-type') ?? '';
    if (type.split(';')[0].trim().toLowerCase() === 'application/wasm') return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Reads an AssemblyScript string (UTF-16, byte length in the word before it) for abort messages. */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  const units = new Uint16Array(memory.buffer, ptr, bytes >>> 1);
  let s = '';
  for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.subarray(i, i + 4096));
  return s;
}

/** Instantiates a compiled build over a host-owned memory; aborts (debug builds) surface as readable errors. */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelExports> {
  if (isNode) {
    // Node: @assemblyscript/loader instantiates and decodes abort() messages. Its name is held in a
    // variable so that bundlers leave it out of browser builds, where module workers cannot resolve a
    // bare specifier without a bundler; there the small decoder below does the same job.
    const loaderName = '@assemblyscript/loader';
    const loader = await import(/* @vite-ignore */ /* webpackIgnore: true */ loaderName) as typeof import('@assemblyscript/loader');
    // instantiateSync: the module is compiled already, and the async instantiate() tests its argument
    // against the global Response, which makes Node load its fetch implementation (~8 MB of RSS in
    // every process and worker thread).
    const { exports } = loader.instantiateSync<Record<string, unknown>>(module, { env: { memory } });
    return exports as unknown as KernelExports;
  }
  const env = {
    memory,
    abort(message: number, file: number, line: number, column: number): never {
      throw new Error(`abort: ${readString(memory, message)} at ${readString(memory, file)}:${line}:${column}`);
    },
  };
  const instance = await WebAssembly.instantiate(module, { env });
  return instance.exports as unknown as KernelExports;
}
