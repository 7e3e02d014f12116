/**
 * AWS resources of a Terraform plan (reference/terraform-plan.md §6.1): role trust policies (a JSON string
 * inside the plan), the policy documents behind them, OIDC providers, and long-lived access keys.
 *
 * A trust policy known only after apply (typically because it names an OIDC provider created in the same
 * plan) is evaluated from what the plan does know, in this order (terraform-plan.md §3.1): the
 * `aws_iam_policy_document` it references, read at plan time (prior_state); else that data source's
 * configuration blocks, whose condition values are literals, with principals that reference an
 * `aws_iam_openid_connect_provider` resolved to the provider's URL; else the trust is undetermined and
 * said so, never guessed.
 */
import type { JsonPath, Location, StaticCredential, Target, TrustBinding } from '../model/types.js';
import { environmentOf } from '../knowledge/environments.js';
import { normalizeIssuerHost } from '../knowledge/issuers.js';
import { decodePolicyString } from './aws-iam-api.js';
import { loadTrustPolicy } from './aws-policy.js';
import type { LoadProblem, LoadResult } from './loader.js';
import { at, isSensitive, isUnknown, referenced, referencesOf, resourcesOfTypes, valueAt, type PlanResource, type PlanView } from './plan-view.js';
import { isObject, type Json } from './json.js';

/** The string entries of a tag object into `out`, later ones winning (as `{...a, ...b}` would, without the copies). */
function copyStrings(value: Json, out: Record<string, string>): void {
  if (!isObject(value)) return;
  for (const k of Object.keys(value)) {
    const v = value[k];
    if (typeof v === 'string') out[k] = v;
  }
}

function roleTarget(role: PlanResource, file: string): { target: Target; tags?: Record<string, string> } {
  const name = typeof role.values['name'] === 'string' ? role.values['name'] : undefined;
  const path = typeof role.values['path'] === 'string' ? role.values['path'] : undefined;
  const tags: Record<string, string> = {};
  copyStrings(role.values['tags_all'], tags);
  copyStrings(role.values['tags'], tags);
  const target: Target = { kind: 'aws-iam-role', name: role.address, address: role.address, at: at(role, file, []) };
  const env = environmentOf({ tags, path, name: name ?? role.address });
  if (env) {
    target.environment = env.environment;
    target.environmentSource = env.source;
  }
  return Object.keys(tags).length > 0 ? { target, tags } : { target };
}

/** A policy document to evaluate, and how a path inside it maps to a place in the plan file. */
interface PolicySource {
  doc: Json;
  locate: (path: JsonPath, key?: boolean) => Location;
  sensitive: boolean;
}

/** A JSON string attribute holding a policy: parsed, with locations inside the string. */
function embeddedPolicy(resource: PlanResource, file: string, attribute: string): PolicySource | { problem: string; at: Location } | undefined {
  const text = resource.values[attribute];
  if (typeof text !== 'string') return undefined;
  const stringAt = at(resource, file, [attribute]);
  const decoded = decodePolicyString(text);
  if (!decoded.ok) return { problem: `${attribute} of ${resource.address} is not a JSON policy document`, at: stringAt };
  // Every place in the document shares the path of the string: a role's policy is located tens of times.
  const locate = decoded.urlEncoded
    ? () => stringAt
    : resource.locate
      ? (path: JsonPath, key?: boolean): Location => {
          const loc = at(resource, file, [attribute], path);
          return key ? { ...loc, key } : loc;
        }
      : (path: JsonPath, key?: boolean): Location => (key ? { file, path: stringAt.path, inner: path, key } : { file, path: stringAt.path, inner: path });
  return { doc: decoded.value, locate, sensitive: isSensitive(resource, [attribute]) };
}

/** The `aws_iam_policy_document` data sources an expression references, in the role's module. */
function referencedDocuments(view: PlanView, from: PlanResource, expression: Json): PlanResource[] {
  return referencesOf(expression)
    .filter((r) => r.startsWith('data.aws_iam_policy_document.'))
    .flatMap((r) => referenced(view, from, r))
    .filter((r, i, all) => all.indexOf(r) === i);
}

/**
 * Rebuild a policy document from an `aws_iam_policy_document`'s configuration blocks, when its result is
 * known only after apply. Only literal values are used; a principal that references an OIDC provider of
 * the plan becomes that provider's ARN form with its URL. Anything else unknown makes the rebuild fail.
 */
