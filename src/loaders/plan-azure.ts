/**
 * Azure resources of a Terraform plan (PLACEHOLDER: being written).
 */
import type { LoadResult } from './loader.js';
import type { PlanView } from './plan-view.js';

export function lowerAzurePlan(view: PlanView): LoadResult {
  void view;
  return { bindings: [], credentials: [], problems: [] };
}
