#!/usr/bin/env node
// The denoise-wasm command: denoise, train, eval, bench. Every mistake or failure prints one line to
// stderr and exits non-zero (2: a mistake on the command line, 1: anything else).
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bench } from './commands/bench.js';
import { CommandError, UsageError, type CliIo, type Command } from './commands/common.js';
import { denoise } from './commands/denoise.js';
import { evaluate } from './commands/eval.js';
import { train } from './commands/train.js';
import { errorLine } from './flags.js';

export const COMMANDS: Command[] = [denoise, train, evaluate, bench];

export const HELP = `Usage: denoise-wasm <command> [flags]

Convolutional denoising autoencoders in WebAssembly.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}

Run denoise-wasm <command> --help for a command's flags; denoise-wasm --version prints the version.
denoise uses the photo denoiser (grey or colour photographs, any noise level up to 50 on the 0-255
scale); --model digits the MNIST digit denoiser (light strokes on a dark background).

Examples:
  denoise-wasm denoise photo.jpg -o photo-clean.png
  denoise-wasm eval --photos my-photos/
  denoise-wasm train --epochs 5 -o my-denoiser/
  denoise-wasm eval --model my-denoiser/`;

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    io.out.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(HELP + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  const prefix = command ? `denoise-wasm ${command.name}` : 'denoise-wasm';
  try {
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; the commands are ${COMMANDS.map((c) => c.name).join(', ')} (see denoise-wasm --help)`);
    return await command.run(rest, io);
  } catch (e) {
    io.err.write(`${prefix}: ${errorLine(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

/** The package's version, from its package.json (two folders up from dist/cli/ and src/cli/). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;
}

function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}

export { CommandError, UsageError };
