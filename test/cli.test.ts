/**
 * The built CLI end to end: `node bin/fedlint.js …` as a child process, as users and CI run it. Exit
 * codes, the four formats, --output, rules/explain, determinism, order independence, and inputs that
 * cannot be read (design.md §1).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { INPUT_FORMATS } from '../src/loaders/index.js';
import { ROOT } from './helpers/lint.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface JsonReport {
  version: number;
  tool: { name: string; version: string };
  findings: Array<{
    ruleId: string;
    level: string;
    message: string;
    file: string;
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    resource: string;
    fingerprint: string;
  }>;
  errors: Array<{ file: string; line: number; column: number; message: string }>;
}

const BIN = path.join(ROOT, 'bin/fedlint.js');
const PKG_VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const RULE_IDS = RULES.map((r) => r.meta.id);

/** Environment without colour switches from the outer process, plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['NO_COLOR', 'FORCE_COLOR', 'FEDLINT_DEBUG', 'NODE_OPTIONS']) delete env[key];
  return { ...env, ...extra };
}

function fedlint(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: envWith(options.env ?? { NO_COLOR: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-cli-'));
  tempDirs.push(dir);
  return dir;
}

function fixture(rel: string): string {
  return readFileSync(path.join(ROOT, 'fixtures', rel), 'utf8');
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** No stack trace: no "    at fn (file:line:col)" lines. */
function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s{4}at /m);
}

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/cli.js'))) {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  }
}, 60_000);

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const BAD_ERROR = 'fixtures/subject-wildcard/bad/owner-prefix.json';
const WARNING_ONLY = 'fixtures/session-ttl-excessive/bad/twelve-hours.json';
/** The bad cases of every rule (not the whole fixtures/ folder, which also holds demo inputs). */
const BAD_DIRS = RULE_IDS.map((id) => `fixtures/${id}/bad`);

