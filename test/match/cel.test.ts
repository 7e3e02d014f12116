import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING_DEPTH,
  evaluateCel,
  parseCel,
  printCel,
  type CelAst,
  type CelResult,
  type CelVars,
} from '../../src/match/cel.js';

function parse(text: string): CelAst {
  const r = parseCel(text);
  if (!r.ok) throw new Error(`parse failed: ${r.message} at ${r.offset}`);
  return r.ast;
}

function run(text: string, vars: CelVars): CelResult {
  return evaluateCel(parse(text), vars);
}

function parseError(text: string): { message: string; offset: number } {
  const r = parseCel(text);
  if (r.ok) throw new Error(`expected a parse error for ${text}`);
  return { message: r.message, offset: r.offset };
}

/** The tree without offsets, for structural comparison. */
function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (k !== 'start' && k !== 'end') out[k] = strip(v);
    return out;
  }
  return node;
}

const github: CelVars = {
  assertion: {
    sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    repository: 'octo-org/octo-repo',
    repository_owner: 'octo-org',
    repository_owner_id: '1342004',
    ref: 'refs/heads/main',
    project_id: '20',
    run_number: 20,
    'kubernetes.io': { namespace: 'prod', serviceaccount: { name: 'deployer' } },
    groups: ['admins', 'devs'],
  },
  attribute: { repository: 'octo-org/octo-repo' },
};

describe('parseCel errors', () => {
  it.each([
    ['assertion.sub ==', 16, /expected an expression/],
    ["assertion.sub = 'x'", 14, /'=='/],
    ["request.auth == 'x'", 0, /unknown identifier 'request'/],
    ["assertion.sub == 'x", 17, /unterminated string/],
    ['assertion.run_number + 1 == 2', 21, /arithmetic operator '\+'/],
    ["assertion.sub == 'x' assertion", 21, /after the end of the expression/],
    ["{'a': 1}", 0, /map literals/],
    ['has(assertion)', 0, /has\(\) needs exactly one field selection/],
    ['assertion.in == 1', 10, /cannot be a field name/],
    ['if == 1', 0, /reserved word 'if'/],
    ["assertion.sub == 'a\\qb'", 19, /invalid escape/],
    ['assertion.n == 1u', 15, /uint/],
    ["b'abc' == assertion.sub", 0, /bytes literals/],
    ['assertion.n == 99999999999999999999', 15, /int64/],
    ["assertion.sub & 'x'", 14, /'&&'/],
    ['(assertion.sub', 14, /expected '\)'/],
    ['[1, 2', 5, /expected '\]'/],
    ["assertion.sub.startsWith('a'", 28, /close the argument list/],
    ["'line\nbreak'", 5, /newline/],
    ['', 0, /expected an expression/],
    ['assertion.sub ? 1', 17, /expected ':'/],
    ["assertion.sub == 'x' # comment", 21, /unexpected character/],
  ])('%j fails at offset %i', (text, offset, message) => {
    const e = parseError(text);
    expect(e.offset).toBe(offset);
    expect(e.message).toMatch(message);
  });

  it('accepts comments, all quote styles and escapes', () => {
    expect(run(`assertion.ref == "refs/heads/main" // a comment`, github)).toBe(true);
    expect(run(`assertion.ref == '''refs/heads/main'''`, github)).toBe(true);
    expect(run(`'\\x41\\u00e9\\U0001F600\\101\\n' == "Aé😀A\\x0a"`, {})).toBe(true);
    expect(run(`r'a\\d' == 'a\\\\d'`, {})).toBe(true);
    expect(run(`'it\\'s' == "it's"`, {})).toBe(true);
    expect(run(`0x10 == 16 && 1.5e1 == 15.0 && .5 == 0.5`, {})).toBe(true);
  });

  it('keeps offsets on nodes', () => {
    const text = "assertion['kubernetes.io'].namespace == 'prod'";
    const ast = parse(text);
    expect(ast.kind).toBe('relation');
    if (ast.kind !== 'relation') return;
    expect(text.slice(ast.start, ast.end)).toBe(text);
    expect(text.slice(ast.left.start, ast.left.end)).toBe("assertion['kubernetes.io'].namespace");
    expect(text.slice(ast.right.start, ast.right.end)).toBe("'prod'");
    if (ast.left.kind !== 'select') throw new Error('expected a select');
    expect(text.slice(ast.left.operand.start, ast.left.operand.end)).toBe("assertion['kubernetes.io']");
  });
});

