/**
 * AWS IAM role trust policies → TrustBindings. Absorbs every shape variant (reference/aws.md §1):
 * Statement as object or array; Principal as "*", string, or object of strings or lists; condition
 * values as string, list, number or boolean; operator prefixes (ForAnyValue:/ForAllValues:) and the
 * IfExists suffix; key names in any case; Deny statements that narrow an Allow; NotPrincipal.
 */
import type { Constraint, IssuerRef, JsonPath, Location, Target, TrustBinding } from '../model/types.js';
import { normalizeIssuerHost } from '../knowledge/issuers.js';
import { globMatch } from '../match/glob.js';
import { isObject, type Json } from './json.js';

export interface PolicyContext {
  file: string;
  /** Turn a path inside the policy document into a Location in the file. */
  locate: (path: JsonPath, key?: boolean) => Location;
  target: Target;
  sessionTtl?: { seconds: number; at: Location };
  tags?: Record<string, string>;
  source: string;
}

export interface PolicyProblem {
  at: Location;
  message: string;
}

export interface PolicyLoadResult {
  bindings: TrustBinding[];
  problems: PolicyProblem[];
}

/** A trust policy is an object with a Statement (object or array). */
export function looksLikePolicy(value: Json): value is Record<string, Json> {
  if (!isObject(value)) return false;
  const key = keyOf(value, 'Statement');
  return key !== undefined && (isObject(value[key]) || Array.isArray(value[key]));
}

/**
 * The key that names a policy element, as written: element names are matched case-insensitively, as IAM's
 * parser accepts them. (The key alone, not a pair with its value: this runs several times per statement.)
 */
function keyOf(obj: Record<string, Json>, name: string): string | undefined {
  if (name in obj) return name;
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return key;
  return undefined;
}

const isScalar = (v: Json): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** The strings of a string or list of strings (Action, NotAction, a Null test), lower-cased; without their paths. */
function lowerStrings(value: Json): string[] {
  if (isScalar(value)) return [String(value).toLowerCase()];
  const out: string[] = [];
  if (Array.isArray(value)) for (const v of value) if (isScalar(v)) out.push(String(v).toLowerCase());
  return out;
}

/**
 * Operators, condition keys and Federated principals as written are read once: the same few (`StringEquals`,
 * `token.actions.githubusercontent.com:sub`) recur in every policy of a repository, and reading them again
 * was a tenth of loading the bench's "10000 small AWS files". What is kept never changes; the memo is bounded
 * so that a file of a million distinct keys keeps only the first of them.
 */
const MEMO_ENTRIES = 1024;

function memo<T>(map: Map<string, T>, written: string, read: (written: string) => T): T {
  let found = map.get(written);
  if (found === undefined) {
    found = read(written);
    if (map.size < MEMO_ENTRIES) map.set(written, found);
  }
  return found;
}

interface Operator {
  written: string;
  base: string;
  setOperator?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
}

function parseOperator(written: string): Operator {
  let rest = written;
  let setOperator: Operator['setOperator'];
  const lower = rest.toLowerCase();
  if (lower.startsWith('foranyvalue:')) {
    setOperator = 'ForAnyValue';
    rest = rest.slice('foranyvalue:'.length);
  } else if (lower.startsWith('forallvalues:')) {
    setOperator = 'ForAllValues';
    rest = rest.slice('forallvalues:'.length);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith('ifexists') && rest.toLowerCase() !== 'ifexists') {
    ifExists = true;
    rest = rest.slice(0, -'ifexists'.length);
  }
  const op: Operator = { written, base: rest.toLowerCase(), ifExists };
  if (setOperator) op.setOperator = setOperator;
  return op;
}

/**
 * The strings of a condition value (a string, number or boolean, or a list of them) and their locations: a
 * single value is the condition's own location, the same object (nothing changes a Location once made, and
 * the 10,000 files of the benchmark keep one of these per condition).
 */
