import type { Finding, InputError, ResolvedRange } from '../model/types.js';
import type { RuleMeta } from '../engine/rule.js';

export interface ReportedFinding extends Finding {
  range: ResolvedRange;
  /** Stable across line shifts: rule id, file, resource and the path of the offending value. */
  fingerprint: string;
  relatedRanges: Array<{ file: string; range: ResolvedRange; message: string }>;
  /** Set on suppressed findings: accepted in the configuration (external) or inline (inSource). */
  suppression?: { kind: 'external' | 'inSource'; justification: string };
  /** Set when the run compares with a baseline: unchanged findings do not fail the run. */
  baselineState?: 'new' | 'unchanged';
}

export interface ReportData {
  toolVersion: string;
  /** Rules enabled for the run, in registry order. */
  rules: ReadonlyArray<RuleMeta<object>>;
  findings: readonly ReportedFinding[];
  errors: readonly InputError[];
  filesLinted: number;
  /**
   * Values of Terraform source that could not be resolved statically (remote modules, variables without a
   * value, data sources that read the cloud): no finding is guessed from them; the text report lists them.
   */
  unresolved?: readonly InputError[];
  /** Findings accepted by an ignore: not counted, kept in SARIF as dismissed. */
  suppressed?: readonly ReportedFinding[];
  /** Things about the run worth saying that are not input errors (an ignore that expired or matched nothing). */
  notices?: readonly InputError[];
  /**
   * The directory the run started in, which file paths are shown relative to (a file outside it is shown
   * by its absolute path): SARIF makes every location relative to it.
   */
  cwd?: string;
}

export type Reporter = (data: ReportData, options: { color: boolean }) => string;
