/**
 * Lowering a GCP attribute_condition (CEL) and attribute_mapping into per-claim tests
 * (src/loaders/gcp-condition.ts): atom by atom, the normal form, the mapping, type confusion, and a
 * property test that the lowered tests and the CEL evaluator agree on every token.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCel, parseCel } from '../src/match/cel.js';
import {
  AWS_DEFAULT_MAPPING,
  MAX_DISJUNCTS,
  lowerCondition,
  loweredAdmits,
  regexShape,
  type AttributeMapping,
  type LoweredCondition,
  type LowerOptions,
} from '../src/loaders/gcp-condition.js';
import type { Constraint } from '../src/model/types.js';

const AT = { file: 'p.json', path: ['attributeCondition'] };
const GITHUB_MAP: AttributeMapping = {
  known: true,
  entries: { 'google.subject': 'assertion.sub', 'attribute.repo': 'assertion.repository', 'attribute.owner_and_repo': "assertion.repository_owner + '/' + assertion.repository" },
};

function lower(text: string, options: Partial<LowerOptions> = {}): LoweredCondition {
  const parsed = parseCel(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.message}`);
  return lowerCondition({
    text,
    ast: parsed.ast,
    at: AT,
    mapping: GITHUB_MAP,
    stringClaim: (c) => !['exp', 'iat', 'nbf'].includes(c),
    issuerName: 'GitHub Actions',
    identityClaims: ['sub', 'repository_id'],
    ...options,
  });
}

/** A test without its locations: what rules see. */
function meaning(c: Constraint): string {
  switch (c.kind) {
    case 'patterns':
      return `${c.negated ? 'not ' : ''}${c.syntax}(${c.values.join('|')}) [${c.key} ${c.operator}]`;
    case 'presence':
      return `${c.present ? 'present' : 'absent'} [${c.key} ${c.operator}]`;
    case 'unknown':
      return `unknown: ${c.reason}`;
    case 'cel':
      return `cel ${c.expression}`;
  }
}

function shape(l: LoweredCondition): Array<Record<string, string[]>> {
  return l.disjuncts.map((d) => Object.fromEntries(Object.entries(d.claims).map(([k, v]) => [k, v.map(meaning)])));
}

