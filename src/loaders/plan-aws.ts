/**
 * AWS resources of a Terraform plan (being written).
 */
import type { LoadResult } from './loader.js';
import type { PlanView } from './plan-view.js';

export function lowerAwsPlan(view: PlanView): LoadResult {
  void view;
  return { bindings: [], credentials: [], problems: [] };
}
