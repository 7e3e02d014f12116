import { ruleUri } from '../engine/docs.js';
import type { InputError, Level } from '../model/types.js';
import { stripControl } from './text.js';
import type { ReportedFinding, Reporter } from './types.js';

/**
 * Markdown for `$GITHUB_STEP_SUMMARY` or a pull-request comment: a heading with the counts, a table of
 * findings (most severe first), the inputs that could not be read, notices about the run (ignores that
 * expired or matched nothing), and the values left unresolved. As in the text report, findings an ignore
 * accepted and, with a baseline, findings already in it are counted on the second line but not listed.
 *
 * Size: GitHub refuses a comment body above 65,536 characters and a step summary above 1 MiB, so each
 * table stops at a row count and a character budget and ends with "… and N more". The budgets below
 * add up to well under the comment limit whatever the values hold (cells are cut before escaping, and
 * escaping at most multiplies a character by five).
 */
const FINDINGS = { rows: 100, chars: 42_000 };
const ERRORS = { rows: 50, chars: 8_000 };
const NOTICES = { rows: 30, chars: 4_000 };
const UNRESOLVED = { rows: 30, chars: 5_000 };
/** Longest cell text kept, in characters (code points), before escaping. */
const MESSAGE_CHARS = 500;
const NAME_CHARS = 200;

const LEVEL_ORDER: Record<Level, number> = { error: 0, warning: 1, note: 2 };
const RULE_ID = /^[a-z0-9][a-z0-9-]*$/;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/**
 * One table cell from untrusted text (values come from the linted files): Markdown punctuation that could
 * open emphasis, a link, a code span or a new cell is backslash-escaped, `&`, `<` and `>` become entities
 * so that no HTML gets through, line breaks become `<br>`, and terminal control characters are replaced as
 * in the text report.
 */
export function markdownCell(text: string, max = MESSAGE_CHARS): string {
  const escaped = truncate(text, max)
    .replace(/[\\`*_[\]|~]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, '<br>')
    .replace(/\t/g, ' ');
  return stripControl(escaped);
}

/** The rule id, linked to its documentation page; an id that is not kebab-case is shown as plain text. */
function ruleCell(id: string): string {
  return RULE_ID.test(id) ? `[\`${id}\`](${ruleUri(id)})` : markdownCell(id, NAME_CHARS);
}

function bySeverity(a: ReportedFinding, b: ReportedFinding): number {
  return (
    LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
    cmp(a.at.file, b.at.file) ||
    a.range.startLine - b.range.startLine ||
    a.range.startColumn - b.range.startColumn ||
    cmp(a.ruleId, b.ruleId) ||
    cmp(a.resource, b.resource) ||
    cmp(a.message, b.message)
  );
}

function byPosition(a: InputError, b: InputError): number {
  return cmp(a.file, b.file) || a.line - b.line || a.column - b.column || cmp(a.message, b.message);
}

/** Header, separator and as many rows as the limits allow, then "… and N more <things>". */
function table(header: string[], rows: string[][], limit: { rows: number; chars: number }, thing: string): string[] {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  let used = 0;
  let shown = 0;
  for (const row of rows) {
    const line = `| ${row.join(' | ')} |`;
    if (shown >= limit.rows || used + line.length + 1 > limit.chars) break;
    lines.push(line);
    used += line.length + 1;
    shown++;
  }
  if (shown < rows.length) lines.push('', `… and ${plural(rows.length - shown, thing).replace(/^\d+/, '$& more')}.`);
  return lines;
}

function locationTable(items: readonly InputError[], header: string, limit: { rows: number; chars: number }, thing: string): string[] {
  const rows = [...items].sort(byPosition).map((e) => [markdownCell(`${e.file}:${e.line}:${e.column}`, NAME_CHARS), markdownCell(e.message)]);
  return table(['location', header], rows, limit, thing);
}

export const markdownReporter: Reporter = (data) => {
  const findings = data.findings.filter((f) => f.baselineState !== 'unchanged').sort(bySeverity);
  const known = data.findings.length - findings.length;
  // With a baseline, what the report lists is what is new.
  const problem = data.findings.some((f) => f.baselineState !== undefined) ? 'new problem' : 'problem';
  const suppressed = data.suppressed?.length ?? 0;
  const notices = data.notices ?? [];
  const unresolved = data.unresolved ?? [];
  const count = (level: Level): number => findings.filter((f) => f.level === level).length;
  const context = [
    `${plural(data.filesLinted, 'file')} linted`,
    ...(known > 0 ? [`${known} already in the baseline`] : []),
    ...(suppressed > 0 ? [`${suppressed} suppressed`] : []),
    ...(data.errors.length > 0 ? [`${plural(data.errors.length, 'input')} could not be read`] : []),
  ].join('; ');
  const lines: string[] = [];

  if (findings.length === 0) {
    lines.push(`## fedlint: no ${problem}s (${context})`);
  } else {
    const levels = [plural(count('error'), 'error'), plural(count('warning'), 'warning'), plural(count('note'), 'note')];
    lines.push(`## fedlint: ${plural(findings.length, problem)} (${levels.join(', ')})`, '', `${context}.`, '');
    const rows = findings.map((f) => [
      f.level,
      ruleCell(f.ruleId),
      markdownCell(`${f.at.file}:${f.range.startLine}`, NAME_CHARS),
      markdownCell(f.resource, NAME_CHARS),
      markdownCell(f.message),
    ]);
    lines.push(...table(['level', 'rule', 'location', 'resource', 'message'], rows, FINDINGS, 'finding'));
  }

  if (data.errors.length > 0) {
    lines.push('', '### Inputs that could not be read', '', ...locationTable(data.errors, 'problem', ERRORS, 'input'));
  }

  if (notices.length > 0) {
    lines.push('', '### Notices', '', ...locationTable(notices, 'notice', NOTICES, 'notice'));
  }

  if (unresolved.length > 0) {
    // Collapsed: fedlint judged nothing from these values, so they are context rather than problems.
    lines.push('', '<details>', `<summary>${plural(unresolved.length, 'value')} left unresolved (fedlint judges nothing from them)</summary>`, '');
    lines.push(...locationTable(unresolved, 'value', UNRESOLVED, 'value'), '', '</details>');
  }

  return `${lines.join('\n')}\n`;
};
