// npm test: runs jest in a Node that has wasm relaxed SIMD on, so that the relaxed-SIMD builds are
// tested (never skipped). Node 22+ has it by default; Node 20 needs the V8 flag
// --experimental-wasm-relaxed-simd, which NODE_OPTIONS does not accept, so jest is started with it.
// V8 flags are per process: jest's workers (child processes, given this execArgv) and the engine's
// worker_threads inherit it.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

// f32x4.relaxed_madd of three splats (the same probe as src/engine/wasm.ts).
const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11]);
const flags = WebAssembly.validate(probe) ? [] : ['--experimental-wasm-relaxed-simd'];
const jestPackage = createRequire(import.meta.url).resolve('jest/package.json');
const jest = join(dirname(jestPackage), 'bin/jest.js');
const child = spawn(process.execPath, [...flags, jest, ...process.argv.slice(2)], { stdio: 'inherit' });
// Ctrl-C reaches jest too (same process group): wait for it to stop, then exit as it did.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
