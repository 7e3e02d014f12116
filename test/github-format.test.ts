/**
 * `--format github`: workflow commands that the Actions runner reads back exactly. The decoder below follows
 * the runner's rules for `::command key=value,...::data` lines: the first `::` after the opening one ends
 * the properties, properties are split on `,` and then on the first `=`, and escapes are undone one after
 * the other (data: %0D, %0A, %25; properties: %0D, %0A, %3A, %2C, %25). Hostile messages and file names
 * must come back unchanged and never start a second command.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputError, Level, ResolvedRange } from '../src/model/types.js';
import { escapeData, escapeProperty, githubReporter } from '../src/reporters/github.js';
import type { ReportData, ReportedFinding } from '../src/reporters/types.js';
import { ROOT } from './helpers/lint.js';

interface Command {
  command: string;
  properties: Record<string, string>;
  data: string;
}

function unescape(text: string, mappings: Array<[string, string]>): string {
  let out = text;
  for (const [escaped, token] of mappings) out = out.split(escaped).join(token);
  return out;
}

const DATA: Array<[string, string]> = [['%0D', '\r'], ['%0A', '\n'], ['%25', '%']];
const PROPERTY: Array<[string, string]> = [['%0D', '\r'], ['%0A', '\n'], ['%3A', ':'], ['%2C', ','], ['%25', '%']];

/** One line of output as the runner parses it, or undefined when it is not a command. */
function parse(line: string): Command | undefined {
  const message = line.trimStart();
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const prop of info.slice(space + 1).trim().split(',').filter((p) => p !== '')) {
      const eq = prop.indexOf('=');
      if (eq <= 0 || eq === prop.length - 1) continue;
      properties[prop.slice(0, eq)] = unescape(prop.slice(eq + 1), PROPERTY);
    }
  }
  return { command, properties, data: unescape(message.slice(end + 2), DATA) };
}

/** What the runner shows: the value with control characters other than CR, LF and tab replaced. */
function shown(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '\uFFFD');
}

function finding(over: Partial<ReportedFinding> & { file?: string; range?: ResolvedRange } = {}): ReportedFinding {
  const { file = 'roles.json', ...rest } = over;
  return {
    ruleId: 'subject-wildcard',
    level: 'error',
    message: 'token.actions.githubusercontent.com:sub admits identities outside your owner.',
    at: { file, path: [] },
    resource: 'arn:aws:iam::111122223333:role/data-export',
    range: { startLine: 12, startColumn: 5, endLine: 12, endColumn: 20 },
    fingerprint: 'f'.repeat(32),
    relatedRanges: [],
    ...rest,
  };
}

function render(findings: ReportedFinding[], errors: InputError[] = []): string {
  const data: ReportData = { toolVersion: '0.1.0', rules: [], findings, errors, filesLinted: 1 };
  return githubReporter(data, { color: false });
}

function commands(output: string): Command[] {
  expect(output.endsWith('\n')).toBe(true);
  return output
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const c = parse(line);
      expect(c, line).toBeDefined();
      return c!;
    });
}

const HOSTILE_MESSAGES = [
  'plain',
  'line one\nline two\r\nline three\rend',
  '100% sure: %0A is not a newline, %25 is not a percent, %3A %2C neither',
  'data with :: inside, and ::error file=x::forged at the end',
  '\n::error file=forged.json,line=1::injected on its own line',
  'escape \u001b[31mred\u001b[0m bell \u0007 nul \u0000 tab\there',
  'trailing percent %',
];

const HOSTILE_FILES = [
  'odd,name:here.json',
  'dir/with space/file.json',
  '100%.json',
  '%2C%3A%0A.json',
  'new\nline::error::forged.json',
  'carriage\rreturn.json',
  'a=b,title=forged,line=999.json',
  'dir::x/y.json',
  'ünïcødé/文件.json',
];

