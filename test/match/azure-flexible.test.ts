import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/match/glob.js';
import { clauseAdmits, evaluateFlexible, parseFlexibleExpression, type FlexibleClause } from '../../src/match/azure-flexible.js';

function clauses(text: string): FlexibleClause[] {
  const r = parseFlexibleExpression(text);
  if (!r.ok) throw new Error(`parse failed: ${r.message} at ${r.offset}`);
  return r.clauses;
}

function parseError(text: string): { message: string; offset: number } {
  const r = parseFlexibleExpression(text);
  if (r.ok) throw new Error(`expected a parse error for ${text}`);
  return { message: r.message, offset: r.offset };
}

/** Quote a value the way the language escapes quotes (`'` doubled). */
const quote = (v: string): string => `'${v.replaceAll("'", "''")}'`;

describe('parseFlexibleExpression', () => {
  it('parses the documented forms', () => {
    const text =
      "claims['sub'] matches 'repo:contoso/contoso-repo:ref:refs/heads/*' and claims['job_workflow_ref'] matches 'contoso/contoso-prod/.github/workflows/*.yml@refs/heads/main'";
    const cs = clauses(text);
    expect(cs.map(({ claim, op, value }) => ({ claim, op, value }))).toEqual([
      { claim: 'sub', op: 'matches', value: 'repo:contoso/contoso-repo:ref:refs/heads/*' },
      { claim: 'job_workflow_ref', op: 'matches', value: 'contoso/contoso-prod/.github/workflows/*.yml@refs/heads/main' },
    ]);
    expect(clauses("claims['sub'] eq 'repo:contoso/app:environment:prod'")).toMatchObject([
      { claim: 'sub', op: 'eq', value: 'repo:contoso/app:environment:prod' },
    ]);
  });

  it('records offsets of each clause and its comparand', () => {
    const text = "claims['sub'] eq 'a'  and  claims['job_workflow_ref'] matches 'w/*'";
    const [first, second] = clauses(text);
    expect(text.slice(first!.start, first!.end)).toBe("claims['sub'] eq 'a'");
    expect(text.slice(first!.valueStart, first!.valueEnd)).toBe("'a'");
    expect(text.slice(second!.start, second!.end)).toBe("claims['job_workflow_ref'] matches 'w/*'");
    expect(text.slice(second!.valueStart, second!.valueEnd)).toBe("'w/*'");
  });

  it("reads '' inside a quoted string as one quote", () => {
    expect(clauses("claims['sub'] eq 'it''s'")).toMatchObject([{ value: "it's" }]);
    expect(clauses("claims['sub'] eq ''''")).toMatchObject([{ value: "'" }]);
    expect(clauses("claims['sub'] eq ''")).toMatchObject([{ value: '' }]);
    expect(clauses("claims['s''b'] eq 'x'")).toMatchObject([{ claim: "s'b" }]);
    expect(clauses("claims['sub'] eq 'a\\b'")).toMatchObject([{ value: 'a\\b' }]);
  });

  it('tolerates extra whitespace and keyword case (documented as unverified)', () => {
    expect(clauses("  claims['sub']   MATCHES\t'a*'   AND claims['x'] Eq 'b'  ")).toMatchObject([
      { claim: 'sub', op: 'matches', value: 'a*' },
      { claim: 'x', op: 'eq', value: 'b' },
    ]);
  });

  it.each([
    ['', 0, /empty expression/],
    ['   ', 3, /empty expression/],
    ["claims['sub'] matches 'a' or claims['sub'] matches 'b'", 26, /'or' is not supported/],
    ["not claims['sub'] eq 'a'", 0, /'not' is not supported/],
    ["(claims['sub'] eq 'a')", 0, /parentheses/],
    ["claims['sub'] ne 'a'", 14, /unsupported operator 'ne'/],
    ["claims['sub'] contains 'a'", 14, /unsupported operator 'contains'/],
    ["claims['sub'] eq \"a\"", 17, /single quotes, not double/],
    ['claims["sub"] eq \'a\'', 7, /single quotes, not double/],
    ["claims[\u2018sub\u2019] eq 'a'", 7, /typographic quote/],
    ["claims['sub'] eq \u2018a\u2019", 17, /typographic quote/],
    ["claims['sub'] eq 'a", 17, /unterminated/],
    ["claims['sub] eq 'a'", 17, /expected '\]' after the claim name/],
    ["claims['sub'] eq 'a' claims['x'] eq 'b'", 21, /expected 'and'/],
    ["claims['sub'] eq 'a' and", 24, /expected a space and a clause/],
    ["claims['sub'] eq 'a' and ", 25, /expected claims/],
    ["claims['sub']eq 'a'", 13, /expected a space and an operator/],
    ["claims['sub'] eq'a'", 16, /expected a space and a quoted comparand/],
    ["claims['sub'] eq 'a'and claims['x'] eq 'b'", 20, /expected 'and' or the end/],
    ["claims[''] eq 'a'", 7, /empty claim name/],
    ["claim['sub'] eq 'a'", 0, /expected claims\['<name>'\], found 'claim'/],
    ["claims.sub eq 'a'", 6, /expected '\[' after claims/],
    ["claims['sub'] matches 'a' and", 29, /expected a space and a clause/],
  ])('%j fails at offset %i', (text, offset, message) => {
    const e = parseError(text);
    expect(e.message).toMatch(message);
    expect(e.offset).toBe(offset);
  });

  it('never throws and keeps error offsets inside the text', () => {
    const piece = fc.constantFrom("claims['sub']", "'a*'", "''", "'", ' ', 'eq', 'matches', 'and', 'or', '[', ']', 'claims', '\u2018', '"', 'x');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((p) => p.join('')), (text) => {
        const r = parseFlexibleExpression(text);
        if (!r.ok) {
          expect(r.offset).toBeGreaterThanOrEqual(0);
          expect(r.offset).toBeLessThanOrEqual(text.length);
        } else {
          expect(r.clauses.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => void parseFlexibleExpression(text)));
  });

  it('scans in linear time (long comparands, many quotes)', () => {
    const value = "''".repeat(200_000);
    const r = parseFlexibleExpression(`claims['sub'] eq '${value}'`);
    expect(r.ok && r.clauses[0]!.value.length).toBe(200_000);
    const many = Array.from({ length: 20_000 }, (_, k) => `claims['c${k}'] matches '*'`).join(' and ');
    expect(clauses(many)).toHaveLength(20_000);
  });
});

describe('evaluateFlexible', () => {
  const gh = {
    sub: 'repo:contoso/app:ref:refs/heads/main',
    job_workflow_ref: 'contoso/wf/.github/workflows/deploy.yml@refs/heads/main',
  };

  it('uses globs for matches and exact, case-sensitive equality for eq', () => {
    expect(evaluateFlexible(clauses("claims['sub'] matches 'repo:contoso/*'"), gh)).toBe(true);
    expect(evaluateFlexible(clauses("claims['sub'] matches 'repo:contoso/app:ref:refs/heads/????'"), gh)).toBe(true);
    expect(evaluateFlexible(clauses("claims['sub'] matches 'repo:contoso/app:ref:refs/heads/???'"), gh)).toBe(false);
    expect(evaluateFlexible(clauses("claims['sub'] eq 'repo:contoso/app:ref:refs/heads/main'"), gh)).toBe(true);
    expect(evaluateFlexible(clauses("claims['sub'] eq 'repo:Contoso/app:ref:refs/heads/main'"), gh)).toBe(false);
    // eq treats wildcards literally.
    expect(evaluateFlexible(clauses("claims['sub'] eq 'repo:contoso/*'"), gh)).toBe(false);
    expect(evaluateFlexible(clauses("claims['sub'] eq 'repo:contoso/*'"), { sub: 'repo:contoso/*' })).toBe(true);
  });

  it('ANDs the clauses and fails a clause on an absent claim', () => {
    const both = clauses("claims['sub'] matches 'repo:contoso/*' and claims['job_workflow_ref'] matches 'contoso/wf/*@refs/heads/main'");
    expect(evaluateFlexible(both, gh)).toBe(true);
    expect(evaluateFlexible(both, { sub: gh.sub })).toBe(false);
    expect(evaluateFlexible(both, { ...gh, job_workflow_ref: 'contoso/wf/x.yml@refs/heads/dev' })).toBe(false);
    expect(evaluateFlexible(clauses("claims['sub'] matches '*'"), {})).toBe(false);
    expect(evaluateFlexible(clauses("claims['sub'] matches '*'"), { sub: undefined })).toBe(false);
    expect(evaluateFlexible(clauses("claims['constructor'] matches '*'"), {})).toBe(false);
    expect(evaluateFlexible([], gh)).toBe(true);
  });

  it('round-trips generated clauses and agrees with a direct evaluation', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', "'", '*', '?', '/', ':', ' ', '\\'), maxLength: 8 });
    const claim = fc.constantFrom('sub', 'job_workflow_ref', "we'ird", 'x');
    const clause = fc.record({ claim, op: fc.constantFrom('eq' as const, 'matches' as const), value: text });
    const claimsArb = fc.dictionary(claim, text, { maxKeys: 4 });
    fc.assert(
      fc.property(fc.array(clause, { minLength: 1, maxLength: 4 }), claimsArb, (generated, tokenClaims) => {
        const printed = generated.map((c) => `claims[${quote(c.claim)}] ${c.op} ${quote(c.value)}`).join(' and ');
        const parsed = clauses(printed);
        expect(parsed.map(({ claim: n, op, value }) => ({ claim: n, op, value }))).toEqual(generated);
        for (const p of parsed) expect(printed.slice(p.valueStart, p.valueEnd)).toBe(quote(p.value));
        const direct = generated.every((c) => {
          const v = Object.prototype.hasOwnProperty.call(tokenClaims, c.claim) ? tokenClaims[c.claim] : undefined;
          return v !== undefined && (c.op === 'eq' ? v === c.value : globMatch(c.value, v));
        });
        expect(evaluateFlexible(parsed, tokenClaims)).toBe(direct);
        expect(parsed.every((c) => clauseAdmits(c, tokenClaims))).toBe(direct);
      }),
      { numRuns: 2000 },
    );
  });
});