describe('precedence', () => {
  it('parses !a && b || c as ((!a) && b) || c', () => {
    const ast = strip(parse('!attribute.a && attribute.b || attribute.c'));
    const sel = (field: string) => ({ kind: 'select', operand: { kind: 'ident', name: 'attribute' }, field });
    expect(ast).toEqual({
      kind: 'logical',
      op: '||',
      operands: [{ kind: 'logical', op: '&&', operands: [{ kind: 'not', operand: sel('a') }, sel('b')] }, sel('c')],
    });
  });

  it('evaluates !a && b || c like the boolean formula for every input', () => {
    const ast = parse('!attribute.a && attribute.b || attribute.c');
    for (const a of [false, true]) {
      for (const b of [false, true]) {
        for (const c of [false, true]) {
          expect(evaluateCel(ast, { attribute: { a, b, c } })).toBe((!a && b) || c);
        }
      }
    }
  });

  it('binds relations tighter than && and the conditional loosest', () => {
    expect(run("assertion.ref == 'refs/heads/main' && assertion.repository_owner == 'octo-org'", github)).toBe(true);
    expect(run("true || false ? false : true", {})).toBe(false);
    expect(run("false ? true : false ? true : true", {})).toBe(true);
    expect(run('!(1 == 2)', {})).toBe(true);
  });
});

describe('evaluateCel', () => {
  it('evaluates `in` over lists and maps', () => {
    expect(run("assertion.repository_owner_id in ['1342004', '9999999']", github)).toBe(true);
    expect(run("assertion.repository_owner_id in ['1', '2']", github)).toBe(false);
    expect(run("assertion.repository_owner_id in []", github)).toBe(false);
    expect(run("'admins' in assertion.groups", github)).toBe(true);
    expect(run("'namespace' in assertion['kubernetes.io']", github)).toBe(true);
    expect(run("20 in ['20']", {})).toBe(false);
    expect(run("20 in [20.0]", {})).toBe(true);
    expect(run("'a' in 'abc'", {})).toEqual({ error: expect.stringMatching(/no_matching_overload/) });
  });

  it('follows nested index and member access', () => {
    expect(run("assertion['kubernetes.io']['namespace'] == 'prod'", github)).toBe(true);
    expect(run("assertion['kubernetes.io'].serviceaccount['name'] == 'deployer'", github)).toBe(true);
    expect(run("assertion.groups[1] == 'devs'", github)).toBe(true);
    expect(run("assertion.groups[2] == 'devs'", github)).toEqual({ error: expect.stringMatching(/index out of range/) });
    expect(run("assertion['kubernetes.io']['nope'] == 'prod'", github)).toEqual({ error: 'no such key: nope' });
    expect(run("assertion.sub.x == 'y'", github)).toEqual({ error: expect.stringMatching(/no_matching_overload/) });
  });

  it('uses heterogeneous equality for type-confused comparisons', () => {
    expect(run('assertion.project_id == 20', github)).toBe(false);
    expect(run('assertion.project_id != 20', github)).toBe(true);
    expect(run("assertion.project_id == '20'", github)).toBe(true);
    // A JSON number claim is a double; ints and doubles compare by value.
    expect(run('assertion.run_number == 20', github)).toBe(true);
    expect(run("assertion.run_number == '20'", github)).toBe(false);
    expect(run('true == 1', {})).toBe(false);
    expect(run('null == null && null != 0', {})).toBe(true);
    expect(run("[1, 'a'] == [1, 'a'] && [1] != ['1']", {})).toBe(true);
    // Ordering is not heterogeneous: it is an error across types.
    expect(run("assertion.project_id < 30", github)).toEqual({ error: expect.stringMatching(/no_matching_overload/) });
  });

  it('treats a missing field as an error that && and || absorb the CEL way', () => {
    expect(run("assertion.missing == 'x'", github)).toEqual({ error: 'no such key: missing' });
    expect(run("false && assertion.missing == 'x'", github)).toBe(false);
    expect(run("assertion.missing == 'x' && false", github)).toBe(false);
    expect(run("true || assertion.missing == 'x'", github)).toBe(true);
    expect(run("assertion.missing == 'x' || true", github)).toBe(true);
    expect(run("true && assertion.missing == 'x'", github)).toEqual({ error: 'no such key: missing' });
    expect(run("assertion.missing == 'x' || false", github)).toEqual({ error: 'no such key: missing' });
    expect(run("!(assertion.missing == 'x')", github)).toEqual({ error: 'no such key: missing' });
    // A non-bool operand is an error that a decisive operand also absorbs.
    expect(run("'x' && false", {})).toBe(false);
    expect(run("'x' || false", {})).toEqual({ error: expect.stringMatching(/no_matching_overload/) });
    // has() tests presence without an error.
    expect(run('has(assertion.missing)', github)).toBe(false);
    expect(run('has(assertion.ref)', github)).toBe(true);
  });

  it('does not reach Object.prototype through claim names', () => {
    expect(run('assertion.constructor == null', github)).toEqual({ error: 'no such key: constructor' });
    expect(run("assertion['__proto__'] == null", github)).toEqual({ error: 'no such key: __proto__' });
    expect(run("'toString' in assertion", github)).toBe(false);
  });

  it('evaluates the string functions', () => {
    expect(run("assertion.ref.startsWith('refs/heads/')", github)).toBe(true);
    expect(run("assertion.repository.endsWith('/octo-repo')", github)).toBe(true);
    expect(run("assertion.sub.contains('octo-org')", github)).toBe(true);
    expect(run("assertion.run_number.startsWith('2')", github)).toEqual({ error: expect.stringMatching(/no_matching_overload/) });
    expect(run("size(assertion.sub) > 0", github)).toEqual({ error: expect.stringMatching(/not supported/) });
  });

  it('reports a non-bool result and a missing variable as errors', () => {
    expect(run("assertion.sub", github)).toEqual({ error: expect.stringMatching(/not bool/) });
    expect(run("google.subject == 'x'", github)).toEqual({ error: "no value bound to 'google'" });
  });
});

