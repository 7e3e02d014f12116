/**
 * GCP workload identity federation → TrustBindings (reference/gcp.md).
 *
 * Loaders (gcloud/REST exports in gcp-export.ts, Terraform plans in plan-gcp.ts) only collect facts: the
 * pool providers they see and the IAM members (principal:// / principalSet://) that grant something to a
 * pool's identities. The pool is the trust boundary (gcp.md §1): a member names a pool, and the pool's
 * providers may sit in another input of the run, so the facts of every input are joined here once all are
 * loaded.
 *
 * Two kinds of bindings come out:
 * - provider bindings: what a provider admits (its issuer, audience and attribute_condition), one per
 *   disjunct of the condition (gcp-condition.ts); target = the provider;
 * - member bindings: one per (member, provider of its pool), carrying only the member's own limit
 *   (`subject/S`, `attribute.NAME/VALUE`, …) as claims, the provider's issuer and audience, and `member`.
 *   The provider's own condition is judged on the provider binding only, so a weak condition is reported
 *   once, not again on every member.
 */
import type { Constraint, IssuerRef, Location, Target, TrustBinding } from '../model/types.js';
import { analyse } from '../engine/analysis.js';
import { issuerProfile, normalizeIssuerHost, type IssuerProfile } from '../knowledge/issuers.js';
import type { CelAst } from '../match/cel.js';
import { lowerCondition, resolveMapped, type AttributeMapping, type Resolved } from './gcp-condition.js';
import type { LoadProblem } from './loader.js';

export type GcpProviderKind = 'oidc' | 'aws' | 'saml' | 'x509' | 'unknown';

export interface GcpPoolRef {
  /** Short pool id (`ci-pool`); undefined when not known. */
  id?: string;
  /** Project number, when the input shows it (a resource name `projects/NUM/…`). */
  projectNumber?: string;
}

export type GcpCondition =
  | { kind: 'cel'; text: string; ast: CelAst; at: Location }
  /** Known only after apply. */
  | { kind: 'unknown'; reason: string; at: Location }
  /** Not valid CEL: a load problem was reported; the provider is not judged. */
  | { kind: 'invalid'; at: Location };

export interface GcpProviderFact {
  /** The provider as users name it: a Terraform address or the full resource name. */
  name: string;
  /** Terraform address, when the provider comes from a plan. */
  address?: string;
  at: Location;
  source: string;
  pool: GcpPoolRef;
  providerId?: string;
  /** Full resource name `projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV`, when known. */
  resourceName?: string;
  /** A disabled or deleted provider exchanges no tokens (gcp.md §2, §3). */
  inactive?: string;
  kind: GcpProviderKind;
  issuer: IssuerRef;
  /** `allowed_audiences`; undefined means the default audience, the provider's own resource name (gcp.md §2.3). */
  audiences?: { values: string[]; at: Location; valueAt: Location[] } | { unknown: string; at: Location };
  mapping: AttributeMapping;
  condition?: GcpCondition;
  /** Some of the provider's values are sensitive in the input. */
  sensitive?: boolean;
  /** The provider's trust cannot be known (its issuer is known only after apply). */
  undetermined?: { reason: string; at: Location };
  environment?: { environment: string; source: string };
}

export interface GcpMemberFact {
  /** The member string; undefined when it is known only after apply. */
  member?: string;
  at: Location;
  /** Why the member is not known. */
  unknown?: string;
  /** The role granted, as written. */
  role: string;
  /** What the member may act as or on: a service account, a project, another resource. */
  target: Target;
  source: string;
  sensitive?: boolean;
}

export interface GcpFacts {
  providers: GcpProviderFact[];
  members: GcpMemberFact[];
}

/** Roles that let a federated principal impersonate a service account (gcp.md §5.1). */
export const IMPERSONATION_ROLES = new Set(['roles/iam.workloadidentityuser', 'roles/iam.serviceaccounttokencreator']);

export function isImpersonationRole(role: string): boolean {
  return IMPERSONATION_ROLES.has(role.toLowerCase());
}

// ---------------------------------------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------------------------------------

