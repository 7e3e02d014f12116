/**
 * `--format markdown`: the job summary / pull-request comment. Counts, a deterministic table with links to
 * the rule pages, cells that untrusted values cannot break out of, size caps, and tolerance of fields that
 * ReportData may gain later. Then the built CLI on fixtures/demo.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ruleUri } from '../src/engine/docs.js';
import type { InputError, Level } from '../src/model/types.js';
import { markdownReporter } from '../src/reporters/markdown.js';
import type { ReportData, ReportedFinding } from '../src/reporters/types.js';
import { ROOT } from './helpers/lint.js';

function finding(over: Partial<ReportedFinding> & { file?: string; line?: number } = {}): ReportedFinding {
  const { file = 'roles.json', line = 12, ...rest } = over;
  return {
    ruleId: 'subject-wildcard',
    level: 'error',
    message: 'token.actions.githubusercontent.com:sub admits identities outside your owner.',
    at: { file, path: ['Roles', 0] },
    resource: 'arn:aws:iam::111122223333:role/data-export',
    range: { startLine: line, startColumn: 5, endLine: line, endColumn: 20 },
    fingerprint: 'f'.repeat(32),
    relatedRanges: [],
    ...rest,
  };
}

function data(over: Partial<ReportData> = {}): ReportData {
  return { toolVersion: '0.1.0', rules: [], findings: [], errors: [], filesLinted: 3, ...over };
}

function render(over: Partial<ReportData> = {}): string {
  return markdownReporter(data(over), { color: false });
}

/**
 * The cells of a GFM table row: split on `|` that no backslash escapes, as GitHub's table extension does
 * before it parses the inlines of each cell. Leading and trailing pipes are dropped.
 */