function conditionValues(raw: Json, path: JsonPath, at: Location, ctx: PolicyContext): { values: string[]; valueAt: Location[] } {
  if (isScalar(raw)) return { values: [String(raw)], valueAt: [at] };
  const values: string[] = [];
  const valueAt: Location[] = [];
  if (Array.isArray(raw)) {
    for (let i = 0; i < raw.length; i++) {
      const v: Json = raw[i];
      if (!isScalar(v)) continue;
      values.push(String(v));
      valueAt.push(ctx.locate(path.concat(i)));
    }
  }
  return { values, valueAt };
}

/**
 * Lower one operator/key/value entry of a Condition block into a Constraint. Written without a closure per
 * entry or intermediate lists: every condition of every policy goes through here (conditions() and this
 * were the largest part of loading the bench's "10000 small AWS files", in a CPU profile).
 */
function toConstraint(op: Operator, key: string, raw: Json, path: JsonPath, ctx: PolicyContext): Constraint {
  const at = ctx.locate(path);
  let syntax: 'exact' | 'iam-glob';
  let negated = false;
  let caseInsensitive = false;
  switch (op.base) {
    case 'stringequals':
      syntax = 'exact';
      break;
    case 'stringnotequals':
      syntax = 'exact';
      negated = true;
      break;
    case 'stringequalsignorecase':
    case 'bool':
      syntax = 'exact';
      caseInsensitive = true;
      break;
    case 'stringnotequalsignorecase':
      syntax = 'exact';
      negated = true;
      caseInsensitive = true;
      break;
    case 'stringlike':
    case 'arnlike':
    case 'arnequals':
      syntax = 'iam-glob';
      break;
    case 'stringnotlike':
    case 'arnnotlike':
    case 'arnnotequals':
      syntax = 'iam-glob';
      negated = true;
      break;
    case 'null': {
      // Only the values are read here: no location is made for them.
      const values = lowerStrings(raw);
      const first = values[0];
      if (values.length === 1 && (first === 'true' || first === 'false')) {
        // "Null": "true" holds when the key is absent; "false" when it is present (aws.md §4.1).
        return { kind: 'presence', present: first === 'false', operator: op.written, key, at };
      }
      return { kind: 'unknown', reason: 'Null condition with a value other than "true" or "false"', operator: op.written, key, at };
    }
    default:
      return { kind: 'unknown', reason: `operator ${op.written} is not evaluated by fedlint`, operator: op.written, key, at };
  }
  const { values, valueAt } = conditionValues(raw, path, at, ctx);
  const c: Constraint = { kind: 'patterns', syntax, values, valueAt, operator: op.written, key, at };
  if (negated) c.negated = true;
  if (caseInsensitive) c.caseInsensitive = true;
  if (op.ifExists) c.ifExists = true;
  if (op.setOperator) c.setOperator = op.setOperator;
  return c;
}

/** Negate one Deny test so that it narrows the Allow it covers; undefined when IAM's semantics can't be expressed. */
function negate(c: Constraint): Constraint | undefined {
  if (c.kind === 'presence') return { ...c, present: !c.present };
  if (c.kind !== 'patterns' || c.ifExists || c.setOperator) return undefined;
  // Deny when a positive test holds (absent → false, so absent survives): the Allow keeps tokens that
  // match none of the values, i.e. a negated test. Deny when a negated test holds (absent → true): the
  // Allow keeps only tokens present and matching a value, i.e. a positive test.
  const negated = !c.negated;
  const copy: Constraint = { ...c, fromDeny: true };
  if (negated) copy.negated = true;
  else delete copy.negated;
  return copy;
}

interface Principal {
  kind: 'federated' | 'aws' | 'service' | 'any';
  value: string;
  path: JsonPath;
}

