// The commands on inputs that used to slip through (issue 10): each case names the problem and exits
// non-zero before any work, or works. The compiled CLIs run as child processes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from './build-dist.js';

interface Run { code: number; stdout: string; stderr: string }

function node(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const TUTORIAL = join(ROOT, 'dist', 'cli', 'tutorial.js');

beforeAll(async () => { await ensureBuilt(); });

describe('npm start', () => {
  test('adam at learning rate 1e6 stops with the epoch and batch and exit code 1, printing no NaN scores', async () => {
    const r = await node([TUTORIAL, '--optimizer', 'adam', '--learning-rate', '1e6', '--epochs', '2',
      '--train-size', '256', '--test-size', '64', '--threads', '1', '--out', join(ROOT, 'out', 'never-written.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/denoise-wasm: fit: (a weight|the loss) became (NaN|-?Infinity) at epoch 1, batch \d+ of 2/);
    expect(r.stdout).not.toMatch(/NaN/);
  });
});