function cells(row: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < row.length; i++) {
    const ch = row[i]!;
    if (ch === '\\' && i + 1 < row.length) {
      current += ch + row[i + 1];
      i++;
    } else if (ch === '|') {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  expect(out[0]).toBe('');
  expect(out[out.length - 1]).toBe('');
  return out.slice(1, -1).map((c) => c.trim());
}

/** The rows of the first table that follows `header` (a line starting with `| header`). */
function tableRows(markdown: string, header: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header}`));
  expect(start).toBeGreaterThanOrEqual(0);
  expect(lines[start + 1]).toMatch(/^\|(---\|)+$/);
  const rows: string[] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(lines[i]!);
  return rows;
}

describe('markdown reporter', () => {
  it('says "no problems" in one line when there is nothing to report', () => {
    expect(render()).toBe('## fedlint: no problems (3 files linted)\n');
    expect(render({ filesLinted: 1 })).toBe('## fedlint: no problems (1 file linted)\n');
  });

  it('heads the report with the counts, then one row per finding, most severe first', () => {
    const out = render({
      findings: [
        finding({ level: 'note', ruleId: 'mutable-claim', file: 'a.json', line: 1 }),
        finding({ level: 'warning', ruleId: 'session-ttl-excessive', file: 'a.json', line: 2 }),
        finding({ level: 'error', file: 'b.json', line: 40 }),
        finding({ level: 'error', file: 'a.json', line: 9 }),
      ],
      filesLinted: 2,
    });
    const lines = out.split('\n');
    expect(lines[0]).toBe('## fedlint: 4 problems (2 errors, 1 warning, 1 note)');
    expect(lines[2]).toBe('2 files linted.');
    expect(lines[4]).toBe('| level | rule | location | resource | message |');
    const rows = tableRows(out, 'level').map(cells);
    expect(rows.map((r) => [r[0], r[2]])).toEqual([
      ['error', 'a.json:9'],
      ['error', 'b.json:40'],
      ['warning', 'a.json:2'],
      ['note', 'a.json:1'],
    ]);
    expect(rows[0]![1]).toBe(`[\`subject-wildcard\`](${ruleUri('subject-wildcard')})`);
    expect(rows[2]![1]).toBe(`[\`session-ttl-excessive\`](${ruleUri('session-ttl-excessive')})`);
    expect(rows[0]![3]).toBe('arn:aws:iam::111122223333:role/data-export');
    expect(out.endsWith('|\n')).toBe(true);
  });

  it('gives the same bytes whatever the order of the findings and errors', () => {
    const findings = [
      finding({ level: 'warning', file: 'z.json', line: 3 }),
      finding({ level: 'error', file: 'z.json', line: 3, ruleId: 'audience-missing' }),
      finding({ level: 'error', file: 'z.json', line: 3, ruleId: 'audience-missing', resource: 'other' }),
      finding({ level: 'error', file: 'a.json', line: 30 }),
      finding({ level: 'note', file: 'a.json', line: 1, message: 'b' }),
      finding({ level: 'note', file: 'a.json', line: 1, message: 'a' }),
    ];
    const errors: InputError[] = [
      { file: 'b.json', line: 2, column: 1, message: 'x' },
      { file: 'a.json', line: 7, column: 3, message: 'y' },
    ];
    const expected = render({ findings, errors });
    fc.assert(
      fc.property(fc.shuffledSubarray(findings, { minLength: findings.length }), fc.shuffledSubarray(errors, { minLength: errors.length }), (f, e) => {
        expect(render({ findings: f, errors: e })).toBe(expected);
      }),
    );
  });

  it('escapes pipes, backticks, HTML, emphasis, links and line breaks in every cell, and strips control characters', () => {
    const hostile = 'a | b `code` <script>alert(1)</script> *x* _y_ [z](https://evil.example) ~~s~~ &lt; \\| end\r\nsecond\nthird\u001b[2J\u0007';
    const out = render({ findings: [finding({ message: hostile, resource: `res|${hostile}`, file: `dir|x/<b>.json` })] });
    const [row, ...others] = tableRows(out, 'level');
    expect(others).toEqual([]);
    const [level, , location, resource, message] = cells(row!);
    expect(cells(row!)).toHaveLength(5);
    expect(level).toBe('error');
    expect(location).toBe('dir\\|x/&lt;b&gt;.json:12');
    expect(resource!.startsWith('res\\|a \\| b')).toBe(true);
    expect(message).toBe(
      'a \\| b \\`code\\` &lt;script&gt;alert(1)&lt;/script&gt; \\*x\\* \\_y\\_ \\[z\\](https://evil.example) \\~\\~s\\~\\~ &amp;lt; \\\\\\| end<br>second<br>third\uFFFD\\[2J\uFFFD',
    );
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(out).not.toMatch(/<(?!br>|details>|\/details>|summary>|\/summary>)/);
  });

  it('keeps every finding to one row of five cells, whatever the values hold', () => {
    const text = fc.string({ unit: 'binary', maxLength: 80 });
    fc.assert(
      fc.property(fc.array(fc.record({ message: text, resource: text, file: text, level: fc.constantFrom<Level>('error', 'warning', 'note') }), { minLength: 1, maxLength: 5 }), (specs) => {
        const out = render({ findings: specs.map((s) => finding(s)) });
        const rows = tableRows(out, 'level');
        expect(rows).toHaveLength(specs.length);
        for (const row of rows) expect(cells(row)).toHaveLength(5);
        // eslint-disable-next-line no-control-regex
        expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
        expect(out).not.toMatch(/<(?!br>)/);
      }),
      { numRuns: 300 },
    );
  });

  it('links only rule ids that look like rule ids', () => {
    const out = render({ findings: [finding({ ruleId: 'x](javascript:alert(1))' })] });
    const rule = cells(tableRows(out, 'level')[0]!)[1];
    expect(rule).toBe('x\\](javascript:alert(1))');
    expect(out).not.toContain(ruleUri('x](javascript:alert(1))'));
  });

  it('cuts long cells and caps the table with an "and N more" line', () => {
    const long = 'w'.repeat(2_000);
    const one = render({ findings: [finding({ message: long })] });
    const message = cells(tableRows(one, 'level')[0]!)[4]!;
    expect(Array.from(message)).toHaveLength(500);
    expect(message.endsWith('…')).toBe(true);

    const many = Array.from({ length: 250 }, (_, i) => finding({ line: i + 1 }));
    const out = render({ findings: many });
    expect(out.split('\n')[0]).toBe('## fedlint: 250 problems (250 errors, 0 warnings, 0 notes)');
    expect(tableRows(out, 'level')).toHaveLength(100);
    expect(out).toContain('\n\n… and 150 more findings.\n');
    expect(render({ findings: many.slice(0, 101) })).toMatch(/\n\n… and 1 more finding\.\n$/);
    // The rows shown are the first 100 in order.
    expect(cells(tableRows(out, 'level')[99]!)[2]).toBe('roles.json:100');
  });

  it('stays under the 65,536 characters of a GitHub comment even when every character expands on escaping', () => {
    const worst = '<&>'.repeat(2_000);
    const findings = Array.from({ length: 1_000 }, (_, i) => finding({ line: i + 1, message: worst, resource: worst, file: `${worst}${i}` }));
    const errors = Array.from({ length: 500 }, (_, i) => ({ file: worst, line: i + 1, column: 1, message: worst }));
    const unresolved = Array.from({ length: 500 }, (_, i) => ({ file: worst, line: i + 1, column: 1, message: worst }));
    const notices = unresolved;
    const out = render({ findings, errors, unresolved, notices });
    expect(out.length).toBeLessThan(65_536);
    const shown = tableRows(out, 'level').length;
    expect(shown).toBeGreaterThan(0);
    expect(out).toContain(`… and ${1_000 - shown} more findings.`);
    const shownErrors = tableRows(out, 'location | problem').length;
    expect(out).toContain(`… and ${500 - shownErrors} more inputs.`);
    expect(out).toContain(`… and ${500 - tableRows(out, 'location | notice').length} more notices.`);
    expect(out).toContain(`… and ${500 - tableRows(out, 'location | value').length} more values.`);
  });

  it('lists the inputs that could not be read after the findings, and says so in the counts line', () => {
    const errors: InputError[] = [
      { file: 'broken.json', line: 3, column: 1, message: 'invalid JSON: value expected' },
      { file: 'a|b.json', line: 1, column: 1, message: 'not a recognised input' },
    ];
    const out = render({ findings: [finding()], errors });
    expect(out.split('\n')[2]).toBe('3 files linted; 2 inputs could not be read.');
    const findingsAt = out.indexOf('| level |');
    const errorsAt = out.indexOf('### Inputs that could not be read');
    expect(findingsAt).toBeGreaterThan(0);
    expect(errorsAt).toBeGreaterThan(findingsAt);
    expect(tableRows(out, 'location | problem').map(cells)).toEqual([
      ['a\\|b.json:1:1', 'not a recognised input'],
      ['broken.json:3:1', 'invalid JSON: value expected'],
    ]);
  });

  it('with input errors and no findings, the heading says both', () => {
    const out = render({ errors: [{ file: 'broken.json', line: 3, column: 1, message: 'invalid JSON' }] });
    expect(out.split('\n')[0]).toBe('## fedlint: no problems (3 files linted; 1 input could not be read)');
    expect(out).toContain('### Inputs that could not be read');
    expect(out).not.toContain('| level |');
  });

  it('puts values left unresolved in a collapsed section', () => {
    const out = render({ unresolved: [{ file: 'infra/main.tf', line: 4, column: 9, message: 'var.sub has no value' }] });
    expect(out).toContain('\n<details>\n<summary>1 value left unresolved (fedlint judges nothing from them)</summary>\n\n| location | value |\n');
    expect(tableRows(out, 'location | value').map(cells)).toEqual([['infra/main.tf:4:9', 'var.sub has no value']]);
    expect(out.endsWith('\n</details>\n')).toBe(true);
  });

  it('renders the same report when ReportData and findings carry fields it does not know', () => {
    const findings = [finding(), finding({ level: 'warning', line: 40 })];
    const errors: InputError[] = [{ file: 'broken.json', line: 1, column: 1, message: 'invalid JSON' }];
    const plain = render({ findings, errors });
    const extended = {
      ...data({ findings: findings.map((f) => ({ ...f, owner: 'team-a', firstSeen: '2026-01-01' })), errors }),
      trend: { previous: 4 },
      configFile: '.fedlint.yaml',
    } as unknown as ReportData;
    expect(markdownReporter(extended, { color: false })).toBe(plain);
  });

  it('counts suppressed findings without listing them', () => {
    const out = render({
      findings: [finding()],
      suppressed: [finding({ line: 99, message: 'accepted', suppression: { kind: 'external', justification: 'sandbox' } })],
    });
    expect(out.split('\n')[2]).toBe('3 files linted; 1 suppressed.');
    expect(tableRows(out, 'level')).toHaveLength(1);
    expect(out).not.toContain('accepted');
    expect(render({ suppressed: [finding()] })).toBe('## fedlint: no problems (3 files linted; 1 suppressed)\n');
  });

  it('with a baseline, lists the new findings and counts the others', () => {
    const out = render({
      findings: [
        finding({ line: 1, message: 'old one', baselineState: 'unchanged' }),
        finding({ line: 2, message: 'fresh one', baselineState: 'new' }),
        finding({ line: 3, level: 'warning', message: 'old two', baselineState: 'unchanged' }),
      ],
    });
    expect(out.split('\n')[0]).toBe('## fedlint: 1 new problem (1 error, 0 warnings, 0 notes)');
    expect(out.split('\n')[2]).toBe('3 files linted; 2 already in the baseline.');
    expect(tableRows(out, 'level').map((r) => cells(r)[4])).toEqual(['fresh one']);
    expect(render({ findings: [finding({ baselineState: 'unchanged' })] })).toBe('## fedlint: no new problems (3 files linted; 1 already in the baseline)\n');
  });

  it('lists notices about the run after the input errors', () => {
    const out = render({
      errors: [{ file: 'broken.json', line: 1, column: 1, message: 'invalid JSON' }],
      notices: [{ file: '.fedlint.yaml', line: 7, column: 5, message: 'ignore of subject-wildcard expired on 2026-01-31: the finding is back' }],
    });
    expect(out.indexOf('### Notices')).toBeGreaterThan(out.indexOf('### Inputs that could not be read'));
    expect(tableRows(out, 'location | notice').map(cells)).toEqual([['.fedlint.yaml:7:5', 'ignore of subject-wildcard expired on 2026-01-31: the finding is back']]);
  });
});