function principals(statement: Record<string, Json>, basePath: JsonPath): { list: Principal[]; notPrincipal: boolean } | undefined {
  const entry = keyOf(statement, 'Principal') ?? keyOf(statement, 'NotPrincipal');
  if (entry === undefined) return undefined;
  const notPrincipal = entry.toLowerCase() === 'notprincipal';
  const path = basePath.concat(entry);
  const given = statement[entry];
  if (given === '*') return { list: [{ kind: 'any', value: '*', path }], notPrincipal };
  if (!isObject(given)) return { list: [], notPrincipal };
  const list: Principal[] = [];
  for (const key of Object.keys(given)) {
    const value = given[key];
    const kind = key.toLowerCase();
    const mapped = kind === 'federated' ? 'federated' : kind === 'aws' ? 'aws' : kind === 'service' ? 'service' : undefined;
    if (!mapped) continue;
    // Paths are built with concat, which allocates what they hold (a spread over-allocates).
    const keyPath = path.concat(key);
    if (isScalar(value)) list.push({ kind: mapped, value: String(value), path: keyPath });
    else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: Json = value[i];
        if (isScalar(v)) list.push({ kind: mapped, value: String(v), path: keyPath.concat(i) });
      }
    }
  }
  return { list, notPrincipal };
}

const BUILTIN_WEB_IDPS = new Set(['cognito-identity.amazonaws.com', 'accounts.google.com', 'graph.facebook.com', 'www.amazon.com']);

/** What a Federated principal names, without where it is written (a DistributiveOmit of IssuerRef's `at`). */
type IssuerOf<T> = T extends unknown ? Omit<T, 'at'> : never;

interface FederatedPrincipal {
  issuer: IssuerOf<IssuerRef>;
  mechanism: 'oidc' | 'saml';
  prefix?: string;
}

/** The issuer a Federated principal names, and its condition-key prefix. */
function readFederated(value: string): FederatedPrincipal {
  if (value.includes('*')) return { issuer: { kind: 'wildcard', written: value }, mechanism: 'oidc' };
  const oidc = /^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider\/(.+)$/i.exec(value);
  if (oidc) {
    const host = normalizeIssuerHost(oidc[1]!);
    // The provider URL as registered (case, trailing slash) is what STS compares the token's iss with.
    return { issuer: oidc[1] === host ? { kind: 'exact', host } : { kind: 'exact', host, written: oidc[1]! }, mechanism: 'oidc', prefix: host };
  }
  const saml = /^arn:aws[a-z-]*:iam::[0-9]{12}:saml-provider\/(.+)$/i.exec(value);
  if (saml) return { issuer: { kind: 'exact', host: `saml-provider/${saml[1]!}` }, mechanism: 'saml', prefix: 'saml' };
  const lower = value.toLowerCase();
  if (BUILTIN_WEB_IDPS.has(lower)) return { issuer: { kind: 'exact', host: lower }, mechanism: 'oidc', prefix: lower };
  return { issuer: { kind: 'unknown', reason: `Federated principal ${value} is not an OIDC or SAML provider ARN` }, mechanism: 'oidc' };
}

const readPrincipals = new Map<string, FederatedPrincipal>();

/** The issuer a Federated principal names, written at `at` (principals are read once per value, as keys are). */
function federatedIssuer(value: string, at: Location): { issuer: IssuerRef; mechanism: 'oidc' | 'saml'; prefix?: string } {
  const read = memo(readPrincipals, value, readFederated);
  const issuer = { ...read.issuer, at } as IssuerRef;
  return read.prefix === undefined ? { issuer, mechanism: read.mechanism } : { issuer, mechanism: read.mechanism, prefix: read.prefix };
}

/** Keys that are about the AWS request context, not the token: they apply to every principal. */
const CONTEXT_PREFIXES = new Set(['aws', 'sts', 'iam', 'ec2', 'lambda', 's3', 'kms', 'organizations', 'rolesanywhere', 'eks']);

const readOperators = new Map<string, Operator>();
const readKeys = new Map<string, { prefix: string; claim: string }>();

