/**
 * `fedlint simulate`: which trusts of the inputs would accept one token. Pure (no file system, no console):
 * the CLI (src/cli/simulate.ts) loads the inputs with the lint command's loaders and prints the verdicts.
 *
 * Every trust is judged with the semantics the rules use, on the token's own claims:
 * - AWS (one verdict per trust statement and principal, as the rules see them): the token's iss against the
 *   OIDC provider the principal names, the statement's action, then every condition with IAM semantics
 *   (src/match/iam.ts: values ORed, keys and operators ANDed, IfExists / ForAnyValue / ForAllValues /
 *   negated / Null), the provider's client-ID list when the input shows it, keys of another issuer (absent
 *   from this token), and Deny statements the claim tests could not express.
 * - Azure: issuer, audience, then the classic subject (exact) or the flexible expression's clauses.
 * - GCP: per pool provider, the issuer, the audience (allowed_audiences or the default audience), the
 *   attribute_mapping and attribute_condition evaluated on the token by the CEL evaluator (src/match/cel.ts);
 *   then, per IAM member of the pool, whether the mapped attributes reach it.
 *
 * Each trust gets an answer: admitted (every limit holds), rejected (a limit fails; it is named), or unknown
 * (no limit fails, but one cannot be evaluated: a value known only after apply, an unresolved variable, a
 * CEL expression beyond fedlint's bounds, a behaviour the clouds do not document). A known limit that fails
 * rejects the token whatever the unknown ones hold, since the limits are ANDed. Signatures and token lifetimes
 * are not checked: the question is what the configuration admits.
 */
import type { Constraint, IssuerRef, Location, Provider, Target, TrustBinding } from '../model/types.js';
import { allowsAction } from '../loaders/aws-policy.js';
import { parseMember, type GcpFacts, type GcpMemberFact, type GcpPoolRef, type GcpProviderFact, type ParsedMember } from '../loaders/gcp-trust.js';
import { constraintAdmits, type ClaimValue, type Verdict } from '../match/iam.js';
import { celUnknown, evaluateCelPartial, parseCel, unknownReason, type CelAst } from '../match/cel.js';

/** A token: the JSON object of its claims. */
export type Token = Readonly<Record<string, unknown>>;

export type Outcome = 'pass' | 'fail' | 'unknown';
export type Answer = 'admitted' | 'rejected' | 'unknown';

/** One limit of a trust, evaluated on the token. */
export interface Limit {
  /** What is tested, as the input names it: `token.actions.githubusercontent.com:sub`, `issuer`, `attribute_condition`. */
  name: string;
  /** The test as written (`StringLike "repo:acme/*"`); values are withheld when the input marks them sensitive. */
  test: string;
  at: Location;
  outcome: Outcome;
  /** Why the limit fails or cannot be evaluated. */
  reason?: string;
}

export interface TrustVerdict {
  answer: Answer;
  provider: Provider;
  target: { kind: string; name: string };
  /** As in findings (SARIF logicalLocations): the target's name. */
  resource: string;
  /** The trust: the statement, the credential, the provider, the IAM member. */
  at: Location;
  /** GCP members: the pool provider through which the token is exchanged. */
  via?: { name: string; at: Location };
  /** The limits evaluated, in order, up to the first that fails. */
  limits: Limit[];
  /** What the answer leaves out (a check the inputs do not show). */
  notes: string[];
}

export interface SimulateInput {
  /** Bindings of every input except GCP (AWS roles and Azure credentials). */
  bindings: readonly TrustBinding[];
  /** GCP providers and members, judged from the facts themselves (the mapping and condition as written). */
  gcp: readonly GcpFacts[];
}

