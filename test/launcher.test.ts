/**
 * The `nianbao` launcher (bin/nianbao.js): sh reads its head comment and starts Node on the same
 * file in LAUNCH_ENV, without NODE_EXTRA_CA_CERTS for the commands that open no TLS connection.
 * The head and the constant the bench runs its phases under must say the same, and sh must deliver
 * it when the file is executed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { LAUNCH_ENV } from '../bin/launch-env.js';
import { repoRoot } from './helpers/expected.ts';

const launcher = path.join(repoRoot, 'bin/nianbao.js');
const source = fs.readFileSync(launcher, 'utf8');
// The part sh reads: from the first line to the end of the block comment Node skips.
const head = source.slice(0, source.indexOf('\n*/\n') + 4);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-launcher-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// A real certificate file, so that the Node a case starts loads it without a warning.
const certs = path.join(dir, 'extra.pem');
fs.writeFileSync(certs, tls.rootCertificates[0]!);

// The launcher's head over a script that prints what Node received (environment and arguments).
const probe = path.join(dir, 'probe.js');
const keys = JSON.stringify([...Object.keys(LAUNCH_ENV), 'NODE_EXTRA_CA_CERTS']);
fs.writeFileSync(probe, `${head}console.log(JSON.stringify({ env: Object.fromEntries(${keys}.map((k) => [k, process.env[k] ?? null])), args: process.argv.slice(2) }));\n`, { mode: 0o755 });

function launch(args: string[]): { env: Record<string, string | null>; args: string[] } {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: certs };
  for (const k of Object.keys(LAUNCH_ENV)) delete env[k];
  const r = spawnSync(probe, args, { encoding: 'utf8', env });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('the nianbao launcher', () => {
  it('starts Node on itself in exactly LAUNCH_ENV, and is executable', () => {
    expect(head.split('\n')[0]).toBe('#!/bin/sh');
    const m = /^((?:\w+=\S+ )+)exec node "\$0" "\$@"$/m.exec(head);
    expect(m, head).not.toBeNull();
    const assigned = Object.fromEntries(m![1]!.trim().split(' ').map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
    expect(assigned).toEqual(LAUNCH_ENV);
    expect(fs.statSync(launcher).mode & 0o111, 'bin/nianbao.js is executable').not.toBe(0);
  });

  it('hands that environment and the arguments to Node unchanged', () => {
    const args = ['run', '--data-dir', 'a b', '--json', ''];
    const got = launch(args);
    expect(got.args).toEqual(args);
    expect(got.env).toEqual({ ...LAUNCH_ENV, NODE_EXTRA_CA_CERTS: certs });
  });

  it('starts a local extract and the help lines without NODE_EXTRA_CA_CERTS; anything that may open TLS keeps it', () => {
    const kept = (args: string[]) => launch(args).env.NODE_EXTRA_CA_CERTS === certs;
    // No TLS connection: local files, help, version.
    for (const args of [['extract', '--json', 'a.pdf'], ['extract', 'folder', '--max-bytes', '10'], [], ['--help'], ['-h'], ['help', 'run'], ['--version'], ['-V']])
      expect(kept(args), args.join(' ')).toBe(false);
    // A store that may be S3, a crawl, the queue: the certificates stay.
    for (const args of [['extract', '--stored', '--store', 's3://bucket/raw'], ['extract', '--json', '--stored'], ['run', '--sample'], ['crawl'], ['worker', '--queue', 'rediss://h:6380'], ['export'], ['run', '--help']])
      expect(kept(args), args.join(' ')).toBe(true);
  });

  it('runs the command, executed and through node alike', () => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: certs };
    const executed = spawnSync(launcher, ['--version'], { encoding: 'utf8', cwd: repoRoot, env });
    expect(executed.status, executed.stderr).toBe(0);
    expect(executed.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const throughNode = spawnSync(process.execPath, [launcher, '--version'], { encoding: 'utf8', cwd: repoRoot, env });
    expect(throughNode.status, throughNode.stderr).toBe(0);
    expect(throughNode.stdout).toBe(executed.stdout);
  });
});
