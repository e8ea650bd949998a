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
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, pidStart: processStart(process.pid), host: os.hostname(), started: new Date().toISOString() }));
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
      if (owner && owner.host === os.hostname() && isAlive(owner.pid, owner.pidStart)) {
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

function readOwner(file: string): { pid: number; pidStart?: string | null; host: string; started: string } | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null; // unreadable or half-written: treat as stale
  }
}

/**
 * The owner still runs: its pid exists and, where /proc tells, it is the same process (pids are
 * reused: a pid alive with another start time is another program, and the lock is stale).
 */
function isAlive(pid: number, pidStart?: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStart(pid);
  return !(pidStart && now && now !== pidStart);
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or null off Linux. */
export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