export function simulate(input: SimulateInput, token: Token): TrustVerdict[] {
  const out: TrustVerdict[] = [];
  for (const b of input.bindings) {
    if (b.provider === 'aws') out.push(awsVerdict(b, token));
    else if (b.provider === 'azure') out.push(azureVerdict(b, token));
  }
  out.push(...gcpVerdicts(input.gcp, token));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------------------

function own(token: Token, claim: string): unknown {
  return Object.prototype.hasOwnProperty.call(token, claim) ? token[claim] : undefined;
}

/** Verdict → outcome. */
function outcomeOf(v: Verdict): Outcome {
  return v === 'unknown' ? 'unknown' : v ? 'pass' : 'fail';
}

/** The answer of a list of limits: a failure rejects, else an unknown leaves the answer unknown. */
function answerOf(limits: readonly Limit[]): Answer {
  if (limits.some((l) => l.outcome === 'fail')) return 'rejected';
  return limits.some((l) => l.outcome === 'unknown') ? 'unknown' : 'admitted';
}

class Limits {
  readonly list: Limit[] = [];

  /** Record a limit; false once one has failed (evaluation stops at the first failure). */
  add(limit: Limit): boolean {
    this.list.push(limit);
    return limit.outcome !== 'fail';
  }

  get failed(): boolean {
    return this.list.some((l) => l.outcome === 'fail');
  }
}

function verdict(binding: { provider: Provider; target: Target }, at: Location, limits: Limits, notes: string[] = []): TrustVerdict {
  return {
    answer: answerOf(limits.list),
    provider: binding.provider,
    target: { kind: binding.target.kind, name: binding.target.name },
    resource: binding.target.name,
    at,
    limits: limits.list,
    notes,
  };
}

const q = (s: string): string => JSON.stringify(s);

/** A constraint's test as written, e.g. `StringLike "repo:acme/*"`; values withheld for a sensitive trust. */
function describe(c: Constraint, sensitive: boolean): string {
  const values = (vs: readonly string[]): string => (sensitive ? '(sensitive value)' : vs.length === 1 ? q(vs[0]!) : `[${vs.map(q).join(', ')}]`);
  switch (c.kind) {
    case 'patterns':
      return `${c.fromDeny ? 'Deny statement: ' : ''}${c.operator} ${values(c.values)}`;
    case 'presence':
      return `${c.operator} (the claim must ${c.present ? 'be present' : 'be absent'})`;
    case 'unknown':
      return c.operator;
    case 'cel':
      return sensitive ? 'CEL (sensitive value)' : `CEL ${c.expression}`;
  }
}

/**
 * A single-valued claim as a string: a one-element array is the same claim (OpenID Connect Core §2 lets
 * `aud` be either); several values, a number or an object cannot be turned into the string the clouds
 * compare without guessing.
 */
function singleString(value: unknown, claim: string): { value: string | undefined } | { unknown: string } {
  if (value === undefined) return { value: undefined };
  if (typeof value === 'string') return { value };
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return { value: value[0] };
  if (Array.isArray(value) && value.length > 1) {
    return { unknown: `the token's ${claim} holds ${value.length} values, and how the cloud compares a multi-valued ${claim} is not documented` };
  }
  return { unknown: `the token's ${claim} is ${Array.isArray(value) ? 'an empty list' : value === null ? 'null' : `a ${typeof value}`}, not a string` };
}

/** A claim for the IAM matcher: a string or a list of strings (multivalued claims such as Cognito `amr`). */
function claimValue(value: unknown, claim: string): { value: ClaimValue } | { unknown: string } {
  if (value === undefined || typeof value === 'string') return { value: value as ClaimValue };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { value: value as string[] };
  return { unknown: `the token's ${claim} is ${value === null ? 'null' : Array.isArray(value) ? 'a list of non-strings' : `a ${typeof value}`}; how the cloud turns it into a condition value is not documented` };
}

/**
 * How an issuer configured in a trust compares with the token's iss. OpenID Connect Core §2 makes iss a
 * case-sensitive URL compared exactly; where a cloud documents its own rule it is applied (`rules`), and a
 * difference only in letter case or a trailing slash that the cloud does not document is 'unknown'.
 */
function compareIssuer(expected: string, token: Token, rules: { trailingSlashMatters: boolean }): { outcome: Outcome; reason?: string } {
  const iss = own(token, 'iss');
  if (typeof iss !== 'string') return { outcome: 'fail', reason: iss === undefined ? 'the token has no iss claim' : 'the token\'s iss is not a string' };
  if (iss === expected) return { outcome: 'pass' };
  const trim = (s: string): string => s.replace(/\/+$/, '');
  if (trim(iss) === trim(expected)) {
    return rules.trailingSlashMatters
      ? { outcome: 'fail', reason: `the token's iss ${q(iss)} differs from ${q(expected)} by a trailing slash, which must match exactly` }
      : { outcome: 'unknown', reason: `the token's iss ${q(iss)} differs from ${q(expected)} only by a trailing slash; whether the cloud accepts that is not documented` };
  }
  if (trim(iss).toLowerCase() === trim(expected).toLowerCase()) {
    return { outcome: 'unknown', reason: `the token's iss ${q(iss)} differs from ${q(expected)} only in letter case; whether the cloud compares issuers case-sensitively is not documented` };
  }
  return { outcome: 'fail', reason: `the token's iss is ${q(iss)}` };
}

// ---------------------------------------------------------------------------------------------------------
// AWS
// ---------------------------------------------------------------------------------------------------------

const WEB_IDENTITY = 'sts:assumerolewithwebidentity';

/**
 * Condition keys IAM documents for web identity tokens, by issuer (reference/aws.md §5): the generic keys,
 * GitHub's provider-specific keys (§5.2, AWS's GitHub tab), the keys GitLab documents for gitlab.com (§5.2),
 * Cognito's (§5.3). A claim IAM does not map is not a condition key: the key is absent from the request
 * whatever the token holds (§5.2), so a test on any other key is evaluated both ways, and is 'unknown' when
 * the two answers differ.
 */
const GENERIC_KEYS = ['aud', 'sub', 'amr', 'email'];
const DOCUMENTED_KEYS: Record<string, readonly string[]> = {
  'token.actions.githubusercontent.com': [...GENERIC_KEYS, 'actor', 'actor_id', 'job_workflow_ref', 'repository', 'repository_id', 'repository_owner_id', 'workflow', 'ref', 'environment', 'enterprise_id'],
  'gitlab.com': [...GENERIC_KEYS, 'namespace_id', 'project_id', 'user_id', 'user_login', 'user_email', 'user_access_level', 'ref_protected', 'pipeline_source'],
  'cognito-identity.amazonaws.com': ['aud', 'amr', 'sub'],
  'accounts.google.com': ['aud', 'oaud', 'sub', 'email'],
};

/** The values an IAM condition key may take for this token: one when known, two when IAM's mapping is not documented. */
function awsKeyValues(binding: TrustBinding, claim: string, token: Token): { values: ClaimValue[]; note?: string } | { unknown: string } {
  const host = binding.issuer.kind === 'exact' ? binding.issuer.host : '';
  if (host === 'accounts.google.com' && (claim === 'aud' || claim === 'oaud')) {
    // aws.md §5.1: for Google, `aud` is the token's azp when azp is present, and `oaud` the token's own aud.
    const azp = own(token, 'azp');
    const aud = singleString(own(token, 'aud'), 'aud');
    if ('unknown' in aud) return aud;
    if (azp !== undefined) {
      if (typeof azp !== 'string') return { unknown: "the token's azp is not a string" };
      return { values: [claim === 'aud' ? azp : aud.value] };
    }
    if (claim === 'aud') return { values: [aud.value] };
    return { values: [undefined, aud.value], note: 'IAM documents accounts.google.com:oaud only for tokens that carry azp' };
  }
  const raw = own(token, claim);
  const value = claim === 'aud' ? singleString(raw, claim) : claimValue(raw, claim);
  if ('unknown' in value) return value;
  const documented = (DOCUMENTED_KEYS[host] ?? GENERIC_KEYS).includes(claim);
  if (documented || value.value === undefined) return { values: [value.value] };
  return { values: [value.value, undefined], note: `AWS documents no condition key ${claim} for this issuer, and a claim IAM does not map is absent from the request` };
}

/** One test over the values a key may take: the same answer for all of them, else 'unknown'. */
function overValues(c: Constraint, values: readonly ClaimValue[]): Verdict {
  const answers = new Set(values.map((v) => constraintAdmits(c, v)));
  return answers.size === 1 ? [...answers][0]! : 'unknown';
}

/** A key test as a limit. */
function awsTest(binding: TrustBinding, name: string, claim: string, c: Constraint, token: Token): Limit {
  const test = describe(c, Boolean(binding.sensitive));
  if (c.kind === 'unknown') return { name, test, at: c.at, outcome: 'unknown', reason: c.reason };
  const values = awsKeyValues(binding, claim, token);
  if ('unknown' in values) return { name, test, at: c.at, outcome: 'unknown', reason: values.unknown };
  const v = overValues(c, values.values);
  const limit: Limit = { name, test, at: c.at, outcome: outcomeOf(v) };
  if (v === 'unknown') limit.reason = values.note ?? 'the test cannot be evaluated';
  else if (!v) limit.reason = failure(c, values.values[0], claim, binding.sensitive);
  else if (values.values[0] === undefined && c.kind === 'patterns') limit.reason = absentPass(c, claim);
  return limit;
}

/** Why a test holds for a token without the claim (aws.md §4.1, §4.4): worth saying, it is how limits are bypassed. */
function absentPass(c: Extract<Constraint, { kind: 'patterns' }>, claim: string): string {
  return `the token has no ${claim}, and ${absentWhy(c)}`;
}

function absentWhy(c: Extract<Constraint, { kind: 'patterns' }>): string {
  const operator = c.ifExists ? 'IfExists' : c.setOperator === 'ForAllValues' ? 'ForAllValues' : 'a negated operator';
  return `${operator} holds when the key is absent`;
}

function failure(c: Constraint, value: ClaimValue, claim: string, sensitive: boolean | undefined): string {
  if (value === undefined) {
    if (c.kind === 'presence' && !c.present) return `the token carries ${claim}`;
    return `the token has no ${claim} claim`;
  }
  if (c.kind === 'presence') return c.present ? `the token has no ${claim} claim` : `the token carries ${claim}`;
  if (sensitive) return `the token's ${claim} does not satisfy it`;
  const shown = typeof value === 'string' ? q(value) : `[${value.map(q).join(', ')}]`;
  return `the token's ${claim} is ${shown}`;
}

const BUILTIN_ISSUERS: Record<string, string> = {
  'cognito-identity.amazonaws.com': 'https://cognito-identity.amazonaws.com',
  'accounts.google.com': 'https://accounts.google.com',
};

function awsIssuer(binding: TrustBinding, token: Token): Limit {
  const issuer = binding.issuer;
  const at = binding.principalAt;
  if (issuer.kind === 'unknown') return { name: 'issuer', test: 'Principal', at, outcome: 'unknown', reason: issuer.reason };
  if (issuer.kind === 'wildcard') {
    return {
      name: 'issuer',
      test: `Principal ${q(issuer.written)}`,
      at,
      outcome: 'unknown',
      reason: 'the principal admits the web identity of any OIDC provider of the account, and which providers the account has is not in the inputs',
    };
  }
  const builtin = BUILTIN_ISSUERS[issuer.host];
  if (builtin) {
    // Built-in providers have no provider object: the token's issuer must be the IdP itself (aws.md §2).
    if (issuer.host === 'accounts.google.com' && own(token, 'iss') === 'accounts.google.com') {
      // Google signs ID tokens with either iss spelling; which ones STS accepts is not documented.
      return { name: 'issuer', test: `Federated ${q(issuer.host)}`, at, outcome: 'unknown', reason: 'the token\'s iss is "accounts.google.com" without https://, and whether STS accepts that spelling is not documented' };
    }
    const r = compareIssuer(builtin, token, { trailingSlashMatters: false });
    return { name: 'issuer', test: `Federated ${q(issuer.host)}`, at, ...r };
  }
  if (issuer.host === 'graph.facebook.com' || issuer.host === 'www.amazon.com') {
    return { name: 'issuer', test: `Federated ${q(issuer.host)}`, at, outcome: 'unknown', reason: `${issuer.host} is a legacy web identity provider whose tokens are not OpenID Connect tokens with an iss` };
  }
  // STS finds the provider from the token's iss: the provider URL is https:// plus the ARN's suffix, as
  // registered, and iss must be that URL (aws.md §2, §8).
  const written = issuer.written ?? issuer.host;
  const r = compareIssuer(`https://${written}`, token, { trailingSlashMatters: false });
  return { name: 'issuer', test: `OIDC provider https://${written}`, at, ...r };
}

function awsVerdict(binding: TrustBinding, token: Token): TrustVerdict {
  const limits = new Limits();
  const notes: string[] = [];
  const done = (): TrustVerdict => verdict(binding, binding.origin, limits, notes);
  if (binding.undetermined) {
    limits.add({ name: 'trust policy', test: 'assume_role_policy', at: binding.undetermined.at, outcome: 'unknown', reason: binding.undetermined.reason });
    return done();
  }
  if (binding.mechanism === 'saml') {
    limits.add({ name: 'principal', test: 'SAML provider', at: binding.principalAt, outcome: 'fail', reason: 'a SAML provider takes SAML assertions (sts:AssumeRoleWithSAML), not OIDC tokens' });
    return done();
  }
  if (binding.mechanism === 'service') {
    const host = binding.issuer.kind === 'exact' ? binding.issuer.host : 'a service';
    limits.add({ name: 'principal', test: `Service ${q(host)}`, at: binding.principalAt, outcome: 'fail', reason: 'a service principal is an AWS service, not a web identity token' });
    return done();
  }
  const action = allowsAction(binding.actions, WEB_IDENTITY);
  if (binding.mechanism === 'aws-principal' && !action) {
    limits.add({ name: 'principal', test: binding.issuer.kind === 'wildcard' ? binding.issuer.written : 'AWS principal', at: binding.principalAt, outcome: 'fail', reason: 'the statement admits AWS principals and does not allow sts:AssumeRoleWithWebIdentity' });
    return done();
  }
  if (!limits.add(awsIssuer(binding, token))) return done();
  const actionLimit: Limit = { name: 'action', test: 'Action allows sts:AssumeRoleWithWebIdentity', at: binding.origin, outcome: action ? 'pass' : 'fail' };
  if (!action) actionLimit.reason = binding.actions.length === 0 ? 'the statement allows no action' : `the statement allows only ${binding.actions.join(', ')}`;
  if (!limits.add(actionLimit)) return done();
  // aws.md §3: a token that asks for session tags or a source identity needs the matching action too.
  for (const [claim, needed] of [
    ['https://aws.amazon.com/tags', 'sts:tagsession'],
    ['https://aws.amazon.com/source_identity', 'sts:setsourceidentity'],
  ] as const) {
    if (own(token, claim) === undefined) continue;
    const ok = allowsAction(binding.actions, needed);
    const limit: Limit = { name: 'action', test: `${needed} (the token carries ${claim})`, at: binding.origin, outcome: ok ? 'pass' : 'fail' };
    if (!ok) limit.reason = `the token asks for ${claim === 'https://aws.amazon.com/tags' ? 'session tags' : 'a source identity'}, and the statement does not allow ${needed}`;
    if (!limits.add(limit)) return done();
  }
  const key = (claim: string): string => (binding.issuer.kind === 'exact' ? `${binding.issuer.host}:${claim}` : claim);
  for (const claim of claimOrder(binding.claims)) {
    for (const c of binding.claims[claim]!) {
      if (!limits.add(awsTest(binding, c.kind === 'cel' ? key(claim) : c.key, claim, c, token))) return done();
    }
  }
  const provider = binding.providerAudiences;
  if (provider) {
    // STS rejects a token whose aud is not in the provider's client-ID list (aws.md §8).
    const c: Constraint = { kind: 'patterns', syntax: 'exact', values: provider.values, operator: 'client_id_list', key: 'client_id_list', at: provider.at, valueAt: [] };
    if (!limits.add(awsTest(binding, 'OIDC provider client_id_list', 'aud', c, token))) return done();
  } else if (binding.issuer.kind === 'exact' && !BUILTIN_ISSUERS[binding.issuer.host]) {
    notes.push("STS also checks the token's aud against the OIDC provider's client-ID list, which the inputs do not show");
  }
  for (const f of binding.foreignKeys) {
    // A key of another issuer is absent from this issuer's tokens (aws.md §2).
    const v = constraintAdmits(f.constraint, undefined);
    const limit: Limit = { name: f.key, test: describe(f.constraint, Boolean(binding.sensitive)), at: f.at, outcome: outcomeOf(v) };
    if (v === true && f.constraint.kind === 'patterns') limit.reason = `${f.key} names another issuer, so this token never carries it, and ${absentWhy(f.constraint)}`;
    else if (v !== true) limit.reason = v === false ? `${f.key} names another issuer, so this token never carries it` : f.constraint.kind === 'unknown' ? f.constraint.reason : 'the test cannot be evaluated';
    if (!limits.add(limit)) return done();
  }
  for (const [name, tests] of Object.entries(binding.context).sort(([a], [b]) => cmp(a, b))) {
    for (const c of tests) {
      limits.add({ name, test: describe(c, Boolean(binding.sensitive)), at: c.at, outcome: 'unknown', reason: `${name} is a property of the AssumeRoleWithWebIdentity request, not of the token` });
    }
  }
  for (const deny of binding.unappliedDenies ?? []) {
    if (!limits.add(denyLimit(binding, deny, token))) return done();
  }
  return done();
}

/** aud first, then sub, then the other claims by name: a stable order for "the first limit that fails". */
function claimOrder(claims: Record<string, unknown>): string[] {
  const rank = (c: string): number => (c === 'aud' ? 0 : c === 'sub' ? 1 : 2);
  return Object.keys(claims).sort((a, b) => rank(a) - rank(b) || cmp(a, b));
}

/** A Deny statement applies when every one of its conditions holds (aws.md §4.1); it then refuses the token. */
function denyLimit(binding: TrustBinding, deny: NonNullable<TrustBinding['unappliedDenies']>[number], token: Token): Limit {
  const base = { name: 'Deny statement', test: deny.conditions.length === 0 ? 'without conditions' : deny.conditions.map((c) => c.key).join(' and '), at: deny.at };
  let unknown: string | undefined;
  for (const c of deny.conditions) {
    let v: Verdict;
    if (c.bucket === 'context') {
      v = 'unknown';
      unknown ??= `${c.key} is a property of the request, not of the token`;
    } else if (c.bucket === 'foreign') {
      v = constraintAdmits(c.constraint, undefined);
    } else {
      const values = awsKeyValues(binding, c.claim, token);
      v = 'unknown' in values ? 'unknown' : overValues(c.constraint, values.values);
      if (v === 'unknown') unknown ??= 'unknown' in values ? values.unknown : (values.note ?? `${c.key} cannot be evaluated`);
    }
    if (v === false) return { ...base, outcome: 'pass', reason: `the Deny does not apply: ${c.key} does not hold for this token` };
  }
  if (unknown) return { ...base, outcome: 'unknown', reason: unknown };
  return { ...base, outcome: 'fail', reason: 'the Deny statement applies to this token' };
}

// ---------------------------------------------------------------------------------------------------------
// Azure
// ---------------------------------------------------------------------------------------------------------

function azureIssuer(issuer: IssuerRef, token: Token): Limit {
  if (issuer.kind !== 'exact') return { name: 'issuer', test: 'issuer', at: issuer.at, outcome: 'unknown', reason: issuer.kind === 'unknown' ? issuer.reason : 'the issuer is not known' };
  const expected = issuer.written ?? `https://${issuer.host}`;
  // azure.md §1 and §8: an exact comparison; a trailing slash (AKS issuers end with one) must match; letter
  // case is not stated.
  return { name: 'issuer', test: `issuer ${q(expected)}`, at: issuer.at, ...compareIssuer(expected, token, { trailingSlashMatters: true }) };
}

function azureVerdict(binding: TrustBinding, token: Token): TrustVerdict {
  const limits = new Limits();
  const done = (): TrustVerdict => verdict(binding, binding.origin, limits);
  if (binding.undetermined) {
    limits.add({ name: 'credential', test: 'federated identity credential', at: binding.undetermined.at, outcome: 'unknown', reason: binding.undetermined.reason });
    return done();
  }
  if (!limits.add(azureIssuer(binding.issuer, token))) return done();
  for (const claim of claimOrder(binding.claims)) {
    for (const c of binding.claims[claim]!) {
      if (!limits.add(claimTest(binding, claim, c, token))) return done();
    }
  }
  return done();
}

/** A test on a claim of the token (Azure, GCP members): the claim's own value, no key mapping. */
function claimTest(binding: TrustBinding, claim: string, c: Constraint, token: Token): Limit {
  const name = c.kind === 'cel' ? claim : c.key;
  const test = describe(c, Boolean(binding.sensitive));
  if (c.kind === 'unknown' || c.kind === 'cel') return { name, test, at: c.at, outcome: 'unknown', reason: c.kind === 'unknown' ? c.reason : 'a CEL test' };
  if (c.kind === 'patterns' && c.values.length === 0) return { name, test: `${c.operator} (none)`, at: c.at, outcome: 'fail', reason: `no ${claim} is listed, so no token passes` };
  // The model files claims under lower-case names; a flexible expression's `claims['Name']` keeps the name as
  // written, and token claim names are case-sensitive JSON keys.
  const written = c.kind === 'patterns' ? /^claims\['(.*)'\]$/.exec(c.key)?.[1] : undefined;
  const raw = own(token, written ?? claim);
  const value = claim === 'aud' ? singleString(raw, claim) : claimValue(raw, claim);
  if ('unknown' in value) return { name, test, at: c.at, outcome: 'unknown', reason: value.unknown };
  const v = constraintAdmits(c, value.value);
  const limit: Limit = { name, test, at: c.at, outcome: outcomeOf(v) };
  if (v === false) limit.reason = failure(c, value.value, claim, binding.sensitive);
  else if (v === true && value.value === undefined && c.kind === 'patterns') limit.reason = absentPass(c, claim);
  return limit;
}

// ---------------------------------------------------------------------------------------------------------
// GCP
// ---------------------------------------------------------------------------------------------------------

/** The attributes a provider's mapping gives a token: maps of values, or an unknown value when the mapping is not known. */
interface Mapped {
  google: Record<string, unknown> | unknown;
  attribute: Record<string, unknown> | unknown;
}

/** An attribute of a Mapped map: its value, an unknown value, or undefined when the mapping does not define it. */
function mappedAttribute(map: Record<string, unknown> | unknown, key: string): unknown {
  if (unknownReason(map) !== undefined) return map;
  const m = map as Record<string, unknown>;
  return Object.prototype.hasOwnProperty.call(m, key) ? m[key] : undefined;
}

interface ProviderOutcome {
  fact: GcpProviderFact;
  limits: Limits;
  /** The attributes the mapping gives this token, when the exchange is evaluated that far. */
  mapped?: Mapped;
}

function gcpVerdicts(facts: readonly GcpFacts[], token: Token): TrustVerdict[] {
  const out: TrustVerdict[] = [];
  const providers = facts.flatMap((f) => f.providers).map((p) => evaluateProvider(p, token));
  for (const p of providers) {
    const target: Target = { kind: 'gcp-workload-identity-provider', name: p.fact.name, at: p.fact.at };
    out.push(verdict({ provider: 'gcp', target }, p.fact.at, p.limits));
  }
  for (const m of facts.flatMap((f) => f.members)) out.push(...memberVerdicts(m, providers, token));
  return out;
}

const PROVIDER_KINDS: Record<string, string> = { aws: 'AWS credentials (a signed GetCallerIdentity request)', saml: 'SAML assertions', x509: 'X.509 client certificates' };

function evaluateProvider(p: GcpProviderFact, token: Token): ProviderOutcome {
  const limits = new Limits();
  const result: ProviderOutcome = { fact: p, limits };
  if (p.inactive) {
    // gcp.md §2: a disabled provider can't exchange tokens; a deleted one is gone until undeleted.
    limits.add({ name: 'state', test: p.inactive, at: p.at, outcome: 'fail', reason: `the provider is inactive (${p.inactive}): it exchanges no tokens` });
    return result;
  }
  const undetermined = p.undetermined ?? (p.condition?.kind === 'unknown' ? { reason: p.condition.reason, at: p.condition.at } : undefined);
  if (undetermined) {
    limits.add({ name: 'provider', test: 'workload identity pool provider', at: undetermined.at, outcome: 'unknown', reason: undetermined.reason });
    return result;
  }
  if (p.kind !== 'oidc') {
    const accepts = PROVIDER_KINDS[p.kind];
    limits.add(
      accepts
        ? { name: 'provider', test: `${p.kind} provider`, at: p.at, outcome: 'fail', reason: `the provider accepts ${accepts}, not OIDC tokens` }
        : { name: 'provider', test: 'provider', at: p.at, outcome: 'unknown', reason: 'the kind of the provider is not known' },
    );
    return result;
  }
  const sensitive = Boolean(p.sensitive);
  // gcp.md §2.3: issuer_uri must equal the token's iss.
  if (p.issuer.kind !== 'exact') {
    limits.add({ name: 'issuer', test: 'issuer_uri', at: p.issuer.at, outcome: 'unknown', reason: p.issuer.kind === 'unknown' ? p.issuer.reason : 'the issuer is not known' });
  } else {
    const expected = p.issuer.written ?? `https://${p.issuer.host}`;
    if (!limits.add({ name: 'issuer', test: `issuer_uri ${q(expected)}`, at: p.issuer.at, ...compareIssuer(expected.trim(), token, { trailingSlashMatters: false }) })) return result;
  }
  if (!limits.add(gcpAudience(p, token))) return result;
  const mapped = mapAttributes(p, token);
  result.mapped = mapped;
  const subject = mappedAttribute(mapped.google, 'subject');
  const subjectLimit: Limit = { name: 'google.subject', test: sensitive ? 'attribute_mapping' : `attribute_mapping ${q(mappingText(p, 'google.subject') ?? '(none)')}`, at: p.at, outcome: 'pass' };
  if (subject === undefined) {
    Object.assign(subjectLimit, { outcome: 'unknown', reason: 'the attribute_mapping has no google.subject, which GCP requires for OIDC providers' });
  } else if (unknownReason(subject) !== undefined) {
    Object.assign(subjectLimit, { outcome: 'unknown', reason: unknownReason(subject) });
  } else if (typeof subject !== 'string') {
    Object.assign(subjectLimit, { outcome: 'unknown', reason: 'google.subject is not a string for this token' });
  } else if (new TextEncoder().encode(subject).length > 127) {
    Object.assign(subjectLimit, { outcome: 'fail', reason: `google.subject is ${new TextEncoder().encode(subject).length} bytes for this token, over the 127 GCP allows` });
  }
  if (!limits.add(subjectLimit)) return result;
  limits.add(gcpCondition(p, token, mapped));
  return result;
}

function gcpAudience(p: GcpProviderFact, token: Token): Limit {
  const a = p.audiences;
  const aud = singleString(own(token, 'aud'), 'aud');
  if (a && 'unknown' in a) return { name: 'audience', test: 'allowed_audiences', at: a.at, outcome: 'unknown', reason: a.unknown };
  let values: string[];
  let test: string;
  let at: Location;
  if (a && a.values.length > 0) {
    values = a.values;
    test = p.sensitive ? 'allowed_audiences (sensitive value)' : `allowed_audiences ${values.length === 1 ? q(values[0]!) : `[${values.map(q).join(', ')}]`}`;
    at = a.at;
  } else if (p.resourceName) {
    // gcp.md §2.3: without allowed_audiences, aud must be the provider's full resource name, with or without https:.
    values = [`//iam.googleapis.com/${p.resourceName}`, `https://iam.googleapis.com/${p.resourceName}`];
    test = `default audience ${q(values[0]!)}`;
    at = p.at;
  } else {
    return { name: 'audience', test: 'default audience', at: p.at, outcome: 'unknown', reason: "the default audience is the provider's resource name, which the input does not show" };
  }
  if ('unknown' in aud) return { name: 'audience', test, at, outcome: 'unknown', reason: aud.unknown };
  if (aud.value === undefined) return { name: 'audience', test, at, outcome: 'fail', reason: 'the token has no aud claim' };
  if (values.includes(aud.value)) return { name: 'audience', test, at, outcome: 'pass' };
  return { name: 'audience', test, at, outcome: 'fail', reason: p.sensitive ? "the token's aud is not allowed" : `the token's aud is ${q(aud.value)}` };
}

function mappingText(p: GcpProviderFact, name: string): string | undefined {
  return p.mapping.known && Object.prototype.hasOwnProperty.call(p.mapping.entries, name) ? p.mapping.entries[name] : undefined;
}

/**
 * The attributes the provider's attribute_mapping gives this token (gcp.md §2.1), each expression evaluated
 * by the CEL evaluator on `assertion`. What fedlint cannot evaluate (a mapping it does not see, CEL it does
 * not parse such as `extract()` or `+`, an expression that fails on this token, for which GCP's behaviour is
 * not documented) is bound as an unknown value, so that a result depending on it is 'unknown'.
 */
function mapAttributes(p: GcpProviderFact, token: Token): Mapped {
  const google: Record<string, unknown> = {};
  const attribute: Record<string, unknown> = {};
  if (!p.mapping.known) {
    const unknown = celUnknown(`the attribute_mapping ${p.mapping.reason}`);
    return { google: unknown, attribute: unknown };
  }
  for (const [name, expression] of Object.entries(p.mapping.entries)) {
    const dot = name.indexOf('.');
    const space = name.slice(0, dot);
    const key = name.slice(dot + 1);
    const into = space === 'google' ? google : space === 'attribute' ? attribute : undefined;
    if (!into || dot < 0) continue;
    into[key] = mappedValue(name, expression, token);
  }
  return { google, attribute };
}

function mappedValue(name: string, expression: string, token: Token): unknown {
  const parsed = parseCel(expression);
  if (!parsed.ok) return celUnknown(`${name} is mapped from \`${expression.trim()}\`, which fedlint does not evaluate`);
  const r = evaluateCelPartial(parsed.ast, { assertion: token as Record<string, unknown> });
  if (r.kind === 'value') return r.value;
  if (r.kind === 'unknown') return celUnknown(r.reason);
  return celUnknown(`the mapping of ${name} fails on this token (${r.message}), and what GCP does then is not documented`);
}

function gcpCondition(p: GcpProviderFact, token: Token, mapped: Mapped): Limit {
  const c = p.condition;
  if (!c) return { name: 'attribute_condition', test: '(none)', at: p.at, outcome: 'pass', reason: 'without a condition every token that passes the issuer and audience checks is accepted' };
  if (c.kind !== 'cel') return { name: 'attribute_condition', test: 'attribute_condition', at: c.at, outcome: 'unknown', reason: c.kind === 'unknown' ? c.reason : 'the attribute_condition does not parse' };
  const test = p.sensitive ? 'CEL (sensitive value)' : c.text.trim();
  const r = evaluateCelPartial(c.ast as CelAst, { assertion: token as Record<string, unknown>, google: mapped.google, attribute: mapped.attribute });
  if (r.kind === 'unknown') return { name: 'attribute_condition', test, at: c.at, outcome: 'unknown', reason: r.reason };
  if (r.kind === 'error') {
    // A condition that errors does not evaluate to true, so the exchange fails (gcp.md §2.2; the lowering
    // in src/loaders/gcp-condition.ts reads it the same way) unless the error is one of fedlint's own bounds.
    return r.limit
      ? { name: 'attribute_condition', test, at: c.at, outcome: 'unknown', reason: `${r.message}: the condition is beyond what fedlint evaluates` }
      : { name: 'attribute_condition', test, at: c.at, outcome: 'fail', reason: `the condition fails with an error on this token (${r.message}), so it is not true` };
  }
  if (r.value === true) return { name: 'attribute_condition', test, at: c.at, outcome: 'pass' };
  if (r.value === false) return { name: 'attribute_condition', test, at: c.at, outcome: 'fail', reason: 'the condition is false for this token' };
  return { name: 'attribute_condition', test, at: c.at, outcome: 'fail', reason: 'the condition does not evaluate to a bool, so it is not true' };
}

/** As assembleGcp joins them: the same pool id, and the same project when both sides show it. */
function samePool(p: GcpPoolRef, m: GcpPoolRef): boolean {
  if (!p.id || p.id !== m.id) return false;
  return !p.projectNumber || !m.projectNumber || p.projectNumber === m.projectNumber;
}

function memberVerdicts(m: GcpMemberFact, providers: readonly ProviderOutcome[], token: Token): TrustVerdict[] {
  const base = { provider: 'gcp' as const, target: m.target };
  if (m.member === undefined) {
    const limits = new Limits();
    limits.add({ name: 'member', test: m.role, at: m.at, outcome: 'unknown', reason: m.unknown ?? 'the member is not known' });
    return [verdict(base, m.at, limits)];
  }
  const parsed = parseMember(m.member);
  if (!parsed) return [];
  const memberTest = `${m.role} ${m.sensitive ? '(sensitive value)' : m.member}`;
  if (parsed.pool.id.endsWith('.svc.id.goog')) return [gkeMember(m, parsed, memberTest, token)];
  const found = providers.filter((p) => samePool(p.fact.pool, parsed.pool) && !p.fact.inactive);
  if (found.length === 0) {
    const limits = new Limits();
    limits.add({ name: 'member', test: memberTest, at: m.at, outcome: 'unknown', reason: `the enabled providers of pool ${parsed.pool.id} are not among the inputs, so what they admit is not known` });
    return [verdict(base, m.at, limits)];
  }
  return found.map((p) => {
    const limits = new Limits();
    for (const l of p.limits.list) limits.add(l);
    if (!limits.failed) limits.add(memberLimit(parsed, memberTest, m.at, p));
    const v = verdict(base, m.at, limits);
    v.via = { name: p.fact.name, at: p.fact.at };
    return v;
  });
}

/** Whether the identity the provider maps this token to is one the member names (gcp.md §4). */
function memberLimit(parsed: ParsedMember, test: string, at: Location, p: ProviderOutcome): Limit {
  const base = { name: 'member', test, at };
  const mapped = p.mapped;
  if (!mapped) return { ...base, outcome: 'unknown', reason: 'the token is not mapped to attributes' };
  const check = (value: unknown, what: string, expected: string, list = false): Limit => {
    if (value === undefined) return { ...base, outcome: 'fail', reason: `the provider maps no ${what}, so the member never matches its tokens` };
    const unknown = unknownReason(value);
    if (unknown !== undefined) return { ...base, outcome: 'unknown', reason: unknown };
    if (list) {
      if (!Array.isArray(value)) return { ...base, outcome: 'unknown', reason: `${what} is not a list for this token` };
      return value.includes(expected) ? { ...base, outcome: 'pass' } : { ...base, outcome: 'fail', reason: `${what} does not hold ${q(expected)} for this token` };
    }
    if (typeof value !== 'string') return { ...base, outcome: 'unknown', reason: `${what} is not a string for this token` };
    return value === expected ? { ...base, outcome: 'pass' } : { ...base, outcome: 'fail', reason: `${what} is ${q(value)} for this token` };
  };
  switch (parsed.scope) {
    case 'pool':
      return { ...base, outcome: 'pass', reason: 'the member is every identity of the pool' };
    case 'subject':
      return check(mappedAttribute(mapped.google, 'subject'), 'google.subject', parsed.value!);
    case 'attribute':
      return check(mappedAttribute(mapped.attribute, parsed.attribute!), `attribute.${parsed.attribute!}`, parsed.value!);
    case 'group':
      return check(mappedAttribute(mapped.google, 'groups'), 'google.groups', parsed.value!, true);
    default:
      return { ...base, outcome: 'unknown', reason: `the member form ${parsed.scope} is not evaluated by fedlint` };
  }
}

/**
 * Workload Identity Federation for GKE, the built-in pool PROJECT_ID.svc.id.goog (gcp.md §4): the token is a
 * Kubernetes service-account token of a cluster of the project. Name-based members match in every cluster of
 * the project ("identity sameness"); the cluster form names one cluster. The audience test is the one the
 * rules read for this pool (the workload pool name; src/loaders/gcp-trust.ts).
 */
function gkeMember(m: GcpMemberFact, parsed: ParsedMember, test: string, token: Token): TrustVerdict {
  const limits = new Limits();
  const done = (): TrustVerdict => verdict({ provider: 'gcp', target: m.target }, m.at, limits);
  const projectId = parsed.pool.id.slice(0, -'.svc.id.goog'.length);
  const iss = own(token, 'iss');
  const cluster = typeof iss === 'string' ? /^https:\/\/container\.googleapis\.com\/v1\/projects\/([^/]+)\/locations\/[^/]+\/clusters\/[^/]+$/.exec(iss) : null;
  let issuer: Limit;
  if (parsed.form === 'cluster') {
    issuer = { name: 'issuer', test: `cluster ${q(parsed.value ?? '')}`, at: m.at, ...compareIssuer(parsed.value ?? '', token, { trailingSlashMatters: false }) };
  } else if (cluster?.[1] === projectId) {
    issuer = { name: 'issuer', test: `a GKE cluster of project ${projectId}`, at: m.at, outcome: 'pass' };
  } else {
    issuer = { name: 'issuer', test: `a GKE cluster of project ${projectId}`, at: m.at, outcome: 'fail', reason: typeof iss === 'string' ? `the token's iss is ${q(iss)}` : 'the token has no iss claim' };
  }
  if (!limits.add(issuer)) return done();
  const aud = singleString(own(token, 'aud'), 'aud');
  const audLimit: Limit = { name: 'audience', test: `workload pool ${q(parsed.pool.id)}`, at: m.at, outcome: 'pass' };
  if ('unknown' in aud) Object.assign(audLimit, { outcome: 'unknown', reason: aud.unknown });
  else if (aud.value !== parsed.pool.id) Object.assign(audLimit, { outcome: 'fail', reason: aud.value === undefined ? 'the token has no aud claim' : `the token's aud is ${q(aud.value)}` });
  if (!limits.add(audLimit)) return done();
  const sub = own(token, 'sub');
  const member = { name: 'member', test, at: m.at };
  switch (parsed.form) {
    case 'ksa':
      limits.add(sub === parsed.value ? { ...member, outcome: 'pass' } : { ...member, outcome: 'fail', reason: typeof sub === 'string' ? `the token's sub is ${q(sub)}` : 'the token has no sub claim' });
      break;
    case 'namespace': {
      const ok = typeof sub === 'string' && sub.startsWith(`system:serviceaccount:${parsed.value}:`);
      limits.add(ok ? { ...member, outcome: 'pass' } : { ...member, outcome: 'fail', reason: typeof sub === 'string' ? `the token's sub is ${q(sub)}` : 'the token has no sub claim' });
      break;
    }
    case 'cluster':
      limits.add({ ...member, outcome: 'pass', reason: 'the member is every service account of the cluster' });
      break;
    case 'uid': {
      const k8s = own(token, 'kubernetes.io');
      const sa = typeof k8s === 'object' && k8s !== null ? (k8s as Record<string, unknown>)['serviceaccount'] : undefined;
      const uid = typeof sa === 'object' && sa !== null ? (sa as Record<string, unknown>)['uid'] : undefined;
      limits.add(uid === parsed.value ? { ...member, outcome: 'pass' } : { ...member, outcome: 'fail', reason: typeof uid === 'string' ? `the token's service account uid is ${q(uid)}` : 'the token names no service account uid' });
      break;
    }
    default:
      limits.add({ ...member, outcome: 'unknown', reason: 'the member form is not evaluated by fedlint' });
  }
  return done();
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