function splitKey(key: string): { prefix: string; claim: string } {
  const colon = key.lastIndexOf(':');
  if (colon < 0) return { prefix: '', claim: key.toLowerCase() };
  return { prefix: key.slice(0, colon).toLowerCase(), claim: key.slice(colon + 1).toLowerCase() };
}

interface ParsedCondition {
  prefix: string;
  claim: string;
  key: string;
  operator: string;
  constraint: Constraint;
}

function conditions(statement: Record<string, Json>, basePath: JsonPath, ctx: PolicyContext, problems: PolicyProblem[]): ParsedCondition[] {
  const entry = keyOf(statement, 'Condition');
  if (entry === undefined) return [];
  const path = basePath.concat(entry);
  const operators = statement[entry];
  if (!isObject(operators)) {
    problems.push({ at: ctx.locate(path), message: 'Condition must be an object of operators' });
    return [];
  }
  const result: ParsedCondition[] = [];
  for (const opName of Object.keys(operators)) {
    const block = operators[opName];
    const op = memo(readOperators, opName, parseOperator);
    if (!isObject(block)) {
      problems.push({ at: ctx.locate(path.concat(opName)), message: `condition operator ${opName} must map keys to values` });
      continue;
    }
    for (const key of Object.keys(block)) {
      const { prefix, claim } = memo(readKeys, key, splitKey);
      result.push({ prefix, claim, key, operator: opName, constraint: toConstraint(op, key, block[key], path.concat(opName, key), ctx) });
    }
  }
  return result;
}

/** The actions a statement names: `Action`, or the complement of `NotAction`. */
interface Actions {
  list: string[];
  not: boolean;
}

function actions(statement: Record<string, Json>): Actions {
  const action = keyOf(statement, 'Action');
  if (action !== undefined) return { list: lowerStrings(statement[action]), not: false };
  const notAction = keyOf(statement, 'NotAction');
  return { list: notAction !== undefined ? lowerStrings(statement[notAction]) : [], not: notAction !== undefined };
}

export function allowsAction(list: readonly string[], action: string): boolean {
  return list.some((a) => globMatch(a, action));
}

function coversAction(actions: Actions, action: string): boolean {
  return actions.not ? !allowsAction(actions.list, action) : allowsAction(actions.list, action);
}

function statementsOf(doc: Record<string, Json>): Array<{ statement: Record<string, Json>; path: JsonPath }> | undefined {
  const key = keyOf(doc, 'Statement');
  if (key === undefined) return undefined;
  const value = doc[key];
  if (isObject(value)) return [{ statement: value, path: [key] }];
  if (!Array.isArray(value)) return undefined;
  const out: Array<{ statement: Record<string, Json>; path: JsonPath }> = [];
  value.forEach((s, i) => isObject(s) && out.push({ statement: s, path: [key, i] }));
  return out;
}

export function loadTrustPolicy(doc: Json, ctx: PolicyContext): PolicyLoadResult {
  const problems: PolicyProblem[] = [];
  const bindings: TrustBinding[] = [];
  if (!isObject(doc)) {
    return { bindings, problems: [{ at: ctx.locate([]), message: 'trust policy must be a JSON object' }] };
  }
  const statements = statementsOf(doc);
  if (!statements) {
    return { bindings, problems: [{ at: ctx.locate([]), message: 'trust policy has no Statement object or array' }] };
  }
  const denies: Deny[] = [];
  for (const { statement, path } of statements) {
    const effect = keyOf(statement, 'Effect');
    const written = effect === undefined ? undefined : statement[effect];
    const effectValue = typeof written === 'string' ? written.toLowerCase() : undefined;
    if (effectValue !== 'allow' && effectValue !== 'deny') {
      problems.push({ at: ctx.locate(effect !== undefined ? path.concat(effect) : path), message: 'statement Effect must be "Allow" or "Deny"' });
      continue;
    }
    const p = principals(statement, path);
    if (!p) continue; // Identity-policy style statement without a principal: not a trust.
    const conds = conditions(statement, path, ctx, problems);
    const acts = actions(statement);
    if (effectValue === 'deny') {
      denies.push({ principals: p.list, conditions: conds, actions: acts, at: ctx.locate(path), notPrincipal: p.notPrincipal });
      continue;
    }
    // Allow + NotAction grants every action it does not list: for the trust, treat it as any action.
    bindings.push(...bindingsOfStatement(p, conds, acts.not ? ['*'] : acts.list, path, ctx));
  }
  return { bindings: denies.length === 0 ? bindings : bindings.filter((b) => applyDenies(b, denies)), problems };
}

