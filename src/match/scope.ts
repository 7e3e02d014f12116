/**
 * What a set of tests on one identity claim really admits, answered with witnesses: concrete claim
 * values the tests accept, built by filling the wildcards of each pattern with realistic fragments
 * and checked with the same matcher IAM semantics use. A witness is therefore never a guess: it is a
 * value the trust admits. Which part of a witness came from a wildcard tells who can mint it:
 * a wildcard reaching into the tenant (owner, organization) lets outsiders in; one reaching only into
 * the unit (repository, project) lets other insiders in.
 */
import type { Constraint, Location, PatternConstraint } from '../model/types.js';
import type { ParsedSubject, Span, SubjectGrammar } from '../knowledge/subjects.js';
import { allAdmit } from './iam.js';

/** pinned: one unit; tenant-wide: any unit of one tenant; open: other tenants too. */
export type Breadth = 'pinned' | 'tenant-wide' | 'open';

export interface Witness {
  value: string;
  /** The pattern value that admits it, and where that value is written. */
  pattern: string;
  at: Location;
}

export interface ClaimAnalysis {
  breadth: Breadth;
  witness?: Witness;
  /** A subject whose context is `pull_request` is admitted. */
  pullRequest?: Witness;
  /** Subjects of any branch (the branch name is wholly a wildcard's), or of any ref type, are admitted. */
  anyBranch?: Witness;
  /** Subjects of any deployment environment are admitted. */
  anyEnvironment?: Witness;
  /** Environment names admitted literally (`environment:prod`), with where they are written. */
  environments: Array<{ name: string; at: Location }>;
}

interface Candidate {
  text: string;
  /** derived[i] is 1 when character i came from a wildcard. */
  derived: Uint8Array;
}

const MAX_STARS_COMBINED = 4;
const MAX_CANDIDATES = 4000;
/**
 * Stars that get fills: the first ones and the last; the others match the empty string. Real patterns
 * have a handful of stars, so this changes nothing for them, while a hostile `*a*a*a…` of thousands of
 * stars gives candidates about as long as itself rather than thousands of fills long.
 */
const MAX_FILLED_STARS = 16;
/**
 * Characters of candidates built for one claim: a fixed allowance that every realistic claim stays well
 * within, plus a multiple of the length of its patterns, so that the work stays linear in the input
 * however long a pattern is (a 20 MB pattern still gets its first few candidates).
 */
const CANDIDATE_CHARS = 4_000_000;
const CANDIDATE_CHARS_PER_PATTERN_CHAR = 8;

/** Positive tests are the ones that limit the value: not negated, not IfExists, not ForAllValues. */
export function isPin(c: Constraint): c is PatternConstraint {
  return c.kind === 'patterns' && !c.negated && !c.ifExists && c.setOperator !== 'ForAllValues';
}

/**
 * A pattern ready to be filled: the text between its filled stars (unfilled stars dropped, `?` written
 * as `x`), where those `?` were, and the index of each filled star among all the stars.
 */
interface Template {
  chunks: string[];
  questions: Uint8Array[];
  stars: number[];
  /** How many stars the pattern has. */
  starCount: number;
}

function template(pattern: string): Template {
  let starCount = 0;
  for (let i = pattern.indexOf('*'); i >= 0; i = pattern.indexOf('*', i + 1)) starCount++;
  const chunks: string[] = [];
  const questions: Uint8Array[] = [];
  const stars: number[] = [];
  let parts: string[] = [];
  let marks: number[] = [];
  let length = 0;
  let star = 0;
  let run = 0;
  for (let i = 0; i <= pattern.length; i++) {
    const c = i < pattern.length ? pattern.charCodeAt(i) : -1;
    if (c !== -1 && c !== 42 /* * */ && c !== 63 /* ? */) continue;
    if (i > run) {
      parts.push(pattern.slice(run, i));
      length += i - run;
    }
    run = i + 1;
    if (c === 63) {
      parts.push('x');
      marks.push(length++);
      continue;
    }
    const filled = c === -1 || star < MAX_FILLED_STARS || star === starCount - 1;
    if (c === 42) star++;
    if (!filled) continue;
    chunks.push(parts.join(''));
    const q = new Uint8Array(length);
    for (const m of marks) q[m] = 1;
    questions.push(q);
    if (c === 42) stars.push(star - 1);
    parts = [];
    marks = [];
    length = 0;
  }
  return { chunks, questions, stars, starCount };
}

