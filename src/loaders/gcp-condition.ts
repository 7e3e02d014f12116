/**
 * A GCP workload identity provider's `attribute_condition` (CEL, reference/gcp.md §2.2) together with its
 * `attribute_mapping` (§2.1), lowered into the per-claim tests of the trust model.
 *
 * The condition is put in disjunctive normal form: negations are pushed down to the atoms, `a ? b : c` is
 * read as `(a && b) || (!a && c)`, and each disjunct (an AND of atoms) becomes its own set of claim tests,
 * the way each IAM statement is its own trust. This is exact under CEL's error semantics (cel.ts): an atom
 * that errors (a missing claim, an unmapped attribute) makes its conjunction non-true, and an OR is true as
 * soon as one disjunct is true, whatever the others do. Past MAX_DISJUNCTS the expansion stops and the
 * condition is reported as one trust whose identity claims cannot be evaluated: never a guess.
 *
 * Atoms, after resolving `attribute.X` / `google.subject` through the mapping when the mapping is a plain
 * `assertion.CLAIM` (otherwise the atom cannot be evaluated and becomes an `unknown` test):
 *   claim == 'v', 'v' == claim          → exact ['v']           (negated: != → negated exact)
 *   claim in ['a', 'b']                 → exact ['a', 'b']
 *   claim != ''                         → presence (the claim exists; it says nothing about its value)
 *   has(claim)                          → presence
 *   claim.startsWith(p) / endsWith(s) / contains(s) → iam-glob p* / *s / *s* (unknown if the text has * or ?)
 *   claim.matches(re)                   → exact or glob when the RE2 pattern is a literal, optionally anchored
 *                                         and optionally followed by `.*`; any other pattern is unknown
 *   claim == 20, claim != true          → type-confused when the issuer's claims are strings: `==` is never
 *                                         true and `!=` always true (CEL heterogeneous equality, cel.ts)
 *   constant sub-expressions            → evaluated (`1 == 1` is true)
 *   anything else                       → an `unknown` test on every claim the atom reads
 *
 * One difference from CEL is kept on purpose: CEL rejects a token that lacks a claim a negated atom reads
 * (the atom errors), while a negated test of the trust model admits an absent claim. The identity claims
 * this matters for are always present in the issuers' tokens, and the rules only look at negated tests to
 * say that they do not limit anything.
 */
import type { Constraint, Location } from '../model/types.js';
import { evaluateCel, parseCel, printCel, type CelAst, type CelLiteral } from '../match/cel.js';
import { anyAlternativeAdmits, type ClaimValue, type Verdict } from '../match/iam.js';

/** More alternatives than this after expansion and the condition is not judged (see the module comment). */
export const MAX_DISJUNCTS = 32;

/**
 * The provider's attribute_mapping: target attribute (`google.subject`, `attribute.repository`) → CEL
 * expression over `assertion`. `awsDefaults` marks the default mapping of an `aws` provider whose mapping is
 * empty (gcp.md §2.1), whose `attribute.aws_role` is understood here without being parsed.
 */
export type AttributeMapping =
  | { known: true; entries: Record<string, string>; awsDefaults?: boolean }
  | { known: false; reason: string };

/** gcp.md §2.1: the mapping Google applies to an aws provider whose attribute_mapping is empty. */
export const AWS_DEFAULT_MAPPING: Record<string, string> = {
  'google.subject': 'assertion.arn',
  'attribute.aws_role':
    "assertion.arn.contains('assumed-role') ? assertion.arn.extract('{account_arn}assumed-role/') + 'assumed-role/' + assertion.arn.extract('assumed-role/{role_name}/') : assertion.arn",
};

export interface ConditionFlaw {
  kind: 'type-confused' | 'constant';
  message: string;
  at: Location;
}

/** A test no token can pass (a type-confused `==`): the disjunct holding it admits nothing. */
export interface NeverTest {
  claim: string;
  key: string;
  operator: string;
  constraint: Constraint;
}

export interface LoweredDisjunct {
  /** Tests by claim name in lower case; the tests on one claim are ANDed. */
  claims: Record<string, Constraint[]>;
  never: NeverTest[];
  flaws: ConditionFlaw[];
}

export interface LoweredCondition {
  /** ORed. None: the condition admits no token. One with no tests: it admits every token. */
  disjuncts: LoweredDisjunct[];
  /** The expansion passed MAX_DISJUNCTS; `disjuncts` is then one disjunct of `unknown` identity tests. */
  overflow?: boolean;
}