describe('atoms', () => {
  it.each([
    ["assertion.repository_owner == 'octo-org'", [{ repository_owner: ['exact(octo-org) [assertion.repository_owner ==]'] }]],
    ["'octo-org' == assertion.repository_owner", [{ repository_owner: ['exact(octo-org) [assertion.repository_owner ==]'] }]],
    ["assertion['repository_owner'] == 'octo-org'", [{ repository_owner: ['exact(octo-org) [assertion["repository_owner"] ==]'] }]],
    ["assertion.ref != 'refs/heads/dev'", [{ ref: ['not exact(refs/heads/dev) [assertion.ref !=]'] }]],
    ["assertion.repository_owner_id in ['1', '2']", [{ repository_owner_id: ['exact(1|2) [assertion.repository_owner_id in]'] }]],
    ["!(assertion.repository_owner_id in ['1'])", [{ repository_owner_id: ['not exact(1) [assertion.repository_owner_id not in]'] }]],
    ["assertion.sub != ''", [{ sub: ["present [assertion.sub != '']"] }]],
    ['assertion.sub != ""', [{ sub: ["present [assertion.sub != '']"] }]],
    ["!(assertion.sub == '')", [{ sub: ["present [assertion.sub != '']"] }]],
    ['has(assertion.environment)', [{ environment: ['present [assertion.environment has]'] }]],
    ['!has(assertion.environment)', [{ environment: ['absent [assertion.environment !has]'] }]],
    ["assertion.sub.startsWith('repo:octo-org/')", [{ sub: ['iam-glob(repo:octo-org/*) [assertion.sub startsWith]'] }]],
    ["assertion.sub.endsWith(':ref:refs/heads/main')", [{ sub: ['iam-glob(*:ref:refs/heads/main) [assertion.sub endsWith]'] }]],
    ["assertion.sub.contains('octo-org')", [{ sub: ['iam-glob(*octo-org*) [assertion.sub contains]'] }]],
    ["!assertion.sub.startsWith('repo:evil/')", [{ sub: ['not iam-glob(repo:evil/*) [assertion.sub !startsWith]'] }]],
    ["assertion.sub.startsWith('')", [{ sub: ["present [assertion.sub startsWith('')]"] }]],
    ["assertion.sub.matches('^repo:octo-org/octo-repo:ref:refs/heads/main$')", [{ sub: ['exact(repo:octo-org/octo-repo:ref:refs/heads/main) [assertion.sub matches]'] }]],
    ["assertion.sub.matches('^repo:octo-org/')", [{ sub: ['iam-glob(repo:octo-org/*) [assertion.sub matches]'] }]],
    ["assertion.sub.matches('octo-org')", [{ sub: ['iam-glob(*octo-org*) [assertion.sub matches]'] }]],
    ["attribute.repo == 'octo-org/octo-repo'", [{ repository: ['exact(octo-org/octo-repo) [attribute.repo ==]'] }]],
    ["google.subject == 'repo:octo-org/octo-repo:ref:refs/heads/main'", [{ sub: ['exact(repo:octo-org/octo-repo:ref:refs/heads/main) [google.subject ==]'] }]],
  ])('%s', (text, expected) => {
    expect(shape(lower(text))).toEqual(expected);
  });

  it.each([
    ["assertion.sub.startsWith('repo:octo-*')", /\* or \?/],
    ["assertion.sub.matches('^repo:octo-org/(a|b):')", /regular expression/],
    ['assertion.run_number > 5', /not a comparison/],
    ['size(assertion.sub) > 5', /not a comparison/],
    ['assertion.sub == assertion.repository', /does not compare a claim with a literal/],
  ])('%s cannot be evaluated: an unknown test on the claims it reads', (text, reason) => {
    const l = lower(text);
    expect(l.disjuncts).toHaveLength(1);
    const tests = Object.values(l.disjuncts[0]!.claims).flat();
    expect(tests.length).toBeGreaterThan(0);
    for (const t of tests) {
      expect(t.kind).toBe('unknown');
      expect(t.kind === 'unknown' && t.reason).toMatch(reason);
    }
  });

  it('an atom reading claims through a mapping expression is unknown on those claims', () => {
    const l = lower("size(attribute.owner_and_repo) == 3 || assertion.sub == 'x'");
    expect(Object.keys(l.disjuncts[0]!.claims).sort()).toEqual(['repository', 'repository_owner']);
    expect(Object.keys(l.disjuncts[1]!.claims)).toEqual(['sub']);
  });

  it('an atom that reads no claim fedlint can name makes the identity claims unknown', () => {
    const l = lower("attribute.repo.size() == google.subject.size()", { mapping: { known: true, entries: { 'attribute.repo': "'constant'", 'google.subject': "'x'" } } });
    expect(Object.keys(l.disjuncts[0]!.claims).sort()).toEqual(['repository_id', 'sub']);
  });
});

describe('regexShape', () => {
  it.each([
    ['^abc$', { syntax: 'exact', value: 'abc' }],
    ['\\Aabc\\z', { syntax: 'exact', value: 'abc' }],
    ['^abc', { syntax: 'iam-glob', value: 'abc*' }],
    ['^abc.*', { syntax: 'iam-glob', value: 'abc*' }],
    ['^abc.*$', { syntax: 'iam-glob', value: 'abc*' }],
    ['abc$', { syntax: 'iam-glob', value: '*abc' }],
    ['.*abc$', { syntax: 'iam-glob', value: '*abc' }],
    ['abc', { syntax: 'iam-glob', value: '*abc*' }],
    ['^repo:octo\\-org/octo\\.repo$', { syntax: 'exact', value: 'repo:octo-org/octo.repo' }],
    ['^$', { syntax: 'exact', value: '' }],
    ['', 'presence'],
    ['.*', 'presence'],
  ] as const)('%s', (pattern, expected) => {
    expect(regexShape(pattern)).toEqual(expected);
  });

  it.each(['^a.c$', '^a[bc]$', '^(a|b)$', '^a+$', '^a?$', '^a{2}$', '\\d+', '^a\\b', 'a|b'])('%s is not a literal', (pattern) => {
    expect(regexShape(pattern)).toBeUndefined();
  });
});