function bindingsOfStatement(
  p: { list: Principal[]; notPrincipal: boolean },
  conds: ParsedCondition[],
  acts: string[],
  path: JsonPath,
  ctx: PolicyContext,
): TrustBinding[] {
  const out: TrustBinding[] = [];
  const origin = ctx.locate(path);
  // Each Federated principal's issuer is read once, for the prefixes of all of them and for its own binding;
  // the principal's location is both where its issuer is written and principalAt: one object for both.
  const ats: Location[] = [];
  const federated: Array<ReturnType<typeof federatedIssuer> | undefined> = [];
  const federatedPrefixes = new Set<string>();
  for (const principal of p.list) {
    const at = ctx.locate(principal.path);
    const f = principal.kind === 'federated' ? federatedIssuer(principal.value, at) : undefined;
    ats.push(at);
    federated.push(f);
    if (f?.prefix) federatedPrefixes.add(f.prefix);
  }
  for (let i = 0; i < p.list.length; i++) {
    const principal = p.list[i]!;
    const at = ats[i]!;
    const f = federated[i];
    let binding: TrustBinding | undefined;
    let prefix: string | undefined;
    if (p.notPrincipal) {
      // Allow + NotPrincipal grants everyone except the listed principals.
      binding = newBinding(ctx, acts, origin, at, 'aws-principal', { kind: 'wildcard', written: `NotPrincipal ${principal.value}`, at });
    } else if (f) {
      binding = newBinding(ctx, acts, origin, at, f.mechanism, f.issuer);
      prefix = f.prefix;
    } else if (principal.kind === 'any' || (principal.kind === 'aws' && principal.value === '*')) {
      binding = newBinding(ctx, acts, origin, at, 'aws-principal', { kind: 'wildcard', written: principal.value, at });
    } else if (principal.kind === 'service') {
      binding = newBinding(ctx, acts, origin, at, 'service', { kind: 'exact', host: principal.value.toLowerCase(), at });
    }
    // Specific AWS account or role principals are not federation; they produce no binding.
    if (binding) out.push(withConditions(binding, conds, prefix, federatedPrefixes));
  }
  return out;
}

function newBinding(ctx: PolicyContext, acts: string[], origin: Location, at: Location, mechanism: TrustBinding['mechanism'], issuer: IssuerRef): TrustBinding {
  const binding: TrustBinding = {
    provider: 'aws',
    target: ctx.target,
    mechanism,
    issuer,
    claims: {},
    foreignKeys: [],
    context: {},
    actions: acts,
    origin,
    principalAt: at,
    source: ctx.source,
  };
  if (ctx.sessionTtl) binding.sessionTtl = ctx.sessionTtl;
  if (ctx.tags) binding.tags = ctx.tags;
  return binding;
}

function withConditions(binding: TrustBinding, conds: ParsedCondition[], prefix: string | undefined, federatedPrefixes: Set<string>): TrustBinding {
  for (const c of conds) {
    switch (bucketOf(binding, c, prefix, federatedPrefixes)) {
      case 'claims':
        (binding.claims[c.claim] ??= []).push(c.constraint);
        break;
      case 'context':
        (binding.context[`${c.prefix}:${c.claim}`] ??= []).push(c.constraint);
        break;
      case 'foreign':
        binding.foreignKeys.push({
          key: c.key,
          operator: c.operator,
          at: c.constraint.at,
          constraint: c.constraint,
          sibling: federatedPrefixes.has(c.prefix),
        });
        break;
    }
  }
  return binding;
}

