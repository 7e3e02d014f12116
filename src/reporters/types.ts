import type { Finding, InputError, ResolvedRange } from '../model/types.js';
import type { RuleMeta } from '../engine/rule.js';

export interface ReportedFinding extends Finding {
  range: ResolvedRange;
  /** Stable across line shifts: rule id, file, resource and the path of the offending value. */
  fingerprint: string;
  relatedRanges: Array<{ file: string; range: ResolvedRange; message: string }>;
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
}

export type Reporter = (data: ReportData, options: { color: boolean }) => string;