describe('normal form', () => {
  it('one disjunct per alternative, negations pushed down to the atoms', () => {
    const l = lower("!(assertion.repository_owner != 'octo-org' || assertion.ref != 'refs/heads/main') || assertion.sub == 'repo:o/r:environment:prod'");
    expect(shape(l)).toEqual([
      { repository_owner: ['exact(octo-org) [assertion.repository_owner ==]'], ref: ['exact(refs/heads/main) [assertion.ref ==]'] },
      { sub: ['exact(repo:o/r:environment:prod) [assertion.sub ==]'] },
    ]);
  });

  it('distributes AND over OR', () => {
    const l = lower("assertion.repository_owner_id == '1' && (assertion.ref == 'refs/heads/main' || assertion.environment == 'prod')");
    expect(shape(l)).toEqual([
      { repository_owner_id: ['exact(1) [assertion.repository_owner_id ==]'], ref: ['exact(refs/heads/main) [assertion.ref ==]'] },
      { repository_owner_id: ['exact(1) [assertion.repository_owner_id ==]'], environment: ['exact(prod) [assertion.environment ==]'] },
    ]);
  });

  it('reads a ? b : c as (a && b) || (!a && c)', () => {
    const l = lower("assertion.ref == 'refs/heads/main' ? assertion.repository_id == '1' : assertion.repository_id == '2'");
    expect(shape(l)).toEqual([
      { ref: ['exact(refs/heads/main) [assertion.ref ==]'], repository_id: ['exact(1) [assertion.repository_id ==]'] },
      { ref: ['not exact(refs/heads/main) [assertion.ref !=]'], repository_id: ['exact(2) [assertion.repository_id ==]'] },
    ]);
  });

  it.each([
    ['true', 1],
    ['1 == 1', 1],
    ["'a' == 'a' && true", 1],
    ['false', 0],
    ['1 == 2', 0],
    ["true || assertion.sub == 'x'", 2],
    ["false || assertion.sub == 'x'", 1],
    ["false && assertion.sub == 'x'", 0],
  ])('constants: %s gives %i disjunct(s), and a constant true one has no tests', (text, count) => {
    const l = lower(text);
    expect(l.disjuncts).toHaveLength(count);
    if (count > 0 && !text.includes('assertion')) expect(l.disjuncts[0]!.claims).toEqual({});
    expect(l.disjuncts.flatMap((d) => d.flaws)).toEqual([]);
  });

  it('no condition admits every token', () => {
    const l = lowerCondition({ at: AT, mapping: GITHUB_MAP, stringClaim: () => true, issuerName: 'GitHub Actions', identityClaims: ['sub'] });
    expect(shape(l)).toEqual([{}]);
  });

  it(`stops past ${MAX_DISJUNCTS} alternatives: one trust whose identity claims are unknown`, () => {
    const pairs = Array.from({ length: 6 }, (_, i) => `(assertion.ref == 'r${i}' || assertion.environment == 'e${i}')`).join(' && ');
    const l = lower(pairs);
    expect(l.overflow).toBe(true);
    expect(Object.keys(l.disjuncts[0]!.claims).sort()).toEqual(['repository_id', 'sub']);
    expect(Object.values(l.disjuncts[0]!.claims).flat().every((c) => c.kind === 'unknown' && /more than 32 alternatives/.test(c.reason))).toBe(true);
    // 2^5 = 32 alternatives are still expanded.
    const five = Array.from({ length: 5 }, (_, i) => `(assertion.ref == 'r${i}' || assertion.environment == 'e${i}')`).join(' && ');
    expect(lower(five).disjuncts).toHaveLength(32);
  });
});

