import type { Reporter } from './types.js';

/**
 * `{ "version": 1, "findings": [...], "errors": [...] }`, documented in the README. Field order is fixed
 * so that identical runs give identical bytes.
 */
export const jsonReporter: Reporter = (data) => {
  const shape = (f: (typeof data.findings)[number]) => ({
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
    ...(f.baselineState ? { baselineState: f.baselineState } : {}),
    ...(f.suppression ? { suppression: f.suppression } : {}),
  });
  const where = (e: (typeof data.errors)[number]) => ({ file: e.file, line: e.line, column: e.column, message: e.message });
  const report: Record<string, unknown> = { version: 1, tool: { name: 'fedlint', version: data.toolVersion }, findings: data.findings.map(shape), errors: data.errors.map(where) };
  // Additive keys, present only when there is something to say.
  if (data.suppressed && data.suppressed.length > 0) report['suppressed'] = data.suppressed.map(shape);
  if (data.notices && data.notices.length > 0) report['notices'] = data.notices.map(where);
  return `${JSON.stringify(report, null, 2)}\n`;
};
