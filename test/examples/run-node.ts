// Runs Node scripts for the example and README tests: exit code, stdout and stderr.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../cli/build-dist.mjs';

export interface Run { code: number; stdout: string; stderr: string }

/** node with these arguments in cwd; code -1 when it was killed or could not start. */
export function runNode(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: options.cwd, env: options.env, timeout: options.timeout ?? 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

/** A program (a README block) written inside the package, so that 'denoise-wasm' resolves to it, run in cwd, then removed. */
export async function runInPackage(source: string, name: string, cwd: string, timeout?: number): Promise<Run> {
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  const script = join(ROOT, 'test-artifacts', `${name}-${process.pid}.mjs`);
  writeFileSync(script, source);
  try {
    return await runNode([script], { cwd, timeout });
  } finally {
    rmSync(script, { force: true });
  }
}
