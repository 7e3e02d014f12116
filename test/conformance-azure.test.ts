/**
 * The Azure conformance vectors (../shared/conformance/subvectors: github-azure.json for classic federated
 * credentials, github-azure-flexible.json for claimsMatchingExpression), run through fedlint's Azure lowering
 * rather than a hand-written matcher:
 *
 * 1. Matching: each vector's condition becomes a real credential export, loaded by the azure-fic loader; the
 *    tests it lowers to (reference/azure.md §1, §3) must accept or refuse the vector's token as `expect` says.
 * 2. Judging: a credential with that subject or expression for the GitHub issuer must draw a finding at
 *    warning or error when the pair is graded `dangerous`, and a pair graded `safe` none at warning or error,
 *    on a production-named and on a non-production target alike (pull requests and any-branch patterns are
 *    unreviewed-context's: an error on production, a warning elsewhere). No graded vector differs today; one
 *    that comes to differ deliberately must be listed here with its reason and its actual outcome asserted
 *    (as test/conformance.test.ts does), never skipped.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { azureFicLoader } from '../src/loaders/azure-export.js';
import { evaluateFlexible, parseFlexibleExpression } from '../src/match/azure-flexible.js';
import { allAdmit } from '../src/match/iam.js';
import type { TrustBinding } from '../src/model/types.js';
import { lintText } from './helpers/lint.js';

interface Vector {
  id: string;
  issuer: string;
  subject: string;
  claims?: Record<string, string>;
  condition: { consumer: 'azure-fic-exact' | 'azure-fic-flexible'; claim?: string; pattern: string };
  expect: 'match' | 'no-match';
  judgment?: { grade: 'safe' | 'caution' | 'dangerous' };
}

const SUITES = ['github-azure.json', 'github-azure-flexible.json'];
const GITHUB = 'https://token.actions.githubusercontent.com';
const AUDIENCE = 'api://AzureADTokenExchange';
const APP = '2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e';

const vectors: Vector[] = SUITES.flatMap(
  (s) => JSON.parse(readFileSync(new URL(`../../shared/conformance/subvectors/${s}`, import.meta.url), 'utf8')).vectors as Vector[],
);

/** The vector's condition as one Graph credential object (a classic subject or a flexible expression). */
function credential(v: Vector, name: string): Record<string, unknown> {
  const base = { audiences: [AUDIENCE], description: `conformance ${v.id}`, id: '9e8d7c6b-5a49-4382-b1a0-9f8e7d6c5b4a', issuer: GITHUB, name };
  return v.condition.consumer === 'azure-fic-exact'
    ? { ...base, subject: v.condition.pattern }
    : { ...base, subject: null, claimsMatchingExpression: { value: v.condition.pattern, languageVersion: 1 } };
}

/** A Graph beta response for one credential; the credential's name carries the target's environment. */
function exportFor(v: Vector, production: boolean): string {
  return JSON.stringify(
    {
      '@odata.context': `https://graph.microsoft.com/beta/$metadata#applications('${APP}')/federatedIdentityCredentials/$entity`,
      ...credential(v, production ? 'github-deploy-prod' : 'github-ci'),
    },
    null,
    2,
  );
}

/** The token of a vector: its claims, or just its subject. */
function tokenOf(v: Vector): Record<string, string> {
  return { ...(v.claims ?? { sub: v.subject }), aud: AUDIENCE };
}

/** Does the lowered credential accept the token? Every claim's tests must pass (azure.md §1, §3). */
function admits(binding: TrustBinding, token: Record<string, string>): boolean {
  for (const [claim, tests] of Object.entries(binding.claims)) {
    const verdict = allAdmit(tests, token[claim]);
    if (verdict === 'unknown') throw new Error(`${claim}: the lowered tests could not be evaluated`);
    if (!verdict) return false;
  }
  return true;
}

describe('Azure conformance vectors: matching through the azure-fic lowering', () => {
  it('reads every vector of both Azure suites', () => {
    expect(vectors.filter((v) => v.condition.consumer === 'azure-fic-exact')).toHaveLength(10);
    expect(vectors.filter((v) => v.condition.consumer === 'azure-fic-flexible')).toHaveLength(8);
    expect(vectors).toHaveLength(18);
  });

  for (const v of vectors) {
    it(`${v.id}: ${v.expect}`, () => {
      const { bindings, problems } = azureFicLoader.load(credential(v, 'vector'), 'vector.json', 'vector.json');
      expect(problems).toEqual([]);
      expect(bindings).toHaveLength(1);
      const binding = bindings[0]!;
      expect(binding.undetermined).toBeUndefined();
      expect(admits(binding, tokenOf(v)) ? 'match' : 'no-match').toBe(v.expect);
      if (v.condition.consumer === 'azure-fic-flexible') {
        // The lowering agrees with the expression evaluator on this token.
        const parsed = parseFlexibleExpression(v.condition.pattern);
        expect(parsed.ok).toBe(true);
        if (parsed.ok) expect(admits(binding, tokenOf(v))).toBe(evaluateFlexible(parsed.clauses, v.claims ?? { sub: v.subject }));
      } else {
        // Classic subjects are exact tests: no wildcard semantics, whatever the pattern holds.
        expect(binding.claims['sub']!.every((c) => c.kind === 'patterns' && c.syntax === 'exact')).toBe(true);
      }
    });
  }
});

describe('Azure conformance vectors: judged by the rules', () => {
  const judged = vectors.filter((v) => v.expect === 'match' && (v.judgment?.grade === 'safe' || v.judgment?.grade === 'dangerous'));

  it('covers the graded matching vectors of both suites', () => {
    expect(judged.map((v) => v.id).sort()).toEqual(
      [
        'az-fic-exact-branch-match',
        'az-fic-immutable-exact-match',
        'az-fic-pull-request-danger',
        'gh-flex-eq-exact-branch',
        'gh-flex-eq-pull-request-scanner-blindspot',
        'gh-flex-matches-branch-wildcard',
        'gh-flex-matches-org-wide-wildcard',
        'gh-flex-question-fixed-width-footgun',
      ].sort(),
    );
  });

  for (const v of judged) {
    if (v.judgment!.grade === 'dangerous') {
      it(`${v.id}: the credential admitting a dangerous subject is reported on any target`, async () => {
        for (const production of [true, false]) {
          const result = await lintText(exportFor(v, production));
          expect(result.errors).toEqual([]);
          expect(result.findings.filter((f) => f.level !== 'note').map((f) => f.ruleId).length).toBeGreaterThan(0);
          // The finding points at the credential's subject or expression, where the fix goes.
          const fields = result.findings.filter((f) => f.level !== 'note').map((f) => f.at.path.join('.'));
          expect(fields.every((p) => p === 'subject' || p === 'claimsMatchingExpression.value')).toBe(true);
        }
      });
    } else {
      it(`${v.id}: a safe pair draws no warning or error on any target`, async () => {
        for (const production of [false, true]) {
          const result = await lintText(exportFor(v, production));
          expect(result.errors).toEqual([]);
          expect(result.findings.filter((f) => f.level !== 'note').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
        }
      });
    }
  }

  it('the classic wildcard trap (az-fic-wildcard-is-literal-no-match) is reported as a note: it fails closed but is a mistake', async () => {
    const v = vectors.find((x) => x.id === 'az-fic-wildcard-is-literal-no-match')!;
    const result = await lintText(exportFor(v, false));
    expect(result.findings.map((f) => [f.ruleId, f.level])).toEqual([['subject-wildcard', 'note']]);
  });
});
