import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockedError, processStart } from '../pipeline/lock.ts';

describe('run lock', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-lock-'));

  it('one run at a time: a second acquisition fails while the first holds the lock', () => {
    const d = dir();
    const lock = acquireLock(d);
    expect(() => acquireLock(d)).toThrow(LockedError);
    lock.release();
    acquireLock(d).release();
  });

  it('a lock left by a killed run (pid gone) is stale and cleared', () => {
    const d = dir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(path.join(d, 'nianbao.lock'), JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), started: 'x' }));
    const lock = acquireLock(d);
    expect(lock.clearedStale).toBe(true);
    lock.release();
  });

  it('a reused pid (alive, but another process than the one that took the lock) does not block', () => {
    const d = dir();
    const mine = processStart(process.pid);
    expect(mine).toMatch(/^\d+$/);
    fs.writeFileSync(path.join(d, 'nianbao.lock'), JSON.stringify({ pid: process.ppid, pidStart: '1', host: os.hostname(), started: 'x' }));
    const lock = acquireLock(d);
    expect(lock.clearedStale).toBe(true);
    lock.release();
  });
});
