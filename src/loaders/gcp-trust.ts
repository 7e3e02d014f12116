/**
 * GCP workload identity federation → TrustBindings (PLACEHOLDER: being written).
 */
import type { TrustBinding } from '../model/types.js';
import type { LoadProblem } from './loader.js';

export interface GcpFacts {
  providers: unknown[];
  members: unknown[];
}

export function assembleGcp(facts: readonly GcpFacts[]): { bindings: TrustBinding[]; problems: LoadProblem[] } {
  void facts;
  return { bindings: [], problems: [] };
}