describe('github reporter: escaping', () => {
  it('escapes data and property values the way the runner undoes them', () => {
    expect(escapeData('a%b\r\nc')).toBe('a%25b%0D%0Ac');
    expect(escapeData('a:b,c')).toBe('a:b,c');
    expect(escapeProperty('a%b\r\nc:d,e')).toBe('a%25b%0D%0Ac%3Ad%2Ce');
    expect(escapeProperty('%3A')).toBe('%253A');
  });

  it.each(HOSTILE_MESSAGES)('message %j comes back unchanged, on one line', (message) => {
    const out = render([finding({ message })]);
    expect(out.split('\n')).toHaveLength(2);
    const [c] = commands(out);
    expect(c!.command).toBe('error');
    expect(c!.data).toBe(shown(message));
    expect(c!.properties['file']).toBe('roles.json');
    expect(c!.properties['title']).toBe('fedlint subject-wildcard');
  });

  it.each(HOSTILE_FILES)('file name %j comes back unchanged and forges no property', (file) => {
    const out = render([finding({ file })], [{ file, line: 3, column: 7, message: 'invalid JSON' }]);
    const [found, error] = commands(out);
    expect(Object.keys(found!.properties).sort()).toEqual(['col', 'endColumn', 'endLine', 'file', 'line', 'title']);
    expect(found!.properties).toEqual({ file: shown(file), line: '12', col: '5', endLine: '12', endColumn: '19', title: 'fedlint subject-wildcard' });
    expect(error).toEqual({ command: 'error', properties: { file: shown(file), line: '3', col: '7', title: 'fedlint input error' }, data: 'invalid JSON' });
  });

  it('round-trips any file name and message, one command per finding', () => {
    const text = fc.string({ unit: 'binary', maxLength: 60 });
    fc.assert(
      fc.property(fc.array(fc.record({ file: text.filter((s) => s !== ''), message: text, level: fc.constantFrom<Level>('error', 'warning', 'note') }), { minLength: 1, maxLength: 4 }), (specs) => {
        const out = render(specs.map((s) => finding(s)));
        // The runner reads lines ending in CR as well as LF.
        expect(out).not.toContain('\r');
        const parsed = commands(out);
        expect(parsed).toHaveLength(specs.length);
        parsed.forEach((c, i) => {
          expect(c.command).toBe({ error: 'error', warning: 'warning', note: 'notice' }[specs[i]!.level]);
          expect(c.properties['file']).toBe(shown(specs[i]!.file));
          expect(c.data).toBe(shown(specs[i]!.message));
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('github reporter: positions', () => {
  it('sends an inclusive end column on a one-line range', () => {
    const [c] = commands(render([finding({ range: { startLine: 4, startColumn: 10, endLine: 4, endColumn: 18 } })]));
    expect(c!.properties).toMatchObject({ line: '4', col: '10', endLine: '4', endColumn: '17' });
  });

  it('never sends an end column before the start column (an empty range marks one column)', () => {
    const [c] = commands(render([finding({ range: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 } })]));
    expect(c!.properties).toMatchObject({ line: '1', col: '1', endLine: '1', endColumn: '1' });
  });

  it('sends lines only when the range spans several lines, since GitHub drops columns there', () => {
    const out = render([finding({ range: { startLine: 244, startColumn: 7, endLine: 249, endColumn: 8 } })]);
    expect(out).toBe('::error file=roles.json,line=244,endLine=249,title=fedlint subject-wildcard::token.actions.githubusercontent.com:sub admits identities outside your owner.\n');
  });

  it('maps levels to error, warning and notice, and prints nothing without findings or errors', () => {
    const out = render([finding({ level: 'note' }), finding({ level: 'warning' }), finding({ level: 'error' })]);
    expect(commands(out).map((c) => c.command)).toEqual(['notice', 'warning', 'error']);
    expect(render([])).toBe('');
  });
});

describe('fedlint --format github (built CLI): a hostile file name', () => {
  const dirs: string[] = [];
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, 'dist/cli.js'))) {
      const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    }
  }, 60_000);
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a file name with a newline and a forged command inside its own annotation', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-github-'));
    dirs.push(dir);
    const name = 'x\n::error file=forged.json,line=1::forged,100%.json';
    cpSync(path.join(ROOT, 'fixtures/subject-wildcard/bad/owner-prefix.json'), path.join(dir, name));
    writeFileSync(path.join(dir, 'broken,1:2.json'), '{ "Version": "2012-10-17", "Statement": [ ');
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/fedlint.js'), '--format', 'github', '.'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(r.code).toBe(2);
    const parsed = commands(r.stdout);
    expect(parsed).toHaveLength(2);
    expect(parsed[0]!.command).toBe('error');
    expect(parsed[0]!.properties).toMatchObject({ file: name, line: '15', col: '54', title: 'fedlint subject-wildcard' });
    expect(parsed[1]!.properties).toMatchObject({ file: 'broken,1:2.json', title: 'fedlint input error' });
    expect(parsed.some((c) => c.properties['file'] === 'forged.json')).toBe(false);
  });
});
