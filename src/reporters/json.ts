import type { Reporter } from './types.js';

/**
 * `{ "version": 1, "findings": [...], "errors": [...] }`, documented in the README. Field order is fixed
 * so that identical runs give identical bytes.
 */
export const jsonReporter: Reporter = (data) => {
  const findings = data.findings.map((f) => ({
    ruleId: f.ruleId,
    level: f.level,
    message: f.message,
    file: f.at.file,
    line: f.range.startLine,
    column: f.range.startColumn,
    endLine: f.range.endLine,
    endColumn: f.range.endColumn,
    resource: f.resource,
    fingerprint: f.fingerprint,
    related: f.relatedRanges.map((r) => ({ file: r.file, line: r.range.startLine, column: r.range.startColumn, message: r.message })),
  }));
  const errors = data.errors.map((e) => ({ file: e.file, line: e.line, column: e.column, message: e.message }));
  return `${JSON.stringify({ version: 1, tool: { name: 'fedlint', version: data.toolVersion }, findings, errors }, null, 2)}\n`;
};
