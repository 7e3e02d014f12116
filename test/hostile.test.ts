/**
 * Hostile inputs through the built CLI (issue 7): fedlint runs on untrusted pull requests, so one folder
 * holds every kind of broken, huge, deep, looping, unreadable or vanishing input beside valid files with
 * findings, and one run over it must neither crash nor hang, must name each failure as `file:line:col`
 * (exit 2 only for those), and must still report the valid files' findings, in every format.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/lint.js';
import { validateSarifSchema } from './helpers/sarif-validate.js';

const BIN = path.join(ROOT, 'bin/fedlint.js');
const GH = 'token.actions.githubusercontent.com';
const DEPTH = 200_000;
const TWENTY_MB = 20 * 1024 * 1024;
const STATEMENTS = 100_000;
/** Hang guard only: the run takes a few seconds (see the report of issue 7). */
const HANG_GUARD_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Where chmod 000 keeps a file from being read: not for root, so as root the CLI runs as the unprivileged
 * user `nobody` (uid and gid 65534) for the whole matrix.
 */
const AS_NOBODY = process.getuid?.() === 0;

function fedlint(args: string[], options: { cwd: string; preload?: string }): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of ['FORCE_COLOR', 'FEDLINT_DEBUG', 'NODE_OPTIONS']) delete env[key];
  const nodeArgs = options.preload ? ['--import', pathToFileURL(options.preload).href] : [];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(AS_NOBODY ? { uid: 65534, gid: 65534 } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - started }),
    );
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** 1-based line and column of a UTF-16 offset, counted directly on the text fedlint was given. */
function positionOf(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

function trust(sub: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${GH}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GH}:sub`]: sub, ...extra } },
  };
}

const fixture = (rel: string): string => readFileSync(path.join(ROOT, 'fixtures', rel), 'utf8');
const VALID = fixture('subject-wildcard/bad/owner-prefix.json');

/**
 * The hook preloaded with `node --import`: the first time fedlint opens `vanishing.json` (found by the
 * directory walk moments before), the file is deleted first, so the read meets a file that is gone. Both
 * ways of opening are covered (fedlint reads its inputs synchronously).
 */
const VANISH_HOOK = `
import fs, { rmSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
const vanish = (file) => { if (String(file).endsWith('vanishing.json')) rmSync(file, { force: true }); };
const open = fsp.open;
fsp.open = function (file, ...rest) {
  vanish(file);
  return open.call(this, file, ...rest);
};
const openSync = fs.openSync;
fs.openSync = function (file, ...rest) {
  vanish(file);
  return openSync.call(this, file, ...rest);
};
syncBuiltinESMExports();
`;

let dir: string;
let hook: string;
/** Expected, computed from how each file was built. */
let deepPolicyAt: string;
let manyAt: string;
let hugeAt: string;

const ERRORS = () => [
  'binary.json:1:1: file is binary (it contains NUL bytes), not JSON or text',
  `deep-policy.json:${deepPolicyAt}: JSON nested more than 1000 levels deep; fedlint does not read it`,
  'empty.json:1:1: file is empty',
  'latin1.json:3:17: file is not valid UTF-8',
  'tf-device/b.tf:1:1: a symbolic link to a file outside the folders being linted; fedlint does not follow it',
  'tf-pipe/b.tf:1:1: not a regular file (a device, a pipe or a socket); fedlint reads only files',
  'tf/main.tf:3:24: invalid HCL: this "{" is not closed (missing "}")',
  "truncated.json:3:26: invalid JSON: ':' expected",
  'unreadable.json:1:1: permission denied',
  'vanishing.json:1:1: file not found',
];

const FINDINGS = () => [
  'bom.json:15:54 subject-wildcard error',
  `huge-string.json:${hugeAt} subject-wildcard warning`,
  `many-statements.json:${manyAt} subject-wildcard warning`,
  'valid.json:15:54 subject-wildcard error',
];

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/cli.js'))) {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  }
  dir = mkdtempSync(path.join(tmpdir(), 'fedlint-hostile-'));
  // A .git folder ends the search for a .fedlint.yaml here (and the walk skips it).
  mkdirSync(path.join(dir, '.git'));
  const write = (name: string, data: string | Uint8Array): void => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), data);
  };

  write('valid.json', VALID);
  // A byte-order mark: linted as without one.
  write('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(VALID)]));
  write('truncated.json', '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect"');
  write('empty.json', '');
  write('binary.json', Buffer.from([0x7b, 0x22, 0x53, 0x74, 0x61, 0x74, 0x65, 0x00, 0xff, 0x01, 0x89, 0x50, 0x4e, 0x47, 0x7d]));
  write('latin1.json', Buffer.concat([Buffer.from('{\n  "Version": "2012-10-17",\n  "Statement": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n}\n')]));

  // 200,000 nested arrays: bare (JSON that is not a trust input, skipped in a walk like a package.json) and
  // as a condition value of a trust policy (refused where it passes 1,000 levels).
  write('deep-arrays.json', `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`);
  const deepText = JSON.stringify({ Version: '2012-10-17', Statement: [trust('repo:octo-org/app:ref:refs/heads/main', { [`${GH}:deep`]: 'DEEP' })] }, null, 2).replace(
    '"DEEP"',
    `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`,
  );
  write('deep-policy.json', deepText);
  // The value sits inside the policy object, Statement, the statement, Condition and StringLike: five
  // levels, so the 1,001st level is the 996th bracket of the run.
  deepPolicyAt = positionOf(deepText, deepText.indexOf('[[[') + 995);

  // A 20 MB subject pattern: an owner-wide wildcard followed by 20 MB of text.
  const huge = JSON.stringify({ Version: '2012-10-17', Statement: [trust(`repo:octo-org/*${'x'.repeat(TWENTY_MB)}`)] });
  write('huge-string.json', huge);
  hugeAt = positionOf(huge, huge.indexOf('"repo:octo-org/*'));

  // 100,000 statements, one per line, all pinned but the last.
  const statements = Array.from({ length: STATEMENTS }, (_, i) =>
    JSON.stringify({ Sid: `S${i}`, ...trust(i === STATEMENTS - 1 ? 'repo:octo-org/*' : `repo:octo-org/app-${i}:ref:refs/heads/main`) }),
  );
  const many = `{\n"Version": "2012-10-17",\n"Statement": [\n${statements.join(',\n')}\n]\n}\n`;
  write('many-statements.json', many);
  manyAt = positionOf(many, many.lastIndexOf('"repo:octo-org/*"'));

  write('tf/main.tf', 'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = {\n');
  // A module with a .tf that is a link to a device (outside the folder linted, so not followed), and one
  // with a link to a named pipe inside it: reading either would never end.
  write('tf-device/a.tf', 'locals {\n  name = "a"\n}\n');
  symlinkSync('/dev/zero', path.join(dir, 'tf-device/b.tf'));
  write('tf-pipe/a.tf', 'locals {\n  name = "a"\n}\n');
  const made = spawnSync('mkfifo', [path.join(dir, 'tf-pipe/pipe')]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  symlinkSync('pipe', path.join(dir, 'tf-pipe/b.tf'));
  // A link to a device as a JSON file (links are not walked; named, it is refused).
  symlinkSync('/dev/zero', path.join(dir, 'device.json'));

  // Symbolic link loops: a link to its own folder and one to the folder above.
  mkdirSync(path.join(dir, 'loop'));
  symlinkSync('.', path.join(dir, 'loop/self'));
  symlinkSync('..', path.join(dir, 'loop/up'));
  // A link to nothing.
  symlinkSync('missing-target.json', path.join(dir, 'dangling.json'));

  write('unreadable.json', VALID);
  chmodSync(path.join(dir, 'unreadable.json'), 0o000);
  // Deleted by the preloaded hook after the walk found it.
  write('vanishing.json', VALID);
  hook = path.join(dir, '.git', 'vanish.mjs');
  writeFileSync(hook, VANISH_HOOK);
  // For `nobody`: the folder is readable, and writable so that the hook can delete a file in it.
  if (AS_NOBODY) chmodSync(dir, 0o777);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a folder of hostile inputs beside valid ones', () => {
  // Each format is a separate run over a fresh copy of vanishing.json.
  const lintFolder = async (format: string): Promise<Run> => {
    writeFileSync(path.join(dir, 'vanishing.json'), VALID);
    return fedlint(['--format', format, '.'], { cwd: dir, preload: hook });
  };

  it('json: every failure is a file:line:col error, the valid files keep their findings, exit 2, within seconds', async () => {
    const r = await lintFolder('json');
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual(ERRORS());
    expect(r.stderr).not.toMatch(/^\s{4}at /m);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as {
      findings: Array<{ file: string; line: number; column: number; ruleId: string; level: string; message: string }>;
      errors: Array<{ file: string; line: number; column: number; message: string }>;
    };
    expect(report.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`)).toEqual(ERRORS());
    expect(report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.level}`)).toEqual(FINDINGS());
    // The finding on the 20 MB pattern quotes it: handled, not truncated.
    expect(report.findings.find((f) => f.file === 'huge-string.json')!.message.length).toBeGreaterThan(TWENTY_MB);
    // Not a guard against slowness, only against a hang: the real time is a few seconds.
    expect(r.ms).toBeLessThan(HANG_GUARD_MS);
  }, HANG_GUARD_MS);

  it('sarif: every failure is a tool execution notification, the findings are results, the log is valid', async () => {
    const r = await lintFolder('sarif');
    expect(r.code).toBe(2);
    const log = JSON.parse(r.stdout) as Log;
    expect(validateSarifSchema(log)).toEqual([]);
    const run = log.runs[0]!;
    expect(run.invocations![0]!.executionSuccessful).toBe(false);
    const notes = run.invocations![0]!.toolExecutionNotifications ?? [];
    expect(
      notes.map((n) => {
        const loc = n.locations![0]!.physicalLocation!;
        return `${decodeURIComponent(loc.artifactLocation!.uri!)}:${loc.region!.startLine}:${loc.region!.startColumn}: ${n.message.text}`;
      }),
    ).toEqual(ERRORS());
    for (const n of notes) expect(n.level).toBe('error');
    expect(
      (run.results ?? []).map((x) => {
        const loc = x.locations![0]!.physicalLocation!;
        return `${loc.artifactLocation!.uri}:${loc.region!.startLine}:${loc.region!.startColumn} ${x.ruleId} ${x.level}`;
      }),
    ).toEqual(FINDINGS());
  }, HANG_GUARD_MS);

  it('text: the errors and findings in one report, nothing on stderr', async () => {
    const r = await lintFolder('text');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    for (const e of ERRORS()) {
      const [where, ...message] = e.split(': ');
      expect(out).toContain(`${where}: error ${message.join(': ')}`);
    }
    for (const file of ['bom.json', 'huge-string.json', 'many-statements.json', 'valid.json']) expect(out).toContain(file);
    expect(out.at(-1)).toBe('✖ 4 problems (2 errors, 2 warnings, 0 notes; 7 files linted, 10 inputs could not be read)');
  }, HANG_GUARD_MS);
});

describe('the same inputs named on the command line', () => {
  it.each([
    ['deep-arrays.json', `deep-arrays.json:1:1001: JSON nested more than 1000 levels deep; fedlint does not read it`],
    ['dangling.json', 'dangling.json:1:1: no such file or directory'],
    ['device.json', 'device.json:1:1: not a regular file (a device, a pipe or a socket); fedlint reads only files'],
    ['loop/self/self/up/valid.json', 'loop/self/self/up/valid.json:15:54 subject-wildcard'],
  ])('%s', async (name, expected) => {
    const r = await fedlint(['--format', 'json', name], { cwd: dir });
    const report = JSON.parse(r.stdout) as { findings: Array<{ file: string; line: number; column: number; ruleId: string }>; errors: Array<{ file: string; line: number; column: number; message: string }> };
    const got = [
      ...report.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`),
      ...report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`),
    ];
    expect(got).toEqual([expected]);
    // A path through links is the user's choice: followed when named, and linted.
    expect(r.code).toBe(expected.includes(': ') ? 2 : 1);
  });

  it('a file over 256 MiB is refused before it is read (a sparse file: no disk used)', async () => {
    const big = path.join(dir, '.git', 'big.json');
    writeFileSync(big, '');
    // Sparse: the size is set, nothing is written.
    truncateSync(big, 300 * 1024 * 1024);
    const r = await fedlint(['--format', 'json', '.git/big.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('.git/big.json:1:1: file is larger than 256 MiB; fedlint does not read it\n');
    rmSync(big);
  });
});

describe('deep nesting in the other languages fedlint reads', () => {
  const NESTED = 100_000;

  it('Terraform: 100,000 nested brackets or parentheses are one input error, the other modules still linted', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'fedlint-deep-tf-'));
    // Readable by `nobody`, who runs the CLI when the tests run as root.
    chmodSync(root, 0o755);
    mkdirSync(path.join(root, '.git'));
    for (const [name, expression] of <Array<[string, string]>>[
      ['brackets', `${'['.repeat(NESTED)}${']'.repeat(NESTED)}`],
      ['parentheses', `${'('.repeat(NESTED)}1${')'.repeat(NESTED)}`],
    ]) {
      mkdirSync(path.join(root, name));
      writeFileSync(path.join(root, name, 'main.tf'), `locals {\n  x = ${expression}\n}\n`);
    }
    writeFileSync(path.join(root, 'valid.json'), VALID);
    const r = await fedlint(['--format', 'json', '.'], { cwd: root });
    const report = JSON.parse(r.stdout) as { findings: Array<{ file: string; ruleId: string }>; errors: Array<{ file: string; line: number; column: number; message: string }> };
    expect(report.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`)).toEqual([
      'brackets/main.tf:1:1: invalid HCL: expressions are nested too deeply to be read',
      'parentheses/main.tf:1:1: invalid HCL: expressions are nested too deeply to be read',
    ]);
    expect(report.findings.map((f) => `${f.file} ${f.ruleId}`)).toEqual(['valid.json subject-wildcard']);
    expect(r.code).toBe(2);
    rmSync(root, { recursive: true, force: true });
  });

  it('.fedlint.yaml: 100,000 nested sequences are an invalid configuration, said in one line', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'fedlint-deep-yaml-'));
    chmodSync(root, 0o755);
    mkdirSync(path.join(root, '.git'));
    writeFileSync(path.join(root, '.fedlint.yaml'), `rules: ${'['.repeat(NESTED)}${']'.repeat(NESTED)}\n`);
    writeFileSync(path.join(root, 'valid.json'), VALID);
    const r = await fedlint(['.'], { cwd: root });
    expect(r.stderr).toMatch(/^\.fedlint\.yaml:1:\d+: invalid YAML: collections nested too deeply to be read\n$/);
    expect(r.code).toBe(2);
    rmSync(root, { recursive: true, force: true });
  });
});
