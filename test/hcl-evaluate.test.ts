/**
 * The static evaluator: templates and directives, operators, for-expressions, splats, references,
 * functions, unknown and sensitive propagation, configuration references, and where values say they
 * were written. Each case is one attribute of a resource, read back from the plan view.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTerraformSources, type SourceLoad } from '../src/loaders/hcl/index.js';
import type { PlanResource } from '../src/loaders/plan-view.js';

const PRELUDE = `variable "unset" {}
variable "secret" {
  default   = "hunter2"
  sensitive = true
}
variable "pattern" { default = "/-/" }
locals {
  m     = { k = { a = ["x", "y"] }, b = 2 }
  objs  = [{ name = "one" }, { name = "two" }]
  csv   = "alpha,beta"
  names = ["b", "a", "b"]
}
`;

/** Evaluate expressions as attributes `v0`, `v1`, … of one resource. */
async function evaluateAll(...expressions: string[]): Promise<{ r: PlanResource; load: SourceLoad; text: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-hcl-eval-'));
  const body = expressions.map((x, i) => `  v${i} = ${x}\n`).join('');
  const text = `${PRELUDE}resource "test_thing" "t" {\n${body}}\n`;
  writeFileSync(path.join(dir, 'main.tf'), text);
  const [load] = await loadTerraformSources([{ absolute: dir, display: 'm' }], { varFiles: [], cwd: path.dirname(dir) });
  const r = load!.view.resources.find((x) => x.address === 'test_thing.t')!;
  expect(load!.problems).toEqual([]);
  return { r, load: load!, text };
}

async function values(...expressions: string[]): Promise<unknown[]> {
  const { r } = await evaluateAll(...expressions);
  return expressions.map((_, i) => r.values[`v${i}`]);
}

describe('templates', () => {
  it('interpolation, escapes and directives', async () => {
    expect(
      await values(
        '"a${1 + 2}b"',
        '"\\"q\\" $${x} %%{y} \\u00e9"',
        '"%{ if local.m.b == 2 }yes%{ else }no%{ endif }"',
        '"%{ for i, n in local.names }${i}=${n};%{ endfor }"',
        '"${local.m}"',
      ),
    ).toEqual(['a3b', '"q" ${x} %{y} é', 'yes', '0=b;1=a;2=b;', { k: { a: ['x', 'y'] }, b: 2 }]);
  });

  it('heredocs: plain ones keep their indentation, strip markers remove white space', async () => {
    const [plain, stripped] = await values('<<EOT\n  kept\n    more\nEOT', '<<-EOT\n    %{~ for n in ["a", "b"] ~}\n    ${n}\n    %{~ endfor ~}\n    end\n    EOT');
    expect(plain).toBe('  kept\n    more\n');
    expect(stripped).toBe('abend\n');
  });
});

describe('expressions', () => {
  it('operators, conditionals, for-expressions, splats and indexes', async () => {
    expect(
      await values(
        '1 + 2 * 3 == 7 && !false',
        '10 % 3 - -1',
        'local.m.b > 1 ? "big" : "small"',
        '[for n in local.names : upper(n) if n != "a"]',
        '{ for n in local.names : n => n... }',
        '{ for k, v in { z = 1, a = 2 } : k => v * 10 }',
        'local.objs[*].name',
        'local.m["k"].a[1]',
        'local.objs.1.name',
        '[for k, v in { z = 1, a = 2 } : k]',
      ),
    ).toEqual([true, 2, 'big', ['B', 'B'], { a: ['a'], b: ['b', 'b'] }, { a: 20, z: 10 }, ['one', 'two'], 'y', 'two', ['a', 'z']]);
  });

  it('an error (a missing key) makes the value unknown and is noted; try() and can() see it', async () => {
    const { r, load } = await evaluateAll('local.m.missing', 'try(local.m.missing, "fallback")', 'can(local.m.missing)', 'can(local.m.b)');
    expect(r.values).toEqual({ v1: 'fallback', v2: false, v3: true });
    expect(r.unknown).toMatchObject({ v0: true });
    expect(load.unresolved.map((u) => u.message)).toContain('v0 of test_thing.t cannot be evaluated (no attribute or key "missing"); it is unknown');
  });
});