function instantiate(t: Template, fillFor: (starIndex: number) => string): Candidate {
  const fills = t.stars.map(fillFor);
  const parts: string[] = [t.chunks[0]!];
  fills.forEach((fill, i) => parts.push(fill, t.chunks[i + 1]!));
  const text = parts.join('');
  const derived = new Uint8Array(text.length);
  let offset = 0;
  t.chunks.forEach((chunk, i) => {
    derived.set(t.questions[i]!, offset);
    offset += chunk.length;
    const fill = fills[i];
    if (fill !== undefined) {
      derived.fill(1, offset, offset + fill.length);
      offset += fill.length;
    }
  });
  return { text, derived };
}

/** The candidates of a pattern that holds a wildcard. */
function* candidatesFor(pattern: string, fills: readonly string[]): Generator<Candidate> {
  const t = template(pattern);
  for (const f of fills) yield instantiate(t, () => f);
  const combined = Math.min(t.starCount, MAX_STARS_COMBINED);
  if (t.starCount < 2) return;
  for (let k = 0; k < combined; k++) {
    for (const f of fills) {
      for (const other of fills) {
        if (other === f) continue;
        yield instantiate(t, (i) => (i === k ? f : other));
      }
    }
  }
}

/** All zeros, shared by the candidates of exact patterns; grown when a longer pattern comes. */
let noWildcards = new Uint8Array(256);

/**
 * The mask of an exact pattern's only candidate (fillPattern), without a mask of its own: most patterns of a
 * large input are exact. The shared mask is only read (the probes of unreviewed.ts), and is at least as long
 * as the text, so it reads as a mask of zeros.
 */
function zeros(length: number): Uint8Array {
  if (noWildcards.length < length) noWildcards = new Uint8Array(Math.max(length, 2 * noWildcards.length));
  return noWildcards;
}

/**
 * Values a pattern stands for, built the way witnesses are (each wildcard filled with one fragment, or up to
 * four of them with two fragments in turn; `?` written as `x`), with a mask of the characters that came from
 * a wildcard (read only: an exact pattern's is shared, and may be longer than the text). For a pattern
 * without wildcards (or an exact test) the value itself. The caller checks every value with the matcher
 * before relying on it.
 */
export function fillPattern(pattern: string, wildcard: boolean, fills: readonly string[]): Iterable<{ text: string; derived: Uint8Array }> {
  return wildcard ? candidatesFor(pattern, fills) : [{ text: pattern, derived: zeros(pattern.length) }];
}

/** The characters of the values of some tests, which the candidate budgets are a multiple of. */
export function patternChars(pins: readonly PatternConstraint[]): number {
  let n = 0;
  for (const p of pins) for (const v of p.values) n += v.length;
  return n;
}

function overlaps(span: Span | undefined, derived: Uint8Array | undefined): boolean {
  return span !== undefined && derivedWithin(derived, span.start, span.end);
}

/** Whether a character between start and end came from a wildcard (none did in a value without `derived`). */
function derivedWithin(derived: Uint8Array | undefined, start: number, end: number): boolean {
  if (!derived) return false;
  for (let i = start; i < end; i++) if (derived[i]) return true;
  return false;
}

function wholly(span: Span, derived: Uint8Array | undefined, valueStart: number): boolean {
  if (!derived) return false;
  for (let i = valueStart; i < span.end; i++) if (!derived[i]) return false;
  return span.end > valueStart;
}

const RANK: Record<Breadth, number> = { pinned: 0, 'tenant-wide': 1, open: 2 };

function widen(result: ClaimAnalysis, breadth: Breadth, w: Witness): void {
  // At equal breadth the shorter witness reads better (`repo:evil/octo-org:…` rather than a subject
  // repeated inside itself), so it replaces a longer one.
  const shorter = RANK[breadth] === RANK[result.breadth] && result.witness !== undefined && w.value.length < result.witness.value.length;
  if (RANK[breadth] > RANK[result.breadth] || shorter) {
    result.breadth = breadth;
    result.witness = w;
  }
}

