/**
 * The github-gcp conformance vectors (../shared/conformance/subvectors/github-gcp.json): each is a GitHub
 * Actions token and a GCP provider attribute_condition.
 *
 * 1. Matching: the CEL evaluator (src/match/cel.ts) must give the vector's match/no-match, and so must the
 *    condition as fedlint lowers it into claim tests (src/loaders/gcp-condition.ts), read back through the
 *    bindings of a gcloud provider export; a condition fedlint cannot reduce to tests must say so ('unknown'),
 *    never answer wrongly.
 * 2. Judging: the same condition in a gcloud provider export with the GitHub issuer, linted with every rule:
 *    a `dangerous` pair is reported at warning or error, a `safe` pair draws nothing at warning or error.
 *    Deliberate differences are listed in DIFFERENT with the reason, and their actual outcome is asserted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateCel, parseCel } from '../src/match/cel.js';
import { anyAlternativeAdmits, type Verdict } from '../src/match/iam.js';
import { gcpProviderLoader } from '../src/loaders/gcp-export.js';
import { assembleGcp } from '../src/loaders/gcp-trust.js';
import { lowerCondition, loweredAdmits } from '../src/loaders/gcp-condition.js';
import type { TrustBinding } from '../src/model/types.js';
import { lintText } from './helpers/lint.js';

interface Vector {
  id: string;
  issuer: string;
  subject: string;
  claims: Record<string, string>;
  condition: { consumer: string; pattern: string };
  expect: 'match' | 'no-match';
  judgment?: { grade: 'safe' | 'caution' | 'dangerous'; reason: string };
}

const suite = JSON.parse(readFileSync(new URL('../../shared/conformance/subvectors/github-gcp.json', import.meta.url), 'utf8')) as { vectors: Vector[] };
const vectors = suite.vectors;

/** Vectors whose condition fedlint deliberately does not reduce to claim tests, and why. */
const NOT_LOWERED: Record<string, string> = {
  'gh-gcp-matches-tag-regex':
    "`^refs/tags/v[0-9]+` has a character class: it is neither a literal nor a literal prefix, so the ref test is 'unknown' (the CEL evaluator still decides the vector).",
};

/**
 * Graded pairs where fedlint's verdict differs from the grade on purpose; the actual findings are asserted.
 *
 * Agreement that deserves a word: gh-gcp-name-recycle-danger and gh-gcp-pull-request-danger share one
 * condition (`assertion.repository == 'octo-org/octo-repo'`). It pins no ref, event or environment, so it
 * admits the repository's pull requests and every branch: unreviewed-context reports it at warning
 * (reference/idps.md §1.2), which is the pull-request pair's danger. The name-recycling danger of the other
 * pair stays a mutable-claim note (a repository pinned by name is one repository until the name is freed);
 * that pair is reported at warning because of the same missing ref limit.
 */
const DIFFERENT: Record<string, { reason: string; findings: string[] }> = {
  'gh-gcp-immutable-id-pin-safe': {
    reason:
      "The ids pin one repository, as the grade says, but nothing in the condition limits the ref, event or environment, so the repository's pull requests and every branch pass (the vector's own reason: \"Repo-wide across refs, so add a ref pin for branch scoping\"; gh-gcp-pull-request-danger grades the same reach through a name pin dangerous). unreviewed-context reports that reach at warning on a target of unknown environment (reference/idps.md §1.2).",
    findings: ['unreviewed-context:warning'],
  },
  'gh-gcp-immutable-id-survives-rename': {
    reason: 'The same condition as gh-gcp-immutable-id-pin-safe, with the same reach: its pull requests and every branch pass (see there).',
    findings: ['unreviewed-context:warning'],
  },
};

const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github';

function providerExport(condition: string): string {
  return JSON.stringify(
    {
      attributeCondition: condition,
      attributeMapping: {
        'attribute.repository': 'assertion.repository',
        'attribute.repository_id': 'assertion.repository_id',
        'attribute.repository_owner_id': 'assertion.repository_owner_id',
        'google.subject': 'assertion.sub',
      },
      disabled: false,
      displayName: 'GitHub Actions',
      name: PROVIDER,
      oidc: { issuerUri: 'https://token.actions.githubusercontent.com' },
      state: 'ACTIVE',
    },
    null,
    2,
  );
}