describe('the mapping', () => {
  it('an attribute the mapping does not define cannot be read: that alternative admits nothing', () => {
    expect(lower("attribute.missing == 'x'").disjuncts).toEqual([]);
    expect(shape(lower("attribute.missing == 'x' || assertion.sub == 'y'"))).toEqual([{ sub: ['exact(y) [assertion.sub ==]'] }]);
  });

  it('an attribute mapped from an expression is unknown on the claims that expression reads', () => {
    const l = lower("attribute.owner_and_repo == 'octo-org/octo-repo'");
    const claims = l.disjuncts[0]!.claims;
    expect(Object.keys(claims).sort()).toEqual(['repository', 'repository_owner']);
    expect(claims['repository']![0]!.kind === 'unknown' && claims['repository']![0]!.reason).toBe(
      "attribute.owner_and_repo is mapped from the expression assertion.repository_owner + '/' + assertion.repository, which fedlint does not evaluate",
    );
  });

  it('a mapping known only after apply makes the identity claims unknown, saying so', () => {
    const l = lower("attribute.repo == 'octo-org/octo-repo'", { mapping: { known: false, reason: 'is known only after apply' } });
    const tests = Object.values(l.disjuncts[0]!.claims).flat();
    expect(Object.keys(l.disjuncts[0]!.claims).sort()).toEqual(['repository_id', 'sub']);
    expect(tests.every((t) => t.kind === 'unknown' && /known only after apply/.test(t.reason))).toBe(true);
  });

  it("an aws provider's default attribute.aws_role is read as the caller ARN (gcp.md §2.1)", () => {
    const aws: AttributeMapping = { known: true, entries: { ...AWS_DEFAULT_MAPPING }, awsDefaults: true };
    expect(shape(lower("attribute.aws_role == 'arn:aws:sts::111122223333:assumed-role/ci-deployer'", { mapping: aws }))).toEqual([
      { arn: ['iam-glob(arn:aws:sts::111122223333:assumed-role/ci-deployer/*) [attribute.aws_role ==]'] },
    ]);
    expect(shape(lower("attribute.aws_role == 'arn:aws:iam::111122223333:user/ci'", { mapping: aws }))).toEqual([
      { arn: ['exact(arn:aws:iam::111122223333:user/ci) [attribute.aws_role ==]'] },
    ]);
    expect(shape(lower("google.subject.startsWith('arn:aws:sts::111122223333:assumed-role/')", { mapping: aws }))).toEqual([
      { arn: ['iam-glob(arn:aws:sts::111122223333:assumed-role/*) [google.subject startsWith]'] },
    ]);
  });
});

describe('type confusion', () => {
  it('`== 20` against a string claim is never true: the alternative is blocked and the flaw quotes the sub-expression', () => {
    const l = lower("assertion.repository_id == 20 || assertion.sub == 'x'");
    expect(l.disjuncts).toHaveLength(2);
    const [confused, other] = l.disjuncts;
    expect(confused!.never.map((n) => `${n.claim} ${n.key} ${n.operator}`)).toEqual(['repository_id assertion.repository_id ==']);
    expect(confused!.flaws).toEqual([
      {
        kind: 'type-confused',
        at: AT,
        message:
          "`assertion.repository_id == 20` compares assertion.repository_id, which GitHub Actions tokens carry as a string, with the int 20: values of different types are never equal in CEL, so the comparison is never true and this part of the condition admits no token. Write the value as a string ('20').",
      },
    ]);
    expect(other!.never).toEqual([]);
    expect(other!.flaws).toEqual([]);
  });

  it('`!= 20` is always true: the atom is dropped and the flaw says it excludes nothing', () => {
    const l = lower('assertion.repository_id != 20');
    expect(shape(l)).toEqual([{}]);
    expect(l.disjuncts[0]!.flaws[0]!.message).toMatch(/^`assertion.repository_id != 20` compares .* always true and excludes nothing/);
  });

  it('a negation around `==` is said to be one', () => {
    const l = lower('!(assertion.repository_id == 20.0)');
    expect(l.disjuncts[0]!.flaws[0]!.message).toMatch(/^`assertion.repository_id == 20.0` \(under a negation\) compares .* with the double 20\.0: .* always true/);
  });

  it.each(['true', 'false', '-3', '1.5'])('bool, negative and double literals: assertion.x == %s', (lit) => {
    const l = lower(`assertion.repository_owner_id == ${lit}`);
    expect(l.disjuncts[0]!.never).toHaveLength(1);
  });

  it('non-string values in a list never match', () => {
    const l = lower("assertion.repository_id in ['1', 2]");
    expect(shape(l)).toEqual([{ repository_id: ['exact(1) [assertion.repository_id in]'] }]);
    expect(l.disjuncts[0]!.flaws[0]!.message).toMatch(/that value never matches/);
    expect(lower('assertion.repository_id in [1, 2]').disjuncts[0]!.never).toHaveLength(1);
  });

  it("is not claimed for claims whose type fedlint does not know, nor for the issuers' numeric claims", () => {
    for (const options of [{ stringClaim: () => undefined }, {}]) {
      const claim = Object.keys(options).length === 0 ? 'exp' : 'project_id';
      const l = lower(`assertion.${claim} == 20`, options);
      expect(l.disjuncts[0]!.flaws).toEqual([]);
      expect(Object.values(l.disjuncts[0]!.claims).flat().map((c) => c.kind)).toEqual(['unknown']);
    }
  });

  it('sensitive conditions are not quoted', () => {
    const l = lower('assertion.repository_id == 20', { sensitive: true });
    expect(l.disjuncts[0]!.flaws[0]!.message).not.toContain('20');
    expect(l.disjuncts[0]!.flaws[0]!.message).toMatch(/^a comparison in the condition compares assertion.repository_id/);
  });
});