/**
 * Analyses of a claim tested once, with one wildcard pattern, by grammar and then by what decides the
 * analysis: the pattern and how it is compared. Such a pattern is typically repeated by many trusts of an
 * estate (`repo:acme-sandbox/*` on hundreds of roles), and its candidates cost far more than an exact value's:
 * in the bench's "10,000 files", analysing the 10,000 bindings took 141 ms of CPU (cold, one thread) with 452
 * such claims analysed each time, 109 ms with this memo.
 * Kept with the location of the first trust (every witness comes from the one value, so every location is
 * that value's), and relocated for the others. Bounded: patterns up to MEMO_PATTERN_CHARS characters, and
 * MEMO_ENTRIES analyses per grammar, after which further patterns are analysed as before.
 */
const memo = new Map<SubjectGrammar, Map<string, ClaimAnalysis>>();
const MEMO_ENTRIES = 1024;
const MEMO_PATTERN_CHARS = 1024;

/** The analysis with every location replaced by `at`; witnesses shared in `a` are shared in the copy. */
function relocated(a: ClaimAnalysis, at: Location): ClaimAnalysis {
  const copies = new Map<Witness, Witness>();
  const copy = (w: Witness): Witness => {
    let c = copies.get(w);
    if (!c) copies.set(w, (c = { value: w.value, pattern: w.pattern, at }));
    return c;
  };
  const out: ClaimAnalysis = { breadth: a.breadth, environments: a.environments.map((e) => ({ name: e.name, at })) };
  if (a.witness) out.witness = copy(a.witness);
  if (a.pullRequest) out.pullRequest = copy(a.pullRequest);
  if (a.anyBranch) out.anyBranch = copy(a.anyBranch);
  if (a.anyEnvironment) out.anyEnvironment = copy(a.anyEnvironment);
  return out;
}

/**
 * Analyse the tests on one claim. Only pins (positive tests) generate candidates; every test on the
 * claim, negated ones included, must admit a candidate for it to count.
 */
export function analyseClaim(constraints: readonly Constraint[], grammar: SubjectGrammar | undefined): ClaimAnalysis {
  const only = constraints.length === 1 ? constraints[0]! : undefined;
  if (!grammar || !only || !isPin(only) || only.values.length !== 1) return analyseTests(constraints, grammar);
  const pattern = only.values[0]!;
  if (only.syntax === 'exact' || pattern.length > MEMO_PATTERN_CHARS || !(pattern.includes('*') || pattern.includes('?'))) return analyseTests(constraints, grammar);
  // A positive test's answer for one value depends on its values, syntax and letter case only (isPin rules
  // out negation, IfExists and ForAllValues; ForAnyValue of one value is that value's answer).
  const key = `${only.syntax}\u0000${only.caseInsensitive ? 'i' : ''}\u0000${pattern}`;
  let known = memo.get(grammar);
  if (!known) memo.set(grammar, (known = new Map()));
  const at = only.valueAt[0] ?? only.at;
  const found = known.get(key);
  if (found) return relocated(found, at);
  const result = analyseTests(constraints, grammar);
  if (known.size < MEMO_ENTRIES) known.set(key, result);
  return result;
}

/**
 * analyseClaim, worked out. Written as plain loops, without closures or a generator for exact patterns: it
 * runs once per binding (10,000 of them in the "10,000 files" bench input).
 */