describe('functions', () => {
  it('strings', async () => {
    expect(
      await values(
        'format("%s-%03d-%v-%q", "a", 7, true, "x")',
        'formatlist("%s=%d", ["a", "b"], [1, 2])',
        'join("/", ["a", "b"], ["c"])',
        'split(",", local.csv)',
        'replace("a-b-c", "-", "_")',
        'replace("a-b-c", "/(\\\\w)-/", "$${1}+")',
        'replace("a-b-c", var.pattern, "_")',
        'lower("AbC")',
        'upper("abc")',
        'trimprefix("repo:x", "repo:")',
        'trimsuffix("x.json", ".json")',
        'trimspace("  x \\n")',
        'startswith("repo:x", "repo:")',
        'endswith("repo:x", "y")',
        'tostring(12)',
        'tonumber("3.5")',
        'substr("hello", 1, 3)',
        'chomp("x\\n")',
      ),
    ).toEqual([
      'a-007-true-"x"',
      ['a=1', 'b=2'],
      'a/b/c',
      ['alpha', 'beta'],
      'a_b_c',
      'a+b+c',
      undefined,
      'abc',
      'ABC',
      'x',
      'x',
      'x',
      true,
      false,
      '12',
      3.5,
      'ell',
      'x',
    ]);
  });

  it('collections', async () => {
    expect(
      await values(
        'concat(["a"], ["b", "c"])',
        'merge({ a = 1, b = 1 }, { b = 2 }, null)',
        'lookup(local.m, "b", 0)',
        'lookup(local.m, "nope", "default")',
        'element(["a", "b"], 3)',
        'length(local.names)',
        'keys({ z = 1, a = 2 })',
        'values({ z = 1, a = 2 })',
        'contains(local.names, "a")',
        'flatten([["a", ["b"]], "c"])',
        'distinct(local.names)',
        'coalesce("", null, "x")',
        'compact(["a", "", null, "b"])',
        'tolist(toset(local.names))',
        'one(["only"])',
        'zipmap(["a", "b"], [1, 2])',
        'setproduct(["a", "b"], [1])',
        'range(3)',
        'jsondecode("{\\"a\\": [1, true, null]}")',
        'jsonencode({ b = "<&>", a = [1, "x"] })',
        'sort(local.names)',
        'reverse([1, 2])',
        'slice(["a", "b", "c"], 1, 3)',
        'index(["a", "b"], "b")',
        'max(1, 5, 3)',
      ),
    ).toEqual([
      ['a', 'b', 'c'],
      { a: 1, b: 2 },
      2,
      'default',
      'b',
      3,
      ['a', 'z'],
      [2, 1],
      true,
      ['a', 'b', 'c'],
      ['b', 'a'],
      'x',
      ['a', 'b'],
      ['a', 'b'],
      'only',
      { a: 1, b: 2 },
      [
        ['a', 1],
        ['b', 1],
      ],
      [0, 1, 2],
      { a: [1, true, null] },
      '{"a":[1,"x"],"b":"\\u003c\\u0026\\u003e"}',
      ['a', 'b', 'b'],
      [2, 1],
      ['b', 'c'],
      1,
      5,
    ]);
  });

  it('a function fedlint does not evaluate gives an unknown value and a note', async () => {
    const { r, load } = await evaluateAll('base64encode("x")', 'provider::aws::arn_parse("x")');
    expect(r.values).toEqual({});
    expect(r.unknown).toMatchObject({ v0: true, v1: true });
    expect(load.unresolved.map((u) => u.message)).toContain('base64encode() is not evaluated statically; values built from it are unknown');
  });
});

describe('unknown and sensitive values', () => {
  it('unknown spreads through operations but not through structure', async () => {
    const { r } = await evaluateAll(
      '"x${var.unset}"',
      'jsonencode({ a = var.unset })',
      'length([var.unset, "b"])',
      'concat([var.unset], ["a"])',
      '{ known = "k", other = var.unset }',
      'var.unset == "a" ? "yes" : "no"',
      'true || var.unset',
      'upper(var.unset)',
    );
    expect(r.values).toEqual({ v2: 2, v3: [null, 'a'], v4: { known: 'k' }, v6: true });
    expect(r.unknown).toMatchObject({ v0: true, v1: true, v3: [true, false], v4: { other: true }, v5: true, v7: true });
  });

  it('a sensitive variable marks what is built from it', async () => {
    const { r } = await evaluateAll('"x-${var.secret}"', '{ plain = "p", hidden = var.secret }', 'upper(var.secret)', 'length(var.secret)', '"plain"');
    expect(r.sensitive).toEqual({ v0: true, v1: { hidden: true }, v2: true, v3: true });
  });
});

describe('provenance and configuration references', () => {
  it('split() and trimprefix() keep where each character was written', async () => {
    const { r, text } = await evaluateAll('split(",", local.csv)', 'trimprefix("repo:octo-org/app", "repo:")', 'upper("abc")');
    const rangeOf = (needle: string) => {
      const at = text.indexOf(needle);
      const line = text.slice(0, at).split('\n').length;
      const column = at - text.lastIndexOf('\n', at - 1);
      return { startLine: line, startColumn: column, endLine: line, endColumn: column + needle.length };
    };
    expect(r.locate!(['v0', 1]).range).toEqual(rangeOf('beta'));
    expect(r.locate!(['v1']).range).toEqual(rangeOf('octo-org/app'));
    // A computed string is written where it is computed: the call.
    expect(r.locate!(['v2']).range).toEqual(rangeOf('upper("abc")'));
    // A path the value does not have: the closest part that exists.
    expect(r.locate!(['v0', 7]).range).toEqual(rangeOf('split(",", local.csv)'));
    expect(r.locate!(['nothing']).range).toEqual(rangeOf('resource "test_thing" "t"'));
  });

  it('references are listed as a plan configuration lists them', async () => {
    const { r } = await evaluateAll(
      'aws_iam_role.x["k"].arn',
      'module.ci.role_arn',
      '[for s in local.names : "${s}-${var.unset}"]',
      'aws_iam_role.x[each.key].name',
      'data.aws_iam_policy_document.d.json',
      '"literal"',
      'jsonencode({})',
    );
    const e = r.config!.expressions;
    expect(e['v0']).toEqual({ references: ['aws_iam_role.x["k"].arn', 'aws_iam_role.x["k"]', 'aws_iam_role.x'] });
    expect(e['v1']).toEqual({ references: ['module.ci.role_arn', 'module.ci'] });
    expect(e['v2']).toEqual({ references: ['local.names', 'var.unset'] });
    expect(e['v3']).toEqual({ references: ['aws_iam_role.x', 'each.key'] });
    expect(e['v4']).toEqual({ references: ['data.aws_iam_policy_document.d.json', 'data.aws_iam_policy_document.d'] });
    expect(e['v5']).toEqual({ constant_value: 'literal' });
    expect(e['v6']).toEqual({});
  });
});