export type MemberScope = NonNullable<TrustBinding['member']>['scope'];

export interface ParsedMember {
  scope: MemberScope;
  pool: GcpPoolRef & { id: string };
  /** subject: the google.subject; attribute: the value; group: the group; kubernetes: see `form`. */
  value?: string;
  attribute?: string;
  /** Kubernetes forms of the GKE pool (gcp.md §4). */
  form?: 'ksa' | 'namespace' | 'cluster' | 'uid';
}

const MEMBER = /^(principal|principalSet):\/\/iam\.googleapis\.com\/projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/(.+)$/;
const LEGACY_KSA = /^serviceAccount:([a-z0-9.:-]+)\.svc\.id\.goog\[([^/\]]+)\/([^\]]+)\]$/;

/** A workload identity member (gcp.md §4), or undefined for any other member (users, groups, service accounts, workforce pools). */
export function parseMember(member: string): ParsedMember | undefined {
  const legacy = LEGACY_KSA.exec(member);
  if (legacy) {
    return { scope: 'kubernetes', form: 'ksa', pool: { id: `${legacy[1]!}.svc.id.goog` }, value: `system:serviceaccount:${legacy[2]!}:${legacy[3]!}` };
  }
  const m = MEMBER.exec(member);
  if (!m) return undefined;
  const set = m[1] === 'principalSet';
  const pool = { id: m[3]!, ...(/^[0-9]+$/.test(m[2]!) ? { projectNumber: m[2]! } : {}) };
  const rest = m[4]!;
  const gke = pool.id.endsWith('.svc.id.goog');
  if (set && rest === '*') return { scope: 'pool', pool };
  if (!set && rest.startsWith('subject/')) {
    const subject = rest.slice('subject/'.length);
    const ksa = gke ? /^ns\/([^/]+)\/sa\/([^/]+)$/.exec(subject) : null;
    if (ksa) return { scope: 'kubernetes', form: 'ksa', pool, value: `system:serviceaccount:${ksa[1]!}:${ksa[2]!}` };
    return { scope: 'subject', pool, value: subject };
  }
  if (set && rest.startsWith('attribute.')) {
    const slash = rest.indexOf('/');
    if (slash > 'attribute.'.length) return { scope: 'attribute', pool, attribute: rest.slice('attribute.'.length, slash), value: rest.slice(slash + 1) };
  }
  if (set && rest.startsWith('group/')) return { scope: 'group', pool, value: rest.slice('group/'.length) };
  if (set && rest.startsWith('namespace/')) return { scope: 'kubernetes', form: 'namespace', pool, value: rest.slice('namespace/'.length) };
  if (set && rest.startsWith('kubernetes.cluster/')) return { scope: 'kubernetes', form: 'cluster', pool, value: rest.slice('kubernetes.cluster/'.length) };
  if (!set && rest.startsWith('kubernetes.serviceaccount.uid/')) return { scope: 'kubernetes', form: 'uid', pool, value: rest.slice('kubernetes.serviceaccount.uid/'.length) };
  return { scope: 'other', pool };
}

// ---------------------------------------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------------------------------------