export interface LowerOptions {
  /** The condition's text (for quoting sub-expressions) and its parsed tree; both absent: no condition. */
  text?: string;
  ast?: CelAst;
  /** Where the condition string is written: every test points there (a CEL string has no inner positions). */
  at: Location;
  mapping: AttributeMapping;
  /**
   * Whether the issuer's tokens carry this claim as a string: true for the CI issuers' claims (GitHub,
   * GitLab, HCP Terraform), undefined when fedlint does not know the claim's type.
   */
  stringClaim: (claim: string) => boolean | undefined;
  /** Who issues the tokens, for messages ("GitLab.com"). */
  issuerName: string;
  /** Identity claims of the issuer: an atom fedlint cannot place on a claim makes these unknown. */
  identityClaims: readonly string[];
  /** Values of the input are sensitive: messages must not quote them. */
  sensitive?: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// References: what claim of the token an expression reads
// ---------------------------------------------------------------------------------------------------------

/** `assertion.a`, `assertion['a']`, `assertion.a.b`: the claim path, or undefined. */
function assertionPath(node: CelAst): string[] | undefined {
  if (node.kind === 'select') {
    if (node.operand.kind === 'ident') return node.operand.name === 'assertion' ? [node.field] : undefined;
    const base = assertionPath(node.operand);
    return base ? [...base, node.field] : undefined;
  }
  if (node.kind === 'index' && node.index.kind === 'literal' && typeof node.index.value === 'string') {
    if (node.operand.kind === 'ident') return node.operand.name === 'assertion' ? [node.index.value] : undefined;
    const base = assertionPath(node.operand);
    return base ? [...base, node.index.value] : undefined;
  }
  return undefined;
}

/** `attribute.x` / `google.subject` (or the index forms): the mapping key, or undefined. */
function mappedName(node: CelAst): string | undefined {
  if (node.kind === 'select' && node.operand.kind === 'ident' && node.operand.name !== 'assertion') {
    return `${node.operand.name}.${node.field}`;
  }
  if (node.kind === 'index' && node.operand.kind === 'ident' && node.operand.name !== 'assertion' && node.index.kind === 'literal' && typeof node.index.value === 'string') {
    return `${node.operand.name}.${node.index.value}`;
  }
  return undefined;
}

const claimName = (path: readonly string[]): string => path.join('.').toLowerCase();

/** Every `assertion…` claim an expression reads. */
function claimsRead(node: CelAst, out: Set<string> = new Set()): Set<string> {
  const path = assertionPath(node);
  if (path) {
    out.add(claimName(path));
    return out;
  }
  for (const child of children(node)) claimsRead(child, out);
  return out;
}

function children(node: CelAst): CelAst[] {
  switch (node.kind) {
    case 'literal':
    case 'ident':
      return [];
    case 'select':
      return [node.operand];
    case 'index':
      return [node.operand, node.index];
    case 'call':
      return node.target ? [node.target, ...node.args] : node.args;
    case 'list':
      return node.elements;
    case 'not':
    case 'negate':
      return [node.operand];
    case 'relation':
      return [node.left, node.right];
    case 'logical':
      return node.operands;
    case 'conditional':
      return [node.test, node.then, node.otherwise];
  }
}

function hasVariable(node: CelAst): boolean {
  return node.kind === 'ident' || children(node).some(hasVariable);
}

export type Resolved =
  /** The expression is (or maps to) one token claim. */
  | { kind: 'claim'; claim: string; key: string; via?: string }
  /** `attribute.aws_role` of an aws provider's default mapping: a function of `assertion.arn`. */
  | { kind: 'aws-role'; key: string }
  /** An attribute the mapping does not define: reading it is an error, so no token passes. */
  | { kind: 'unmapped'; key: string }
  /** A mapping fedlint cannot see through: the claims it reads, and why. */
  | { kind: 'opaque'; claims: string[]; key: string; reason: string };

/** What a mapping expression reads of the token, whatever attribute it is mapped to. */
type MappedRead = { kind: 'claim'; claim: string; via: string } | { kind: 'opaque'; claims: string[]; shown: string };

/**
 * Mapping expressions already read, by text. Every member of a pool resolves its attribute through its
 * providers' mappings, and an estate's providers share a handful of mapping expressions: the 3,630 members
 * of "plan, 40000 resources" (npm run bench) parsed the same two texts 3,630 times, about 20 of the 100 ms
 * the GCP assembly took in a CPU profile of that run. Bounded in entries and in the length of what is kept,
 * for hostile inputs.
 */
const mappedReads = new Map<string, MappedRead>();
const MAX_MAPPED_READS = 512;
const MAX_MAPPED_TEXT = 1_000;

function readOfMapping(expression: string): MappedRead {
  const known = mappedReads.get(expression);
  if (known) return known;
  let read: MappedRead;
  const parsed = parseCel(expression);
  if (!parsed.ok) {
    // Mappings may use CEL that conditions do not need (`+`, `extract()`), which the parser refuses: the
    // claims the text names are still the ones it reads.
    const claims = new Set([...expression.matchAll(/\bassertion\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!.toLowerCase()));
    read = { kind: 'opaque', claims: [...claims], shown: expression.trim() };
  } else {
    const path = assertionPath(parsed.ast);
    read = path ? { kind: 'claim', claim: claimName(path), via: printCel(parsed.ast) } : { kind: 'opaque', claims: [...claimsRead(parsed.ast)], shown: printCel(parsed.ast) };
  }
  if (expression.length <= MAX_MAPPED_TEXT) {
    if (mappedReads.size >= MAX_MAPPED_READS) mappedReads.clear();
    mappedReads.set(expression, read);
  }
  return read;
}

/** Resolve a mapping target (`google.subject`, `attribute.repository`) to what it reads of the token. */
export function resolveMapped(name: string, mapping: AttributeMapping): Resolved {
  if (!mapping.known) return { kind: 'opaque', claims: [], key: name, reason: `${name} depends on the attribute_mapping, which ${mapping.reason}` };
  if (mapping.awsDefaults && name === 'attribute.aws_role') return { kind: 'aws-role', key: name };
  const expression = Object.prototype.hasOwnProperty.call(mapping.entries, name) ? mapping.entries[name] : undefined;
  if (expression === undefined) return { kind: 'unmapped', key: name };
  const read = readOfMapping(expression);
  if (read.kind === 'claim') return { kind: 'claim', claim: read.claim, key: name, via: read.via };
  return { kind: 'opaque', claims: [...read.claims], key: name, reason: `${name} is mapped from the expression ${read.shown}, which fedlint does not evaluate` };
}

function resolve(node: CelAst, mapping: AttributeMapping): Resolved | undefined {
  const path = assertionPath(node);
  if (path) return { kind: 'claim', claim: claimName(path), key: printCel(node) };
  const name = mappedName(node);
  return name ? resolveMapped(name, mapping) : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Atoms
// ---------------------------------------------------------------------------------------------------------

type Atom =
  | { kind: 'const'; value: boolean; flaw?: ConditionFlaw }
  | { kind: 'tests'; tests: Array<{ claim: string; constraint: Constraint }>; flaw?: ConditionFlaw }
  | { kind: 'never'; test: NeverTest; flaw: ConditionFlaw };

type Conj = Atom[];
type Dnf = Conj[] | 'overflow';

class Lowerer {
  constructor(private readonly o: LowerOptions & { text: string }) {}

  private source(node: CelAst): string {
    return this.o.text.slice(node.start, node.end);
  }

  private quote(node: CelAst): string {
    return this.o.sensitive ? 'a comparison in the condition' : `\`${this.source(node)}\``;
  }

  private pattern(
    claim: string,
    key: string,
    operator: string,
    syntax: 'exact' | 'iam-glob',
    values: string[],
    negated: boolean,
  ): Atom {
    const constraint: Constraint = {
      kind: 'patterns',
      syntax,
      values,
      operator,
      key,
      at: this.o.at,
      valueAt: values.map(() => this.o.at),
    };
    if (negated) constraint.negated = true;
    return { kind: 'tests', tests: [{ claim, constraint }] };
  }

  private presence(claim: string, key: string, operator: string, present: boolean): Atom {
    return { kind: 'tests', tests: [{ claim, constraint: { kind: 'presence', present, operator, key, at: this.o.at } }] };
  }

  /** An atom fedlint cannot evaluate: an unknown test on every claim it reads (the identity claims if none). */
  unknown(node: CelAst, reason: string): Atom {
    const claims = new Set<string>();
    const key = this.o.sensitive ? 'attribute_condition' : this.source(node);
    const visit = (n: CelAst): void => {
      const r = resolve(n, this.o.mapping);
      if (r) {
        if (r.kind === 'claim') claims.add(r.claim);
        else if (r.kind === 'aws-role') claims.add('arn');
        else if (r.kind === 'opaque') for (const c of r.claims) claims.add(c);
        return;
      }
      for (const child of children(n)) visit(child);
    };
    visit(node);
    const list = claims.size > 0 ? [...claims] : [...this.o.identityClaims];
    return {
      kind: 'tests',
      tests: list.map((claim) => ({ claim, constraint: { kind: 'unknown', reason, operator: 'CEL', key, at: this.o.at } })),
    };
  }

  atom(node: CelAst, positive: boolean): Atom {
    if (node.kind === 'relation') return this.relation(node, positive);
    if (node.kind === 'call') return this.call(node, positive);
    return this.unknown(node, `${this.o.sensitive ? 'part of the condition' : `\`${this.source(node)}\``} is not a comparison fedlint evaluates`);
  }

  private opaqueOrUnmapped(node: CelAst, r: Resolved): Atom | undefined {
    if (r.kind === 'unmapped') return { kind: 'const', value: false };
    if (r.kind === 'opaque') return this.unknown(node, r.reason);
    return undefined;
  }

  private relation(node: Extract<CelAst, { kind: 'relation' }>, positive: boolean): Atom {
    const leftRef = resolve(node.left, this.o.mapping);
    const rightRef = resolve(node.right, this.o.mapping);
    if (node.op === '==' || node.op === '!=') {
      const ref = leftRef && !rightRef ? leftRef : rightRef && !leftRef ? rightRef : undefined;
      const other = ref === leftRef ? node.right : node.left;
      const lit = ref ? literalOf(other) : undefined;
      if (!ref || !lit) return this.unknown(node, `${this.o.sensitive ? 'a comparison' : `\`${this.source(node)}\``} does not compare a claim with a literal`);
      const bad = this.opaqueOrUnmapped(node, ref);
      if (bad) return bad;
      const equal = (node.op === '==') === positive;
      const value = lit.value;
      if (typeof value === 'string') {
        if (ref.kind === 'aws-role') return this.awsRole(node, value, equal);
        const r = ref as Extract<Resolved, { kind: 'claim' }>;
        if (equal) return this.pattern(r.claim, r.key, '==', 'exact', [value], false);
        if (value === '') return this.presence(r.claim, r.key, "!= ''", true);
        return this.pattern(r.claim, r.key, '!=', 'exact', [value], true);
      }
      const claim = ref.kind === 'claim' ? ref.claim : 'arn';
      if (this.o.stringClaim(claim) !== true) {
        return this.unknown(node, `${this.quote(node)} compares ${ref.key} with a ${typeName(value)}, and fedlint does not know the claim's type`);
      }
      return this.typeConfused(node, positive, claim, ref.key, value, this.source(other), equal);
    }
    if (node.op === 'in' && leftRef && !rightRef && node.right.kind === 'list') {
      const bad = this.opaqueOrUnmapped(node, leftRef);
      if (bad) return bad;
      const items = node.right.elements.map(literalOf);
      if (items.some((i) => i === undefined)) return this.unknown(node, `${this.quote(node)} lists values that are not literals`);
      const strings = items.filter((i): i is { value: string } => typeof i!.value === 'string').map((i) => i.value);
      const others = items.map((i) => i!.value).filter((v): v is Exclude<CelLiteral, string> => typeof v !== 'string');
      const claim = leftRef.kind === 'claim' ? leftRef.claim : 'arn';
      if (others.length > 0 && this.o.stringClaim(claim) !== true) {
        return this.unknown(node, `${this.quote(node)} lists non-string values, and fedlint does not know the claim's type`);
      }
      if (leftRef.kind === 'aws-role') return this.unknown(node, `${this.quote(node)} tests attribute.aws_role against a list`);
      const r = leftRef as Extract<Resolved, { kind: 'claim' }>;
      if (others.length > 0) {
        const firstOther = node.right.elements.find((e) => literalOf(e) !== undefined && typeof literalOf(e)!.value !== 'string')!;
        const flaw = this.flaw(node, positive, r.key, others[0]!, this.source(firstOther), strings.length === 0 ? (positive ? 'never' : 'always') : 'part');
        if (strings.length === 0) {
          if (!positive) return { kind: 'const', value: true, flaw };
          return { kind: 'never', flaw, test: this.neverTest(r.claim, r.key, 'in') };
        }
        // The string values still work; the flaw rides along with their test.
        const tests = this.pattern(r.claim, r.key, positive ? 'in' : 'not in', 'exact', strings, !positive);
        return tests.kind === 'tests' ? { ...tests, flaw } : tests;
      }
      return this.pattern(r.claim, r.key, positive ? 'in' : 'not in', 'exact', strings, !positive);
    }
    return this.unknown(node, `${this.quote(node)} is not a comparison fedlint evaluates`);
  }

  private neverTest(claim: string, key: string, operator: string): NeverTest {
    return {
      claim,
      key,
      operator,
      constraint: { kind: 'patterns', syntax: 'exact', values: [], operator, key, at: this.o.at, valueAt: [] },
    };
  }

  private typeConfused(node: CelAst, positive: boolean, claim: string, key: string, value: Exclude<CelLiteral, string>, written: string, equal: boolean): Atom {
    const flaw = this.flaw(node, positive, key, value, written, equal ? 'never' : 'always');
    if (!equal) return { kind: 'const', value: true, flaw };
    return { kind: 'never', flaw, test: this.neverTest(claim, key, '==') };
  }

  private flaw(node: CelAst, positive: boolean, key: string, value: Exclude<CelLiteral, string>, written: string, effect: 'never' | 'always' | 'part'): ConditionFlaw {
    const negation = positive ? '' : ' (under a negation)';
    const lit = this.o.sensitive ? `a ${typeName(value)}` : `the ${typeName(value)} ${written}`;
    const consequence =
      effect === 'never'
        ? 'the comparison is never true and this part of the condition admits no token'
        : effect === 'always'
          ? 'the comparison is always true and excludes nothing'
          : 'that value never matches';
    const fix = this.o.sensitive || value === null ? 'Compare with a string literal' : `Write the value as a string ('${written}')`;
    return {
      kind: 'type-confused',
      at: this.o.at,
      message: `${this.quote(node)}${negation} compares ${key}, which ${this.o.issuerName} tokens carry as a string, with ${lit}: values of different types are never equal in CEL, so ${consequence}. ${fix}.`,
    };
  }

  /**
   * `attribute.aws_role == V` under the default aws mapping (gcp.md §2.1): for an assumed-role ARN the
   * attribute is `arn:…:assumed-role/ROLE`, so V admits the caller ARNs `V/<session>`; any other ARN maps
   * to itself.
   */
  private awsRole(node: CelAst, value: string, equal: boolean): Atom {
    if (value.includes('*') || value.includes('?')) return this.unknown(node, `${this.quote(node)} has a * or ? that the trust model cannot express`);
    const assumed = /:assumed-role\/[^/]+$/.test(value);
    const key = 'attribute.aws_role';
    if (assumed) return this.pattern('arn', key, equal ? '==' : '!=', 'iam-glob', [`${value}/*`], !equal);
    return this.pattern('arn', key, equal ? '==' : '!=', 'exact', [value], !equal);
  }

  private call(node: Extract<CelAst, { kind: 'call' }>, positive: boolean): Atom {
    if (node.target === null && node.name === 'has' && node.args.length === 1) {
      const ref = resolve(node.args[0]!, this.o.mapping);
      if (!ref) return this.unknown(node, `${this.quote(node)} is not a presence test on a claim`);
      if (ref.kind === 'unmapped') return { kind: 'const', value: !positive };
      if (ref.kind === 'opaque') return this.unknown(node, ref.reason);
      const claim = ref.kind === 'claim' ? ref.claim : 'arn';
      return this.presence(claim, ref.key, positive ? 'has' : '!has', positive);
    }
    const names = ['startsWith', 'endsWith', 'contains', 'matches'];
    if (node.target === null || !names.includes(node.name) || node.args.length !== 1) {
      return this.unknown(node, `${this.quote(node)} calls a function fedlint does not evaluate`);
    }
    const ref = resolve(node.target, this.o.mapping);
    const arg = literalOf(node.args[0]!);
    if (!ref || !arg || typeof arg.value !== 'string') {
      return this.unknown(node, `${this.quote(node)} does not test a claim against a string literal`);
    }
    const bad = this.opaqueOrUnmapped(node, ref);
    if (bad) return bad;
    if (ref.kind === 'aws-role') return this.unknown(node, `${this.quote(node)} tests attribute.aws_role, which is derived from assertion.arn`);
    const r = ref as Extract<Resolved, { kind: 'claim' }>;
    const text = arg.value;
    let shape: { syntax: 'exact' | 'iam-glob'; value: string } | 'presence' | undefined;
    if (node.name === 'matches') shape = regexShape(text);
    else if (text === '') shape = 'presence';
    else if (node.name === 'startsWith') shape = { syntax: 'iam-glob', value: `${text}*` };
    else if (node.name === 'endsWith') shape = { syntax: 'iam-glob', value: `*${text}` };
    else shape = { syntax: 'iam-glob', value: `*${text}*` };
    if (shape === undefined) {
      return this.unknown(node, `${this.quote(node)} uses a regular expression that fedlint does not reduce to a pattern`);
    }
    if (shape === 'presence') {
      // Every string starts with, ends with, contains and matches the empty string: only presence is tested.
      return positive ? this.presence(r.claim, r.key, `${node.name}('')`, true) : { kind: 'const', value: false };
    }
    const literal = shape.syntax === 'exact' ? shape.value : shape.value.replace(/^\*|\*$/g, '');
    if (literal.includes('*') || literal.includes('?')) {
      return this.unknown(node, `${this.quote(node)} tests text containing * or ?, which the trust model's patterns cannot express`);
    }
    return this.pattern(r.claim, r.key, positive ? node.name : `!${node.name}`, shape.syntax, [shape.value], !positive);
  }
}

function typeName(value: Exclude<CelLiteral, string>): string {
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (typeof value === 'boolean') return 'bool';
  return 'null';
}

/** A literal, or a negated number literal (`-1`). */
function literalOf(node: CelAst): { value: CelLiteral } | undefined {
  if (node.kind === 'literal') return { value: node.value };
  if (node.kind === 'negate' && node.operand.kind === 'literal') {
    const v = node.operand.value;
    if (typeof v === 'bigint') return { value: -v };
    if (typeof v === 'number') return { value: -v };
  }
  return undefined;
}

/**
 * An RE2 pattern that is a literal, optionally anchored (`^`, `$`, `\A`, `\z`) and optionally surrounded by
 * `.*`: its exact or glob equivalent (`matches` finds a match anywhere, cel.ts). Anything else: undefined.
 */
export function regexShape(pattern: string): { syntax: 'exact' | 'iam-glob'; value: string } | 'presence' | undefined {
  let p = pattern;
  let start = false;
  let end = false;
  if (p.startsWith('^')) {
    start = true;
    p = p.slice(1);
  } else if (p.startsWith('\\A')) {
    start = true;
    p = p.slice(2);
  }
  if (p.startsWith('.*')) {
    start = false;
    p = p.slice(2);
  }
  if (p.endsWith('$') && !p.endsWith('\\$')) {
    end = true;
    p = p.slice(0, -1);
  } else if (p.endsWith('\\z') && !p.endsWith('\\\\z')) {
    end = true;
    p = p.slice(0, -2);
  }
  if (p.endsWith('.*') && !p.endsWith('\\.*')) {
    end = false;
    p = p.slice(0, -2);
  }
  let literal = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '\\') {
      const next = p[i + 1];
      // An escaped punctuation character stands for itself; \d, \w, \b and friends are classes or assertions.
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined;
      literal += next;
      i++;
      continue;
    }
    if ('.[](){}*+?|^$'.includes(ch)) return undefined;
    literal += ch;
  }
  if (literal === '') return start && end ? { syntax: 'exact', value: '' } : 'presence';
  if (start && end) return { syntax: 'exact', value: literal };
  return { syntax: 'iam-glob', value: `${start ? '' : '*'}${literal}${end ? '' : '*'}` };
}