/** Where a condition key belongs for this binding: its token claims, the request context, or another issuer. */
function bucketOf(binding: TrustBinding, c: ParsedCondition, prefix: string | undefined, federatedPrefixes: Set<string>): 'claims' | 'context' | 'foreign' {
  if (prefix !== undefined && c.prefix === prefix) return 'claims';
  if (binding.mechanism === 'saml' && c.prefix === 'saml') return 'claims';
  if (CONTEXT_PREFIXES.has(c.prefix) || c.prefix === '') return 'context';
  // A key with an issuer-like prefix (a host, or saml) that is not this binding's issuer.
  if (c.prefix === 'saml' || c.prefix.includes('.') || federatedPrefixes.has(c.prefix)) return 'foreign';
  return 'context';
}

const WEB_IDENTITY = 'sts:assumerolewithwebidentity';

interface Deny {
  principals: Principal[];
  conditions: ParsedCondition[];
  actions: Actions;
  at: Location;
  notPrincipal: boolean;
}

/** Keep a covering Deny that the claim tests cannot express, for `fedlint simulate` (TrustBinding.unappliedDenies). */
function keepUnapplied(binding: TrustBinding, deny: Deny): void {
  const prefix = binding.issuer.kind === 'exact' ? binding.issuer.host : undefined;
  const conditions = deny.conditions.map((c) => ({ key: c.key, claim: c.claim, bucket: bucketOf(binding, c, prefix, new Set()), constraint: c.constraint }));
  (binding.unappliedDenies ??= []).push({ at: deny.at, conditions });
}

/**
 * Apply Deny statements that cover a binding: a Deny without conditions removes it; a Deny with one
 * test on this binding's issuer narrows it by the negated test. Returns false when the binding is dead.
 */
function applyDenies(binding: TrustBinding, denies: Deny[]): boolean {
  const action = binding.mechanism === 'saml' ? 'sts:assumerolewithsaml' : binding.mechanism === 'oidc' ? WEB_IDENTITY : 'sts:assumerole';
  for (const deny of denies) {
    if (!coversAction(deny.actions, action)) continue;
    if (deny.notPrincipal) {
      // Deny + NotPrincipal refuses every principal it does not list; the rules leave it aside.
      if (!deny.principals.some((p) => p.kind === 'any' || principalValueMatches(binding, p))) keepUnapplied(binding, deny);
      continue;
    }
    const covers = deny.principals.some(
      (p) => p.kind === 'any' || (p.kind === 'aws' && p.value === '*') || principalValueMatches(binding, p),
    );
    if (!covers) continue;
    if (deny.conditions.length === 0) return false;
    if (deny.conditions.length !== 1) {
      keepUnapplied(binding, deny);
      continue;
    }
    const only = deny.conditions[0]!;
    const prefix = binding.issuer.kind === 'exact' ? binding.issuer.host : undefined;
    if (only.prefix !== prefix && !(binding.mechanism === 'saml' && only.prefix === 'saml')) {
      keepUnapplied(binding, deny);
      continue;
    }
    const narrowed = negate(only.constraint);
    if (narrowed) (binding.claims[only.claim] ??= []).push(narrowed);
    else keepUnapplied(binding, deny);
  }
  return true;
}

function principalValueMatches(binding: TrustBinding, p: Principal): boolean {
  if (p.kind !== 'federated' || binding.issuer.kind !== 'exact') return false;
  const f = federatedIssuer(p.value, binding.issuer.at);
  return f.issuer.kind === 'exact' && f.issuer.host === binding.issuer.host;
}
