/**
 * `terraform show -json` output, a plan or a state (reference/terraform-plan.md). The plan is read once
 * into a PlanView; each cloud's resources are lowered by their own module. Terraform source (.tf) is
 * read into the same view (terraform-source.ts) and lowered by the same function.
 */
import type { Loader, LoadResult } from './loader.js';
import { lowerAwsPlan } from './plan-aws.js';
import { lowerAzurePlan } from './plan-azure.js';
import { lowerGcpPlan } from './plan-gcp.js';
import { planView, type PlanView } from './plan-view.js';
import { looksLikePlan } from './sniff.js';

/** Every cloud's resources of a view, as bindings, credentials and GCP facts. */
export function lowerPlanView(view: PlanView): LoadResult {
  const parts: LoadResult[] = [lowerAwsPlan(view), lowerAzurePlan(view)];
  const gcp = lowerGcpPlan(view);
  return {
    bindings: parts.flatMap((p) => p.bindings),
    credentials: [...parts.flatMap((p) => p.credentials ?? []), ...gcp.credentials],
    problems: [...parts.flatMap((p) => p.problems), ...gcp.problems],
    gcp: gcp.gcp,
  };
}

export const terraformPlanLoader: Loader = {
  kind: 'terraform-plan',
  description: '`terraform show -json` output (a plan or a state)',
  sniff: looksLikePlan,
  load(value, file) {
    const view = planView(value as Record<string, unknown>, file);
    if (view.formatProblem) return { bindings: [], problems: [{ at: { file, path: ['format_version'] }, message: view.formatProblem }] };
    return { ...lowerPlanView(view), addresses: view.resources.map((r) => ({ path: r.path, address: r.address })) };
  },
};
