/**
 * JSON path → line and column (src/loaders/positions.ts). Every range is checked by slicing the file text
 * at the reported columns, so an off-by-one cannot hide behind a plausible number.
 */
import { describe, expect, it } from 'vitest';
import { LineIndex, PositionResolver, jsonTooDeepAt, scanValidJson } from '../src/loaders/positions.js';
import type { JsonPath, Location, ResolvedRange } from '../src/model/types.js';

const GH = 'token.actions.githubusercontent.com';

const DOC = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${GH}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' },
        StringLike: { [`${GH}:sub`]: ['repo:o/r:ref:refs/heads/main', 'repo:o/*'] },
      },
    },
  ],
};
const PRETTY = `${JSON.stringify(DOC, null, 2)}\n`;

function lineTexts(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** The text a range covers. */
function slice(text: string, r: ResolvedRange): string {
  const lines = lineTexts(text);
  if (r.startLine === r.endLine) return lines[r.startLine - 1]!.slice(r.startColumn - 1, r.endColumn - 1);
  const parts = [lines[r.startLine - 1]!.slice(r.startColumn - 1), ...lines.slice(r.startLine, r.endLine - 1), lines[r.endLine - 1]!.slice(0, r.endColumn - 1)];
  return parts.join('\n');
}

/** 1-based line and column of the first occurrence of `needle` at or after `from` (an earlier needle). */
function find(text: string, needle: string, after?: string): { line: number; column: number } {
  const start = after === undefined ? 0 : text.indexOf(after) + after.length;
  const offset = text.indexOf(needle, start);
  if (offset < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, offset);
  const lines = lineTexts(before);
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

function at(path: JsonPath, extra: Partial<Location> = {}): Location {
  return { file: 'f.json', path, ...extra };
}

describe('LineIndex', () => {
  it('maps offsets to 1-based lines and columns with LF, CRLF and CR line ends', () => {
    const lf = new LineIndex('ab\ncd\n\ne');
    expect([0, 1, 2, 3, 5, 6, 7, 8].map((o) => lf.position(o))).toEqual([
      { line: 1, column: 1 },
      { line: 1, column: 2 },
      { line: 1, column: 3 },
      { line: 2, column: 1 },
      { line: 2, column: 3 },
      { line: 3, column: 1 },
      { line: 4, column: 1 },
      { line: 4, column: 2 },
    ]);
    const crlf = new LineIndex('ab\r\ncd\r\n\r\ne');
    expect([0, 2, 4, 6, 8, 10].map((o) => crlf.position(o))).toEqual([
      { line: 1, column: 1 },
      { line: 1, column: 3 },
      { line: 2, column: 1 },
      { line: 2, column: 3 },
      { line: 3, column: 1 },
      { line: 4, column: 1 },
    ]);
    const cr = new LineIndex('ab\rcd');
    expect(cr.position(3)).toEqual({ line: 2, column: 1 });
  });

  it('columns count UTF-16 code units', () => {
    const index = new LineIndex('{"é😀": "x"}');
    // é is one unit, 😀 two: "x" starts at offset 8.
    expect(index.position(8)).toEqual({ line: 1, column: 9 });
  });

  it('range gives an end column just after the last character', () => {
    expect(new LineIndex('abc\ndef').range(4, 7)).toEqual({ startLine: 2, startColumn: 1, endLine: 2, endColumn: 4 });
    expect(new LineIndex('').range(0, 0)).toEqual({ startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 });
  });
});

describe('PositionResolver', () => {
  const subPath: JsonPath = ['Statement', 0, 'Condition', 'StringLike', `${GH}:sub`, 1];

  it("a value's range in a pretty-printed file", () => {
    const r = new PositionResolver(PRETTY).resolve(at(subPath));
    const expected = find(PRETTY, '"repo:o/*"');
    expect(r).toEqual({ startLine: expected.line, startColumn: expected.column, endLine: expected.line, endColumn: expected.column + '"repo:o/*"'.length });
    // Counted by hand in the pretty-printed text: line 17, after 12 spaces.
    expect(r.startLine).toBe(17);
    expect(r.startColumn).toBe(13);
    expect(slice(PRETTY, r)).toBe('"repo:o/*"');
  });

  it('values of every type, and objects spanning lines', () => {
    const text = '{\n  "n": 42,\n  "b": false,\n  "z": null,\n  "o": {\n    "k": [1, 2]\n  }\n}';
    const resolver = new PositionResolver(text);
    expect(slice(text, resolver.resolve(at(['n'])))).toBe('42');
    expect(slice(text, resolver.resolve(at(['b'])))).toBe('false');
    expect(slice(text, resolver.resolve(at(['z'])))).toBe('null');
    expect(slice(text, resolver.resolve(at(['o', 'k', 1])))).toBe('2');
    const object = resolver.resolve(at(['o']));
    expect(object).toEqual({ startLine: 5, startColumn: 8, endLine: 7, endColumn: 4 });
    expect(slice(text, object)).toBe('{\n    "k": [1, 2]\n  }');
    expect(resolver.resolve(at([]))).toEqual({ startLine: 1, startColumn: 1, endLine: 8, endColumn: 2 });
  });

  it('CRLF line endings give the same lines and columns as LF', () => {
    const crlf = PRETTY.replace(/\n/g, '\r\n');
    const lf = new PositionResolver(PRETTY);
    const resolver = new PositionResolver(crlf);
    for (const p of [subPath, ['Statement', 0, 'Principal', 'Federated'], ['Statement', 0, 'Condition'], ['Version']] as JsonPath[]) {
      expect(resolver.resolve(at(p))).toEqual(lf.resolve(at(p)));
    }
    expect(slice(crlf, resolver.resolve(at(subPath)))).toBe('"repo:o/*"');
  });

  it('a path that does not exist falls back to the nearest existing parent', () => {
    const resolver = new PositionResolver(PRETTY);
    const condition = resolver.resolve(at(['Statement', 0, 'Condition']));
    expect(resolver.resolve(at(['Statement', 0, 'Condition', 'StringNotLike', `${GH}:sub`]))).toEqual(condition);
    expect(slice(PRETTY, condition).startsWith('{\n        "StringEquals"')).toBe(true);
    // Index out of range: the array.
    const statements = resolver.resolve(at(['Statement']));
    expect(resolver.resolve(at(['Statement', 3, 'Effect']))).toEqual(statements);
    // Nothing matches: the whole document.
    expect(resolver.resolve(at(['Nope', 'deeper']))).toEqual(resolver.resolve(at([])));
    // A key asked for on a missing path lands on the parent's value, not on a key.
    expect(resolver.resolve(at(['Statement', 0, 'Condition', 'Missing'], { key: true }))).toEqual(condition);
  });

  it('key: true points at the property key', () => {
    const resolver = new PositionResolver(PRETTY);
    const key = resolver.resolve(at(['Statement', 0, 'Condition'], { key: true }));
    const expected = find(PRETTY, '"Condition"');
    expect(key).toEqual({ startLine: expected.line, startColumn: expected.column, endLine: expected.line, endColumn: expected.column + '"Condition"'.length });
    expect(slice(PRETTY, key)).toBe('"Condition"');
    expect(slice(PRETTY, resolver.resolve(at(['Statement', 0, 'Condition', 'StringLike', `${GH}:sub`], { key: true })))).toBe(`"${GH}:sub"`);
    // An array element has no key: the element itself.
    expect(slice(PRETTY, resolver.resolve(at(subPath, { key: true })))).toBe('"repo:o/*"');
  });

  it('an empty or unparsable text resolves to 1:1', () => {
    expect(new PositionResolver('').resolve(at(['a']))).toEqual({ startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 });
  });

  it('a truncated document still resolves what it has', () => {
    const text = '{\n  "a": {\n    "b": "x",\n    "c": [';
    expect(slice(text, new PositionResolver(text).resolve(at(['a', 'b'])))).toBe('"x"');
  });

  // With a duplicated key the loaders see the LAST value (JSON.parse keeps the last), so the position must
  // resolve to the last occurrence too, not to the first (which may be the harmless pinned value).
  it('a duplicated key resolves to the occurrence JSON.parse keeps (the last)', () => {
    const text = '{\n  "StringLike": { "sub": "repo:o/r:ref:refs/heads/main" },\n  "StringLike": { "sub": "repo:o*" }\n}\n';
    expect((JSON.parse(text) as { StringLike: { sub: string } }).StringLike.sub).toBe('repo:o*');
    const r = new PositionResolver(text).resolve(at(['StringLike', 'sub']));
    expect(slice(text, r)).toBe('"repo:o*"');
    expect(r.startLine).toBe(3);
  });
});

describe('PositionResolver: JSON embedded in a string (inner)', () => {
  /** A get-role document whose policy is a JSON string, written on one line with escapes. */
  function embedded(policyText: string): string {
    return `{\n  "Role": {\n    "RoleName": "gha",\n    "AssumeRolePolicyDocument": ${JSON.stringify(policyText)}\n  }\n}\n`;
  }
  const outer: JsonPath = ['Role', 'AssumeRolePolicyDocument'];

  it('resolves to the exact column of the value inside the string, on the same line', () => {
    // Before the value: \" (quotes), \n (new lines), \u00e9 (é written as an escape), \\ and \/.
    const policyText = JSON.stringify({ Sid: 'café \\ a/b', Statement: [{ Condition: { StringLike: { [`${GH}:sub`]: 'repo:o/*' } } }] }, null, 1);
    const text = embedded(policyText).replace('é', '\\u00e9').replace('a/b', 'a\\/b');
    expect(text).toContain('caf\\u00e9 \\\\\\\\ a\\/b');
    expect(text).toContain('\\n');
    const resolver = new PositionResolver(text);
    const r = resolver.resolve(at(outer, { inner: ['Statement', 0, 'Condition', 'StringLike', `${GH}:sub`] }));
    const lineNumber = find(text, '"AssumeRolePolicyDocument"').line;
    expect(r.startLine).toBe(lineNumber);
    expect(r.endLine).toBe(lineNumber);
    // The inner string's quotes are escaped in the file: the range covers \"repo:o/*\".
    expect(slice(text, r)).toBe('\\"repo:o/*\\"');
    const expected = find(text, '\\"repo:o/*\\"');
    expect(r.startColumn).toBe(expected.column);
    expect(r.endColumn).toBe(expected.column + '\\"repo:o/*\\"'.length);
  });

  it('an escaped value, a key, and a value after a surrogate pair', () => {
    const policyText = '{"Sid":"\u{1F600}\u00e9","Condition":{"StringEquals":{"x:sub":"a\\"b\\u0041"}}}';
    // The outer string escapes the inner backslashes and quotes; write é and 😀 as \u escapes too.
    const literal = JSON.stringify(policyText).replace('\u{1F600}', '\\ud83d\\ude00').replace('é', '\\u00e9');
    const text = `{"Doc": ${literal}}`;
    const resolver = new PositionResolver(text);
    const value = resolver.resolve(at(['Doc'], { inner: ['Condition', 'StringEquals', 'x:sub'] }));
    expect(slice(text, value)).toBe('\\"a\\\\\\"b\\\\u0041\\"');
    const sid = resolver.resolve(at(['Doc'], { inner: ['Sid'] }));
    expect(slice(text, sid)).toBe('\\"\\ud83d\\ude00\\u00e9\\"');
    const key = resolver.resolve(at(['Doc'], { inner: ['Condition', 'StringEquals', 'x:sub'], key: true }));
    expect(slice(text, key)).toBe('\\"x:sub\\"');
  });

  it('a missing inner path falls back to the nearest existing inner parent', () => {
    const policyText = JSON.stringify({ Statement: [{ Effect: 'Allow', Condition: {} }] });
    const text = embedded(policyText);
    const resolver = new PositionResolver(text);
    const r = resolver.resolve(at(outer, { inner: ['Statement', 0, 'Condition', 'StringLike', 'x:sub'] }));
    expect(slice(text, r)).toBe('{}');
    const effect = resolver.resolve(at(outer, { inner: ['Statement', 0, 'Effect'] }));
    expect(slice(text, effect)).toBe('\\"Allow\\"');
  });

  it('the same resolver answers for several inner locations (cached inner parse)', () => {
    const policyText = JSON.stringify({ A: 'one', B: ['two', 'three'] });
    const text = embedded(policyText);
    const resolver = new PositionResolver(text);
    expect(slice(text, resolver.resolve(at(outer, { inner: ['A'] })))).toBe('\\"one\\"');
    expect(slice(text, resolver.resolve(at(outer, { inner: ['B', 1] })))).toBe('\\"three\\"');
    expect(slice(text, resolver.resolve(at(outer, { inner: ['A'] })))).toBe('\\"one\\"');
    // The outer string itself, without inner.
    expect(slice(text, resolver.resolve(at(outer)))).toBe(JSON.stringify(policyText));
  });

  it('an inner path on a value that is not a string resolves to that value', () => {
    const resolver = new PositionResolver(PRETTY);
    const r = resolver.resolve(at(['Statement', 0, 'Principal'], { inner: ['Federated'] }));
    expect(r).toEqual(resolver.resolve(at(['Statement', 0, 'Principal'])));
  });
});

/** Every path into a parsed value, with and without pointing at the key. */
function pathsOf(value: unknown, prefix: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

/** A text whose resolutions are compared: small (< 64 KB, walked with the container table) or large. */
function variants(value: unknown): string[] {
  const pretty = JSON.stringify(value, null, 2);
  return [pretty, JSON.stringify(value), pretty.replace(/\n/g, '\r\n'), `\t${pretty.replace(/: /g, ' :\t')}\n`];
}

describe('scanValidJson: the depth check and first-level index of text JSON.parse accepted', () => {
  const docs: unknown[] = [
    DOC,
    { a: 1, a2: [], b: {}, 'k"q': { 'x\\y': [1, 'two', { three: null }] }, é: [[[]]], dup: 1, n: -2.5e3, t: true },
    [1, [2, [3, [4]]], { Role: { AssumeRolePolicyDocument: DOC } }, '"]}{['],
    'a string',
    42,
  ];

  it('finds the same depth as the scanner for any text, at the same offset', () => {
    for (const doc of docs) {
      for (const text of variants(doc)) {
        for (const limit of [0, 1, 2, 3, 4, 1000]) {
          expect(scanValidJson(text, limit, false).tooDeepAt).toBe(jsonTooDeepAt(text, limit));
          expect(scanValidJson(text, limit, true).tooDeepAt).toBe(jsonTooDeepAt(text, limit));
        }
      }
    }
  });

  it('its index places every path where a walk of the text does, with the last of duplicated keys', () => {
    const duplicated = '{"a": 1, "b": {"c": [1, 2], "c": [3, {"d": 4}]}, "a": {"e": "f"}}';
    const texts = [...docs.flatMap(variants), duplicated, `${' '.repeat(70_000)}${JSON.stringify({ big: docs })}`];
    for (const text of texts) {
      const scan = scanValidJson(text, 1000, true);
      expect(scan.tooDeepAt).toBe(-1);
      const indexed = new PositionResolver(text, scan.index);
      const walked = new PositionResolver(text);
      for (const path of pathsOf(JSON.parse(text))) {
        for (const key of [false, true]) expect(indexed.resolve(at(path, { key }))).toEqual(walked.resolve(at(path, { key })));
      }
    }
  });
});

describe('PositionResolver: a small file and a large one resolve alike', () => {
  it('every path of a get-role document, pretty and on one line, small and padded past 64 KB', () => {
    const role = { Role: { Path: '/ci/', RoleName: 'r', AssumeRolePolicyDocument: DOC, Tags: [{ Key: 'Environment', Value: 'prod' }], RoleLastUsed: {} } };
    for (const text of variants(role)) {
      const large = `${text}${' '.repeat(70_000)}`;
      const small = new PositionResolver(text);
      const padded = new PositionResolver(large);
      for (const path of [...pathsOf(role), ['Role', 'Nope'], ['Role', 'Tags', 5]]) {
        for (const key of [false, true]) expect(small.resolve(at(path, { key }))).toEqual(padded.resolve(at(path, { key })));
        const r = small.resolve(at(path));
        // The nearest value that exists along the path.
        const value = path.reduce<unknown>((v, s) => (v as Record<string | number, unknown>)[s] ?? v, role);
        expect(JSON.parse(slice(text, r))).toEqual(value);
      }
    }
  });
});
