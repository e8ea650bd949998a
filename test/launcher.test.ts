/**
 * The `nianbao` launcher (bin/nianbao.js) starts Node in LAUNCH_ENV through its first line
 * (#!/usr/bin/env -S NAME=value … node): the line and the constant the bench runs its phases
 * under must say the same, and the kernel and env must deliver it when the file is executed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAUNCH_ENV } from '../bin/launch-env.js';
import { repoRoot } from './helpers/expected.ts';

const launcher = path.join(repoRoot, 'bin/nianbao.js');
const shebang = fs.readFileSync(launcher, 'utf8').split('\n')[0]!;

describe('the nianbao launcher', () => {
  it('sets exactly LAUNCH_ENV on its first line, then runs node', () => {
    const m = /^#!\/usr\/bin\/env -S (.*) node$/.exec(shebang);
    expect(m, shebang).not.toBeNull();
    const assigned = Object.fromEntries(m![1]!.split(' ').map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
    expect(assigned).toEqual(LAUNCH_ENV);
    expect(fs.statSync(launcher).mode & 0o111, 'bin/nianbao.js is executable').not.toBe(0);
  });

  it('hands that environment to the Node it starts, and runs the command', () => {
    // The same first line over a script that prints what Node received.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-launcher-'));
    const probe = path.join(dir, 'probe.js');
    fs.writeFileSync(probe, `${shebang}\nconsole.log(JSON.stringify(Object.fromEntries(${JSON.stringify(Object.keys(LAUNCH_ENV))}.map((k) => [k, process.env[k]]))));\n`, { mode: 0o755 });
    const env = { ...process.env };
    for (const k of Object.keys(LAUNCH_ENV)) delete env[k];
    const r = spawnSync(probe, [], { encoding: 'utf8', env });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(LAUNCH_ENV);

    const version = spawnSync(launcher, ['--version'], { encoding: 'utf8', cwd: repoRoot, env });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