// ---------------------------------------------------------------------------------------------------------
// Disjunctive normal form
// ---------------------------------------------------------------------------------------------------------

function product(a: Dnf, b: Dnf): Dnf {
  if (a === 'overflow' || b === 'overflow') return 'overflow';
  if (a.length * b.length > MAX_DISJUNCTS) return 'overflow';
  const out: Conj[] = [];
  for (const x of a) for (const y of b) out.push([...x, ...y]);
  return out;
}

function union(a: Dnf, b: Dnf): Dnf {
  if (a === 'overflow' || b === 'overflow') return 'overflow';
  if (a.length + b.length > MAX_DISJUNCTS) return 'overflow';
  return [...a, ...b];
}

const TRUE: Dnf = [[]];
const FALSE: Dnf = [];

function dnf(node: CelAst, positive: boolean, lower: Lowerer): Dnf {
  switch (node.kind) {
    case 'logical': {
      const and = (node.op === '&&') === positive;
      let acc: Dnf = and ? TRUE : FALSE;
      for (const operand of node.operands) {
        const part = dnf(operand, positive, lower);
        acc = and ? product(acc, part) : union(acc, part);
        if (acc === 'overflow') return acc;
      }
      return acc;
    }
    case 'not':
      return dnf(node.operand, !positive, lower);
    case 'conditional':
      return union(
        product(dnf(node.test, true, lower), dnf(node.then, positive, lower)),
        product(dnf(node.test, false, lower), dnf(node.otherwise, positive, lower)),
      );
    case 'literal':
      // A non-bool literal as a condition is a CEL error: no token passes, whatever the polarity.
      return typeof node.value === 'boolean' && node.value === positive ? TRUE : FALSE;
    default: {
      if (!hasVariable(node)) {
        const v = evaluateCel(node, {});
        return typeof v === 'boolean' && v === positive ? TRUE : FALSE;
      }
      const atom = lower.atom(node, positive);
      if (atom.kind === 'const' && !atom.flaw) return atom.value ? TRUE : FALSE;
      return [[atom]];
    }
  }
}

