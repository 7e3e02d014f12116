import { stripControl } from './text.js';
import type { Reporter } from './types.js';

/** Workflow-command escaping: message data escapes % CR LF; property values also : and , */
function escapeData(s: string): string {
  return stripControl(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND = { error: 'error', warning: 'warning', note: 'notice' } as const;

/** `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message` lines for GitHub workflow annotations. */
export const githubReporter: Reporter = (data) => {
  const lines = data.findings.map((f) => {
    const props = [
      `file=${escapeProperty(f.at.file)}`,
      `line=${f.range.startLine}`,
      `col=${f.range.startColumn}`,
      `endLine=${f.range.endLine}`,
      `endColumn=${f.range.endColumn}`,
      `title=${escapeProperty(`fedlint ${f.ruleId}`)}`,
    ];
    return `::${COMMAND[f.level]} ${props.join(',')}::${escapeData(f.message)}`;
  });
  for (const e of data.errors) {
    lines.push(`::error file=${escapeProperty(e.file)},line=${e.line},col=${e.column},title=${escapeProperty('fedlint input error')}::${escapeData(e.message)}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
};
