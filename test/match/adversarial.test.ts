/**
 * Adversarial patterns (issue 7): globs and conditions written to make a matcher slow, run through the
 * matchers and through the real rules on the inputs that would hold them (an IAM trust policy, an Azure
 * flexible credential, a gcloud provider with a CEL condition). Each must answer, correctly, in well under a
 * second; the time bounds below are hang guards with a wide margin, not benchmarks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, globsIntersect } from '../../src/match/glob.js';
import { lintText } from '../helpers/lint.js';

const GH = 'token.actions.githubusercontent.com';
/** What a hang guard allows; the measured times are a few milliseconds to a few hundred. */
const QUICK_MS = 5_000;

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

async function timedAsync<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

/** The textbook dynamic programme: does the glob match the whole subject. */
function referenceMatch(pattern: string, subject: string): boolean {
  let row = new Array<boolean>(subject.length + 1).fill(false);
  row[0] = true;
  for (const p of pattern) {
    const next = new Array<boolean>(subject.length + 1).fill(false);
    next[0] = p === '*' && row[0]!;
    for (let j = 1; j <= subject.length; j++) {
      next[j] = p === '*' ? row[j]! || next[j - 1]! : row[j - 1]! && (p === '?' || p === subject[j - 1]);
    }
    row = next;
  }
  return row[subject.length]!;
}

/**
 * Whether two globs share a string, by search over pairs of positions (the product of the two automata):
 * from (i, j) a star may stay or move on, and one character is read when both sides can read the same one.
 */
