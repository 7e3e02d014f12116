/**
 * Suppressions: accepted findings, each with a reason. From the configuration (`ignore:` entries keyed by
 * rule, file glob and/or resource glob, with an optional `expires` date after which the finding comes back)
 * and inline in Terraform source (`# fedlint-ignore RULE-ID reason` on the line above the value or above its
 * block). Suppressed findings never count for the exit code; SARIF keeps them as dismissed (`suppressions`).
 * Ignores that expired or matched nothing are said, so that they do not rot.
 */
import path from 'node:path';
import type { InputError } from '../model/types.js';
import { globMatch } from '../match/glob.js';
import type { ReportedFinding } from '../reporters/types.js';
import type { Config, IgnoreEntry } from './load.js';

export interface Suppression {
  kind: 'external' | 'inSource';
  justification: string;
}

export interface SuppressionResult {
  active: ReportedFinding[];
  suppressed: ReportedFinding[];
  /** Expired and unused ignores, and inline ignores without a reason. */
  notices: InputError[];
}

const INLINE = /(?:#|\/\/)\s*fedlint-ignore\s+([a-z0-9-]+)(?:\s+(.*?))?\s*$/;
const BLOCK_START = /^\s*(resource|data|module)\s+"/;

function matches(entry: IgnoreEntry, f: ReportedFinding, config: Config, cwd: string): boolean {
  if (entry.rule && entry.rule !== f.ruleId) return false;
  if (entry.path) {
    const rel = path.relative(config.dir, path.resolve(cwd, f.at.file)).split(path.sep).join('/');
    if (!globMatch(entry.path, rel)) return false;
  }
  if (entry.resource && !globMatch(entry.resource, f.resource)) return false;
  return true;
}

/** The inline ignore for a finding: on the line above it, or on the line above the block that holds it. */
function inline(f: ReportedFinding, lines: readonly string[] | undefined): { rule: string; reason?: string; line: number } | undefined {
  if (!lines) return undefined;
  const candidates: number[] = [f.range.startLine - 1];
  for (let l = f.range.startLine; l >= 1; l--) {
    if (BLOCK_START.test(lines[l - 1] ?? '')) {
      candidates.push(l - 1);
      break;
    }
  }
  for (const line of candidates) {
    const m = INLINE.exec(lines[line - 1] ?? '');
    if (m && m[1] === f.ruleId) return m[2] ? { rule: m[1]!, reason: m[2], line } : { rule: m[1]!, line };
  }
  return undefined;
}

export function applySuppressions(
  findings: readonly ReportedFinding[],
  options: { config?: Config | undefined; cwd: string; today: string; linesOf: (file: string) => readonly string[] | undefined },
): SuppressionResult {
  const result: SuppressionResult = { active: [], suppressed: [], notices: [] };
  const used = new Set<IgnoreEntry>();
  const expiredUsed = new Set<IgnoreEntry>();
  const noReason = new Set<string>();
  for (const f of findings) {
    // Inline ignores apply only to text formats with comments (Terraform source).
    const own = f.at.file.endsWith('.tf') || f.at.file.endsWith('.tfvars') ? inline(f, options.linesOf(f.at.file)) : undefined;
    if (own && own.reason) {
      result.suppressed.push({ ...f, suppression: { kind: 'inSource', justification: own.reason } });
      continue;
    }
    if (own && !noReason.has(`${f.at.file}:${own.line}`)) {
      noReason.add(`${f.at.file}:${own.line}`);
      result.notices.push({ file: f.at.file, line: own.line, column: 1, message: `fedlint-ignore ${own.rule} needs a reason after the rule id; the finding is still reported` });
    }
    const entry = options.config?.ignore.find((e) => matches(e, f, options.config!, options.cwd));
    if (entry && entry.expires !== undefined && options.today > entry.expires) {
      expiredUsed.add(entry);
      result.active.push(f);
      continue;
    }
    if (entry) {
      used.add(entry);
      result.suppressed.push({ ...f, suppression: { kind: 'external', justification: entry.reason } });
      continue;
    }
    result.active.push(f);
  }
  const config = options.config;
  for (const entry of config?.ignore ?? []) {
    const what = [entry.rule, entry.path, entry.resource].filter(Boolean).join(', ');
    if (expiredUsed.has(entry)) {
      result.notices.push({ file: config!.file, line: entry.line, column: entry.column, message: `ignore (${what}) expired on ${entry.expires}: its findings are reported again` });
    } else if (!used.has(entry)) {
      const expired = entry.expires !== undefined && options.today > entry.expires ? ` (and it expired on ${entry.expires})` : '';
      result.notices.push({ file: config!.file, line: entry.line, column: entry.column, message: `ignore (${what}) matched no finding${expired}: remove it` });
    }
  }
  return result;
}
