/**
 * `terraform show -json` output, a plan or a state (reference/terraform-plan.md). The plan is read once
 * into a PlanView; each cloud's resources are lowered by their own module.
 */
import type { Loader, LoadResult } from './loader.js';
import { lowerAwsPlan } from './plan-aws.js';
import { lowerAzurePlan } from './plan-azure.js';
import { lowerGcpPlan } from './plan-gcp.js';
import { looksLikePlan, planView } from './plan-view.js';

export const terraformPlanLoader: Loader = {
  kind: 'terraform-plan',
  description: '`terraform show -json` output (a plan or a state)',
  sniff: looksLikePlan,
  load(value, file) {
    const view = planView(value as Record<string, unknown>, file);
    if (view.formatProblem) return { bindings: [], problems: [{ at: { file, path: ['format_version'] }, message: view.formatProblem }] };
    const parts: LoadResult[] = [lowerAwsPlan(view), lowerAzurePlan(view)];
    const gcp = lowerGcpPlan(view);
    return {
      bindings: parts.flatMap((p) => p.bindings),
      credentials: [...parts.flatMap((p) => p.credentials ?? []), ...gcp.credentials],
      problems: [...parts.flatMap((p) => p.problems), ...gcp.problems],
      gcp: gcp.gcp,
    };
  },
};
