/**
 * The tool itself cannot be turned (issue 7): fedlint runs on untrusted pull requests, so it must never evaluate
 * its input, reach the network or another program, write anything but the files it was asked to write, or follow
 * a link out of the folders it was given; and its SARIF must not name the machine's directories.
 *
 * The runtime half preloads test/helpers/tripwire.mjs (`node --import`), which wraps every network, process
 * and file-writing function of Node and records each call, then runs the built CLI over the whole fixture tree
 * in every format.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { ROOT } from './helpers/lint.js';

const BIN = path.join(ROOT, 'bin/fedlint.js');
const TRIPWIRE = pathToFileURL(path.join(ROOT, 'test/helpers/tripwire.mjs')).href;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the tripwire recorded, one line per call. */
  calls: string[];
}

let work: string;

/** Run the built CLI under the tripwire, with HOME and TMPDIR in folders of their own (both checked empty). */
function fedlint(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const log = path.join(work, `tripwire-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', HOME: path.join(work, 'home'), TMPDIR: path.join(work, 'tmp'), FEDLINT_TRIPWIRE: log, ...extraEnv };
  for (const key of ['FORCE_COLOR', 'NODE_OPTIONS', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) if (!(key in extraEnv)) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TRIPWIRE, BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const calls = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
      rmSync(log);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), calls });
    });
  });
}

/** Every file under a folder with its content hash and mode: what a run must leave as it found it. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(dir, p), `${statSync(p).mode} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
      else out.set(path.relative(dir, p), 'link');
    }
  };
  walk(dir);
  return out;
}

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/cli.js'))) {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  }
  work = mkdtempSync(path.join(tmpdir(), 'fedlint-safety-'));
  mkdirSync(path.join(work, 'home'));
  mkdirSync(path.join(work, 'tmp'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the tripwire itself', () => {
  it('records and refuses a socket, a DNS lookup, fetch, HTTPS and a child process', async () => {
    const log = path.join(work, 'self-test.log');
    writeFileSync(log, '');
    const script = [
      "import net from 'node:net'; import dns from 'node:dns'; import https from 'node:https'; import cp from 'node:child_process';",
      "for (const f of [() => net.connect(9, '127.0.0.1'), () => dns.lookup('example.com', () => {}), () => https.get('https://example.com'), () => cp.execSync('true')]) { try { f(); } catch {} }",
      "await fetch('http://127.0.0.1:9').catch(() => {});",
      "const fs = await import('node:fs'); fs.writeFileSync(process.env.FEDLINT_TRIPWIRE + '.x', '');",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', TRIPWIRE, '--input-type=module', '-e', script], { env: { ...process.env, FEDLINT_TRIPWIRE: log }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readFileSync(log, 'utf8').split('\n').filter((l) => l !== '')).toEqual([
      'net.connect',
      'dns.lookup',
      'https.get',
      'child_process.execSync',
      'fetch',
      `write fs.writeFileSync ${log}.x`,
    ]);
  });

  it('catches the AWS SDK of `fedlint aws` (which may reach the network), and the command still ends promptly', async () => {
    const r = await fedlint(['aws', '--region', 'us-east-1'], work, { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret' });
    expect(r.calls.length).toBeGreaterThan(0);
    expect(r.calls.every((c) => c === 'https.request')).toBe(true);
    expect(r.stderr).toBe('fedlint: cannot reach the IAM API: https.request is not allowed here\n');
    expect(r.code).toBe(2);
  });
});

describe('linting the whole fixture tree', () => {
  let tree: string;
  let before: Map<string, string>;

  beforeAll(() => {
    tree = path.join(work, 'repo');
    cpSync(path.join(ROOT, 'fixtures'), path.join(tree, 'fixtures'), { recursive: true });
    mkdirSync(path.join(tree, '.git'));
    before = snapshot(tree);
  });

  it.each(['text', 'json', 'sarif', 'github', 'markdown'])('--format %s: no network, no process, no write but --output', async (format) => {
    const output = path.join(work, `report.${format}`);
    const r = await fedlint(['--format', format, '--output', output, 'fixtures'], tree);
    expect(r.code).toBe(1);
    expect(r.calls).toEqual([`write fs/promises.writeFile ${output}`]);
    expect(readFileSync(output, 'utf8').length).toBeGreaterThan(1000);
    expect(snapshot(tree)).toEqual(before);
    expect(readdirSync(path.join(work, 'home'))).toEqual([]);
    expect(readdirSync(path.join(work, 'tmp'))).toEqual([]);
    rmSync(output);
  });

  it('--write-baseline writes the baseline and nothing else; reading it back writes nothing', async () => {
    const baseline = path.join(work, 'baseline.json');
    const wrote = await fedlint(['--format', 'json', '--write-baseline', baseline, 'fixtures'], tree);
    expect(wrote.calls).toEqual([`write fs/promises.writeFile ${baseline}`]);
    const read = await fedlint(['--format', 'sarif', '--baseline', baseline, 'fixtures'], tree);
    expect(read.code).toBe(0);
    expect(read.calls).toEqual([]);
    expect(snapshot(tree)).toEqual(before);
    rmSync(baseline);
  });

  it('the other commands reach nothing and write nothing', async () => {
    for (const args of [['rules'], ['--help'], ...RULES.map((r) => ['explain', r.meta.id])]) {
      const r = await fedlint(args, tree);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.calls, args.join(' ')).toEqual([]);
    }
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('the source holds no way to run its input', () => {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.includes('.generated.')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'src'));
  walk(path.join(ROOT, 'rules'));
  walk(path.join(ROOT, 'bin'));

  // `fedlint aws` is the one command that talks to a service; the AWS SDK it loads is its own business.
  const outsideAws = files.filter((f) => !path.relative(ROOT, f).startsWith(`src${path.sep}aws${path.sep}`));
  const FORBIDDEN: Array<[string, RegExp]> = [
    ['eval', /(^|[^.\w])eval\s*\(/],
    ['the Function constructor', /\bnew\s+Function\b|(^|[^.\w])Function\s*\(/],
    ['a child process', /node:child_process|['"]child_process['"]/],
    ['a network module', /['"](node:)?(net|tls|http|https|http2|dgram|dns)['"]/],
    ['fetch', /(^|[^.\w])fetch\s*\(/],
    // node:vm only to reach the garbage collector (src/loaders/index.ts): the one string it runs is `gc`.
    ['vm code other than `gc`', /\b(runInNewContext|runInThisContext|runInContext|compileFunction)\s*\((?!'gc'\))|\bnew\s+(vm\.)?Script\s*\(|\bSourceTextModule\b/],
    ['a worker', /['"](node:)?worker_threads['"]/],
  ];

  it('reads its sources', () => {
    expect(outsideAws.length).toBeGreaterThan(50);
  });

  it.each(FORBIDDEN)('no %s outside src/aws', (_, pattern) => {
    const hits = outsideAws.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, where: `${path.relative(ROOT, f)}:${i + 1}` }))
        .filter(({ line }) => !/^\s*(\*|\/\/)/.test(line) && pattern.test(line))
        .map(({ where }) => where),
    );
    expect(hits).toEqual([]);
  });
});

describe('links and paths', () => {
  let root: string;

  beforeAll(() => {
    const base = path.join(work, 'links');
    root = path.join(base, 'repo');
    const elsewhere = path.join(base, 'elsewhere');
    const bad = readFileSync(path.join(ROOT, 'fixtures/subject-wildcard/bad/org-wide.json'), 'utf8');
    mkdirSync(path.join(elsewhere, 'dir'), { recursive: true });
    mkdirSync(path.join(root, '.git'), { recursive: true });
    mkdirSync(path.join(root, 'shared'));
    mkdirSync(path.join(root, 'infra'));
    writeFileSync(path.join(elsewhere, 'secret.json'), bad);
    writeFileSync(path.join(elsewhere, 'dir', 'trust.json'), bad);
    writeFileSync(path.join(elsewhere, 'secret.tf'), 'resource "aws_iam_role" "secret" {\n  name = "SECRET-VALUE"\n}\n');
    // Links a pull request could add: to a file and a folder outside the repository, and a .tf out of it.
    symlinkSync(path.join(elsewhere, 'secret.json'), path.join(root, 'outside.json'));
    symlinkSync(path.join(elsewhere, 'dir'), path.join(root, 'outside-dir'));
    symlinkSync(path.join(elsewhere, 'secret.tf'), path.join(root, 'infra', 'secret.tf'));
    // A link inside the repository (shared provider settings, a common layout) is followed.
    writeFileSync(path.join(root, 'shared', 'names.tf'), 'locals {\n  role_name = "deploy"\n}\n');
    symlinkSync(path.join('..', 'shared', 'names.tf'), path.join(root, 'infra', 'names.tf'));
    writeFileSync(
      path.join(root, 'infra', 'main.tf'),
      [
        'resource "aws_iam_role" "deploy" {',
        '  name = local.role_name',
        '  assume_role_policy = file("../../elsewhere/secret.json")',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('a walk never leaves the folders it was given; a .tf linking out is named, not read', async () => {
    const r = await fedlint(['--format', 'json', '.'], root);
    const report = JSON.parse(r.stdout) as { findings: Array<{ file: string; line: number; column: number; ruleId: string; level: string }>; errors: Array<{ file: string; line: number; column: number; message: string }> };
    expect(report.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`)).toEqual([
      'infra/secret.tf:1:1: a symbolic link to a file outside the folders being linted; fedlint does not follow it',
    ]);
    // The one finding: the policy file() could not read is unknown, so the role is not judged.
    expect(report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.level}`)).toEqual(['infra/main.tf:3:24 subject-missing note']);
    expect(r.stdout).not.toContain('SECRET-VALUE');
    expect(r.stdout).not.toContain('outside.json');
    expect(r.stdout).not.toContain('outside-dir');
    expect(r.code).toBe(2);
    expect(r.calls).toEqual([]);
  });

  it('file() cannot read outside the module tree, and says so', async () => {
    const r = await fedlint(['--format', 'text', 'infra'], root);
    expect(r.stdout).toContain('"../../elsewhere/secret.json" is not read (it is outside the module tree)');
    // The linked names.tf inside the repository was read: the role's name resolved.
    expect(r.stdout).not.toContain('local.role_name');
  });

  it('SARIF locations are relative, even for a folder named by its absolute path outside the working directory', async () => {
    const elsewhere = path.join(work, 'links', 'elsewhere');
    const r = await fedlint(['--format', 'sarif', elsewhere], root);
    const log = JSON.parse(r.stdout) as Log;
    const uris = (log.runs[0]!.results ?? []).map((x) => x.locations![0]!.physicalLocation!.artifactLocation!.uri!);
    expect(uris.sort()).toEqual(['../elsewhere/dir/trust.json', '../elsewhere/secret.json']);
    expect(r.stdout).not.toContain(work);
    expect(r.stdout).not.toContain('file:');
  });
});