describe('exit codes', () => {
  it('exits 0 with no output on stderr for every good fixture directory', async () => {
    const goods = RULE_IDS.map((id) => `fixtures/${id}/good`);
    const r = await fedlint(goods);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✔ no problems \(\d+ files linted\)\n$/);
  });

  it('exits 1 on a bad fixture with an error-level finding', async () => {
    const r = await fedlint([BAD_ERROR]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${BAD_ERROR}\n  15:54  error    `);
    expect(r.stdout).toContain('  subject-wildcard\n');
    expect(r.stdout).toContain('✖ 1 problem (1 error, 0 warnings, 0 notes; 1 file linted)');
  });

  it.each([
    { name: 'an unknown option', args: ['--bogus', '.'], message: /^error: unknown option '--bogus'\n$/ },
    { name: 'an unknown --rule id', args: ['--rule', 'no-such-rule', 'fixtures'], message: /^fedlint: unknown rule id "no-such-rule" \(see `fedlint rules`\)\n$/ },
    { name: 'an unknown --disable id', args: ['--disable', 'nope', 'fixtures'], message: /^fedlint: unknown rule id "nope"/ },
    { name: 'an unknown format', args: ['--format', 'xml', 'fixtures'], message: /^error: option '-f, --format <format>' argument 'xml' is invalid\. Allowed choices are text, json, sarif, github, markdown\.\n$/ },
    { name: 'an unknown fail level', args: ['--fail-level', 'fatal', 'fixtures'], message: /^error: option '--fail-level <level>' argument 'fatal' is invalid/ },
    { name: 'explain of an unknown rule', args: ['explain', 'no-such-rule'], message: /^fedlint: unknown rule id "no-such-rule" \(see `fedlint rules`\)\n$/ },
    { name: 'explain without a rule id', args: ['explain'], message: /^error: missing required argument 'rule-id'\n$/ },
  ])('exits 2 on $name with one line on stderr and no stack trace', async ({ args, message }) => {
    const r = await fedlint(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expectNoStack(r.stderr);
  });

  it('exits 2 for a path that does not exist, naming it', async () => {
    const r = await fedlint(['--format', 'json', 'no/such/file.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('no/such/file.json:1:1: no such file or directory\n');
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.errors).toEqual([{ file: 'no/such/file.json', line: 1, column: 1, message: 'no such file or directory' }]);
  });

  it('--fail-level changes the exit code on a warning-only input', async () => {
    const [byDefault, error, warning, note, none] = await Promise.all([
      fedlint([WARNING_ONLY]),
      fedlint(['--fail-level', 'error', WARNING_ONLY]),
      fedlint(['--fail-level', 'warning', WARNING_ONLY]),
      fedlint(['--fail-level', 'note', WARNING_ONLY]),
      fedlint(['--fail-level', 'none', WARNING_ONLY]),
    ]);
    expect(byDefault.stdout).toContain('8:27  warning  ');
    expect(byDefault.stdout).toContain('session-ttl-excessive');
    expect(byDefault.code).toBe(0);
    expect(error.code).toBe(0);
    expect(warning.code).toBe(1);
    expect(note.code).toBe(1);
    expect(none.code).toBe(0);
  });

  it('--fail-level none exits 0 even with error-level findings; note-level findings fail only at note', async () => {
    const noteOnly = 'fixtures/mutable-claim/bad/repository-name.json';
    const [none, warning, note] = await Promise.all([
      fedlint(['--fail-level', 'none', BAD_ERROR]),
      fedlint(['--fail-level', 'warning', noteOnly]),
      fedlint(['--fail-level', 'note', noteOnly]),
    ]);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('15:54  error');
    expect(warning.code).toBe(0);
    expect(note.code).toBe(1);
  });
});

describe('formats', () => {
  it('--format json: version 1 with findings that carry rule, position, resource and fingerprint', async () => {
    const r = await fedlint(['--format', 'json', BAD_ERROR, WARNING_ONLY]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.version).toBe(1);
    expect(report.tool).toEqual({ name: 'fedlint', version: PKG_VERSION });
    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => [f.ruleId, f.level, f.file, f.line, f.column, f.resource])).toEqual([
      ['session-ttl-excessive', 'warning', WARNING_ONLY, 8, 27, 'arn:aws:iam::111122223333:role/gha-deploy'],
      ['subject-wildcard', 'error', BAD_ERROR, 15, 54, BAD_ERROR],
    ]);
    for (const f of report.findings) {
      expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(f.message.length).toBeGreaterThan(20);
      expect(f.endLine).toBeGreaterThanOrEqual(f.line);
    }
    expect(new Set(report.findings.map((f) => f.fingerprint)).size).toBe(report.findings.length);
  });

  it('--format sarif: one run, driver fedlint, every rule listed, every ruleIndex pointing at its rule', async () => {
    const r = await fedlint(['--format', 'sarif', ...BAD_DIRS]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const log = JSON.parse(r.stdout) as Log;
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe('fedlint');
    expect(run.tool.driver.semanticVersion).toBe(PKG_VERSION);
    const rules = run.tool.driver.rules ?? [];
    expect(rules.map((x) => x.id)).toEqual(RULE_IDS);
    const results = run.results ?? [];
    // issuer-untrusted reports only with an allowlist in the configuration, which this run does not have.
    expect(new Set(results.map((x) => x.ruleId))).toEqual(new Set(RULE_IDS.filter((id) => id !== 'issuer-untrusted')));
    for (const result of results) {
      expect(result.ruleIndex).toBeTypeOf('number');
      expect(rules[result.ruleIndex!]!.id).toBe(result.ruleId);
      const loc = result.locations![0]!;
      expect(loc.physicalLocation!.artifactLocation!.uriBaseId).toBe('%SRCROOT%');
      expect(loc.physicalLocation!.artifactLocation!.uri).toMatch(/^fixtures\//);
      expect(loc.physicalLocation!.region!.startLine).toBeGreaterThan(0);
      expect(loc.logicalLocations![0]!.fullyQualifiedName).toBeTruthy();
      const prints = Object.values(result.partialFingerprints ?? {});
      expect(prints.length).toBeGreaterThan(0);
      for (const p of prints) expect(p).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(run.invocations).toEqual([{ executionSuccessful: true, toolExecutionNotifications: [] }]);
  });

  it('--format sarif with --rule lists only the enabled rules and indexes into that list', async () => {
    const r = await fedlint(['--format', 'sarif', '--rule', 'session-ttl-excessive', '--rule', 'subject-wildcard', ...BAD_DIRS]);
    const run = (JSON.parse(r.stdout) as Log).runs[0]!;
    const rules = run.tool.driver.rules ?? [];
    expect(rules.map((x) => x.id)).toEqual(['subject-wildcard', 'session-ttl-excessive']);
    expect((run.results ?? []).length).toBeGreaterThan(0);
    for (const result of run.results ?? []) expect(rules[result.ruleIndex!]!.id).toBe(result.ruleId);
  });

  it('--format github: one workflow command per finding, properties escaped', async () => {
    const dir = tempDir();
    const name = 'odd,name:here.json';
    writeFileSync(path.join(dir, name), fixture('subject-wildcard/bad/owner-prefix.json'));
    cpSync(path.join(ROOT, WARNING_ONLY), path.join(dir, 'ttl.json'));
    cpSync(path.join(ROOT, 'fixtures/mutable-claim/bad/repository-name.json'), path.join(dir, 'mutable.json'));
    const r = await fedlint(['--format', 'github', '.'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out).toHaveLength(3);
    for (const line of out) expect(line).toMatch(/^::(error|warning|notice) file=[^:,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=fedlint [a-z-]+::\S/);
    expect(out[0]).toMatch(/^::notice file=mutable\.json,line=14,col=61,endLine=14,endColumn=\d+,title=fedlint mutable-claim::/);
    expect(out[1]).toMatch(/^::error file=odd%2Cname%3Ahere\.json,line=15,col=54,endLine=15,endColumn=\d+,title=fedlint subject-wildcard::/);
    expect(out[2]).toMatch(/^::warning file=ttl\.json,line=8,col=27,endLine=8,endColumn=\d+,title=fedlint session-ttl-excessive::/);
  });

  it('--output FILE writes the report there and nothing to stdout', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'report.sarif');
    const r = await fedlint(['--format', 'sarif', '--output', target, BAD_ERROR]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    const log = JSON.parse(readFileSync(target, 'utf8')) as Log;
    expect(log.runs[0]!.results!.map((x) => [x.ruleId, x.locations![0]!.physicalLocation!.region!.startLine])).toEqual([['subject-wildcard', 15]]);
  });

  it('--output text is never coloured, even with FORCE_COLOR', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'report.txt');
    const r = await fedlint(['--output', target, BAD_ERROR], { env: { FORCE_COLOR: '1' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const text = readFileSync(target, 'utf8');
    expect(text).toContain('15:54  error');
    expect(text).not.toContain('\u001b');
  });

  it('--output to a directory that does not exist is a usage error', async () => {
    const r = await fedlint(['--output', path.join(tempDir(), 'missing', 'report.json'), '--format', 'json', BAD_ERROR]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^fedlint: cannot write .*report\.json: ENOENT\n$/);
    expectNoStack(r.stderr);
  });

  it('text output is plain with NO_COLOR and coloured with FORCE_COLOR', async () => {
    const [plain, forced, noColorFlag] = await Promise.all([
      fedlint([BAD_ERROR], { env: { NO_COLOR: '1' } }),
      fedlint([BAD_ERROR], { env: { FORCE_COLOR: '1' } }),
      fedlint(['--no-color', BAD_ERROR], { env: { FORCE_COLOR: '1' } }),
    ]);
    expect(plain.stdout).not.toContain('\u001b');
    expect(forced.stdout).toContain('\u001b[');
    expect(forced.stdout).toContain('\u001b[31merror');
    expect(noColorFlag.stdout).not.toContain('\u001b');
    // Same text once the colour codes are gone.
    // eslint-disable-next-line no-control-regex
    expect(forced.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain.stdout);
  });

  it('a terminal escape inside a policy value never reaches the output as a raw ESC byte', async () => {
    const dir = tempDir();
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
            StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:*\u001b[2J' },
          },
        },
      ],
    };
    // JSON.stringify writes the ESC as the escape \u001b, as a hostile policy file would.
    writeFileSync(path.join(dir, 'hostile\u001b[31m.json'), JSON.stringify(policy, null, 2));
    const [text, github, forced] = await Promise.all([
      fedlint(['.'], { cwd: dir }),
      fedlint(['--format', 'github', '.'], { cwd: dir }),
      fedlint(['.'], { cwd: dir, env: { FORCE_COLOR: '1' } }),
    ]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('subject-wildcard');
    expect(text.stdout).not.toContain('\u001b');
    expect(github.code).toBe(1);
    expect(github.stdout).toMatch(/^::error /);
    expect(github.stdout).not.toContain('\u001b');
    // With colour on, the only escapes are fedlint's own SGR sequences.
    // eslint-disable-next-line no-control-regex
    expect(forced.stdout.replace(/\u001b\[[0-9;]*m/g, '')).not.toContain('\u001b');
    // eslint-disable-next-line no-control-regex
    expect(forced.stdout).not.toMatch(/\u001b\[2J/);
  });
});

describe('commands', () => {
  it('`fedlint rules` lists all twelve rules with their default level', async () => {
    const r = await fedlint(['rules']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rows = lines(r.stdout);
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(RULE_IDS);
    expect(RULE_IDS).toHaveLength(12);
    expect(rows[0]).toMatch(/^subject-missing\s+error\s+/);
    expect(rows.find((l) => l.startsWith('session-ttl-excessive'))).toMatch(/^session-ttl-excessive\s+warning\s+/);
    expect(rows.find((l) => l.startsWith('mutable-claim'))).toMatch(/^mutable-claim\s+note\s+/);
  });

  it('`fedlint explain subject-wildcard` prints the documentation with a flagged and a pinned example', async () => {
    const r = await fedlint(['explain', 'subject-wildcard']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith('subject-wildcard: ')).toBe(true);
    expect(r.stdout).toContain('\nFlagged\n');
    expect(r.stdout).toContain('\nNot flagged\n');
    expect(r.stdout).toContain('\nHow to fix\n');
  });

  it('--version prints the package version', async () => {
    const [long, short] = await Promise.all([fedlint(['--version']), fedlint(['-V'])]);
    expect(long.code).toBe(0);
    expect(long.stdout).toBe(`${PKG_VERSION}\n`);
    expect(short.stdout).toBe(`${PKG_VERSION}\n`);
  });

  it('--rule runs only the named rules and --disable skips rules', async () => {
    const [only, disabled, both] = await Promise.all([
      fedlint(['--format', 'json', '--rule', 'session-ttl-excessive', ...BAD_DIRS]),
      fedlint(['--format', 'json', '--disable', 'subject-wildcard', BAD_ERROR]),
      fedlint(['--format', 'json', '--disable', 'subject-wildcard', '--disable', 'session-ttl-excessive', BAD_ERROR, WARNING_ONLY]),
    ]);
    const onlyReport = JSON.parse(only.stdout) as JsonReport;
    expect(new Set(onlyReport.findings.map((f) => f.ruleId))).toEqual(new Set(['session-ttl-excessive']));
    expect(onlyReport.findings.map((f) => `${f.file}:${f.line}:${f.column}`)).toEqual([
      'fixtures/session-ttl-excessive/bad/list-roles.json:35:29',
      'fixtures/session-ttl-excessive/bad/plan-aws-twelve-hours.json:50:35',
      'fixtures/session-ttl-excessive/bad/tf-session/main.tf:13:26',
      'fixtures/session-ttl-excessive/bad/twelve-hours.json:8:27',
    ]);
    expect(only.code).toBe(0); // warnings only, default fail level error
    expect((JSON.parse(disabled.stdout) as JsonReport).findings).toEqual([]);
    expect(disabled.code).toBe(0);
    expect((JSON.parse(both.stdout) as JsonReport).findings).toEqual([]);
    expect(both.code).toBe(0);
  });
});

describe('determinism and order independence', () => {
  let copy: string;
  beforeAll(() => {
    // A snapshot of fixtures/, so that edits made to the working tree meanwhile cannot differ between two runs.
    copy = tempDir();
    cpSync(path.join(ROOT, 'fixtures'), path.join(copy, 'fixtures'), { recursive: true });
  });

  it.each(['text', 'json', 'sarif'])('linting the same directory twice gives identical %s bytes', async (format) => {
    const args = ['--format', format, 'fixtures'];
    const [a, b] = await Promise.all([fedlint(args, { cwd: copy }), fedlint(args, { cwd: copy })]);
    expect(a.code).toBe(1);
    expect(a.stdout.length).toBeGreaterThan(1000);
    expect(b.stdout).toBe(a.stdout);
    expect(b.stderr).toBe(a.stderr);
  });

  it('every fixture (JSON exports, plans, Terraform modules, all clouds) copied in reverse order gives the same bytes', async () => {
    const listing = (dir: string, rel = ''): string[] =>
      readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? listing(dir, path.join(rel, e.name)) : [path.join(rel, e.name)],
      );
    const all = listing(path.join(copy, 'fixtures')).sort();
    const reversed = tempDir();
    for (const rel of [...all].reverse()) {
      mkdirSync(path.dirname(path.join(reversed, 'fixtures', rel)), { recursive: true });
      writeFileSync(path.join(reversed, 'fixtures', rel), readFileSync(path.join(copy, 'fixtures', rel)));
    }
    for (const format of ['sarif', 'json']) {
      const [a, b] = await Promise.all([fedlint(['--format', format, 'fixtures'], { cwd: copy }), fedlint(['--format', format, 'fixtures'], { cwd: reversed })]);
      expect(a.code).toBe(1);
      expect(b.stdout).toBe(a.stdout);
    }
  });

  it('the same files created in different orders give the same SARIF', async () => {
    // Two get-role documents for the same subject in different environments: a cross-file finding.
    const roles = JSON.parse(fixture('cross-environment-trust/bad/shared-subject.json')) as { Roles: unknown[] };
    const files: Array<[string, string]> = [
      ['roles/deploy-dev.json', JSON.stringify({ Role: roles.Roles[0] }, null, 2)],
      ['roles/deploy-prod.json', JSON.stringify({ Role: roles.Roles[1] }, null, 2)],
      ['keys/access-keys.json', fixture('static-credential/bad/account-export/access-keys.json')],
      ['policies/owner-prefix.json', fixture('subject-wildcard/bad/owner-prefix.json')],
      ['policies/two-environments.json', fixture('cross-environment-trust/bad/two-environments.json')],
      ['policies/ttl.json', fixture('session-ttl-excessive/bad/twelve-hours.json')],
      ['z-first.json', fixture('principal-wildcard/bad/aws-star.json')],
    ];
    const parent = tempDir();
    const write = (dir: string, list: Array<[string, string]>) => {
      for (const [name, text] of list) {
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), text);
      }
    };
    const first = path.join(parent, 'first');
    const second = path.join(parent, 'second-run');
    write(first, files);
    write(second, [...files].reverse());
    const [a, b] = await Promise.all([
      fedlint(['--format', 'sarif', 'first'], { cwd: parent }),
      fedlint(['--format', 'sarif', '.'], { cwd: second }),
    ]);
    expect(a.code).toBe(1);
    expect(b.code).toBe(1);
    const results = (JSON.parse(b.stdout) as Log).runs[0]!.results ?? [];
    expect(results.map((x) => x.ruleId)).toEqual(
      expect.arrayContaining(['cross-environment-trust', 'static-credential', 'subject-wildcard', 'session-ttl-excessive', 'principal-wildcard']),
    );
    // Cross-file: both roles of the shared subject are reported.
    expect(results.filter((x) => x.ruleId === 'cross-environment-trust').map((x) => x.locations![0]!.physicalLocation!.artifactLocation!.uri)).toEqual(
      expect.arrayContaining(['roles/deploy-dev.json', 'roles/deploy-prod.json']),
    );
    // Run A names the directory from its parent, run B lints from inside: normalise the prefix. The
    // fingerprints hash the path too, so they are compared separately, by result.
    const normalise = (sarif: string) => JSON.parse(sarif.replaceAll('first/', '')) as Log;
    const strip = (log: Log) => ({ ...log, runs: log.runs.map((run) => ({ ...run, results: run.results?.map(({ partialFingerprints: _, ...rest }) => rest) })) });
    expect(strip(normalise(a.stdout))).toEqual(strip(JSON.parse(b.stdout) as Log));
    // Order independence proper: the same directory with the same cwd gives identical bytes however it was written.
    const c = await fedlint(['--format', 'sarif', '.'], { cwd: first });
    expect(c.stdout).toBe(b.stdout);
  });
});

describe('inputs that cannot be read', () => {
  let dir: string;
  const GOOD = 'good.json';
  const BAD = 'bad.json';
  // Each failure and where it is reported.
  const FAILURES = [
    'binary.json:1:1: file is binary (it contains NUL bytes), not JSON or text',
    'empty.json:1:1: file is empty',
    'latin1.json:3:17: file is not valid UTF-8',
    `not-a-policy.json:1:1: not a recognised input: expected one of ${INPUT_FORMATS.join(', ')} (see --input-format)`,
    "truncated.json:3:26: invalid JSON: ':' expected",
  ];
  const ARGS = [BAD, GOOD, 'truncated.json', 'empty.json', 'binary.json', 'latin1.json', 'bom.json', 'not-a-policy.json', 'walked'];

  beforeAll(() => {
    dir = tempDir();
    writeFileSync(path.join(dir, BAD), fixture('subject-wildcard/bad/owner-prefix.json'));
    writeFileSync(path.join(dir, GOOD), fixture('subject-wildcard/good/owner-prefix.json'));
    writeFileSync(path.join(dir, 'truncated.json'), '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect"');
    writeFileSync(path.join(dir, 'empty.json'), '');
    writeFileSync(path.join(dir, 'binary.json'), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x00, 0x01, 0x02, 0x7d]));
    writeFileSync(
      path.join(dir, 'latin1.json'),
      Buffer.concat([Buffer.from('{\n  "Version": "2012-10-17",\n  "Statement": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n}\n')]),
    );
    // A byte-order mark: the finding is where it is without one.
    writeFileSync(path.join(dir, 'bom.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(path.join(ROOT, BAD_ERROR))]));
    const notAPolicy = JSON.stringify({ name: 'some-package', version: '1.0.0', scripts: { test: 'vitest' } }, null, 2);
    writeFileSync(path.join(dir, 'not-a-policy.json'), notAPolicy);
    mkdirSync(path.join(dir, 'walked'));
    writeFileSync(path.join(dir, 'walked', 'not-a-policy.json'), notAPolicy);
    writeFileSync(path.join(dir, 'walked', 'tsconfig.json'), '{\n  // comments, as tsconfig allows\n  "compilerOptions": { "strict": true, },\n}\n');
    writeFileSync(path.join(dir, 'walked', 'ttl.json'), fixture('session-ttl-excessive/bad/twelve-hours.json'));
  });

  it('json: one stderr line per failure, exit 2, and the valid files are still reported', async () => {
    const r = await fedlint(['--format', 'json', ...ARGS], { cwd: dir });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(FAILURES);
    expectNoStack(r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`)).toEqual(FAILURES);
    expect(report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`)).toEqual([
      'bad.json:15:54 subject-wildcard',
      'bom.json:15:54 subject-wildcard',
      'walked/ttl.json:8:27 session-ttl-excessive',
    ]);
  });

  it('sarif: failures are tool execution notifications and the run is not successful', async () => {
    const r = await fedlint(['--format', 'sarif', ...ARGS], { cwd: dir });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(FAILURES);
    const run = (JSON.parse(r.stdout) as Log).runs[0]!;
    const invocation = run.invocations![0]!;
    expect(invocation.executionSuccessful).toBe(false);
    const notes = invocation.toolExecutionNotifications ?? [];
    expect(
      notes.map((n) => {
        const loc = n.locations![0]!.physicalLocation!;
        return `${loc.artifactLocation!.uri}:${loc.region!.startLine}:${loc.region!.startColumn}: ${n.message.text}`;
      }),
    ).toEqual(FAILURES);
    for (const n of notes) expect(n.level).toBe('error');
    expect((run.results ?? []).map((x) => `${x.locations![0]!.physicalLocation!.artifactLocation!.uri} ${x.ruleId}`)).toEqual([
      'bad.json subject-wildcard',
      'bom.json subject-wildcard',
      'walked/ttl.json session-ttl-excessive',
    ]);
  });

  it('text: the failures are part of the stdout report, not repeated on stderr', async () => {
    const r = await fedlint(ARGS, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    for (const failure of FAILURES) {
      const [where, ...message] = failure.split(': ');
      expect(out).toContain(`${where}: error ${message.join(': ')}`);
    }
    expect(out).toContain('bad.json');
    expect(out).toContain('bom.json');
    expect(out).toContain('walked/ttl.json');
    expect(out.at(-1)).toBe('✖ 3 problems (2 errors, 1 warning, 0 notes; 4 files linted, 5 inputs could not be read)');
  });

  it('github: failures are error annotations; every line is a workflow command', async () => {
    const r = await fedlint(['--format', 'github', ...ARGS], { cwd: dir });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(FAILURES);
    const out = lines(r.stdout);
    expect(out).toHaveLength(3 + FAILURES.length);
    for (const line of out) expect(line).toMatch(/^::(error|warning|notice) /);
    expect(out).toContain('::error file=empty.json,line=1,col=1,title=fedlint input error::file is empty');
  });

  it('a walked directory alone skips what is not ours quietly and exits by its findings', async () => {
    const r = await fedlint(['--format', 'json', 'walked'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => f.file)).toEqual(['walked/ttl.json']);
  });

  it('a directory walk skips node_modules, .git and .terraform', async () => {
    const root = tempDir();
    const bad = fixture('subject-wildcard/bad/owner-prefix.json');
    for (const sub of ['node_modules/pkg', '.git/objects', '.terraform/modules', 'src/node_modules']) {
      mkdirSync(path.join(root, sub), { recursive: true });
      writeFileSync(path.join(root, sub, 'trust.json'), bad);
      writeFileSync(path.join(root, sub, 'broken.json'), '{"Statement": [');
    }
    writeFileSync(path.join(root, 'src', 'trust.json'), fixture('subject-wildcard/good/owner-prefix.json'));
    const r = await fedlint(['--format', 'json', '.'], { cwd: root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report).toMatchObject({ findings: [], errors: [] });
    const text = await fedlint(['.'], { cwd: root });
    expect(text.stdout).toBe('✔ no problems (1 file linted)\n');
  });

  it('a broken file that looks like a policy is reported even in a walked directory', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'trust.json'), '{\n  "Statement": [\n    { "Effect": "Allow", }\n  ]\n}\n');
    const r = await fedlint(['--format', 'json', '.'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('trust.json:3:26: invalid JSON: property name expected\n');
  });
});
