/**
 * gcloud / REST exports of GCP workload identity federation (reference/gcp.md §3, §5.1):
 * - `gcloud iam workload-identity-pools providers describe … --format=json` (one provider object),
 *   `providers list … --format=json` (an array of them) and the REST list shape
 *   `{"workloadIdentityPoolProviders": [...]}`; REST and gcloud spell fields in camelCase;
 * - IAM policies (`gcloud … get-iam-policy --format=json`, also the `policy_data` of Terraform):
 *   `{"bindings": [{"role", "members", "condition"}], "etag", "version"}`.
 * Both produce GCP facts only; bindings are made once every input is loaded (gcp-trust.ts).
 */
import type { JsonPath, Location, Target } from '../model/types.js';
import { environmentOf } from '../knowledge/environments.js';
import { parseCel } from '../match/cel.js';
import { mappingOf } from './gcp-condition.js';
import {
  isImpersonationRole,
  oidcIssuer,
  parseMember,
  samlIssuer,
  type GcpCondition,
  type GcpMemberFact,
  type GcpPoolRef,
  type GcpProviderFact,
  type GcpProviderKind,
} from './gcp-trust.js';
import type { LoadProblem, Loader, LoadResult } from './loader.js';
import { isObject, type Json } from './json.js';
import { KINDS, PROVIDER_NAME, field, isIamPolicy, looksLikeGcpProviders } from './sniff.js';


/** Parse a provider's condition; a condition that is not CEL is a load problem naming it. */
export function conditionFact(text: string, at: Location, owner: string, field: string, problems: LoadProblem[]): GcpCondition {
  const parsed = parseCel(text);
  if (parsed.ok) return { kind: 'cel', text, ast: parsed.ast, at };
  problems.push({ at, message: `${field} of ${owner} is not valid CEL: ${parsed.message} (at character ${parsed.offset + 1} of the condition)` });
  return { kind: 'invalid', at };
}

/** Environment of a provider, from the words of its names (design.md §1). */
export function providerEnvironment(...names: Array<string | undefined>): GcpProviderFact['environment'] {
  const env = environmentOf({ name: names.filter((n): n is string => !!n).join('/') });
  return env ? { environment: env.environment, source: env.source } : undefined;
}

function providerFromExport(obj: Record<string, Json>, path: JsonPath, file: string, fallbackName: string, problems: LoadProblem[]): GcpProviderFact {
  const here = (p: JsonPath): Location => ({ file, path: path.concat(p) });
  const resourceName = typeof obj['name'] === 'string' && PROVIDER_NAME.test(obj['name']) ? obj['name'] : undefined;
  const parts = resourceName ? PROVIDER_NAME.exec(resourceName) : null;
  const pool: GcpPoolRef = {};
  if (parts) {
    pool.id = parts[2]!;
    if (/^[0-9]+$/.test(parts[1]!)) pool.projectNumber = parts[1]!;
  }
  const name = resourceName ?? (typeof obj['displayName'] === 'string' ? obj['displayName'] : fallbackName);
  const kind: GcpProviderKind = KINDS.find((k) => isObject(obj[k])) ?? 'unknown';
  const fact: GcpProviderFact = {
    name,
    at: here([]),
    source: 'gcp-provider',
    pool,
    kind,
    issuer: { kind: 'unknown', reason: 'the provider names no issuer', at: here([]) },
    mapping: mappingOf(field(obj, 'attributeMapping')?.value, kind === 'aws'),
  };
  if (resourceName) fact.resourceName = resourceName;
  if (parts) fact.providerId = parts[3]!;
  if (obj['disabled'] === true) fact.inactive = 'disabled';
  else if (obj['state'] === 'DELETED') fact.inactive = 'deleted';
  const block = kind === 'unknown' ? undefined : (obj[kind] as Record<string, Json>);
  if (kind === 'oidc' && block) {
    const uri = field(block, 'issuerUri');
    if (typeof uri?.value === 'string') fact.issuer = oidcIssuer(uri.value, here(['oidc', uri.key]));
    else fact.issuer = { kind: 'unknown', reason: 'the oidc block has no issuerUri', at: here(['oidc']) };
    const audiences = field(block, 'allowedAudiences');
    if (audiences && Array.isArray(audiences.value) && audiences.value.length > 0) {
      const values: string[] = [];
      const valueAt: Location[] = [];
      audiences.value.forEach((a, i) => {
        if (typeof a === 'string') {
          values.push(a);
          valueAt.push(here(['oidc', audiences.key, i]));
        }
      });
      fact.audiences = { values, at: here(['oidc', audiences.key]), valueAt };
    }
  } else if (kind === 'aws' && block) {
    const account = field(block, 'accountId');
    fact.issuer =
      account && (typeof account.value === 'string' || typeof account.value === 'number')
        ? { kind: 'exact', host: `aws-account/${String(account.value)}`, at: here(['aws', account.key]) }
        : { kind: 'unknown', reason: 'the aws block has no accountId', at: here(['aws']) };
  } else if (kind === 'saml' && block) {
    const xml = field(block, 'idpMetadataXml');
    fact.issuer =
      typeof xml?.value === 'string' ? samlIssuer(xml.value, here(['saml', xml.key])) : { kind: 'unknown', reason: 'the saml block has no idpMetadataXml', at: here(['saml']) };
  } else if (kind === 'x509') {
    fact.issuer = { kind: 'unknown', reason: 'an X.509 trust store admits any certificate that chains to its anchors', at: here(['x509']) };
  }
  const condition = field(obj, 'attributeCondition');
  if (typeof condition?.value === 'string' && condition.value.trim() !== '') {
    fact.condition = conditionFact(condition.value, here([condition.key]), name, condition.key, problems);
  }
  const env = providerEnvironment(pool.id, fact.providerId, typeof obj['displayName'] === 'string' ? obj['displayName'] : undefined);
  if (env) fact.environment = env;
  return fact;
}