function referenceIntersect(a: string, b: string): boolean {
  const seen = new Set<string>();
  const todo: Array<[number, number]> = [[0, 0]];
  while (todo.length > 0) {
    const [i, j] = todo.pop()!;
    const key = `${i},${j}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    const x = a[i];
    const y = b[j];
    if (x === '*') todo.push([i + 1, j]);
    if (y === '*') todo.push([i, j + 1]);
    if (x === undefined || y === undefined) continue;
    if (x === '*' || y === '*' || x === '?' || y === '?' || x === y) todo.push([x === '*' ? i : i + 1, y === '*' ? j : j + 1]);
  }
  return false;
}

// Small alphabets make matches (and near misses) common; `?` is frequent so that segments hold many.
const globOf = (chars: string[], max: number) => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((cs) => cs.join(''));
const PATTERN = globOf(['a', 'b', '?', '?', '?', '*'], 16);
const SUBJECT = globOf(['a', 'b', 'c'], 20);

describe('globMatch stays exactly correct', () => {
  it('agrees with the reference on `?`-heavy patterns', () => {
    fc.assert(
      fc.property(PATTERN, SUBJECT, (p, s) => {
        expect(globMatch(p, s)).toBe(referenceMatch(p, s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the reference on subjects built from the pattern, then mutated', () => {
    const built = fc
      .tuple(PATTERN, fc.array(globOf(['a', 'b', 'c'], 4), { minLength: 16, maxLength: 16 }), globOf(['a', 'b', 'c'], 1))
      .map(([p, fills, q]) => {
        let k = 0;
        return [p, [...p].map((c) => (c === '*' ? fills[k++]! : c === '?' ? q || 'c' : c)).join('')] as const;
      });
    fc.assert(
      fc.property(built, fc.nat(24), fc.constantFrom('', 'a', 'b', 'c'), ([p, s], at, insert) => {
        expect(globMatch(p, s)).toBe(true);
        const mutated = s.slice(0, at) + insert + s.slice(at + 1);
        expect(globMatch(p, mutated)).toBe(referenceMatch(p, mutated));
      }),
      { numRuns: 20_000 },
    );
  });

  it('handles `?` at both ends of a middle segment, and segments of `?` only', () => {
    expect(globMatch('*??ab?*', 'xyzab1')).toBe(true);
    expect(globMatch('*??ab?*', 'zab1')).toBe(false);
    expect(globMatch('*??ab?*', 'xyab')).toBe(false);
    expect(globMatch('a*???*b', 'a12b')).toBe(false);
    expect(globMatch('a*???*b', 'a123b')).toBe(true);
    expect(globMatch('*a?b*c?d*', 'xxaxbyyczd')).toBe(true);
    expect(globMatch('*a?b*c?d*', 'xxaxbyycz')).toBe(false);
  });
});

describe('globsIntersect stays exactly correct', () => {
  it('agrees with a search over the product of the two patterns', () => {
    const small = globOf(['a', 'b', '?', '*'], 9);
    fc.assert(
      fc.property(small, small, (a, b) => {
        expect(globsIntersect(a, b)).toBe(referenceIntersect(a, b));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('the slow cases answer quickly', () => {
  const as = 'a'.repeat(100_000);

  it.each([
    // Many `?` in one segment: the case that cost (subject × segment) per search, about 10 seconds here.
    { name: '`?` × 50,000 then b', pattern: `*${'?'.repeat(50_000)}b*`, subject: as, match: false },
    { name: 'a, `?` × 50,000, b', pattern: `*a${'?'.repeat(50_000)}b*`, subject: as, match: false },
    { name: '(a?) × 25,000 then b', pattern: `*${'a?'.repeat(25_000)}b*`, subject: as, match: false },
    { name: '`?` × 50,000 that fits', pattern: `*${'?'.repeat(50_000)}a*`, subject: as, match: true },
    { name: 'a, `?` × 50,000, a at the end', pattern: `*a${'?'.repeat(50_000)}a`, subject: as, match: true },
    // Star-separated segments: one pass over the subject.
    { name: '(*a) × 20,000 then *b', pattern: `${'*a'.repeat(20_000)}*b`, subject: as, match: false },
    { name: '(*a?) × 13,333 then *b*', pattern: `${'*a?'.repeat(13_333)}*b*`, subject: as, match: false },
    { name: '(*a) × 20,000 then *', pattern: `${'*a'.repeat(20_000)}*`, subject: as, match: true },
  ])('globMatch: $name against 100,000 characters', ({ pattern, subject, match }) => {
    const { value, ms } = timed(() => globMatch(pattern, subject));
    expect(value).toBe(match);
    expect(ms).toBeLessThan(QUICK_MS);
  }, 30_000);

  it('globsIntersect: two 40,000-character patterns (a table of both would need 1.6 GB)', () => {
    const a = '*a'.repeat(20_000);
    const b = '*b'.repeat(20_000);
    const { value, ms } = timed(() => [
      globsIntersect(`${a}*`, `${b}*`),
      globsIntersect(a, b),
      globsIntersect(`x${a}*`, `y${b}*`),
      globsIntersect(`${a}?q`, '?'.repeat(30_000)),
      globsIntersect(`${a}?q`, '?'.repeat(20_001)),
    ]);
    // Both with stars: the heads and the tails decide (a string of 20,000 a's then 20,000 b's matches the
    // first two, nothing ends in both a and b, nothing starts with both x and y). One without: 20,000 a's
    // and two more characters need 20,002.
    expect(value).toEqual([true, false, false, true, false]);
    expect(ms).toBeLessThan(QUICK_MS);
  }, 30_000);
});

/** An AWS trust policy for GitHub Actions with this subject pattern. */
function policy(sub: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${GH}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GH}:sub`]: sub } },
      },
    ],
  });
}

/** A get-role document tagged with an environment. */
function role(name: string, environment: string, sub: string): string {
  const document = JSON.parse(policy(sub)) as unknown;
  return JSON.stringify({
    Role: { Path: '/', RoleName: name, RoleId: `AROA${name.toUpperCase()}`, Arn: `arn:aws:iam::111122223333:role/${name}`, AssumeRolePolicyDocument: document, Tags: [{ Key: 'Environment', Value: environment }] },
  });
}