describe('matches (RE2 syntax, linear-time matcher)', () => {
  const m = (subject: string, re: string): CelResult => evaluateCel(parse(`attribute.s.matches(${JSON.stringify(re)})`), { attribute: { s: subject } });

  it('searches anywhere in the string unless anchored', () => {
    expect(m('refs/tags/v12', 'v[0-9]+')).toBe(true);
    expect(m('refs/tags/v12', '^v[0-9]+')).toBe(false);
    expect(m('refs/tags/v12', '^refs/tags/v[0-9]+$')).toBe(true);
    expect(m('refs/tags/v12-rc', '^refs/tags/v[0-9]+$')).toBe(false);
    expect(m('', '')).toBe(true);
    expect(m('abc', '\\Aabc\\z')).toBe(true);
  });

  it('supports classes, flags, counted repetition and literal escapes', () => {
    expect(m('Main', '(?i)^main$')).toBe(true);
    expect(m('Main', '^main$')).toBe(false);
    expect(m('a\nb', '^b$')).toBe(false);
    expect(m('a\nb', '(?m)^b$')).toBe(true);
    expect(m('a\nb', 'a.b')).toBe(false);
    expect(m('a\nb', '(?s)a.b')).toBe(true);
    expect(m('aaa', '^a{2,3}$')).toBe(true);
    expect(m('aaaa', '^a{2,3}$')).toBe(false);
    expect(m('a{', 'a{')).toBe(true);
    expect(m('x.y', '^x\\.y$')).toBe(true);
    expect(m('xzy', '^x\\.y$')).toBe(false);
    expect(m('v1.2', '^v\\d\\.\\d$')).toBe(true);
    expect(m('a-b', '^[[:alpha:]]-[^[:digit:]]$')).toBe(true);
    expect(m('a+b', '\\Qa+b\\E')).toBe(true);
    expect(m('main', '\\bmain\\b')).toBe(true);
    expect(m('domain', '\\bmain\\b')).toBe(false);
    expect(m('feature/x', '^(?P<kind>feature|fix)/')).toBe(true);
    expect(m('😀', '^.$')).toBe(true);
  });

  it('rejects what RE2 does not have', () => {
    expect(m('aa', '(a)\\1')).toEqual({ error: expect.stringMatching(/backreferences/) });
    expect(m('aa', '(?P<x>a)(?P=x)')).toEqual({ error: expect.stringMatching(/backreferences/) });
    expect(m('ab', 'a(?=b)')).toEqual({ error: expect.stringMatching(/lookahead/) });
    expect(m('ab', '(?<!x)b')).toEqual({ error: expect.stringMatching(/lookbehind/) });
    expect(m('ab', 'a**')).toEqual({ error: expect.stringMatching(/bad repetition/) });
    expect(m('ab', '*a')).toEqual({ error: expect.stringMatching(/missing argument/) });
    expect(m('ab', '(ab')).toEqual({ error: expect.stringMatching(/missing closing \)/) });
    expect(m('ab', '[ab')).toEqual({ error: expect.stringMatching(/missing closing \]/) });
    expect(m('ab', 'a{1001}')).toEqual({ error: expect.stringMatching(/repetition count/) });
    expect(m('ab', '\\pL')).toEqual({ error: expect.stringMatching(/not supported/) });
  });

  it('refuses a pattern over 1,000 characters and a program that is too large', () => {
    expect(m('a', 'a'.repeat(1001))).toEqual({ error: expect.stringMatching(/longer than 1000/) });
    expect(m('a', 'a'.repeat(1000))).toBe(false);
    expect(m('a', '((a{100}){100}){100}')).toEqual({ error: expect.stringMatching(/too large/) });
  });

  it('stays linear on patterns that make backtracking engines explode', () => {
    const long = 'a'.repeat(20_000);
    expect(m(long, '(a*)*$x')).toBe(false);
    expect(m(long, '(a|a)*b')).toBe(false);
    expect(m(long, 'a*'.repeat(40) + 'b')).toBe(false);
    expect(m(long + '!', '^(a+)+$')).toBe(false);
  });

  it('agrees with JavaScript RegExp on a syntax both read the same way', () => {
    // The oracle builds a RegExp from generated test patterns only; production code never does.
    const re: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
      re: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '^', '$', '1'),
        fc.tuple(tie('re'), tie('re')).map(([x, y]) => x + y),
        fc.tuple(tie('re'), tie('re')).map(([x, y]) => `(?:${x}|${y})`),
        fc.tuple(tie('re'), fc.constantFrom('*', '+', '?', '{0,2}', '{2}', '*?')).map(([x, q]) => `(?:${x})${q}`),
        tie('re').map((x) => `(${x})`),
      ),
    })).re;
    const subjects = fc.array(fc.constantFrom('a', 'b', '1', '\n'), { maxLength: 8 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(re, subjects, (pattern, subject) => {
        expect(m(subject, pattern)).toBe(new RegExp(pattern, 'u').test(subject));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('bounds', () => {
  it('rejects 100,000 nested parentheses promptly without throwing', () => {
    const started = Date.now();
    const r = parseCel('('.repeat(100_000));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(/nested more than 200/);
      expect(r.offset).toBe(MAX_NESTING_DEPTH);
    }
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects other deep shapes: unary chains, member chains, nested lists', () => {
    expect(parseCel('!'.repeat(50_000) + 'true').ok).toBe(false);
    expect(parseCel('-'.repeat(50_000) + '1').ok).toBe(false);
    expect(parseCel('['.repeat(50_000)).ok).toBe(false);
    expect(parseCel('assertion' + '.a'.repeat(300) + " == 'x'").ok).toBe(false);
    expect(parseCel('assertion' + "['a']".repeat(300) + " == 'x'").ok).toBe(false);
    expect(parseCel('1 == '.repeat(300) + '1').ok).toBe(false);
    // Within the bound these parse.
    expect(parseCel('('.repeat(150) + 'true' + ')'.repeat(150)).ok).toBe(true);
    expect(parseCel('assertion' + '.a'.repeat(150) + " == 'x'").ok).toBe(true);
  });

  it('keeps long && / || chains flat, so they parse and evaluate', () => {
    const chain = Array.from({ length: 2_000 }, (_, k) => `assertion.ref == 'refs/heads/b${k}'`).join(' || ');
    expect(chain.length).toBeLessThan(MAX_EXPRESSION_LENGTH);
    expect(run(chain, github)).toBe(false);
    expect(run(chain + " || assertion.ref == 'refs/heads/main'", github)).toBe(true);
  });

  it('rejects input longer than 100,000 characters', () => {
    const r = parseCel(' '.repeat(MAX_EXPRESSION_LENGTH) + 'true');
    expect(r).toEqual({ ok: false, message: expect.stringMatching(/longer than 100000/), offset: MAX_EXPRESSION_LENGTH });
    expect(parseCel(' '.repeat(MAX_EXPRESSION_LENGTH - 4) + 'true').ok).toBe(true);
  });

  it('never throws on arbitrary input', () => {
    const alphabet = fc.constantFrom(..."()[]{}.,?:!-+=<>&|'\"\\ \nabinrtux019_".split(''), 'assertion', 'in', '&&', '||', '==');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }).map((t) => t.join('')), (text) => {
        const r = parseCel(text);
        if (r.ok) {
          const v = evaluateCel(r.ast, github);
          expect(typeof v === 'boolean' || typeof v.error === 'string').toBe(true);
        } else {
          expect(r.offset).toBeGreaterThanOrEqual(0);
          expect(r.offset).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 3000 },
    );
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => void parseCel(text)));
  });
});