function loadProviders(list: Array<{ obj: Json; path: JsonPath }>, file: string, displayName: string): LoadResult {
  const problems: LoadProblem[] = [];
  const providers: GcpProviderFact[] = [];
  list.forEach(({ obj, path }, i) => {
    if (!isObject(obj)) {
      problems.push({ at: { file, path }, message: 'expected a workload identity pool provider object' });
      return;
    }
    providers.push(providerFromExport(obj, path, file, list.length > 1 ? `${displayName}[${i}]` : displayName, problems));
  });
  return { bindings: [], problems, gcp: { providers, members: [] } };
}

export const gcpProviderLoader: Loader = {
  kind: 'gcp-provider',
  description: 'a GCP workload identity pool provider (`gcloud iam workload-identity-pools providers describe|list --format=json`, or the REST list)',
  sniff: looksLikeGcpProviders,
  load(value, file, displayName) {
    if (Array.isArray(value)) return loadProviders(value.map((obj, i) => ({ obj, path: [i] })), file, displayName);
    if (isObject(value) && Array.isArray(value['workloadIdentityPoolProviders'])) {
      const list = value['workloadIdentityPoolProviders'] as Json[];
      return loadProviders(list.map((obj, i) => ({ obj, path: ['workloadIdentityPoolProviders', i] })), file, displayName);
    }
    return loadProviders([{ obj: value, path: [] }], file, displayName);
  },
};

// ---------------------------------------------------------------------------------------------------------
// IAM policies
// ---------------------------------------------------------------------------------------------------------

/**
 * The workload identity members of an IAM policy document. `locate` turns a path inside the document into
 * a location (the document may be a file or a JSON string inside a plan); `targetFor` names what the role
 * is granted on.
 */
export function membersOfPolicy(
  doc: Record<string, Json>,
  locate: (path: JsonPath) => Location,
  targetFor: (role: string) => Target,
  source: string,
  sensitive = false,
): GcpMemberFact[] {
  const out: GcpMemberFact[] = [];
  const bindings = Array.isArray(doc['bindings']) ? (doc['bindings'] as Json[]) : [];
  bindings.forEach((b, i) => {
    if (!isObject(b) || typeof b['role'] !== 'string' || !Array.isArray(b['members'])) return;
    const role = b['role'];
    (b['members'] as Json[]).forEach((member, j) => {
      if (typeof member !== 'string' || !parseMember(member)) return;
      const fact: GcpMemberFact = { member, at: locate(['bindings', i, 'members', j]), role, target: targetFor(role), source };
      if (sensitive) fact.sensitive = true;
      out.push(fact);
    });
  });
  return out;
}

/** What a role in a policy of unknown origin is granted on: impersonation of a service account, or direct access. */
export function policyTarget(label: string, role: string, at: Location, environmentName: string): Target {
  const impersonation = isImpersonationRole(role);
  const target: Target = impersonation ? { kind: 'gcp-service-account', name: label, at } : { kind: 'gcp-resource', name: `${label} (${role})`, at };
  const env = environmentOf({ name: environmentName });
  if (env) {
    target.environment = env.environment;
    target.environmentSource = env.source;
  }
  return target;
}

export const gcpIamPolicyLoader: Loader = {
  kind: 'gcp-iam-policy',
  description: 'a GCP IAM policy (`gcloud … get-iam-policy --format=json`: {"bindings": [...], "etag": ...})',
  sniff: isIamPolicy,
  load(value, file, displayName) {
    const doc = value as Record<string, Json>;
    const base = displayName.replace(/^.*\//, '').replace(/\.json$/i, '');
    const members = membersOfPolicy(
      doc,
      (path) => ({ file, path }),
      (role) => policyTarget(displayName, role, { file, path: [] }, base),
      'gcp-iam-policy',
    );
    return { bindings: [], problems: [], gcp: { providers: [], members } };
  },
};