function toDisjunct(conj: Conj): LoweredDisjunct | undefined {
  const out: LoweredDisjunct = { claims: {}, never: [], flaws: [] };
  for (const atom of conj) {
    const flaw = atom.flaw;
    if (flaw && !out.flaws.some((f) => f.message === flaw.message)) out.flaws.push(flaw);
    if (atom.kind === 'const') {
      if (!atom.value) return undefined;
      continue;
    }
    if (atom.kind === 'never') {
      out.never.push(atom.test);
      continue;
    }
    for (const t of atom.tests) (out.claims[t.claim] ??= []).push(t.constraint);
  }
  return out;
}

/** Lower a condition (absent: admits every token) into ORed sets of claim tests. */
export function lowerCondition(options: LowerOptions): LoweredCondition {
  if (!options.ast) return { disjuncts: [{ claims: {}, never: [], flaws: [] }] };
  const lower = new Lowerer({ ...options, text: options.text ?? printCel(options.ast) });
  const expanded = dnf(options.ast, true, lower);
  if (expanded === 'overflow') {
    const claims: Record<string, Constraint[]> = {};
    const reason = `the condition has more than ${MAX_DISJUNCTS} alternatives once expanded, more than fedlint evaluates`;
    for (const claim of options.identityClaims.length > 0 ? options.identityClaims : ['sub']) {
      claims[claim] = [{ kind: 'unknown', reason, operator: 'CEL', key: 'attribute_condition', at: options.at }];
    }
    return { disjuncts: [{ claims, never: [], flaws: [] }], overflow: true };
  }
  return { disjuncts: expanded.map(toDisjunct).filter((d): d is LoweredDisjunct => d !== undefined) };
}

/**
 * Whether a token with these claims passes a lowered condition: true, false, or 'unknown' when the answer
 * depends on a test fedlint cannot evaluate. Used to check the lowering against the CEL evaluator.
 */
export function loweredAdmits(lowered: LoweredCondition, token: Record<string, ClaimValue>): Verdict {
  return anyAlternativeAdmits(
    lowered.disjuncts.filter((d) => d.never.length === 0).map((d) => d.claims),
    token,
  );
}

/** The mapping of a provider, parsed from a JSON object of strings. */
export function mappingOf(raw: unknown, awsProvider: boolean): AttributeMapping {
  const entries: Record<string, string> = {};
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') entries[k] = v;
  }
  if (awsProvider && Object.keys(entries).length === 0) return { known: true, entries: { ...AWS_DEFAULT_MAPPING }, awsDefaults: true };
  return { known: true, entries };
}
