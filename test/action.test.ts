/**
 * action.yml (the composite GitHub Action) and .pre-commit-hooks.yaml.
 *
 * The action's `run:` steps are executed here as the runner would: each script in
 * `bash --noprofile --norc -eo pipefail` (what `shell: bash` means on Linux runners), from the workspace,
 * with `${{ inputs.* }}`, `${{ github.* }}` and `${{ steps.*.outputs.* }}` replaced by their values and
 * GITHUB_ACTION_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY set. A failing step stops the action, as in a
 * composite action. Two steps are not executed as written:
 * - the upload (`uses: github/codeql-action/upload-sarif`) needs GitHub's API and a token; the test
 *   evaluates its `if:` condition and checks the file it would upload instead;
 * - the install step calls `npm ci` in the action's directory, which here is this checkout: a real `npm ci`
 *   would delete and reinstall node_modules (and needs the network), so an `npm` placed first on PATH records
 *   how it was called and where. The rest of that step (the Node.js version check, the dist/ check) runs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers/lint.js';

interface Step {
  name: string;
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as Action;
const UPLOAD_IF = "inputs.upload == 'true' && steps.lint.outputs.sarif-written == 'true'";

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
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

interface ActionRun {
  /** The exit code of the action: that of the first failing step, else 0. */
  code: number;
  outputs: Record<string, string>;
  summary: string;
  /** `npm` calls as "directory|arguments". */
  npm: string[];
  /** Whether the upload step's condition held. */
  uploaded: boolean;
  /** Names of the steps that ran (the upload step counts when its condition held). */
  ran: string[];
  log: string;
}

/** Replace `${{ … }}` with values from the contexts; an expression the test does not know fails the test. */
function substitute(text: string, contexts: { inputs: Record<string, string>; github: Record<string, string>; steps: Record<string, Record<string, string>> }): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
    let m = /^inputs\.([\w-]+)$/.exec(expr);
    if (m) return contexts.inputs[m[1]!] ?? '';
    m = /^github\.(\w+)$/.exec(expr);
    if (m && contexts.github[m[1]!] !== undefined) return contexts.github[m[1]!]!;
    m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (m) return contexts.steps[m[1]!]?.[m[2]!] ?? '';
    throw new Error(`expression the test cannot evaluate: ${expr}`);
  });
}

function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  if (!existsSync(file)) return outputs;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    expect(line).toMatch(/^[\w-]+=/);
    const eq = line.indexOf('=');
    outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return outputs;
}

/** Run the action's steps with `inputs` over the workspace directory `workspace`. */
function runAction(workspace: string, given: Record<string, string>): ActionRun {
  const scratch = tempDir('fedlint-action-run-');
  const fakeBin = path.join(scratch, 'bin');
  mkdirSync(fakeBin);
  const npmLog = path.join(scratch, 'npm.log');
  writeFileSync(path.join(fakeBin, 'npm'), `#!/bin/sh\nprintf '%s|%s\\n' "$PWD" "$*" >> "${npmLog}"\n`);
  chmodSync(path.join(fakeBin, 'npm'), 0o755);
  const summaryFile = path.join(scratch, 'summary.md');
  writeFileSync(summaryFile, '');

  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = given[name] ?? spec.default ?? '';
  for (const name of Object.keys(given)) expect(Object.keys(action.inputs)).toContain(name);
  const contexts = { inputs, github: { action_path: ROOT, workspace }, steps: {} as Record<string, Record<string, string>> };

  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['NO_COLOR', 'FORCE_COLOR', 'FEDLINT_DEBUG', 'NODE_OPTIONS', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) delete baseEnv[key];
  baseEnv['PATH'] = [fakeBin, path.dirname(process.execPath), process.env['PATH']].join(path.delimiter);

  const result: ActionRun = { code: 0, outputs: {}, summary: '', npm: [], uploaded: false, ran: [], log: '' };
  action.runs.steps.forEach((step, index) => {
    if (result.code !== 0) return;
    if (step.uses !== undefined) {
      // The upload step: not executed (see the header), its condition evaluated.
      expect(step.if).toBe(UPLOAD_IF);
      const lint = contexts.steps['lint'] ?? {};
      result.uploaded = inputs['upload'] === 'true' && lint['sarif-written'] === 'true';
      if (result.uploaded) {
        result.ran.push(step.name);
        const file = path.resolve(workspace, substitute(step.with!['sarif_file']!, contexts));
        expect(existsSync(file), `the upload step would send ${file}`).toBe(true);
      }
      return;
    }
    expect(step.if, `${step.name}: only the upload step is conditional`).toBeUndefined();
    expect(step.shell).toBe('bash');
    const script = path.join(scratch, `step-${index}.sh`);
    writeFileSync(script, substitute(step.run!, contexts));
    const outputFile = path.join(scratch, `output-${index}`);
    const env: NodeJS.ProcessEnv = { ...baseEnv, GITHUB_ACTION_PATH: ROOT, GITHUB_WORKSPACE: workspace, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile };
    for (const [key, value] of Object.entries(step.env ?? {})) env[key] = substitute(String(value), contexts);
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: workspace, env, encoding: 'utf8' });
    result.ran.push(step.name);
    result.log += `## ${step.name}\n${r.stdout}${r.stderr}`;
    if (step.id) contexts.steps[step.id] = readOutputs(outputFile);
    result.code = r.status ?? 128;
  });
  for (const [name, spec] of Object.entries(action.outputs)) result.outputs[name] = substitute(spec.value, contexts);
  result.summary = readFileSync(summaryFile, 'utf8');
  result.npm = existsSync(npmLog) ? readFileSync(npmLog, 'utf8').split('\n').filter((l) => l !== '') : [];
  return result;
}