describe('the lowered tests agree with the CEL evaluator', () => {
  const claims = ['a', 'b'] as const;
  const values = ['x', 'xy', 'yx', 'y', ''];
  const lit = fc.constantFrom(...values);
  /** Token values: never empty (see the differences below). */
  const present = fc.constantFrom('x', 'xy', 'yx', 'y', 'z');
  const claim = fc.constantFrom(...claims);
  const atom = fc.oneof(
    fc.tuple(claim, lit).map(([c, v]) => `assertion.${c} == '${v}'`),
    fc.tuple(claim, lit).map(([c, v]) => `assertion.${c} != '${v}'`),
    fc.tuple(claim, fc.constantFrom('startsWith', 'endsWith', 'contains'), lit).map(([c, f, v]) => `assertion.${c}.${f}('${v}')`),
    fc.tuple(claim, fc.uniqueArray(lit, { minLength: 1, maxLength: 3 })).map(([c, vs]) => `assertion.${c} in [${vs.map((v) => `'${v}'`).join(', ')}]`),
    fc.tuple(claim, fc.constantFrom('^x', 'y$', '^xy$', 'x', '^x.*')).map(([c, re]) => `assertion.${c}.matches('${re}')`),
    fc.tuple(claim, fc.constantFrom('1', 'true')).map(([c, v]) => `assertion.${c} == ${v}`),
    fc.tuple(claim, fc.constantFrom('1', 'false')).map(([c, v]) => `assertion.${c} != ${v}`),
    claim.map((c) => `has(assertion.${c})`),
    fc.constantFrom('true', 'false', '1 == 1'),
  );
  const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      fc.tuple(tie('e'), tie('e')).map(([x, y]) => `(${x} && ${y})`),
      fc.tuple(tie('e'), tie('e')).map(([x, y]) => `(${x} || ${y})`),
      tie('e').map((x) => `!(${x})`),
      fc.tuple(tie('e'), tie('e'), tie('e')).map(([x, y, z]) => `(${x} ? ${y} : ${z})`),
    ),
  })).e;
  const token = fc.record({ a: present, b: present });

  it('on every token whose claims are all present', () => {
    fc.assert(
      fc.property(expr, fc.array(token, { minLength: 1, maxLength: 5 }), (text, tokens) => {
        const parsed = parseCel(text);
        if (!parsed.ok) throw new Error(parsed.message);
        const lowered = lowerCondition({ text, ast: parsed.ast, at: AT, mapping: GITHUB_MAP, stringClaim: () => true, issuerName: 'T', identityClaims: ['a'] });
        for (const t of tokens) {
          const verdict = loweredAdmits(lowered, t);
          if (lowered.overflow) {
            expect(verdict).toBe('unknown');
            continue;
          }
          const cel = evaluateCel(parsed.ast, { assertion: t });
          // A CEL error rejects the token (gcp.md §2.2).
          expect(verdict).toBe(cel === true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("a deliberate difference: `x != ''` is presence, so an empty claim passes the lowered test but not CEL", () => {
    const text = "assertion.a != ''";
    const parsed = parseCel(text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(evaluateCel(parsed.ast, { assertion: { a: '' } })).toBe(false);
    expect(loweredAdmits(lower(text), { a: '' })).toBe(true);
    expect(loweredAdmits(lower(text), { a: 'x' })).toBe(true);
    expect(loweredAdmits(lower(text), {})).toBe(false);
  });

  it('a deliberate difference: a negated test admits a token without the claim, where CEL errors', () => {
    const text = "assertion.a != 'x'";
    const l = lower(text);
    const parsed = parseCel(text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(evaluateCel(parsed.ast, { assertion: {} })).toEqual({ error: 'no such key: a' });
    expect(loweredAdmits(l, {})).toBe(true);
  });
});