/** Whether the provider bindings of an export admit a token: OR over bindings of AND over claim tests (aud aside). */
function bindingsAdmit(bindings: readonly TrustBinding[], claims: Record<string, string>): Verdict {
  const alternatives = bindings
    .filter((b) => b.foreignKeys.length === 0)
    .map((b) => Object.fromEntries(Object.entries(b.claims).filter(([claim]) => claim !== 'aud')));
  return anyAlternativeAdmits(alternatives, claims);
}

describe('github-gcp vectors: match / no-match', () => {
  it('reads every vector of the suite', () => {
    expect(vectors.length).toBe(12);
    expect(vectors.every((v) => v.condition.consumer === 'gcp-cel')).toBe(true);
  });

  for (const v of vectors) {
    const want = v.expect === 'match';
    it(`${v.id}: the CEL evaluator says ${v.expect}`, () => {
      const parsed = parseCel(v.condition.pattern);
      if (!parsed.ok) throw new Error(parsed.message);
      expect(evaluateCel(parsed.ast, { assertion: v.claims })).toBe(want);
    });

    it(`${v.id}: the lowered claim tests say ${NOT_LOWERED[v.id] ? "'unknown'" : v.expect}`, () => {
      const parsed = parseCel(v.condition.pattern);
      if (!parsed.ok) throw new Error(parsed.message);
      const lowered = lowerCondition({
        text: v.condition.pattern,
        ast: parsed.ast,
        at: { file: 'vector.json', path: ['condition'] },
        mapping: { known: true, entries: {} },
        stringClaim: () => true,
        issuerName: 'GitHub Actions',
        identityClaims: ['sub', 'repository_id'],
      });
      const loaded = gcpProviderLoader.load(JSON.parse(providerExport(v.condition.pattern)), 'provider.json', 'provider.json');
      const { bindings } = assembleGcp([loaded.gcp!]);
      expect(loaded.problems).toEqual([]);
      const expected: Verdict = NOT_LOWERED[v.id] ? 'unknown' : want;
      expect(loweredAdmits(lowered, v.claims)).toBe(expected);
      expect(bindingsAdmit(bindings, v.claims)).toBe(expected);
    });
  }

  it('reduces all but the listed conditions to claim tests', () => {
    expect(Object.keys(NOT_LOWERED).every((id) => vectors.some((v) => v.id === id))).toBe(true);
    expect(vectors.length - Object.keys(NOT_LOWERED).length).toBe(11);
  });
});

describe('graded github-gcp vectors through the rules', () => {
  const judged = vectors.filter((v) => v.expect === 'match' && (v.judgment?.grade === 'safe' || v.judgment?.grade === 'dangerous'));

  it('covers the graded matching vectors', () => {
    expect(judged.map((v) => v.id).sort()).toEqual([
      'gh-gcp-immutable-id-pin-safe',
      'gh-gcp-immutable-id-survives-rename',
      'gh-gcp-name-recycle-danger',
      'gh-gcp-owner-only-org-wide-danger',
      'gh-gcp-owner-repo-ref-safe',
      'gh-gcp-pull-request-danger',
      'gh-gcp-trivial-condition-any-repo-danger',
    ]);
  });

  for (const v of judged) {
    const grade = v.judgment!.grade;
    const different = DIFFERENT[v.id];
    if (different) {
      it(`${v.id} (${grade}): deliberately ${different.findings.join(', ')}: ${different.reason}`, async () => {
        const result = await lintText(providerExport(v.condition.pattern));
        expect(result.errors).toEqual([]);
        expect(result.findings.map((f) => `${f.ruleId}:${f.level}`)).toEqual(different.findings);
      });
      continue;
    }
    if (grade === 'dangerous') {
      it(`${v.id}: the condition admitting a dangerous token is reported at warning or error`, async () => {
        const result = await lintText(providerExport(v.condition.pattern));
        expect(result.errors).toEqual([]);
        const serious = result.findings.filter((f) => f.level !== 'note');
        expect(serious.length).toBeGreaterThan(0);
        // Every serious finding points at the condition string (line 2 of the export, after the opening brace).
        for (const f of serious) expect(f.range.startLine).toBe(2);
      });
    } else {
      it(`${v.id}: a safe pair draws nothing at warning or error`, async () => {
        const result = await lintText(providerExport(v.condition.pattern));
        expect(result.errors).toEqual([]);
        expect(result.findings.filter((f) => f.level !== 'note').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
      });
    }
  }
});
