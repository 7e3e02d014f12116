/**
 * evaluateCelPartial (src/match/cel.ts): values, not only bools (attribute_mapping expressions), unknown
 * values (an attribute whose mapping fedlint cannot evaluate) that make a result 'unknown' only when it
 * depends on them, and errors marked when they come from fedlint's own bounds rather than CEL's semantics.
 * `fedlint simulate` relies on all three to answer admitted / rejected / unknown without guessing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { celUnknown, evaluateCel, evaluateCelPartial, parseCel, unknownReason, type CelPartialResult, type CelVars } from '../../src/match/cel.js';

function run(text: string, vars: CelVars): CelPartialResult {
  const parsed = parseCel(text);
  if (!parsed.ok) throw new Error(`parse failed: ${parsed.message}`);
  return evaluateCelPartial(parsed.ast, vars);
}

const token = { sub: 'repo:octo-org/octo-repo:ref:refs/heads/main', ref: 'refs/heads/main', 'kubernetes.io': { namespace: 'prod' } };
const UNKNOWN = celUnknown('attribute.team is mapped from an expression fedlint does not evaluate');

describe('evaluateCelPartial: values', () => {
  it('evaluates mapping expressions to their values', () => {
    expect(run('assertion.sub', { assertion: token })).toEqual({ kind: 'value', value: token.sub });
    expect(run("assertion['kubernetes.io'].namespace", { assertion: token })).toEqual({ kind: 'value', value: 'prod' });
    expect(run("['a', assertion.ref]", { assertion: token })).toEqual({ kind: 'value', value: ['a', 'refs/heads/main'] });
  });

  it('reports CEL errors as errors, not as fedlint limits', () => {
    expect(run('assertion.missing', { assertion: token })).toEqual({ kind: 'error', message: 'no such key: missing', limit: false });
    expect(run("assertion.sub.matches('(a)\\\\1')", { assertion: token })).toMatchObject({ kind: 'error', limit: false });
  });

  it("marks fedlint's own bounds as limits", () => {
    expect(run('size(assertion.sub) > 0', { assertion: token })).toMatchObject({ kind: 'error', limit: true });
    expect(run("assertion.sub.extract('{x}')", { assertion: token })).toMatchObject({ kind: 'error', limit: true });
    expect(run("assertion.sub.matches('\\\\pL')", { assertion: token })).toMatchObject({ kind: 'error', limit: true });
    expect(run(`assertion.sub.matches('${'a'.repeat(1001)}')`, { assertion: token })).toMatchObject({ kind: 'error', limit: true });
  });
});

describe('evaluateCelPartial: unknown values', () => {
  const vars: CelVars = { assertion: token, attribute: { team: UNKNOWN, env: 'prod' } };

  it('an expression that depends on an unknown is unknown', () => {
    for (const text of ["attribute.team == 'payments'", "attribute.team != 'x'", "!(attribute.team == 'x')", "attribute.team.startsWith('p')", "attribute.team in ['a', 'b']", 'has(attribute.team)', "attribute.team == 'a' ? true : false", "assertion.sub.startsWith(attribute.team)"]) {
      expect(run(text, vars), text).toEqual({ kind: 'unknown', reason: unknownReason(UNKNOWN) });
    }
  });

  it('a result decided elsewhere does not depend on the unknown', () => {
    expect(run("attribute.team == 'payments' || attribute.env == 'prod'", vars)).toEqual({ kind: 'value', value: true });
    expect(run("attribute.team == 'payments' && attribute.env == 'dev'", vars)).toEqual({ kind: 'value', value: false });
    expect(run('has(attribute.other)', vars)).toEqual({ kind: 'value', value: false });
    expect(run("attribute.env == 'prod'", vars)).toEqual({ kind: 'value', value: true });
  });

  it('in && and ||, an unknown wins over an error (it could decide); in a strict operation an error wins (it is the result whatever the unknown holds)', () => {
    expect(run("attribute.team == 'a' && assertion.missing == 'b'", vars)).toMatchObject({ kind: 'unknown' });
    expect(run("attribute.team == 'a' || assertion.missing == 'b'", vars)).toMatchObject({ kind: 'unknown' });
    expect(run('[attribute.team, assertion.missing]', vars)).toEqual({ kind: 'error', message: 'no such key: missing', limit: false });
    expect(run('attribute.team == assertion.missing', vars)).toEqual({ kind: 'error', message: 'no such key: missing', limit: false });
  });

  it('a whole variable can be unknown (a mapping fedlint does not see)', () => {
    const whole: CelVars = { assertion: token, attribute: UNKNOWN, google: UNKNOWN };
    expect(run("attribute.anything == 'x'", whole)).toMatchObject({ kind: 'unknown' });
    expect(run('has(google.subject)', whole)).toMatchObject({ kind: 'unknown' });
    expect(run("'x' in attribute", whole)).toMatchObject({ kind: 'unknown' });
    expect(run("assertion.ref == 'refs/heads/dev' && attribute.anything == 'x'", whole)).toEqual({ kind: 'value', value: false });
  });

  it('without unknowns, evaluateCel and evaluateCelPartial agree (property)', () => {
    const claim = fc.constantFrom('sub', 'ref', 'missing');
    const atom = fc.oneof(
      fc.tuple(claim, fc.constantFrom("'refs/heads/main'", "'x'", '1', 'true')).map(([c, v]) => `assertion.${c} == ${v}`),
      fc.tuple(claim, fc.constantFrom('startsWith', 'contains')).map(([c, f]) => `assertion.${c}.${f}('refs')`),
      claim.map((c) => `has(assertion.${c})`),
      fc.constantFrom('true', 'false', "size('x') == 1"),
    );
    const expr = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small' },
        atom,
        fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a} && ${b})`),
        fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a} || ${b})`),
        tie('e').map((a) => `!(${a})`),
      ),
    })).e;
    fc.assert(
      fc.property(expr, (text) => {
        const parsed = parseCel(text);
        if (!parsed.ok) throw new Error(parsed.message);
        const whole = evaluateCel(parsed.ast, { assertion: token });
        const partial = evaluateCelPartial(parsed.ast, { assertion: token });
        if (typeof whole === 'boolean') expect(partial).toEqual({ kind: 'value', value: whole });
        else expect(partial).toMatchObject({ kind: 'error', message: whole.error });
      }),
      { numRuns: 300 },
    );
  });
});
