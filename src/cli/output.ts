// Where the CLIs write, checked before any work, so that a training run or a denoised picture is never
// lost to a destination that was wrong from the start. Each problem is a mistake on the command line
// (exit 2) that names the fix.
import { randomBytes } from 'node:crypto';
import { open, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { checkModelDir } from '../io/model-node.js';
import { UsageError } from './flags.js';

const errno = (e: unknown) => (e as NodeJS.ErrnoException)?.code;

/**
 * A file can be written at `path` (`flag` names it in messages): it is not a directory, an existing one
 * opens for writing, and its directory exists and takes new files; with `createParents`, missing
 * directories are allowed (the writer creates them) where the nearest existing one takes new files.
 */
export async function checkOutputFile(path: string, flag: string, createParents = false): Promise<void> {
  const what = `${flag} ${path}`;
  const kind = await kindOf(path);
  if (kind === 'directory') throw new UsageError(`${what} is a directory; give a file name in it, e.g. ${join(path, 'out.png')}`);
  if (kind === 'file') {
    try {
      await (await open(path, 'r+')).close();
    } catch (e) {
      throw new UsageError(`${what}: the file exists and cannot be written (${reason(e)}); choose another name`);
    }
  }
  await checkParentTakesFiles(path, what, createParents);
}

/**
 * A model can be saved as the directory `dir`: new, or holding nothing but a model (the rule model.save
 * follows), in a place that takes new files (missing parents are created by the save).
 */
export async function checkModelOutput(dir: string, flag: string): Promise<void> {
  await checkParentTakesFiles(dir, `${flag} ${dir}`, true);
  try {
    await checkModelDir(dir);
  } catch (e) {
    throw new UsageError(`${flag} ${(e as Error).message.replace(/^save: /, '')}`);
  }
}

/** 'file', 'directory' or 'none' (anything else that exists counts as a file). */
async function kindOf(path: string): Promise<'file' | 'directory' | 'none'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch (e) {
    if (errno(e) === 'ENOENT') return 'none';
    if (errno(e) === 'ENOTDIR') return 'none';   // a parent is a file: checkParentTakesFiles names it
    throw new UsageError(`${path}: ${reason(e)}`);
  }
}

/**
 * The directory `target` goes in exists (or, with `createParents`, its nearest existing ancestor does)
 * and takes a new file: tried by creating and deleting a hidden one beside where `target` will be, since
 * permission bits do not tell (root, /proc, read-only mounts).
 */
async function checkParentTakesFiles(target: string, what: string, createParents: boolean): Promise<void> {
  let at = dirname(target);
  for (;;) {
    const kind = await kindOf(at);
    if (kind === 'directory') break;
    if (kind === 'file') throw new UsageError(`${what}: ${at} is a file, not a directory`);
    if (!createParents) throw new UsageError(`${what}: the directory ${at} does not exist; create it first (mkdir -p ${at})`);
    if (dirname(at) === at) break;
    at = dirname(at);
  }
  const probe = join(at, `.${basename(resolve(target))}.probe-${randomBytes(6).toString('hex')}`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (e) {
    throw new UsageError(`${what}: cannot create files in ${at} (${reason(e)}); choose a directory you can write to`);
  }
  await rm(probe, { force: true });
}

/** Why a file operation failed, in words. */
function reason(e: unknown): string {
  switch (errno(e)) {
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'a read-only file system';
    case 'ENOENT': return 'it takes no new files';
    case 'ENOSPC': return 'no space left';
    default: return (e as Error)?.message ?? String(e);
  }
}