/** A workspace holding copies of fixture folders or files, under the names given. */
function workspace(copies: Record<string, string>, files: Record<string, string> = {}): string {
  const dir = tempDir('fedlint-action-ws-');
  for (const [to, from] of Object.entries(copies)) cpSync(path.join(ROOT, 'fixtures', from), path.join(dir, to), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function sarif(file: string): Log {
  return JSON.parse(readFileSync(file, 'utf8')) as Log;
}

describe('action.yml: metadata', () => {
  it('is a composite action with the documented inputs and defaults', () => {
    expect(action.name).toBe('fedlint');
    expect(action.description.length).toBeGreaterThan(0);
    expect(action.runs.using).toBe('composite');
    const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default]));
    expect(inputs).toEqual({ paths: '.', config: '', 'fail-level': 'error', 'sarif-file': 'fedlint.sarif', upload: 'true' });
    for (const spec of Object.values(action.inputs)) {
      expect(spec.description.length).toBeGreaterThan(0);
      expect(spec.required).toBe(false);
    }
  });

  it('outputs the SARIF path and the exit code of the linting step', () => {
    expect(action.outputs).toEqual({
      'sarif-file': { description: expect.any(String), value: '${{ steps.lint.outputs.sarif-file }}' },
      'exit-code': { description: expect.any(String), value: '${{ steps.lint.outputs.exit-code }}' },
    });
  });

  it('uploads with codeql-action/upload-sarif pinned to a major version, after the summary and before the exit', () => {
    const names = action.runs.steps.map((s) => s.name);
    const upload = action.runs.steps.find((s) => s.uses !== undefined)!;
    expect(action.runs.steps.filter((s) => s.uses !== undefined)).toHaveLength(1);
    expect(upload.uses).toMatch(/^github\/codeql-action\/upload-sarif@v\d+$/);
    expect(upload.with).toEqual({ sarif_file: '${{ steps.lint.outputs.sarif-file }}' });
    expect(upload.if).toBe(UPLOAD_IF);
    expect(names.indexOf(upload.name)).toBe(names.length - 2);
    expect(action.runs.steps.at(-1)!.run!.trim()).toBe('exit "$FEDLINT_EXIT"');
  });

  it('passes inputs to scripts through the environment, never into the script text', () => {
    for (const step of action.runs.steps) {
      if (step.run !== undefined) expect(step.run, step.name).not.toMatch(/\$\{\{/);
    }
  });
});

describe('action.yml: the steps, run locally', () => {
  it('on fixtures/demo: installs in the action directory, writes the SARIF and the summary, uploads, and fails with exit 1', () => {
    const ws = workspace({ demo: 'demo' });
    const r = runAction(ws, { paths: 'demo' });
    expect(r.code, r.log).toBe(1);
    expect(r.npm).toEqual([`${ROOT}|ci --no-audit --no-fund`]);
    expect(r.outputs).toEqual({ 'sarif-file': 'fedlint.sarif', 'exit-code': '1' });
    expect(r.uploaded).toBe(true);
    expect(r.ran).toEqual(action.runs.steps.map((s) => s.name));

    const log = sarif(path.join(ws, 'fedlint.sarif'));
    const results = log.runs[0]!.results!;
    expect(results.length).toBeGreaterThan(3);
    expect(results.map((x) => x.locations![0]!.physicalLocation!.artifactLocation!.uri)).toContain('demo/list-roles.json');

    expect(r.summary).toMatch(new RegExp(`^## fedlint: ${results.length} problems \\(`));
    expect(r.summary).toContain('\n| level | rule | location | resource | message |\n|---|---|---|---|---|\n');
    expect(r.summary).toContain('| demo/list-roles.json:90 | arn:aws:iam::111122223333:role/data-export |');
    const rows = r.summary.split('\n').filter((l) => /^\| (error|warning|note) \|/.test(l));
    expect(rows).toHaveLength(results.length);
  });

  it('exits 0 on clean inputs, with a one-line summary', () => {
    const ws = workspace({ good: 'subject-wildcard/good' });
    const r = runAction(ws, { paths: 'good', upload: 'false' });
    expect(r.code, r.log).toBe(0);
    expect(r.outputs['exit-code']).toBe('0');
    expect(r.uploaded).toBe(false);
    expect(r.summary).toMatch(/^## fedlint: no problems \(\d+ files? linted\)\n$/);
    expect(sarif(path.join(ws, 'fedlint.sarif')).runs[0]!.results).toEqual([]);
  });

  it('follows fail-level: a warning fails only at fail-level warning', () => {
    const ws = workspace({ 'ttl.json': 'session-ttl-excessive/bad/twelve-hours.json' });
    const atError = runAction(ws, { paths: 'ttl.json' });
    const atWarning = runAction(ws, { paths: 'ttl.json', 'fail-level': 'warning' });
    expect([atError.code, atError.outputs['exit-code']]).toEqual([0, '0']);
    expect([atWarning.code, atWarning.outputs['exit-code']]).toEqual([1, '1']);
    for (const r of [atError, atWarning]) expect(r.summary).toMatch(/^## fedlint: 1 problem \(0 errors, 1 warning, 0 notes\)/);
  });

  it('exits 2 on an unreadable input, still reporting the rest; paths may span lines; sarif-file may name a new folder', () => {
    const ws = workspace({ demo: 'demo' }, { 'broken.json': '{ "Version": "2012-10-17", "Statement": [' });
    const r = runAction(ws, { paths: 'demo\n  broken.json\n', 'sarif-file': 'reports/fedlint results.sarif' });
    expect(r.code, r.log).toBe(2);
    expect(r.outputs).toEqual({ 'sarif-file': 'reports/fedlint results.sarif', 'exit-code': '2' });
    const log = sarif(path.join(ws, 'reports/fedlint results.sarif'));
    expect(log.runs[0]!.results!.length).toBeGreaterThan(3);
    expect(log.runs[0]!.invocations![0]!.toolExecutionNotifications!.map((n) => n.locations![0]!.physicalLocation!.artifactLocation!.uri)).toEqual(['broken.json']);
    expect(r.summary).toContain('\n### Inputs that could not be read\n');
    expect(r.summary).toContain('| broken.json:');
    expect(r.uploaded).toBe(true);
  });

  it('skips the upload and fails when fedlint cannot run (a configuration file that does not exist)', () => {
    const ws = workspace({ demo: 'demo' });
    writeFileSync(path.join(ws, 'fedlint.sarif'), '{"stale": true}');
    const r = runAction(ws, { paths: 'demo', config: 'missing.fedlint.yaml' });
    expect(r.code, r.log).toBe(2);
    expect(r.outputs['exit-code']).toBe('2');
    // The stale report of an earlier run is removed, not uploaded as this run's.
    expect(existsSync(path.join(ws, 'fedlint.sarif'))).toBe(false);
    expect(r.uploaded).toBe(false);
    expect(r.ran.at(-1)).toBe("Exit with fedlint's code");
  });

  it('treats input values as data: shell syntax in paths runs nothing', () => {
    const ws = workspace({ demo: 'demo' });
    const r = runAction(ws, { paths: 'demo; touch pwned-1 $(touch pwned-2) `touch pwned-3` *', 'fail-level': 'error" ; touch pwned-4 ; "' });
    expect(r.code).toBe(2);
    for (const n of [1, 2, 3, 4]) expect(existsSync(path.join(ws, `pwned-${n}`))).toBe(false);
  });
});

describe('.pre-commit-hooks.yaml', () => {
  interface Hook {
    id: string;
    name: string;
    entry: string;
    language: string;
    files: string;
    pass_filenames?: boolean;
    args?: string[];
  }
  const hooks = parse(readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };

  it('declares one node hook whose entry is a bin of the package', () => {
    expect(hooks.map((h) => h.id)).toEqual(['fedlint']);
    const hook = hooks[0]!;
    expect(hook.language).toBe('node');
    expect(Object.keys(pkg.bin)).toContain(hook.entry);
    const bin = pkg.bin[hook.entry]!;
    expect(existsSync(path.join(ROOT, bin))).toBe(true);
    // pre-commit installs the packed package: the bin and what it runs must be in it.
    expect(pkg.files).toEqual(expect.arrayContaining(['bin/', 'dist/']));
  });

  it('runs for JSON, Terraform and tfvars files and nothing else', () => {
    // pre-commit applies `files` with Python's re.search; this pattern means the same in JavaScript.
    const files = new RegExp(hooks[0]!.files);
    for (const name of ['roles.json', 'infra/main.tf', 'terraform.tfvars', 'envs/prod/prod.auto.tfvars', 'plan.json']) expect(files.test(name), name).toBe(true);
    for (const name of ['README.md', 'main.tf.bak', 'notes.json.md', 'tfvars', 'script.ts', '.terraform.lock.hcl']) expect(files.test(name), name).toBe(false);
  });

  it('lints the repository in one run instead of the changed files, which fedlint may reject by name', () => {
    const hook = hooks[0]!;
    expect(hook.pass_filenames).toBe(false);
    const ws = workspace(
      { 'trust.json': 'session-ttl-excessive/good/list-roles.json', infra: 'session-ttl-excessive/good/tf-session' },
      { 'package.json': '{ "name": "app", "version": "1.0.0" }', 'terraform.tfvars': 'environment = "prod"\n' },
    );
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env['FORCE_COLOR'];
    const run = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, pkg.bin[hook.entry]!), ...(hook.args ?? []), ...args], { cwd: ws, env, encoding: 'utf8' });
    // What the hook runs: no file names, the whole tree (the JSON input and the module), skipping package.json.
    const clean = run([]);
    expect(clean.status).toBe(0);
    expect(clean.stdout).toBe('✔ no problems (2 files linted)\n');
    // What passing the changed files would run: both named files are errors.
    expect(run(['package.json']).status).toBe(2);
    expect(run(['terraform.tfvars']).status).toBe(2);
    cpSync(path.join(ROOT, 'fixtures/subject-wildcard/bad/owner-prefix.json'), path.join(ws, 'bad.json'));
    expect(run([]).status).toBe(1);
  });
});

