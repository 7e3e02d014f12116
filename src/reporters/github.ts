import type { ResolvedRange } from '../model/types.js';
import { stripControl } from './text.js';
import type { Reporter } from './types.js';

/**
 * Workflow-command escaping, as the Actions runner undoes it: the message (data) escapes `%`, CR and LF;
 * property values also escape `:` and `,`, because `,` separates properties and the first `::` ends them.
 * `%` is escaped first so that the other escapes are not escaped twice (the runner decodes `%25` last).
 * Other control characters are replaced as in the text report; with CR and LF escaped, a value can
 * never start a line of its own, so it cannot issue a workflow command.
 */
export function escapeData(s: string): string {
  return stripControl(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND = { error: 'error', warning: 'warning', note: 'notice' } as const;

/**
 * The position properties of an annotation. GitHub takes columns only when the annotation stays on one
 * line (the runner drops `col` and `endColumn` otherwise), and its end column is the last column of the
 * annotation (it defaults to the start column), where fedlint's `endColumn` is the column just after the
 * value, as in SARIF.
 */
function position(range: ResolvedRange): string[] {
  const props = [`line=${range.startLine}`];
  if (range.endLine === range.startLine) {
    props.push(`col=${range.startColumn}`, `endLine=${range.endLine}`, `endColumn=${Math.max(range.startColumn, range.endColumn - 1)}`);
  } else {
    props.push(`endLine=${range.endLine}`);
  }
  return props;
}

/** `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message` lines for GitHub workflow annotations. */
export const githubReporter: Reporter = (data) => {
  const lines = data.findings.map((f) => {
    const props = [`file=${escapeProperty(f.at.file)}`, ...position(f.range), `title=${escapeProperty(`fedlint ${f.ruleId}`)}`];
    return `::${COMMAND[f.level]} ${props.join(',')}::${escapeData(f.message)}`;
  });
  for (const e of data.errors) {
    lines.push(`::error file=${escapeProperty(e.file)},line=${e.line},col=${e.column},title=${escapeProperty('fedlint input error')}::${escapeData(e.message)}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
};
