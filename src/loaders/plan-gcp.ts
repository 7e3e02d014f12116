/**
 * GCP resources of a Terraform plan or state (reference/terraform-plan.md §6.2; reference/gcp.md §2, §5):
 * workload identity pools and providers, every `google_*_iam_member|binding|policy` that grants something
 * to a workload identity member, the `data.google_iam_policy` documents such policies are built from, and
 * `google_service_account_key` (a long-lived key beside federation).
 *
 * A value known only after apply is never guessed: an unknown attribute_condition or issuer makes the
 * provider's trust undetermined, an unknown member (typically `principalSet://…/${pool.name}/…` for a pool
 * created in the same plan) becomes a binding that says it cannot be judged. Sensitive values mark the
 * binding so that messages do not quote them.
 */
import type { JsonPath, Location, StaticCredential, Target } from '../model/types.js';
import { environmentOf } from '../knowledge/environments.js';
import { mappingOf, type AttributeMapping } from './gcp-condition.js';
import { conditionFact, membersOfPolicy, providerEnvironment } from './gcp-export.js';
import { isImpersonationRole, oidcIssuer, parseMember, samlIssuer, type GcpFacts, type GcpMemberFact, type GcpPoolRef, type GcpProviderFact } from './gcp-trust.js';
import type { LoadProblem } from './loader.js';
import { at, isSensitive, isUnknown, referenced, referencesOf, resourcesOfTypes, stringAttr, valueAt, type PlanResource, type PlanView } from './plan-view.js';
import { isObject, type Json } from './json.js';

const IAM_RESOURCE = /^google_(.+)_iam_(member|binding|policy)$/;
const PROVIDER_NAME = /^projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/;
const POOL_NAME = /^projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([^/]+)$/;
const UNTIL_APPLY = 'known only after apply';

/** Where a value known only after apply is flagged: its `after_unknown` entry when the plan has one. */
function unknownAt(r: PlanResource, file: string, attribute: JsonPath): Location {
  const p = r.path;
  if (p[p.length - 1] === 'after') return { file, path: p.slice(0, -1).concat('after_unknown', attribute) };
  return at(r, file, attribute);
}

/** The resource's `address` line, where a finding about the whole resource lands. */
function addressAt(r: PlanResource, file: string): Location {
  const p = r.path;
  if (p.length >= 2 && p[p.length - 1] === 'after' && p[p.length - 2] === 'change') return { file, path: p.slice(0, -2).concat('address') };
  if (p[p.length - 1] === 'values') return { file, path: p.slice(0, -1).concat('address') };
  return at(r, file, []);
}

function expression(r: PlanResource, attribute: string): Json {
  return r.config?.expressions[attribute];
}

/** The instance key of an address (`["prod"]`, `[0]`), or '' for a single instance. */
function instanceKey(address: string): string {
  return /(\[[^\]]*\])$/.exec(address)?.[1] ?? '';
}

/**
 * Resources of `type` that an attribute's configuration expression refers to. A reference names every
 * instance of a resource (`google_service_account.deployer[each.key]` is recorded without its key), so
 * when the referring resource is itself one instance of a for_each or count, the instance with the same
 * key is taken when there is one.
 */
function referencedOfType(view: PlanView, r: PlanResource, attribute: string, type: string): PlanResource[] {
  const out: PlanResource[] = [];
  const refs = referencesOf(expression(r, attribute));
  if (refs.length === 0) return out;
  for (const ref of refs) {
    for (const found of referenced(view, r, ref)) if (found.type === type && !out.includes(found)) out.push(found);
  }
  const key = instanceKey(r.address);
  const same = key ? out.filter((o) => instanceKey(o.address) === key) : [];
  return same.length > 0 ? same : out;
}

/** "it is built from a, b" for messages about unknown values. */
function builtFrom(r: PlanResource, attribute: string): string {
  const refs = referencesOf(expression(r, attribute)).filter((ref, i, all) => !all.some((o, j) => j !== i && o.startsWith(`${ref}.`)));
  return refs.length > 0 ? ` (it is built from ${refs.join(', ')})` : '';
}

/** An unknown member is worth a note only when it looks like a workload identity member (built from a pool). */
function fromPool(r: PlanResource, attribute: string): boolean {
  return referencesOf(expression(r, attribute)).some((ref) => /workload_identity_pool|pool|principal/i.test(ref));
}