function documentFromConfig(view: PlanView, doc: PlanResource): PolicySource | { reason: string } {
  const config = doc.config;
  if (!config) return { reason: `${doc.address} is read only at apply and the plan has no configuration for it` };
  for (const merged of ['source_policy_documents', 'override_policy_documents']) {
    if (config.expressions[merged] !== undefined) return { reason: `${doc.address} merges other documents (${merged}) that are known only after apply` };
  }
  const statements = config.expressions['statement'];
  if (!Array.isArray(statements)) return { reason: `${doc.address} is read only at apply and its statements are not literal (dynamic blocks or references)` };
  const paths = new Map<string, JsonPath>();
  const record = (docPath: JsonPath, configPath: JsonPath): void => void paths.set(JSON.stringify(docPath), [...config.path, ...configPath]);
  const constant = (expr: Json): Json => (isObject(expr) && 'constant_value' in expr ? expr['constant_value'] : undefined);
  const out: Array<Record<string, Json>> = [];
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i];
    if (!isObject(s)) continue;
    const sp: JsonPath = ['statement', i];
    for (const negative of ['not_principals', 'not_actions']) {
      if (s[negative] !== undefined) return { reason: `${doc.address} uses ${negative}, which fedlint does not rebuild from configuration` };
    }
    const statement: Record<string, Json> = { Effect: constant(s['effect']) ?? 'Allow' };
    record(['Statement', out.length], sp);
    const actions = constant(s['actions']);
    if (actions === undefined && s['actions'] !== undefined) return { reason: `the actions of ${doc.address} are not literal` };
    if (actions !== undefined) statement['Action'] = actions;
    const principals = s['principals'];
    if (Array.isArray(principals)) {
      const principal: Record<string, Json[]> = {};
      for (let j = 0; j < principals.length; j++) {
        const p = principals[j];
        if (!isObject(p)) continue;
        const type = constant(p['type']);
        if (typeof type !== 'string') return { reason: `a principal type of ${doc.address} is not literal` };
        const identifiers = principalIdentifiers(view, doc, p['identifiers']);
        if ('reason' in identifiers) return identifiers;
        const list = (principal[type] ??= []);
        record(['Statement', out.length, 'Principal', type], [...sp, 'principals', j, 'identifiers']);
        list.push(...identifiers.values);
      }
      statement['Principal'] = principal;
    }
    const conditions = s['condition'];
    if (Array.isArray(conditions)) {
      const condition: Record<string, Record<string, Json[]>> = {};
      for (let j = 0; j < conditions.length; j++) {
        const c = conditions[j];
        if (!isObject(c)) continue;
        const test = constant(c['test']);
        const variable = constant(c['variable']);
        const values = constant(c['values']);
        if (typeof test !== 'string' || typeof variable !== 'string' || !Array.isArray(values)) {
          return { reason: `a condition of ${doc.address} is not literal` };
        }
        // Two blocks with the same test and variable merge into one key, values ORed (terraform-plan.md §6.1).
        const list = ((condition[test] ??= {})[variable] ??= []);
        const docPath: JsonPath = ['Statement', out.length, 'Condition', test, variable];
        record(docPath, [...sp, 'condition', j, 'values', 'constant_value']);
        values.forEach((_, k) => record([...docPath, list.length + k], [...sp, 'condition', j, 'values', 'constant_value', k]));
        list.push(...values);
      }
      statement['Condition'] = condition;
    }
    out.push(statement);
  }
  const locate = (path: JsonPath, key?: boolean): Location => {
    for (let n = path.length; n >= 0; n--) {
      const found = paths.get(JSON.stringify(path.slice(0, n)));
      if (found) return key && n === path.length ? { file: view.file, path: found, key } : { file: view.file, path: found };
    }
    return { file: view.file, path: config.path };
  };
  return { doc: { Version: '2012-10-17', Statement: out }, locate, sensitive: false };
}

/** Literal identifiers, or OIDC provider ARNs rebuilt from the referenced provider's known URL. */
function principalIdentifiers(view: PlanView, doc: PlanResource, expr: Json): { values: string[] } | { reason: string } {
  if (isObject(expr) && Array.isArray(expr['constant_value'])) return { values: expr['constant_value'].map(String) };
  const refs = referencesOf(expr);
  const providers = refs
    .filter((r) => r.startsWith('aws_iam_openid_connect_provider.'))
    .flatMap((r) => referenced(view, doc, r))
    .filter((r, i, all) => all.indexOf(r) === i);
  const values: string[] = [];
  for (const provider of providers) {
    const url = provider.values['url'];
    if (typeof url !== 'string') return { reason: `the URL of ${provider.address} is known only after apply` };
    // The account is not known before apply; the trust's meaning does not depend on it.
    values.push(`arn:aws:iam::000000000000:oidc-provider/${url.replace(/^https:\/\//i, '')}`);
  }
  if (values.length === 0 || refs.some((r) => !r.startsWith('aws_iam_openid_connect_provider.'))) {
    return { reason: `the principals of ${doc.address} reference values known only after apply` };
  }
  return { values };
}