describe('fedlint --format markdown (built CLI)', () => {
  const BIN = path.join(ROOT, 'bin/fedlint.js');

  beforeAll(() => {
    if (!existsSync(path.join(ROOT, 'dist/cli.js'))) {
      const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    }
  }, 60_000);

  function fedlint(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const key of ['FORCE_COLOR', 'FEDLINT_DEBUG', 'NODE_OPTIONS']) delete env[key];
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('summarises fixtures/demo in a table, identically on every run, exiting 1', async () => {
    const [first, second] = await Promise.all([fedlint(['--format', 'markdown', 'fixtures/demo']), fedlint(['--format', 'markdown', 'fixtures/demo'])]);
    expect(first.code).toBe(1);
    expect(first.stderr).toBe('');
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout).toMatch(/^## fedlint: \d+ problems \(\d+ errors, \d+ warnings?, \d+ notes?\)\n\n\d+ files linted\.\n\n\| level \| rule \| location \| resource \| message \|\n/);
    const rows = tableRows(first.stdout, 'level').map(cells);
    expect(rows.length).toBeGreaterThan(3);
    expect(rows).toContainEqual([
      'error',
      `[\`subject-wildcard\`](${ruleUri('subject-wildcard')})`,
      'fixtures/demo/list-roles.json:90',
      'arn:aws:iam::111122223333:role/data-export',
      expect.stringContaining('"repo:acme\\*"'),
    ]);
    const levels = rows.map((r) => r[0]);
    expect(levels).toEqual([...levels].sort((a, b) => ['error', 'warning', 'note'].indexOf(a!) - ['error', 'warning', 'note'].indexOf(b!)));
  });

  it('prints one line and exits 0 on inputs without findings', async () => {
    const r = await fedlint(['--format', 'markdown', 'fixtures/subject-wildcard/good']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^## fedlint: no problems \(\d+ files linted\)\n$/);
  });
});