function analyseTests(constraints: readonly Constraint[], grammar: SubjectGrammar | undefined): ClaimAnalysis {
  const result: ClaimAnalysis = { breadth: 'pinned', environments: [] };
  const limits: Limits = { seen: 0, chars: 0, budget: -1 };
  patterns: for (const pin of constraints) {
    if (!isPin(pin)) continue;
    for (let index = 0; index < pin.values.length; index++) {
      const pattern = pin.values[index]!;
      const at = pin.valueAt[index] ?? pin.at;
      const wildcard = pin.syntax !== 'exact' && (pattern.includes('*') || pattern.includes('?'));
      if (!grammar) {
        // No grammar: only a pattern made of nothing but wildcards is known to admit anyone.
        if (wildcard && /^[*?]+$/.test(pattern) && pattern.includes('*')) {
          widen(result, 'open', { value: 'any value', pattern, at });
        }
        continue;
      }
      if (!wildcard) {
        if (!within(limits, pattern, constraints)) break patterns;
        // The value of a positive test admits itself: when that test is the claim's only one, the matcher has
        // nothing to add (most trusts test a claim once, with one exact value).
        consider(pattern, undefined, pattern, at, constraints.length === 1 ? undefined : constraints, grammar, result);
        continue;
      }
      for (const c of candidatesFor(pattern, grammar.fills)) {
        if (!within(limits, c.text, constraints)) break patterns;
        if (consider(c.text, c.derived, pattern, at, constraints, grammar, result)) break;
      }
    }
  }
  return result;
}

/** Candidates built for one claim so far, and the character budget once it is worked out (-1 before). */
interface Limits {
  seen: number;
  chars: number;
  budget: number;
}

/**
 * Counts a candidate against the limits of its claim; false once past either, and then for every later
 * candidate too (both counts only grow). The character budget grows with the patterns' length; it is only
 * worked out once the candidates pass its fixed part, which the exact values of a realistic claim never do.
 */
function within(limits: Limits, text: string, constraints: readonly Constraint[]): boolean {
  if (++limits.seen > MAX_CANDIDATES) return false;
  limits.chars += text.length;
  if (limits.chars <= CANDIDATE_CHARS) return true;
  if (limits.budget < 0) limits.budget = CANDIDATE_CHARS + CANDIDATE_CHARS_PER_PATTERN_CHAR * patternChars(constraints.filter(isPin));
  return limits.chars <= limits.budget;
}

/**
 * What one candidate value shows, when every test on the claim admits it (`constraints`, or none to ask when
 * they are known to); true when nothing more can be learnt from the pattern it was built from (open, with
 * pull requests and any branch already shown). `derived` is undefined for a value with no wildcard in it.
 */
function consider(
  text: string,
  derived: Uint8Array | undefined,
  pattern: string,
  at: Location,
  constraints: readonly Constraint[] | undefined,
  grammar: SubjectGrammar,
  result: ClaimAnalysis,
): boolean {
  if (constraints && allAdmit(constraints, text) !== true) return false;
  const parsed = grammar.parse(text);
  if (!parsed) return false;
  classify(parsed, derived, { value: text, pattern, at }, result);
  return result.breadth === 'open' && result.pullRequest !== undefined && result.anyBranch !== undefined;
}

function classify(parsed: ParsedSubject, derived: Uint8Array | undefined, witness: Witness, result: ClaimAnalysis): void {
  if (overlaps(parsed.tenant, derived)) widen(result, 'open', witness);
  else if (overlaps(parsed.unit, derived)) widen(result, 'tenant-wide', witness);
  else if (!parsed.unit && parsed.tenant) widen(result, 'tenant-wide', witness);
  const context = parsed.context;
  if (!context) return;
  if (context.kind === 'pull_request') result.pullRequest ??= witness;
  if (context.kind === 'branch' && context.value !== undefined) {
    const valueStart = context.span.end - context.value.length;
    if (wholly(context.span, derived, valueStart)) result.anyBranch ??= witness;
  }
  // `ref_type:*` admits a tag that anyone allowed to push tags can name like the protected branch.
  if ((context.kind === 'branch' || context.kind === 'tag') && overlaps(context.typeSpan, derived)) result.anyBranch ??= witness;
  if (context.kind === 'environment' && context.value !== undefined) {
    const valueStart = context.span.end - context.value.length;
    // Only a pattern that spells out `environment:` and leaves the name open admits "every environment";
    // `repo:o/r:*` admits environments too, but that is a wildcard over the whole context (any branch,
    // pull requests), judged elsewhere.
    const keywordLiteral = !derivedWithin(derived, context.span.start, valueStart);
    if (derivedWithin(derived, valueStart, context.span.end)) {
      if (keywordLiteral) result.anyEnvironment ??= witness;
    }
    else if (!result.environments.some((e) => e.name === context.value)) {
      result.environments.push({ name: context.value, at: witness.at });
    }
  }
}