/** A Microsoft Graph flexible federated identity credential with this expression. */
function flexible(expression: string): string {
  return JSON.stringify({
    audiences: ['api://AzureADTokenExchange'],
    claimsMatchingExpression: { languageVersion: 1, value: expression },
    id: '5d3c1b2a-8e9f-4a0b-b1c2-d3e4f5a6b7c8',
    issuer: `https://${GH}`,
    name: 'adversarial',
    subject: null,
  });
}

/** A gcloud provider list with this attribute condition. */
function provider(condition: string): string {
  return JSON.stringify([
    {
      attributeCondition: condition,
      attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.repository': 'assertion.repository' },
      disabled: false,
      name: 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github',
      oidc: { issuerUri: `https://${GH}` },
      state: 'ACTIVE',
    },
  ]);
}

describe('adversarial values through the real rules', () => {
  // 40,002 characters: `*a` twenty thousand times, then `*b`.
  const STAR_A = `${'*a'.repeat(20_000)}*b`;

  it('an IAM trust policy and an Azure flexible credential holding `*a*a…*b` (about 20 s each before)', async () => {
    const { value, ms } = await timedAsync(() => lintText(policy(STAR_A), flexible(`claims['sub'] matches '${STAR_A}'`)));
    expect(value.errors).toEqual([]);
    // A leading `*` lets anyone in: witnesses are built, matched against the pattern and judged.
    expect(value.findings.map((f) => `${f.at.file} ${f.ruleId} ${f.level}`)).toEqual(['input-0.json subject-wildcard error', 'input-1.json subject-wildcard error']);
    expect(ms).toBeLessThan(QUICK_MS);
  }, 30_000);

  it('patterns with many `?` against a 100,000-character subject trusted by a role of another environment', async () => {
    const long = 'a'.repeat(100_000);
    const { value, ms } = await timedAsync(() =>
      lintText(
        role('deploy-prod', 'prod', STAR_A),
        role('deploy-dev', 'dev', long),
        role('deploy-test', 'test', `*${'a?'.repeat(25_000)}a*`),
        role('deploy-staging', 'staging', `repo:octo-org/*${'?'.repeat(30_000)}b*`),
      ),
    );
    expect(value.errors).toEqual([]);
    const shared = value.findings.filter((f) => f.ruleId === 'cross-environment-trust').map((f) => f.at.file);
    // The 100,000 a's match `*a?a?…a*` (not `*a*a…*b`, which needs a b), and the three patterns overlap
    // pairwise (`repo:octo-org/` + a's + `b` matches all three).
    expect(shared).toEqual(['input-0.json', 'input-1.json', 'input-2.json', 'input-3.json']);
    expect(ms).toBeLessThan(QUICK_MS);
  }, 30_000);

  it('a 100,000-character CEL condition is analysed, one character more is refused, 10,000 parentheses are refused', async () => {
    let condition = "assertion.sub == 'repo:octo-org/app:ref:refs/heads/main'";
    while (condition.length < 100_000) condition += " && assertion.repository != 'octo-org/x'";
    condition = condition.slice(0, condition.lastIndexOf(' && ')).padEnd(100_000, ' ');
    expect(condition).toHaveLength(100_000);
    const nested = `${'('.repeat(10_000)}assertion.sub == 'x'${')'.repeat(10_000)}`;
    const { value, ms } = await timedAsync(() => lintText(provider(condition), provider(`${condition} `), provider(nested)));
    const prefix = 'attributeCondition of projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github is not valid CEL';
    expect(value.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`)).toEqual([
      `input-1.json:1:24: ${prefix}: expression longer than 100000 characters (at character 100001 of the condition)`,
      `input-2.json:1:24: ${prefix}: expression nested more than 200 levels deep (at character 201 of the condition)`,
    ]);
    expect(value.findings.map((f) => `${f.at.file} ${f.ruleId}`)).toEqual(['input-0.json condition-bypass']);
    expect(ms).toBeLessThan(QUICK_MS);
  }, 30_000);
});