interface PoolInfo {
  id?: string;
  projectNumber?: string;
  disabled: boolean;
}

function poolInfo(r: PlanResource): PoolInfo {
  const info: PoolInfo = { disabled: valueAt(r, ['disabled']) === true };
  const id = stringAttr(r, ['workload_identity_pool_id']);
  if (id && id !== 'unknown') info.id = id;
  const name = stringAttr(r, ['name']);
  const m = name && name !== 'unknown' ? POOL_NAME.exec(name) : null;
  if (m) {
    info.id ??= m[2]!;
    if (/^[0-9]+$/.test(m[1]!)) info.projectNumber = m[1]!;
  }
  return info;
}

function firstBlock(r: PlanResource, name: string): Record<string, Json> | undefined {
  const v = valueAt(r, [name]);
  return Array.isArray(v) && isObject(v[0]) ? v[0] : undefined;
}

function providerFact(view: PlanView, r: PlanResource, problems: LoadProblem[]): GcpProviderFact {
  const file = view.file;
  const pools = referencedOfType(view, r, 'workload_identity_pool_id', 'google_iam_workload_identity_pool').map(poolInfo);
  const pool: GcpPoolRef = {};
  const poolId = stringAttr(r, ['workload_identity_pool_id']);
  if (poolId && poolId !== 'unknown') pool.id = poolId;
  else if (pools[0]?.id) pool.id = pools[0].id;
  const name = stringAttr(r, ['name']);
  const parts = name && name !== 'unknown' ? PROVIDER_NAME.exec(name) : null;
  if (parts && /^[0-9]+$/.test(parts[1]!)) pool.projectNumber = parts[1]!;
  else if (pools[0]?.projectNumber) pool.projectNumber = pools[0].projectNumber;
  const kind = (['oidc', 'aws', 'saml', 'x509'] as const).find((k) => firstBlock(r, k) !== undefined) ?? 'unknown';
  const whole = at(r, file, []);
  const fact: GcpProviderFact = {
    name: r.address,
    address: r.address,
    at: whole,
    source: 'terraform-plan',
    pool,
    kind,
    issuer: { kind: 'unknown', reason: 'the provider names no issuer', at: whole },
    mapping: mapping(r, kind === 'aws'),
  };
  if (parts) fact.resourceName = name as string;
  const providerId = stringAttr(r, ['workload_identity_pool_provider_id']);
  if (providerId && providerId !== 'unknown') fact.providerId = providerId;
  if (valueAt(r, ['disabled']) === true) fact.inactive = 'disabled';
  else if (valueAt(r, ['state']) === 'DELETED') fact.inactive = 'deleted';
  else if (pools.length > 0 && pools.every((p) => p.disabled)) fact.inactive = 'pool disabled';
  if (kind === 'oidc') {
    const uri = stringAttr(r, ['oidc', 0, 'issuer_uri']);
    if (uri === 'unknown') {
      const where = unknownAt(r, file, ['oidc', 0, 'issuer_uri']);
      fact.issuer = { kind: 'unknown', reason: `issuer_uri is ${UNTIL_APPLY}`, at: where };
      fact.undetermined = { reason: `the provider's issuer_uri is ${UNTIL_APPLY}${builtFrom(r, 'oidc')}`, at: where };
    } else if (uri !== undefined) fact.issuer = oidcIssuer(uri, at(r, file, ['oidc', 0, 'issuer_uri']));
    const audiences = valueAt(r, ['oidc', 0, 'allowed_audiences']);
    if (Array.isArray(audiences) && audiences.length > 0) {
      const values: string[] = [];
      const valueLocations: Location[] = [];
      audiences.forEach((a, i) => {
        if (typeof a === 'string') {
          values.push(a);
          valueLocations.push(at(r, file, ['oidc', 0, 'allowed_audiences', i]));
        }
      });
      fact.audiences = { values, at: at(r, file, ['oidc', 0, 'allowed_audiences']), valueAt: valueLocations };
    } else if (isUnknown(r, ['oidc', 0, 'allowed_audiences'])) {
      fact.audiences = { unknown: `allowed_audiences are ${UNTIL_APPLY}`, at: unknownAt(r, file, ['oidc', 0, 'allowed_audiences']) };
    }
  } else if (kind === 'aws') {
    const account = stringAttr(r, ['aws', 0, 'account_id']);
    if (account && account !== 'unknown') fact.issuer = { kind: 'exact', host: `aws-account/${account}`, at: at(r, file, ['aws', 0, 'account_id']) };
    else fact.issuer = { kind: 'unknown', reason: `account_id is ${account === 'unknown' ? UNTIL_APPLY : 'not set'}`, at: at(r, file, ['aws', 0]) };
  } else if (kind === 'saml') {
    const xml = stringAttr(r, ['saml', 0, 'idp_metadata_xml']);
    fact.issuer =
      xml && xml !== 'unknown'
        ? samlIssuer(xml, at(r, file, ['saml', 0, 'idp_metadata_xml']))
        : { kind: 'unknown', reason: `idp_metadata_xml is ${xml === 'unknown' ? UNTIL_APPLY : 'not set'}`, at: at(r, file, ['saml', 0]) };
  } else if (kind === 'x509') {
    fact.issuer = { kind: 'unknown', reason: 'an X.509 trust store admits any certificate that chains to its anchors', at: at(r, file, ['x509', 0]) };
  }
  const condition = stringAttr(r, ['attribute_condition']);
  if (condition === 'unknown') {
    fact.condition = { kind: 'unknown', reason: `the attribute_condition is ${UNTIL_APPLY}${builtFrom(r, 'attribute_condition')}`, at: unknownAt(r, file, ['attribute_condition']) };
  } else if (condition !== undefined && condition !== '') {
    fact.condition = conditionFact(condition, at(r, file, ['attribute_condition']), r.address, 'attribute_condition', problems);
  }
  if (isSensitive(r, ['attribute_condition']) || isSensitive(r, ['attribute_mapping']) || isSensitive(r, ['oidc'])) fact.sensitive = true;
  const project = stringAttr(r, ['project']);
  const env = providerEnvironment(project !== 'unknown' ? project : undefined, pool.id, fact.providerId, r.address);
  if (env) fact.environment = env;
  return fact;
}

