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
  pattern: string;
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

function instantiate(t: Template, pattern: string, fillFor: (starIndex: number) => string): Candidate {
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
  return { text, derived, pattern };
}

function* candidatesFor(pattern: string, wildcard: boolean, fills: string[]): Generator<Candidate> {
  if (!wildcard) {
    yield { text: pattern, derived: new Uint8Array(pattern.length), pattern };
    return;
  }
  const t = template(pattern);
  for (const f of fills) yield instantiate(t, pattern, () => f);
  const combined = Math.min(t.starCount, MAX_STARS_COMBINED);
  if (t.starCount < 2) return;
  for (let k = 0; k < combined; k++) {
    for (const f of fills) {
      for (const other of fills) {
        if (other === f) continue;
        yield instantiate(t, pattern, (i) => (i === k ? f : other));
      }
    }
  }
}

/** All zeros, shared by the candidates of exact patterns; grown when a longer pattern comes. */
let noWildcards = new Uint8Array(256);

/**
 * An exact pattern's only candidate, without a generator or a mask of its own: most patterns of a large
 * input are exact, and analyseClaim runs once per binding. The shared mask is only read (classify), and
 * is at least as long as the text, so it reads as a mask of zeros.
 */
function exactCandidate(pattern: string): Candidate {
  if (noWildcards.length < pattern.length) noWildcards = new Uint8Array(Math.max(pattern.length, 2 * noWildcards.length));
  return { text: pattern, derived: noWildcards, pattern };
}

/**
 * Values a pattern stands for, built the way witnesses are (each wildcard filled with one fragment, or up to
 * four of them with two fragments in turn; `?` written as `x`), with a mask of the characters that came from
 * a wildcard. For a pattern without wildcards (or an exact test) the value itself. The caller checks every
 * value with the matcher before relying on it.
 */
export function* fillPattern(pattern: string, wildcard: boolean, fills: string[]): Generator<{ text: string; derived: Uint8Array }> {
  for (const c of candidatesFor(pattern, wildcard, fills)) yield { text: c.text, derived: c.derived };
}

function overlaps(span: Span | undefined, derived: Uint8Array): boolean {
  if (!span) return false;
  for (let i = span.start; i < span.end; i++) if (derived[i]) return true;
  return false;
}

function wholly(span: Span, derived: Uint8Array, valueStart: number): boolean {
  for (let i = valueStart; i < span.end; i++) if (!derived[i]) return false;
  return span.end > valueStart;
}

/**
 * Analyse the tests on one claim. Only pins (positive tests) generate candidates; every test on the
 * claim, negated ones included, must admit a candidate for it to count.
 */
export function analyseClaim(constraints: readonly Constraint[], grammar: SubjectGrammar | undefined): ClaimAnalysis {
  const result: ClaimAnalysis = { breadth: 'pinned', environments: [] };
  const pins = constraints.filter(isPin);
  let seen = 0;
  let chars = 0;
  const budget = CANDIDATE_CHARS + CANDIDATE_CHARS_PER_PATTERN_CHAR * pins.reduce((n, p) => n + p.values.reduce((m, v) => m + v.length, 0), 0);
  const rank: Record<Breadth, number> = { pinned: 0, 'tenant-wide': 1, open: 2 };
  const widen = (breadth: Breadth, w: Witness): void => {
    // At equal breadth the shorter witness reads better (`repo:evil/octo-org:…` rather than a subject
    // repeated inside itself), so it replaces a longer one.
    const shorter = rank[breadth] === rank[result.breadth] && result.witness !== undefined && w.value.length < result.witness.value.length;
    if (rank[breadth] > rank[result.breadth] || shorter) {
      result.breadth = breadth;
      result.witness = w;
    }
  };
  for (const pin of pins) {
    pin.values.forEach((pattern, index) => {
      const at = pin.valueAt[index] ?? pin.at;
      const wildcard = pin.syntax !== 'exact' && (pattern.includes('*') || pattern.includes('?'));
      if (!grammar) {
        // No grammar: only a pattern made of nothing but wildcards is known to admit anyone.
        if (wildcard && /^[*?]+$/.test(pattern) && pattern.includes('*')) {
          widen('open', { value: 'any value', pattern, at });
        }
        return;
      }
      for (const c of wildcard ? candidatesFor(pattern, true, grammar.fills) : [exactCandidate(pattern)]) {
        if (++seen > MAX_CANDIDATES || (chars += c.text.length) > budget) return;
        if (allAdmit(constraints, c.text) !== true) continue;
        const parsed = grammar.parse(c.text);
        if (!parsed) continue;
        const witness: Witness = { value: c.text, pattern, at };
        classify(parsed, c, witness, result, widen);
        if (result.breadth === 'open' && result.pullRequest && result.anyBranch) return;
      }
    });
  }
  return result;
}

function classify(
  parsed: ParsedSubject,
  c: Candidate,
  witness: Witness,
  result: ClaimAnalysis,
  widen: (b: Breadth, w: Witness) => void,
): void {
  if (overlaps(parsed.tenant, c.derived)) widen('open', witness);
  else if (overlaps(parsed.unit, c.derived)) widen('tenant-wide', witness);
  else if (!parsed.unit && parsed.tenant) widen('tenant-wide', witness);
  const context = parsed.context;
  if (!context) return;
  if (context.kind === 'pull_request') result.pullRequest ??= witness;
  if (context.kind === 'branch' && context.value !== undefined) {
    const valueStart = context.span.end - context.value.length;
    if (wholly(context.span, c.derived, valueStart)) result.anyBranch ??= witness;
  }
  // `ref_type:*` admits a tag that anyone allowed to push tags can name like the protected branch.
  if ((context.kind === 'branch' || context.kind === 'tag') && overlaps(context.typeSpan, c.derived)) result.anyBranch ??= witness;
  if (context.kind === 'environment' && context.value !== undefined) {
    const valueStart = context.span.end - context.value.length;
    // Only a pattern that spells out `environment:` and leaves the name open admits "every environment";
    // `repo:o/r:*` admits environments too, but that is a wildcard over the whole context (any branch,
    // pull requests), judged elsewhere.
    const keywordLiteral = !overlaps({ start: context.span.start, end: valueStart }, c.derived);
    if (overlaps({ start: valueStart, end: context.span.end }, c.derived)) {
      if (keywordLiteral) result.anyEnvironment ??= witness;
    }
    else if (!result.environments.some((e) => e.name === context.value)) {
      result.environments.push({ name: context.value, at: witness.at });
    }
  }
}