describe('README: Use in CI', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Use in CI\n'), readme.indexOf('\n## Rules\n'));
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as unknown);

  it('comes after "Output formats"', () => {
    expect(readme.indexOf('\n## Use in CI\n')).toBeGreaterThan(readme.indexOf('\n## Output formats\n'));
    expect(section.length).toBeGreaterThan(0);
  });

  it('has a complete workflow that uses the action with inputs it declares and the permissions it needs', () => {
    const workflow = blocks[0] as { permissions: Record<string, string>; jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, string> }> }> };
    expect(workflow.permissions).toMatchObject({ contents: 'read', 'security-events': 'write' });
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    expect(steps[0]!.uses).toMatch(/^actions\/checkout@/);
    const step = steps.find((s) => s.uses?.startsWith('fedlint/fedlint@'));
    expect(step).toBeDefined();
    for (const name of Object.keys(step!.with ?? {})) expect(Object.keys(action.inputs)).toContain(name);
    for (const name of Object.keys(action.inputs)) expect(section).toContain(`| \`${name}\` |`);
  });

  it('has a pre-commit configuration naming the hook', () => {
    const config = blocks.find((b) => typeof b === 'object' && b !== null && 'repos' in b) as { repos: Array<{ hooks: Array<{ id: string }> }> };
    const hooks = parse(readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<{ id: string }>;
    expect(config.repos[0]!.hooks.map((h) => h.id)).toEqual(hooks.map((h) => h.id));
  });
});