function mapping(r: PlanResource, aws: boolean): AttributeMapping {
  if (isUnknown(r, ['attribute_mapping'])) return { known: false, reason: `is ${UNTIL_APPLY}` };
  const raw = valueAt(r, ['attribute_mapping']);
  if (isObject(raw) && Object.keys(raw).some((k) => isUnknown(r, ['attribute_mapping', k]))) return { known: false, reason: `is partly ${UNTIL_APPLY}` };
  return mappingOf(raw, aws);
}

// ---------------------------------------------------------------------------------------------------------
// IAM grants
// ---------------------------------------------------------------------------------------------------------

/** Attributes that name the resource of a `google_<family>_iam_*` grant, most specific first. */
const RESOURCE_ATTRIBUTES = [
  'bucket',
  'secret_id',
  'topic',
  'subscription',
  'dataset_id',
  'repository',
  'crypto_key_id',
  'key_ring_id',
  'service',
  'cloud_function',
  'instance_name',
  'instance',
  'folder',
  'org_id',
  'name',
];

/** The google_project a resource's `project` refers to, when the plan creates or manages it. */
function referencedProject(view: PlanView, r: PlanResource): PlanResource | undefined {
  return referencedOfType(view, r, 'project', 'google_project')[0];
}

/** Labels of a google_project of the plan. */
function projectLabels(project: PlanResource | undefined): Record<string, string> | undefined {
  const labels = project ? valueAt(project, ['labels']) : undefined;
  if (!isObject(labels)) return undefined;
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The environment from the project's labels first, then the words of the names (design.md §1). */
function withEnvironment(target: Target, labels: Record<string, string> | undefined, ...names: Array<string | undefined>): Target {
  const tagged = labels ? environmentOf({ tags: labels }) : undefined;
  if (tagged) {
    target.environment = tagged.environment;
    target.environmentSource = `project label ${tagged.source.replace(/^tag /, '')}`;
    return target;
  }
  for (const name of names) {
    if (!name) continue;
    const env = environmentOf({ name });
    if (env) {
      target.environment = env.environment;
      target.environmentSource = env.source;
      break;
    }
  }
  return target;
}

function serviceAccountTarget(view: PlanView, r: PlanResource, role: string): Target {
  const file = view.file;
  const id = stringAttr(r, ['service_account_id']);
  let email: string | undefined;
  let names: Array<string | undefined> = [];
  if (id && id !== 'unknown') {
    email = /\/serviceAccounts\/([^/]+)$/.exec(id)?.[1] ?? id;
    names = [email];
  }
  let label = email;
  // Several candidates that the instance key does not tell apart: name none rather than guess.
  const accounts = referencedOfType(view, r, 'service_account_id', 'google_service_account');
  const account = accounts.length === 1 ? accounts[0] : undefined;
  if (!label && account) {
    const e = stringAttr(account, ['email']);
    const accountId = stringAttr(account, ['account_id']);
    const project = stringAttr(account, ['project']);
    label = e && e !== 'unknown' ? e : account.address;
    names = [e !== 'unknown' ? e : undefined, accountId !== 'unknown' ? accountId : undefined, project !== 'unknown' ? project : undefined, account.address];
  }
  label ??= r.address;
  const impersonation = isImpersonationRole(role);
  const target: Target = impersonation
    ? { kind: 'gcp-service-account', name: label, address: r.address, at: at(r, file, []) }
    : { kind: 'gcp-resource', name: `${label} (${role})`, address: r.address, at: at(r, file, []) };
  return withEnvironment(target, (account && projectLabels(referencedProject(view, account))) ?? projectLabels(referencedProject(view, r)), ...names, r.address);
}

function resourceTarget(view: PlanView, r: PlanResource, family: string, role: string): Target {
  const file = view.file;
  const project = stringAttr(r, ['project']);
  const projectResource = referencedProject(view, r);
  const referencedId = projectResource ? stringAttr(projectResource, ['project_id']) : undefined;
  const projectName = project && project !== 'unknown' ? project : referencedId && referencedId !== 'unknown' ? referencedId : undefined;
  if (family === 'project') {
    const label = `project ${projectName ?? r.address}`;
    // A project-level grant of an impersonation role covers every service account of the project (gcp.md §8).
    const target: Target = isImpersonationRole(role)
      ? { kind: 'gcp-project', name: `${label} (${role} on every service account of the project)`, address: r.address, at: at(r, file, []) }
      : { kind: 'gcp-project', name: `${label} (${role})`, address: r.address, at: at(r, file, []) };
    return withEnvironment(target, projectLabels(projectResource), projectName, r.address);
  }
  let label: string | undefined;
  for (const attribute of RESOURCE_ATTRIBUTES) {
    const v = stringAttr(r, [attribute]);
    if (v && v !== 'unknown') {
      label = `${family.replace(/_/g, ' ')} ${v}`;
      break;
    }
  }
  label ??= r.address;
  return withEnvironment({ kind: 'gcp-resource', name: `${label} (${role})`, address: r.address, at: at(r, file, []) }, projectLabels(projectResource), label, projectName, r.address);
}

function targetOf(view: PlanView, r: PlanResource, family: string, role: string): Target {
  return family === 'service_account' ? serviceAccountTarget(view, r, role) : resourceTarget(view, r, family, role);
}

function unknownMember(r: PlanResource, file: string, attribute: JsonPath, configAttribute: string, role: string, target: Target): GcpMemberFact {
  return {
    at: unknownAt(r, file, attribute),
    unknown: `the member of ${r.address} is ${UNTIL_APPLY}${builtFrom(r, configAttribute)}`,
    role,
    target,
    source: 'terraform-plan',
  };
}

/** A workload identity member's fact; its target is made only then (most members of an estate are not). */
function memberFact(r: PlanResource, file: string, member: string, path: JsonPath, role: string, target: () => Target): GcpMemberFact | undefined {
  if (!parseMember(member)) return undefined;
  const fact: GcpMemberFact = { member, at: at(r, file, path), role, target: target(), source: 'terraform-plan' };
  if (isSensitive(r, path)) fact.sensitive = true;
  return fact;
}

function iamMembers(view: PlanView, r: PlanResource, family: string, form: string, problems: LoadProblem[]): GcpMemberFact[] {
  const file = view.file;
  const out: GcpMemberFact[] = [];
  if (form === 'member' || form === 'binding') {
    const roleValue = stringAttr(r, ['role']);
    const role = roleValue && roleValue !== 'unknown' ? roleValue : 'an unknown role';
    // One target for every member of the resource, made when the first of them is a workload identity member.
    let shared: Target | undefined;
    const target = (): Target => (shared ??= targetOf(view, r, family, role));
    if (form === 'member') {
      const member = stringAttr(r, ['member']);
      if (member === 'unknown') {
        if (fromPool(r, 'member')) out.push(unknownMember(r, file, ['member'], 'member', role, target()));
      } else if (member !== undefined) {
        const fact = memberFact(r, file, member, ['member'], role, target);
        if (fact) out.push(fact);
      }
      return out;
    }
    const members = valueAt(r, ['members']);
    if (!Array.isArray(members)) {
      if (isUnknown(r, ['members']) && fromPool(r, 'members')) out.push(unknownMember(r, file, ['members'], 'members', role, target()));
      return out;
    }
    members.forEach((m, j) => {
      if (typeof m === 'string') {
        const fact = memberFact(r, file, m, ['members', j], role, target);
        if (fact) out.push(fact);
      } else if (isUnknown(r, ['members', j]) && fromPool(r, 'members')) {
        out.push(unknownMember(r, file, ['members', j], 'members', role, target()));
      }
    });
    return out;
  }
  // _policy: the whole policy as a JSON string (gcp.md §5.1), usually data.google_iam_policy.x.policy_data.
  const policy = stringAttr(r, ['policy_data']);
  const targetFor = (role: string): Target => targetOf(view, r, family, role);
  if (policy !== undefined && policy !== 'unknown') {
    let doc: Json;
    try {
      doc = JSON.parse(policy);
    } catch {
      problems.push({ at: at(r, file, ['policy_data']), message: `policy_data of ${r.address} is not valid JSON` });
      return out;
    }
    if (!isObject(doc)) return out;
    return membersOfPolicy(doc, (inner) => at(r, file, ['policy_data'], inner), targetFor, 'terraform-plan', isSensitive(r, ['policy_data']));
  }
  if (policy !== 'unknown') return out;
  // policy_data known only after apply: read the members from the data.google_iam_policy it is built from.
  const documents = referencesOf(expression(r, 'policy_data'))
    .flatMap((ref) => referenced(view, r, ref))
    .filter((d, i, all) => d.mode === 'data' && d.type === 'google_iam_policy' && all.indexOf(d) === i);
  if (documents.length === 0) {
    if (fromPool(r, 'policy_data')) out.push(unknownMember(r, file, ['policy_data'], 'policy_data', 'an unknown role', targetFor('an unknown role')));
    return out;
  }
  for (const d of documents) {
    const blocks = valueAt(d, ['binding']);
    if (!Array.isArray(blocks)) continue;
    blocks.forEach((b, i) => {
      if (!isObject(b)) return;
      const role = typeof b['role'] === 'string' ? b['role'] : 'an unknown role';
      const members = b['members'];
      if (!Array.isArray(members)) {
        if (isUnknown(d, ['binding', i, 'members'])) out.push(unknownMember(d, file, ['binding', i, 'members'], 'binding', role, targetFor(role)));
        return;
      }
      members.forEach((m, j) => {
        if (typeof m === 'string') {
          const fact = memberFact(d, file, m, ['binding', i, 'members', j], role, () => targetFor(role));
          if (fact) out.push(fact);
        } else if (isUnknown(d, ['binding', i, 'members', j])) {
          out.push(unknownMember(d, file, ['binding', i, 'members', j], 'binding', role, targetFor(role)));
        }
      });
    });
  }
  return out;
}

export function lowerGcpPlan(view: PlanView): { gcp: GcpFacts; credentials: StaticCredential[]; problems: LoadProblem[] } {
  const gcp: GcpFacts = { providers: [], members: [] };
  const credentials: StaticCredential[] = [];
  const problems: LoadProblem[] = [];
  const read = (type: string): boolean => type === 'google_iam_workload_identity_pool_provider' || type === 'google_service_account_key' || IAM_RESOURCE.test(type);
  // The family and form of each IAM resource type, matched once per type rather than once per resource.
  const forms = new Map<string, RegExpExecArray | null>();
  for (const r of resourcesOfTypes(view, read)) {
    if (r.mode !== 'managed') continue;
    if (r.type === 'google_iam_workload_identity_pool_provider') {
      gcp.providers.push(providerFact(view, r, problems));
      continue;
    }
    if (r.type === 'google_service_account_key') {
      credentials.push({ provider: 'gcp', kind: 'google_service_account_key', resource: r.address, at: addressAt(r, view.file) });
      continue;
    }
    let iam = forms.get(r.type);
    if (iam === undefined) forms.set(r.type, (iam = IAM_RESOURCE.exec(r.type)));
    if (iam) gcp.members.push(...iamMembers(view, r, iam[1]!, iam[2]!, problems));
  }
  return { gcp, credentials, problems };
}
