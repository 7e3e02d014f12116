/**
 * The recognisers of the input kinds whose loaders are imported only when an input of their kind is seen
 * (Terraform plans, GCP exports: src/loaders/index.ts): they are kept apart from the lowering code so that
 * sniffing an AWS policy loads neither the plan loaders nor the CEL engine.
 */
import { isObject, type Json } from './json.js';

/** A plan (`planned_values` or `resource_changes`) or a state (`values.root_module`) with a 1.x format version. */
export function looksLikePlan(value: Json): value is Record<string, Json> {
  if (!isObject(value) || typeof value['format_version'] !== 'string') return false;
  const values = value['values'];
  return (
    Array.isArray(value['resource_changes']) ||
    isObject(value['planned_values']) ||
    isObject(value['prior_state']) ||
    (isObject(values) && isObject(values['root_module']))
  );
}

/**
 * Drop what lowering a plan never reads: planned_values when there are resource_changes (plan-view.ts reads
 * it only without them). True when something was dropped.
 */
export function dropUnreadPlanParts(plan: Record<string, unknown>): boolean {
  if (!Array.isArray(plan['resource_changes']) || !('planned_values' in plan)) return false;
  delete plan['planned_values'];
  return true;
}

export const PROVIDER_NAME = /^projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/;
export const KINDS = ['oidc', 'aws', 'saml', 'x509'] as const;

/**
 * A field by its REST/gcloud camelCase name, or by the snake_case spelling of the Terraform schema that
 * hand-written exports sometimes use; with the key actually present, for locations.
 */
export function field(obj: Record<string, Json>, camel: string): { key: string; value: Json } | undefined {
  if (camel in obj) return { key: camel, value: obj[camel] };
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return snake in obj ? { key: snake, value: obj[snake] } : undefined;
}

/** A provider object as gcloud or REST prints it. */
export function isProviderObject(value: Json): value is Record<string, Json> {
  if (!isObject(value)) return false;
  if (typeof value['name'] === 'string' && PROVIDER_NAME.test(value['name'])) return true;
  const hasKind = KINDS.some((k) => isObject(value[k]));
  return hasKind && (isObject(field(value, 'attributeMapping')?.value) || typeof field(value, 'attributeCondition')?.value === 'string');
}

/** A provider, a list of providers, or the REST list response. */
export function looksLikeGcpProviders(value: Json): boolean {
  if (isProviderObject(value)) return true;
  if (Array.isArray(value)) return value.length > 0 && value.every(isProviderObject);
  return isObject(value) && Array.isArray(value['workloadIdentityPoolProviders']);
}

export function isIamPolicy(value: Json): value is Record<string, Json> {
  if (!isObject(value) || !Array.isArray(value['bindings'])) return false;
  const bindings = value['bindings'] as Json[];
  if (bindings.length === 0) return typeof value['etag'] === 'string';
  return bindings.every((b) => isObject(b) && typeof b['role'] === 'string' && (b['members'] === undefined || Array.isArray(b['members'])));
}
