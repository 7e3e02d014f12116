/**
 * The graded conformance vectors (../shared/conformance/subvectors) judged by the rules, not only by the
 * matchers: each AWS condition that admits a subject graded `dangerous` must be reported, and each pair
 * graded `safe` must draw no finding. Each vector's condition becomes a real trust policy for its issuer;
 * where the condition does not test `sub` or `aud`, exact pins of the token's own values are added so
 * that any finding can only come from the vector's condition.
 *
 * Some grades depend on the target (README of the vectors): a wildcard that admits pull requests or any
 * branch matters most on a production target. unreviewed-context reports it on every target (an error on
 * production, a warning elsewhere), so each dangerous pair is judged on a production and on a
 * non-production role alike. Deliberate differences are listed in DIFFERENT with the reason.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintText } from './helpers/lint.js';

interface Leaf { consumer: string; claim: string; pattern: string | string[] }
interface Vector {
  id: string;
  issuer: string;
  subject: string;
  claims?: Record<string, string>;
  condition: Leaf | { consumer: 'aws-all'; of: Leaf[] };
  expect: 'match' | 'no-match';
  judgment?: { grade: 'safe' | 'caution' | 'dangerous' };
}

const SUITES = ['github-aws.json', 'gitlab-aws.json'];
const HOSTS: Record<string, string> = { github: 'token.actions.githubusercontent.com', gitlab: 'gitlab.com' };

const DIFFERENT: Record<string, string> = {
  'gitlab-aws-path-reuse-no-projectid':
    'An exact project_path subject is the form GitLab documents; GitLab itself refuses ID tokens for projects in recycled namespace paths (reference/idps.md §2), so fedlint does not flag every name-based GitLab subject. mutable-claim covers project_path used as a separate condition key.',
};

function policy(v: Vector, production: boolean): string {
  const host = HOSTS[v.issuer]!;
  const leaves = v.condition.consumer === 'aws-all' ? (v.condition as { of: Leaf[] }).of : [v.condition as Leaf];
  const condition: Record<string, Record<string, string | string[]>> = {};
  const add = (op: string, claim: string, value: string | string[]): void => {
    (condition[op] ??= {})[`${host}:${claim}`] = value;
  };
  for (const leaf of leaves) add(leaf.consumer === 'aws-stringlike' ? 'StringLike' : 'StringEquals', leaf.claim, leaf.pattern);
  const tested = new Set(leaves.map((l) => l.claim));
  // Pin what the vector leaves open with the token's own values ("ForAnyValue" keys never collide with these).
  if (!tested.has('sub')) (condition['StringEqualsIgnoreCase'] ??= {})[`${host}:sub`] = v.subject;
  if (!tested.has('aud')) (condition['StringEqualsIgnoreCase'] ??= {})[`${host}:aud`] = v.claims?.['aud'] ?? 'sts.amazonaws.com';
  const doc = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition },
    ],
  };
  const role = production ? { Path: '/prod/', RoleName: 'deploy-prod' } : { Path: '/', RoleName: 'ci-role' };
  return JSON.stringify({ Role: { ...role, Arn: `arn:aws:iam::111122223333:role${role.Path}${role.RoleName}`, AssumeRolePolicyDocument: doc } }, null, 2);
}

const vectors: Vector[] = SUITES.flatMap(
  (s) => JSON.parse(readFileSync(new URL(`../../shared/conformance/subvectors/${s}`, import.meta.url), 'utf8')).vectors as Vector[],
);

describe('graded AWS vectors', () => {
  const judged = vectors.filter((v) => v.expect === 'match' && (v.judgment?.grade === 'safe' || v.judgment?.grade === 'dangerous'));

  it('covers the graded vectors of both AWS suites', () => {
    expect(judged.length).toBeGreaterThan(20);
  });

  for (const v of judged) {
    const grade = v.judgment!.grade;
    if (DIFFERENT[v.id]) {
      // The difference is asserted, not skipped: if fedlint starts reporting this pair, the reason above
      // must be revisited together with the expectation.
      it(`${v.id} (${grade}): deliberately not reported: ${DIFFERENT[v.id]}`, async () => {
        const result = await lintText(policy(v, true));
        expect(result.errors).toEqual([]);
        expect(result.findings.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
      });
      continue;
    }
    if (grade === 'dangerous') {
      it(`${v.id}: the condition admitting a dangerous subject is reported on any target`, async () => {
        for (const production of [true, false]) {
          const result = await lintText(policy(v, production));
          expect(result.errors).toEqual([]);
          expect(result.findings.filter((f) => f.level !== 'note').map((f) => f.ruleId).length).toBeGreaterThan(0);
        }
      });
    } else {
      it(`${v.id}: a safe pair draws no finding on any target`, async () => {
        for (const production of [false, true]) {
          const result = await lintText(policy(v, production));
          expect(result.errors).toEqual([]);
          expect(result.findings.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
        }
      });
    }
  }
});
