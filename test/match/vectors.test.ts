/**
 * Every vector of the shared subject-matching conformance suites (../shared/conformance/subvectors beside the repository,
 * README.md there) becomes one test named by its id, run through the matcher for its consumer. The README
 * says "The matcher for the consumer must give the expected match/no-match, with no exceptions".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Constraint } from '../../src/model/types.js';
import { allAdmit, constraintAdmits, type Verdict } from '../../src/match/iam.js';
import { evaluateFlexible, parseFlexibleExpression } from '../../src/match/azure-flexible.js';
import { evaluateCel, parseCel } from '../../src/match/cel.js';

const SUITE_DIR = new URL('../../../shared/conformance/subvectors/', import.meta.url);
const SUITE_FILES = ['github-aws.json', 'gitlab-aws.json', 'github-azure.json', 'github-azure-flexible.json', 'github-gcp.json'];
const EXPECTED_TOTAL = 78;

type AwsConsumer = 'aws-stringequals' | 'aws-stringlike';

interface Condition {
  consumer: string;
  claim?: string;
  pattern?: string | string[];
  of?: Condition[];
}

interface Vector {
  id: string;
  subject: string;
  claims?: Record<string, string>;
  condition: Condition;
  expect: 'match' | 'no-match';
}

interface Suite {
  suite: string;
  vectors: Vector[];
}

const suites = SUITE_FILES.map((file) => ({
  file,
  suite: JSON.parse(readFileSync(new URL(file, SUITE_DIR), 'utf8')) as Suite,
}));

/** The token's value for a claim: from `claims`, or the subject for `sub` when the vector has no claims. */
function claimValue(vector: Vector, claim: string): string | undefined {
  if (vector.claims) return Object.prototype.hasOwnProperty.call(vector.claims, claim) ? vector.claims[claim] : undefined;
  return claim === 'sub' ? vector.subject : undefined;
}

function patternsOf(condition: Condition): string[] {
  const p = condition.pattern;
  if (p === undefined) throw new Error(`condition for ${condition.consumer} has no pattern`);
  return typeof p === 'string' ? [p] : p;
}

function awsConstraint(condition: Condition): Constraint {
  const consumer = condition.consumer as AwsConsumer;
  if (consumer !== 'aws-stringequals' && consumer !== 'aws-stringlike') {
    throw new Error(`not an AWS string condition: ${condition.consumer}`);
  }
  const claim = condition.claim ?? 'sub';
  return {
    kind: 'patterns',
    syntax: consumer === 'aws-stringequals' ? 'exact' : 'iam-glob',
    values: patternsOf(condition),
    operator: consumer === 'aws-stringequals' ? 'StringEquals' : 'StringLike',
    key: claim,
    at: { file: 'vector', path: [] },
    valueAt: [],
  };
}

function verdictToBoolean(v: Verdict, id: string): boolean {
  if (v === 'unknown') throw new Error(`${id}: the IAM matcher could not decide`);
  return v;
}

/** The matcher for the vector's consumer; throws for a consumer this test does not know. */
function matches(vector: Vector): boolean {
  const { condition } = vector;
  switch (condition.consumer) {
    case 'aws-stringequals':
    case 'aws-stringlike':
      return verdictToBoolean(constraintAdmits(awsConstraint(condition), claimValue(vector, condition.claim ?? 'sub')), vector.id);
    case 'aws-all': {
      // One IAM Condition block: the entries are ANDed; tests on the same claim go through allAdmit.
      const byClaim = new Map<string, Constraint[]>();
      for (const entry of condition.of ?? []) {
        const claim = entry.claim ?? 'sub';
        byClaim.set(claim, [...(byClaim.get(claim) ?? []), awsConstraint(entry)]);
      }
      if (byClaim.size === 0) throw new Error(`${vector.id}: aws-all without entries`);
      let result = true;
      for (const [claim, constraints] of byClaim) {
        result = verdictToBoolean(allAdmit(constraints, claimValue(vector, claim)), vector.id) && result;
      }
      return result;
    }
    case 'azure-fic-exact': {
      // Classic federated credentials compare `subject` with `sub` exactly, case-sensitively, with no
      // wildcards (reference/azure.md §1).
      const [pattern] = patternsOf(condition);
      return claimValue(vector, condition.claim ?? 'sub') === pattern;
    }
    case 'azure-fic-flexible': {
      const [expression] = patternsOf(condition);
      const parsed = parseFlexibleExpression(expression!);
      if (!parsed.ok) throw new Error(`${vector.id}: ${parsed.message} at ${parsed.offset}`);
      return evaluateFlexible(parsed.clauses, vector.claims ?? { sub: vector.subject });
    }
    case 'gcp-cel': {
      const [expression] = patternsOf(condition);
      const parsed = parseCel(expression!);
      if (!parsed.ok) throw new Error(`${vector.id}: ${parsed.message} at ${parsed.offset}`);
      const result = evaluateCel(parsed.ast, { assertion: vector.claims ?? { sub: vector.subject } });
      if (typeof result !== 'boolean') throw new Error(`${vector.id}: evaluation error ${result.error}`);
      return result;
    }
    default:
      throw new Error(`${vector.id}: no matcher for consumer '${condition.consumer}'`);
  }
}

describe('conformance suites', () => {
  it(`hold ${EXPECTED_TOTAL} vectors with unique ids`, () => {
    const ids = suites.flatMap(({ suite }) => suite.vectors.map((v) => v.id));
    expect(ids).toHaveLength(EXPECTED_TOTAL);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('use only consumers this test handles', () => {
    const handled = new Set(['aws-stringequals', 'aws-stringlike', 'aws-all', 'azure-fic-exact', 'azure-fic-flexible', 'gcp-cel']);
    const seen = suites.flatMap(({ suite }) =>
      suite.vectors.flatMap((v) => [v.condition.consumer, ...(v.condition.of ?? []).map((c) => c.consumer)]),
    );
    expect(seen.filter((c) => !handled.has(c))).toEqual([]);
  });
});

for (const { file, suite } of suites) {
  describe(`${file} (${suite.suite})`, () => {
    for (const vector of suite.vectors) {
      it(vector.id, () => {
        expect(matches(vector) ? 'match' : 'no-match').toBe(vector.expect);
      });
    }
  });
}
