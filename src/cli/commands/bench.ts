// denoise-wasm bench [flags]: runs bench/bench.mjs (the benchmark) with the same flags.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommandError, type CliIo, type Command } from './common.js';

export const bench: Command = {
  name: 'bench',
  summary: 'run the benchmark (bench/bench.mjs)',
  help: `Usage: denoise-wasm bench [flags]

Runs the benchmark, bench/bench.mjs, in a child process with the given flags: the tutorial model's
training and inference speed with each build and thread count, side by side with TensorFlow.js.
TF.js (the peers) and assemblyscript (the machine-limit kernel, --profile) are devDependencies: from an
installed package those parts are skipped and the report says so; run it from a clone after npm install
for the full comparison.
Its flags (bench/bench.mjs --help lists them): --quick, --only SECTIONS, --profile, --json FILE.

  -h, --help   print this help

Example: denoise-wasm bench --quick`,

  run(argv: string[], io: CliIo): Promise<number> {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out.write(this.help + '\n');
      return Promise.resolve(0);
    }
    // dist/cli/commands/bench.js (or src/cli/commands/bench.ts) -> the package root's bench/
    const script = fileURLToPath(new URL('../../../bench/bench.mjs', import.meta.url));
    if (!existsSync(script)) throw new CommandError(`the benchmark is not here (${script} is missing)`);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
      child.on('error', (e) => reject(new CommandError(`cannot start the benchmark: ${e.message}`)));
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  },
};
