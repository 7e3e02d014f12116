/**
 * GCP resources of a Terraform plan (PLACEHOLDER: being written).
 */
import type { StaticCredential } from '../model/types.js';
import type { GcpFacts } from './gcp-trust.js';
import type { LoadProblem } from './loader.js';
import type { PlanView } from './plan-view.js';

export function lowerGcpPlan(view: PlanView): { gcp: GcpFacts; credentials: StaticCredential[]; problems: LoadProblem[] } {
  void view;
  return { gcp: { providers: [], members: [] }, credentials: [], problems: [] };
}
