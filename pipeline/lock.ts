/**
 * One run at a time per data dir: an exclusive lock file holding the owner's pid. A lock whose
 * process no longer exists (a killed run) is stale and is cleared.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class LockedError extends Error {}

export interface Lock {
  file: string;
  /** A stale lock was found and cleared when this one was taken. */
  clearedStale: boolean;
  release(): void;
}

export function acquireLock(dataDir: string): Lock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'nianbao.lock');
  let clearedStale = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString() }));
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number };
          if (owner.pid === process.pid) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return { file, clearedStale, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(file);
      if (owner && owner.host === os.hostname() && isAlive(owner.pid)) {
        throw new LockedError(`another nianbao run (pid ${owner.pid}, started ${owner.started}) holds ${file}`);
      }
      if (owner && owner.host !== os.hostname()) {
        throw new LockedError(`${file} is held by pid ${owner.pid} on host ${owner.host}; remove it if that run is gone`);
      }
      fs.rmSync(file, { force: true });
      clearedStale = true;
    }
  }
  throw new LockedError(`could not take ${file}`);
}

function readOwner(file: string): { pid: number; host: string; started: string } | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null; // unreadable or half-written: treat as stale
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