function undetermined(target: Target, role: PlanResource, file: string, reason: string, tags?: Record<string, string>): TrustBinding {
  const where = at(role, file, ['assume_role_policy']);
  const binding: TrustBinding = {
    provider: 'aws',
    target,
    mechanism: 'oidc',
    issuer: { kind: 'unknown', reason, at: where },
    claims: {},
    foreignKeys: [],
    context: {},
    actions: [],
    origin: where,
    principalAt: where,
    source: 'terraform-plan',
    undetermined: { reason, at: where },
  };
  if (tags) binding.tags = tags;
  return binding;
}

/** The trust policy of a role: its own string, or the document it is built from (see the module comment). */
function rolePolicy(view: PlanView, role: PlanResource): PolicySource | { problem: string; at: Location } | { reason: string } {
  const own = embeddedPolicy(role, view.file, 'assume_role_policy');
  if (own) return own;
  if (!isUnknown(role, ['assume_role_policy'])) return { reason: `${role.address} has no assume_role_policy` };
  const docs = role.config ? referencedDocuments(view, role, role.config.expressions['assume_role_policy']) : [];
  if (docs.length !== 1) {
    return { reason: `the trust policy of ${role.address} is known only after apply${docs.length > 1 ? ' (it references several documents)' : ''}` };
  }
  const doc = docs[0]!;
  return embeddedPolicy(doc, view.file, 'json') ?? documentFromConfig(view, doc);
}

/** OIDC providers of the plan by issuer host, with their client-ID lists (terraform-plan.md §6.1). */
function oidcProviders(view: PlanView): Map<string, { values: string[]; at: Location }> {
  const out = new Map<string, { values: string[]; at: Location }>();
  for (const r of resourcesOfTypes(view, (type) => type === 'aws_iam_openid_connect_provider')) {
    if (r.mode !== 'managed') continue;
    const url = r.values['url'];
    const list = r.values['client_id_list'];
    if (typeof url !== 'string' || !Array.isArray(list) || isUnknown(r, ['client_id_list'])) continue;
    out.set(normalizeIssuerHost(url), { values: list.filter((v): v is string => typeof v === 'string'), at: at(r, view.file, ['client_id_list']) });
  }
  return out;
}

export function lowerAwsPlan(view: PlanView): LoadResult {
  const file = view.file;
  const providers = oidcProviders(view);
  const bindings: TrustBinding[] = [];
  const credentials: StaticCredential[] = [];
  const problems: LoadProblem[] = [];
  for (const r of resourcesOfTypes(view, (type) => type === 'aws_iam_access_key' || type === 'aws_iam_role')) {
    if (r.mode === 'managed' && r.type === 'aws_iam_access_key') {
      if (String(valueAt(r, ['status']) ?? 'Active').toLowerCase() === 'inactive') continue;
      credentials.push({ provider: 'aws', kind: 'aws_iam_access_key', resource: r.address, at: at(r, file, []) });
      continue;
    }
    if (r.mode !== 'managed' || r.type !== 'aws_iam_role') continue;
    const { target, tags } = roleTarget(r, file);
    const policy = rolePolicy(view, r);
    if ('problem' in policy) {
      problems.push({ at: policy.at, message: policy.problem });
      continue;
    }
    if ('reason' in policy) {
      if (isUnknown(r, ['assume_role_policy'])) bindings.push(undetermined(target, r, file, policy.reason, tags));
      continue;
    }
    const ttl = valueAt(r, ['max_session_duration']);
    const result = loadTrustPolicy(policy.doc, {
      file,
      locate: policy.locate,
      target,
      ...(typeof ttl === 'number' ? { sessionTtl: { seconds: ttl, at: at(r, file, ['max_session_duration']) } } : {}),
      ...(tags ? { tags } : {}),
      source: 'terraform-plan',
    });
    for (const b of result.bindings) {
      if (policy.sensitive) b.sensitive = true;
      const provider = b.mechanism === 'oidc' && b.issuer.kind === 'exact' ? providers.get(b.issuer.host) : undefined;
      if (provider) b.providerAudiences = provider;
    }
    bindings.push(...result.bindings);
    problems.push(...result.problems);
  }
  return { bindings, credentials, problems };
}
