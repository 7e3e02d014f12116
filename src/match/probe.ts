/**
 * Whole tokens as witnesses. A rule that asks "does this trust admit a token minted in such a context?"
 * builds concrete tokens (claim name → value) from the trust's own patterns and asks the matcher, with the
 * same IAM semantics as every other rule (iam.ts): values are built by filling the wildcards of the trust's
 * patterns (scope.ts's witness machinery), never guessed, and a value counts only once allAdmit accepts it.
 */
import type { Constraint, Location, PatternConstraint } from '../model/types.js';
import { allAdmit, type ClaimValue, type Verdict } from './iam.js';
import { fillPattern, isPin, patternChars } from './scope.js';

export type Token = Record<string, ClaimValue>;

/** Tests by claim name, ANDed: one IAM statement, one disjunct of a GCP condition, one Entra credential. */
export type ClaimTests = Readonly<Record<string, readonly Constraint[]>>;

export interface FilledValue {
  value: string;
  /** derived[i] is 1 when character i came from a wildcard of the pattern. */
  derived: Uint8Array;
  /** The pattern value that admits it, and where that value is written. */
  pattern: string;
  at: Location;
  /** The test holding the pattern, narrowed to that one value (to ask what else the value admits). */
  test: PatternConstraint;
}

/** Candidates tried per claim: realistic patterns need a few dozen; the cap bounds hostile ones. */
const MAX_CANDIDATES = 600;
/** Characters of candidates per claim, plus a multiple of the patterns' own length (linear in the input). */
const CANDIDATE_CHARS = 400_000;
const CANDIDATE_CHARS_PER_PATTERN_CHAR = 4;

/**
 * Values the tests on one claim admit: each value of a positive test, its wildcards filled with the given
 * fragments, kept when every test on the claim (negated ones and those of a Deny included) admits it.
 */
export function* admittedFills(tests: readonly Constraint[] | undefined, fills: readonly string[]): Generator<FilledValue> {
  if (!tests) return;
  let pins = 0;
  for (const t of tests) if (isPin(t)) pins++;
  let budget = -1;
  // Values already given, keyed by value index, pattern and value. An exact value of the only positive test
  // cannot repeat one (nothing else has its index), so it goes without a key: that is every value of most trusts.
  let emitted: Set<string> | undefined;
  let seen = 0;
  let chars = 0;
  for (const pin of tests) {
    if (!isPin(pin)) continue;
    for (let i = 0; i < pin.values.length; i++) {
      const pattern = pin.values[i]!;
      const wildcard = pin.syntax !== 'exact' && (pattern.includes('*') || pattern.includes('?'));
      for (const c of fillPattern(pattern, wildcard, fills)) {
        if (++seen > MAX_CANDIDATES) return;
        chars += c.text.length;
        if (chars > CANDIDATE_CHARS) {
          // Worked out only past the fixed part of the budget, which realistic tests never reach.
          if (budget < 0) budget = CANDIDATE_CHARS + CANDIDATE_CHARS_PER_PATTERN_CHAR * patternChars(tests.filter(isPin));
          if (chars > budget) return;
        }
        const key = wildcard || pins > 1 ? `${i}\u0000${pattern}\u0000${c.text}` : undefined;
        if ((key !== undefined && emitted?.has(key)) || allAdmit(tests, c.text) !== true) continue;
        if (key !== undefined) (emitted ??= new Set()).add(key);
        const at = pin.valueAt[i] ?? pin.at;
        // A test of one value, written where it says, is its own narrowing.
        const test = pin.values.length === 1 && pin.valueAt[0] === at ? pin : { ...pin, values: [pattern], valueAt: [at] };
        yield { value: c.text, derived: c.derived, pattern, at, test };
      }
    }
  }
}

/**
 * A value for a claim whose value the token's owner picks (the branch a pull request targets, the event that
 * starts a run): the first of `options` the tests admit, else a value filled from the tests' own patterns,
 * else the first option (which the tests then refuse: the probe fails, nothing is assumed). With no test on
 * the claim, the first option.
 */
export function chosenValue(tests: readonly Constraint[] | undefined, options: readonly string[], fills: readonly string[] = ['']): string {
  if (!tests || tests.length === 0) return options[0]!;
  for (const o of options) if (allAdmit(tests, o) === true) return o;
  for (const f of admittedFills(tests, fills)) return f.value;
  return options[0]!;
}

/**
 * The same text with every letter and digit changed and everything else kept (`feature-x` → `gfbuvsf-y`).
 * A trust that admits a value and also its twin has no literal character where the value was chosen: it
 * admits whatever name is picked there, not one it spells out.
 */
export function perturb(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) out += String.fromCharCode(c === 122 ? 97 : c + 1);
    else if (c >= 65 && c <= 90) out += String.fromCharCode(c === 90 ? 65 : c + 1);
    else if (c >= 48 && c <= 57) out += String.fromCharCode(c === 57 ? 48 : c + 1);
    else out += text[i];
  }
  return out;
}

/**
 * Whether one alternative (tests by claim, ANDed) admits a token. A claim `free` names is one whose value
 * does not depend on how the run was started (the repository, its ids, the audience the job requests):
 * when the token leaves it unset its tests are not asked, and a test on it that cannot be evaluated does
 * not make the answer unknown, since it treats a reviewed and an unreviewed run of the same repository
 * alike. Every other claim is evaluated strictly: unset is absent, and an unknown test makes the answer
 * 'unknown'.
 */
export function tokenVerdict(claims: ClaimTests, token: Token, free: (claim: string) => boolean): Verdict {
  let unknown = false;
  for (const [claim, tests] of Object.entries(claims)) {
    const value = token[claim];
    const isFree = free(claim);
    if (isFree && value === undefined) continue;
    const v = allAdmit(tests, value);
    if (v === false) return false;
    if (v === 'unknown' && !isFree) unknown = true;
  }
  return unknown ? 'unknown' : true;
}
