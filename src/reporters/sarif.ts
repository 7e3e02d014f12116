import path from 'node:path';
import type * as Sarif from 'sarif';
import type { ReportData, Reporter } from './types.js';
import { ruleHelpMarkdown, ruleHelpText, ruleUri } from '../engine/docs.js';

/** Rule ids are kebab-case; SARIF `name` is conventionally PascalCase. */
function pascal(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_, __, ch: string) => ch.toUpperCase());
}

/**
 * Paths with forward slashes, each segment percent-encoded, relative to %SRCROOT% (the run's directory): a
 * file outside it, which the other formats show by its absolute path, becomes a `../` path, so no location
 * is absolute and none names the machine's directories.
 */
function uri(file: string, cwd: string | undefined): string {
  const relative = relativePath(file, cwd);
  // Most paths hold only what encodeURIComponent leaves as it is: they are not split and joined again.
  return UNRESERVED_PATH.test(relative) ? relative : relative.split('/').map(encodeURIComponent).join('/');
}

/** Characters encodeURIComponent never escapes (ECMA-262 uriUnreserved), and the separator. */
const UNRESERVED_PATH = /^[A-Za-z0-9\-_.!~*'()/]*$/;

function relativePath(file: string, cwd: string | undefined): string {
  return cwd !== undefined && path.isAbsolute(file) ? path.relative(cwd, file).split(path.sep).join('/') : file;
}

/**
 * SARIF 2.1.0 for GitHub code scanning (reference/sarif-github.md §8): one run, every enabled rule
 * described, each result with a relative location, the resource as logical location, and a
 * fingerprint that does not depend on line numbers. No timestamps, so identical runs are identical.
 */
export const sarifReporter: Reporter = (data) => {
  const ruleIndex = new Map(data.rules.map((r, i) => [r.id, i]));
  const rules: Sarif.ReportingDescriptor[] = data.rules.map((r) => ({
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.title },
    fullDescription: { text: r.docs.description },
    defaultConfiguration: { level: r.level },
    help: { text: ruleHelpText(r), markdown: ruleHelpMarkdown(r) },
    helpUri: ruleUri(r.id),
    properties: { tags: r.tags, precision: r.precision, 'security-severity': r.securitySeverity },
  }));
  const results: Sarif.Result[] = [...data.findings, ...(data.suppressed ?? [])].map((f) => {
    const result: Sarif.Result = {
      ruleId: f.ruleId,
      level: f.level,
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uri(f.at.file, data.cwd), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: f.range.startLine,
              startColumn: f.range.startColumn,
              endLine: f.range.endLine,
              endColumn: f.range.endColumn,
            },
          },
          // A file linted on its own is its own resource, named by its path: relative, as in its uri.
          logicalLocations: [{ fullyQualifiedName: f.resource === f.at.file ? relativePath(f.resource, data.cwd) : f.resource, kind: 'resource' }],
        },
      ],
      // GitHub reads only primaryLocationLineHash and treats it as opaque; ours does not change when lines
      // are inserted above the finding (reference/sarif-github.md §4).
      partialFingerprints: { primaryLocationLineHash: f.fingerprint, 'fedlint/v1': f.fingerprint },
    };
    const index = ruleIndex.get(f.ruleId);
    if (index !== undefined) result.ruleIndex = index;
    // Code scanning shows suppressed results as dismissed (reference/sarif-github.md).
    if (f.suppression) result.suppressions = [{ kind: f.suppression.kind, justification: f.suppression.justification }];
    if (f.baselineState) result.baselineState = f.baselineState;
    if (f.relatedRanges.length > 0) {
      result.relatedLocations = f.relatedRanges.map((r, i) => ({
        id: i + 1,
        physicalLocation: {
          artifactLocation: { uri: uri(r.file, data.cwd), uriBaseId: '%SRCROOT%' },
          region: { startLine: r.range.startLine, startColumn: r.range.startColumn, endLine: r.range.endLine, endColumn: r.range.endColumn },
        },
        message: { text: r.message },
      }));
    }
    return result;
  });
  const notify = (level: 'error' | 'warning') => (e: (typeof data.errors)[number]): Sarif.Notification => ({
    level,
    message: { text: e.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(e.file, data.cwd), uriBaseId: '%SRCROOT%' },
          region: { startLine: e.line, startColumn: e.column },
        },
      },
    ],
  });
  const notifications = [...data.errors.map(notify('error')), ...(data.notices ?? []).map(notify('warning'))];
  const log: Sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'fedlint',
            semanticVersion: data.toolVersion,
            informationUri: 'https://github.com/fedlint/fedlint',
            rules,
          },
        },
        automationDetails: { id: 'fedlint/' },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The directory fedlint was run from.' } } },
        invocations: [{ executionSuccessful: data.errors.length === 0, toolExecutionNotifications: notifications }],
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};