/** The issuer an OIDC provider trusts (gcp.md §2.3: issuer_uri must be https). */
export function oidcIssuer(uri: string, at: Location): IssuerRef {
  // `written`: the token's iss must equal issuer_uri (gcp.md §2.3).
  const issuer: IssuerRef = { kind: 'exact', host: normalizeIssuerHost(uri), written: uri, at };
  if (!/^https:\/\//i.test(uri.trim())) issuer.insecure = true;
  return issuer;
}

/** The IdP a SAML provider trusts: the entityID of its metadata (gcp.md §2.4). */
export function samlIssuer(metadata: string, at: Location): IssuerRef {
  const entity = /\bentityID\s*=\s*["']([^"']+)["']/.exec(metadata);
  return entity ? { kind: 'exact', host: normalizeIssuerHost(entity[1]!), at } : { kind: 'unknown', reason: 'the SAML metadata names no entityID', at };
}

/** Issuers whose token claims are all strings, apart from the standard time claims (reference/idps.md §1.4, §2, §3). */
const STRING_CLAIM_ISSUERS = new Set(['github', 'github-enterprise', 'github-sigstore', 'github-enterprise-server', 'gitlab', 'hcp-terraform']);
const NUMERIC_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time']);

function profileOfProvider(p: GcpProviderFact): IssuerProfile | undefined {
  return p.kind === 'oidc' && p.issuer.kind === 'exact' ? issuerProfile(p.issuer.host) : undefined;
}

function stringClaimOf(p: GcpProviderFact, profile: IssuerProfile | undefined): (claim: string) => boolean | undefined {
  // GetCallerIdentity fields (arn, account, userid) are strings (gcp.md §2.1).
  if (p.kind === 'aws') return () => true;
  if (profile && STRING_CLAIM_ISSUERS.has(profile.id)) return (claim) => !NUMERIC_CLAIMS.has(claim);
  return () => undefined;
}

function mechanismOf(p: GcpProviderFact): TrustBinding['mechanism'] {
  if (p.kind === 'saml') return 'saml';
  if (p.kind === 'x509') return 'x509';
  // An aws provider admits IAM principals of one AWS account (gcp.md §2.4); no issuer profile describes it,
  // so the rules leave it unjudged rather than read it as an OIDC issuer.
  if (p.kind === 'aws') return 'aws-principal';
  return 'oidc';
}

/**
 * The audience test of a provider: its allowed_audiences, or the default audience, the provider's own
 * resource name in its two spellings (gcp.md §2.3). For accounts.google.com the rules read the requested
 * audience as `oaud` (IAM maps `aud` to the service account there), so it is filed under that name.
 */
function audienceTest(p: GcpProviderFact, profile: IssuerProfile | undefined): { claim: string; test: Constraint } {
  const claim = profile?.id === 'google' ? 'oaud' : 'aud';
  const a = p.audiences;
  if (a && 'unknown' in a) return { claim, test: { kind: 'unknown', reason: a.unknown, operator: 'allowed_audiences', key: 'allowed_audiences', at: a.at } };
  if (a && a.values.length > 0) {
    return { claim, test: { kind: 'patterns', syntax: 'exact', values: a.values, operator: 'allowed_audiences', key: 'allowed_audiences', at: a.at, valueAt: a.valueAt } };
  }
  if (p.resourceName) {
    const values = [`//iam.googleapis.com/${p.resourceName}`, `https://iam.googleapis.com/${p.resourceName}`];
    return { claim, test: { kind: 'patterns', syntax: 'exact', values, operator: 'default audience', key: 'allowed_audiences', at: p.at, valueAt: values.map(() => p.at) } };
  }
  // The default audience is the provider's resource name, which this input does not show: pinned, but to a
  // value fedlint cannot spell out.
  return {
    claim,
    test: { kind: 'unknown', reason: "the default audience is the provider's resource name, which the input does not show", operator: 'default audience', key: 'allowed_audiences', at: p.at },
  };
}

function providerTarget(p: GcpProviderFact): Target {
  const target: Target = { kind: 'gcp-workload-identity-provider', name: p.name, at: p.at };
  if (p.address) target.address = p.address;
  if (p.pool.projectNumber) target.account = p.pool.projectNumber;
  if (p.environment) {
    target.environment = p.environment.environment;
    target.environmentSource = p.environment.source;
  }
  return target;
}

/**
 * A provider with what each binding made from it shares: the audience test and the identity claims are
 * made once per provider rather than once per member (bindings only read them; each has its own lists).
 */
interface ProviderResult {
  fact: GcpProviderFact;
  profile: IssuerProfile | undefined;
  audience: { claim: string; test: Constraint };
  identity: string[];
  /** The issuer of its members' bindings: an issuer problem (an http issuer_uri) is the provider's, reported on its own binding only. */
  memberIssuer: IssuerRef;
  bindings: TrustBinding[];
  /** Every binding of the provider pins one unit (or admits nothing). */
  pinned: boolean;
}

function providerBindings(p: GcpProviderFact): ProviderResult {
  const profile = profileOfProvider(p);
  const audience = audienceTest(p, profile);
  const identity = profile?.identityClaims.map((c) => c.claim) ?? (p.kind === 'aws' ? ['arn'] : ['sub']);
  const { insecure: _insecure, ...memberIssuer } = p.issuer as IssuerRef & { insecure?: boolean };
  const result: ProviderResult = { fact: p, profile, audience, identity, memberIssuer: memberIssuer as IssuerRef, bindings: [], pinned: false };
  if (p.inactive || p.condition?.kind === 'invalid') return result;
  const conditionAt = p.condition?.at;
  const base = (): TrustBinding => {
    const b: TrustBinding = {
      provider: 'gcp',
      target: providerTarget(p),
      mechanism: mechanismOf(p),
      issuer: p.issuer,
      claims: { [audience.claim]: [audience.test] },
      foreignKeys: [],
      context: {},
      actions: [],
      origin: p.at,
      principalAt: conditionAt ?? p.issuer.at,
      source: p.source,
    };
    if (p.sensitive) b.sensitive = true;
    return b;
  };
  const undetermined = p.undetermined ?? (p.condition?.kind === 'unknown' ? { reason: p.condition.reason, at: p.condition.at } : undefined);
  if (undetermined) {
    const b = base();
    b.undetermined = undetermined;
    for (const claim of identity) {
      (b.claims[claim] ??= []).push({ kind: 'unknown', reason: undetermined.reason, operator: 'attribute_condition', key: 'attribute_condition', at: undetermined.at });
    }
    result.bindings.push(b);
    return result;
  }
  const cel = p.condition?.kind === 'cel' ? p.condition : undefined;
  const lowered = lowerCondition({
    ...(cel ? { text: cel.text, ast: cel.ast } : {}),
    at: cel?.at ?? p.at,
    mapping: p.mapping,
    stringClaim: stringClaimOf(p, profile),
    issuerName: profile?.name ?? (p.kind === 'aws' ? 'AWS' : 'the issuer'),
    identityClaims: identity,
    ...(p.sensitive ? { sensitive: true } : {}),
  });
  for (const d of lowered.disjuncts) {
    const b = base();
    for (const [claim, tests] of Object.entries(d.claims)) (b.claims[claim] ??= []).push(...tests);
    // A test no token passes (a type-confused `==`) blocks the disjunct the way a condition key of another
    // issuer blocks an IAM statement: analyse() then sees that this trust admits nothing.
    for (const n of d.never) b.foreignKeys.push({ key: n.key, operator: n.operator, at: n.constraint.at, constraint: n.constraint, sibling: true });
    if (d.flaws.length > 0) b.conditionFlaws = d.flaws;
    result.bindings.push(b);
  }
  result.pinned = result.bindings.every((b) => {
    const a = analyse(b);
    return a.admitsNothing || a.decisive?.breadth === 'pinned';
  });
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Joining members to the providers of their pool
// ---------------------------------------------------------------------------------------------------------

/** The pool stands in for the issuer of a member binding whose pool has no provider among the inputs. */
const POOL_STAND_IN = 'iam.googleapis.com/projects/';

function samePool(p: GcpPoolRef, m: GcpPoolRef): boolean {
  if (!p.id || p.id !== m.id) return false;
  return !p.projectNumber || !m.projectNumber || p.projectNumber === m.projectNumber;
}

function poolName(pool: GcpPoolRef & { id: string }): string {
  return `projects/${pool.projectNumber ?? '-'}/locations/global/workloadIdentityPools/${pool.id}`;
}

function memberBase(m: GcpMemberFact, parsed: ParsedMember | undefined, mechanism: TrustBinding['mechanism'], issuer: IssuerRef): TrustBinding {
  const b: TrustBinding = {
    provider: 'gcp',
    target: m.target,
    mechanism,
    issuer,
    claims: {},
    foreignKeys: [],
    context: {},
    actions: [m.role.toLowerCase()],
    origin: m.at,
    principalAt: m.at,
    source: m.source,
  };
  if (parsed && m.member !== undefined) {
    b.member = { value: m.member, at: m.at, scope: parsed.scope };
    if (parsed.attribute) b.member.attribute = parsed.attribute;
  }
  if (m.sensitive) b.sensitive = true;
  return b;
}

function exactTest(value: string, key: string, operator: string, at: Location): Constraint {
  return { kind: 'patterns', syntax: 'exact', values: [value], operator, key, at, valueAt: [at] };
}

/** The member's own limit as claim tests, through the provider's mapping; undefined when it never matches there. */
function memberTests(parsed: ParsedMember, mapping: AttributeMapping, at: Location, identity: readonly string[]): Record<string, Constraint[]> | undefined {
  const target =
    parsed.scope === 'subject' ? 'google.subject' : parsed.scope === 'group' ? 'google.groups' : parsed.scope === 'attribute' ? `attribute.${parsed.attribute!}` : undefined;
  if (!target || parsed.value === undefined) {
    if (parsed.scope === 'pool') return {};
    const reason = `the member form ${parsed.scope} is not evaluated by fedlint`;
    return Object.fromEntries(identity.map((c) => [c, [{ kind: 'unknown', reason, operator: 'member', key: 'member', at } satisfies Constraint]]));
  }
  const operator = parsed.scope === 'subject' ? 'principal' : 'principalSet';
  const resolved: Resolved = resolveMapped(target, mapping);
  switch (resolved.kind) {
    case 'claim':
      return { [resolved.claim]: [exactTest(parsed.value, target, operator, at)] };
    case 'aws-role': {
      const assumed = /:assumed-role\/[^/]+$/.test(parsed.value);
      const value = assumed ? `${parsed.value}/*` : parsed.value;
      if (value.slice(0, -2).includes('*') || value.includes('?')) break;
      return { arn: [{ kind: 'patterns', syntax: assumed ? 'iam-glob' : 'exact', values: [value], operator, key: target, at, valueAt: [at] }] };
    }
    case 'unmapped':
      // gcp.md §8: a principalSet on an attribute the provider does not map never matches its tokens.
      return undefined;
    case 'opaque':
      break;
  }
  const reason = resolved.kind === 'opaque' ? resolved.reason : `${target} is derived from the token in a way fedlint does not evaluate`;
  const claims = resolved.kind === 'opaque' && resolved.claims.length > 0 ? resolved.claims : [...identity];
  return Object.fromEntries(claims.map((c) => [c, [{ kind: 'unknown', reason, operator, key: target, at } satisfies Constraint]]));
}

/** GKE's built-in pool `PROJECT_ID.svc.id.goog` (gcp.md §4): the issuers are the project's clusters. */
function gkeBinding(m: GcpMemberFact, parsed: ParsedMember): TrustBinding {
  const projectId = parsed.pool.id.slice(0, -'.svc.id.goog'.length);
  // Name-based members match in every cluster of the project that uses the pool ("identity sameness").
  let host = `container.googleapis.com/v1/projects/${projectId}`;
  const claims: Record<string, Constraint[]> = {};
  const at = m.at;
  if (parsed.form === 'ksa' && parsed.value) claims['sub'] = [exactTest(parsed.value, 'google.subject', 'principal', at)];
  if (parsed.form === 'namespace' && parsed.value) {
    claims['sub'] = [{ kind: 'patterns', syntax: 'iam-glob', values: [`system:serviceaccount:${parsed.value}:*`], operator: 'principalSet', key: 'namespace', at, valueAt: [at] }];
  }
  if (parsed.form === 'cluster' && parsed.value) {
    host = normalizeIssuerHost(parsed.value);
    claims['sub'] = [{ kind: 'patterns', syntax: 'iam-glob', values: ['system:serviceaccount:*'], operator: 'principalSet', key: 'kubernetes.cluster', at, valueAt: [at] }];
  }
  if (parsed.form === 'uid' && parsed.value) claims['kubernetes.io.serviceaccount.uid'] = [exactTest(parsed.value, 'kubernetes.serviceaccount.uid', 'principal', at)];
  if (parsed.scope === 'other') claims['sub'] = [{ kind: 'unknown', reason: 'the member form is not evaluated by fedlint', operator: 'member', key: 'member', at }];
  const b = memberBase(m, parsed, 'oidc', { kind: 'exact', host, at });
  claims['aud'] = [exactTest(parsed.pool.id, 'workload pool', 'GKE workload pool', at)];
  b.claims = claims;
  return b;
}

function undeterminedMember(m: GcpMemberFact): TrustBinding {
  const reason = m.unknown ?? 'the member is not known';
  const b = memberBase(m, undefined, 'oidc', { kind: 'unknown', reason, at: m.at });
  b.undetermined = { reason, at: m.at };
  b.claims = {
    sub: [{ kind: 'unknown', reason, operator: 'member', key: 'member', at: m.at }],
    aud: [{ kind: 'unknown', reason, operator: 'member', key: 'member', at: m.at }],
  };
  return b;
}

export function assembleGcp(facts: readonly GcpFacts[]): { bindings: TrustBinding[]; problems: LoadProblem[] } {
  const bindings: TrustBinding[] = [];
  const providers = facts.flatMap((f) => f.providers).map(providerBindings);
  for (const p of providers) bindings.push(...p.bindings);
  // Providers by pool id, so each member looks only at its own pool's providers.
  const byPool = new Map<string, ProviderResult[]>();
  for (const p of providers) {
    if (!p.fact.pool.id) continue;
    let list = byPool.get(p.fact.pool.id);
    if (!list) byPool.set(p.fact.pool.id, (list = []));
    list.push(p);
  }
  for (const m of facts.flatMap((f) => f.members)) {
    if (m.member === undefined) {
      bindings.push(undeterminedMember(m));
      continue;
    }
    const parsed = parseMember(m.member);
    if (!parsed) continue;
    if (parsed.pool.id.endsWith('.svc.id.goog')) {
      bindings.push(gkeBinding(m, parsed));
      continue;
    }
    const found = (byPool.get(parsed.pool.id) ?? []).filter((p) => samePool(p.fact.pool, parsed.pool) && !p.fact.inactive);
    if (found.length === 0) {
      // The pool's providers are not among the inputs: the pool itself stands for the issuer, so the same
      // subject bound in two places is still recognised (cross-environment-trust), and nothing is assumed
      // about what the pool admits.
      const host = `${POOL_STAND_IN}${poolName(parsed.pool).slice('projects/'.length)}`;
      const b = memberBase(m, parsed, 'oidc', { kind: 'exact', host, at: m.at });
      if (b.member) b.member.providersUnseen = true;
      const reason = 'the providers of the pool are not among the inputs';
      b.claims = { aud: [{ kind: 'unknown', reason, operator: 'member', key: 'allowed_audiences', at: m.at }] };
      if (parsed.scope === 'subject' && parsed.value !== undefined) b.claims['sub'] = [exactTest(parsed.value, 'google.subject', 'principal', m.at)];
      else if (parsed.scope === 'attribute' && parsed.value !== undefined) {
        b.claims[parsed.attribute!.toLowerCase()] = [exactTest(parsed.value, `attribute.${parsed.attribute!}`, 'principalSet', m.at)];
      } else if (parsed.scope !== 'pool') b.claims['sub'] = [{ kind: 'unknown', reason, operator: 'member', key: 'member', at: m.at }];
      bindings.push(b);
      continue;
    }
    const providersPinned = found.every((p) => p.pinned);
    for (const p of found) {
      const tests = memberTests(parsed, p.fact.mapping, m.at, p.identity);
      if (!tests) continue;
      const b = memberBase(m, parsed, mechanismOf(p.fact), p.memberIssuer);
      b.claims = { [p.audience.claim]: [p.audience.test] };
      for (const [claim, list] of Object.entries(tests)) (b.claims[claim] ??= []).push(...list);
      if (providersPinned) b.member!.providersPinned = true;
      bindings.push(b);
    }
  }
  return { bindings, problems: [] };
}