describe('printing then parsing (properties)', () => {
  const z = { start: 0, end: 0 };
  const assertion: CelAst = { kind: 'ident', name: 'assertion', ...z };
  const lit = (value: string | bigint | number | boolean | null): CelAst => ({ kind: 'literal', value, ...z });
  const field = fc.constantFrom('sub', 'ref', 'repository', 'project_id', 'run_number', 'groups', 'missing');

  const leaf: fc.Arbitrary<CelAst> = fc.oneof(
    fc.constantFrom('', 'octo-org', 'refs/heads/main', '20', "it's", 'say "hi"', 'back\\slash', 'tab\tnew\nline', 'é😀').map(lit),
    fc.bigInt({ min: 0n, max: 30n }).map(lit),
    fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((d) => lit(d === 0 ? 0 : d)),
    fc.boolean().map(lit),
    fc.constant(lit(null)),
    field.map((f): CelAst => ({ kind: 'select', operand: assertion, field: f, ...z })),
    fc.constantFrom('namespace', 'nope').map(
      (f): CelAst => ({ kind: 'index', operand: { kind: 'index', operand: assertion, index: lit('kubernetes.io'), ...z }, index: lit(f), ...z }),
    ),
    field.map((f): CelAst => ({ kind: 'call', target: null, name: 'has', args: [{ kind: 'select', operand: assertion, field: f, ...z }], ...z })),
  );

  const ast: fc.Arbitrary<CelAst> = fc.letrec<{ node: CelAst }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      tie('node').map((operand): CelAst => ({ kind: 'not', operand, ...z })),
      tie('node').map((operand): CelAst => ({ kind: 'negate', operand, ...z })),
      fc
        .tuple(fc.constantFrom('&&' as const, '||' as const), fc.array(tie('node'), { minLength: 2, maxLength: 3 }))
        .map(([op, operands]): CelAst => ({ kind: 'logical', op, operands, ...z })),
      fc
        .tuple(fc.constantFrom('==' as const, '!=' as const, '<' as const, '<=' as const, '>' as const, '>=' as const, 'in' as const), tie('node'), tie('node'))
        .map(([op, left, right]): CelAst => ({ kind: 'relation', op, left, right, ...z })),
      fc
        .tuple(fc.constantFrom('startsWith', 'endsWith', 'contains', 'matches'), tie('node'), tie('node'))
        .map(([name, target, arg]): CelAst => ({ kind: 'call', target, name, args: [arg], ...z })),
      fc.array(tie('node'), { maxLength: 3 }).map((elements): CelAst => ({ kind: 'list', elements, ...z })),
      fc.tuple(tie('node'), tie('node')).map(([operand, index]): CelAst => ({ kind: 'index', operand, index, ...z })),
      fc.tuple(tie('node'), field).map(([operand, f]): CelAst => ({ kind: 'select', operand, field: f, ...z })),
      fc.tuple(tie('node'), tie('node'), tie('node')).map(([test, then, otherwise]): CelAst => ({ kind: 'conditional', test, then, otherwise, ...z })),
    ),
  })).node;

  it('gives back the same tree', () => {
    fc.assert(
      fc.property(ast, (tree) => {
        const text = printCel(tree);
        const reparsed = parseCel(text);
        if (!reparsed.ok) throw new Error(`${text}: ${reparsed.message} at ${reparsed.offset}`);
        expect(strip(reparsed.ast)).toEqual(strip(tree));
      }),
      { numRuns: 3000 },
    );
  });

  it("gives back a tree with the same evaluation result", () => {
    fc.assert(
      fc.property(ast, (tree) => {
        const reparsed = parseCel(printCel(tree));
        expect(reparsed.ok).toBe(true);
        if (reparsed.ok) expect(evaluateCel(reparsed.ast, github)).toEqual(evaluateCel(tree, github));
      }),
      { numRuns: 3000 },
    );
  });

  it('prints what was parsed so that it parses to the same tree (source → print → parse)', () => {
    for (const text of [
      "assertion.repository_owner_id == '123456' && assertion.ref == 'refs/heads/main'",
      "(assertion.a || assertion.b) || assertion.c",
      "assertion['kubernetes.io']['namespace'] in ['a', 'b'] ? !has(assertion.x) : -1 < 2",
      '(1 == 2) == false',
      '1 == (2 == false)',
      '(true ? 1 : 2) == 1',
    ]) {
      const first = parse(text);
      expect(strip(parse(printCel(first)))).toEqual(strip(first));
    }
  });
});
