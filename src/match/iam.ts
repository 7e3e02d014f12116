import type { Constraint, PatternConstraint } from '../model/types.js';
import { globMatch } from './glob.js';

/** A claim value in a token: absent, one string, or a list (multivalued claims such as Cognito `amr`). */
export type ClaimValue = string | readonly string[] | undefined;

export type Verdict = boolean | 'unknown';

function valueMatches(constraint: PatternConstraint, pattern: string, value: string): boolean {
  if (constraint.caseInsensitive) {
    pattern = pattern.toLowerCase();
    value = value.toLowerCase();
  }
  return constraint.syntax === 'exact' ? pattern === value : globMatch(pattern, value);
}

/**
 * Does one test admit this claim value? IAM semantics (reference/aws.md §4.1, §4.4): values of a test
 * are ORed; a negated operator admits a value that matches none of them; an absent claim fails a
 * positive operator and passes a negated one, `…IfExists`, and `ForAllValues:`.
 */
export function constraintAdmits(constraint: Constraint, value: ClaimValue): Verdict {
  switch (constraint.kind) {
    case 'presence':
      return constraint.present ? value !== undefined : value === undefined;
    case 'cel':
    case 'unknown':
      return 'unknown';
    case 'patterns': {
      if (value === undefined || (typeof value !== 'string' && value.length === 0)) {
        // IfExists makes any operator true for an absent key, set operators included (aws.md §4.1).
        if (constraint.ifExists || constraint.setOperator === 'ForAllValues') return true;
        if (constraint.setOperator === 'ForAnyValue') return false;
        return Boolean(constraint.negated);
      }
      // One value (every claim but a few multivalued ones): any and every of one value are the value's own answer.
      if (typeof value === 'string') return admitsOne(constraint, value);
      if (constraint.setOperator === 'ForAllValues') return value.every((v) => admitsOne(constraint, v));
      return value.some((v) => admitsOne(constraint, v));
    }
  }
}

/**
 * Whether one value passes a test: matches one of its values, or none of them for a negated operator.
 * No array or closure per call: every rule asks this for every binding, and probes many times more.
 */
function admitsOne(constraint: PatternConstraint, value: string): boolean {
  let hit = false;
  for (const p of constraint.values) {
    if (valueMatches(constraint, p, value)) {
      hit = true;
      break;
    }
  }
  return constraint.negated ? !hit : hit;
}

/**
 * Whether a token passes any of several alternatives, each an AND of tests by claim (IAM statements, the
 * disjuncts of a GCP condition); 'unknown' when the answer depends on a test that cannot be evaluated.
 */
export function anyAlternativeAdmits(
  alternatives: Iterable<Readonly<Record<string, readonly Constraint[]>>>,
  token: Readonly<Record<string, ClaimValue>>,
): Verdict {
  let unknown = false;
  for (const claims of alternatives) {
    let verdict: Verdict = true;
    for (const [claim, tests] of Object.entries(claims)) {
      const v = allAdmit(tests, token[claim]);
      if (v === false) {
        verdict = false;
        break;
      }
      if (v === 'unknown') verdict = 'unknown';
    }
    if (verdict === true) return true;
    if (verdict === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : false;
}

/** AND of several tests on one claim; 'unknown' when the answer depends on a test that cannot be evaluated. */
export function allAdmit(constraints: readonly Constraint[], value: ClaimValue): Verdict {
  let unknown = false;
  for (const c of constraints) {
    const v = constraintAdmits(c, value);
    if (v === false) return false;
    if (v === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : true;
}
