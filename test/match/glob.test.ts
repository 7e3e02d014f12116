import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, globsIntersect, hasWildcard, literalPrefix } from '../../src/match/glob.js';

/**
 * Reference matcher: the textbook dynamic programme over (pattern prefix × subject prefix). `*` matches
 * any run (including `/` and `:`), `?` exactly one character, anything else itself (reference/aws.md §4.2).
 */
function referenceMatch(pattern: string, subject: string): boolean {
  const m = pattern.length;
  const n = subject.length;
  // row[j]: does pattern[0..i) match subject[0..j)?
  let row = new Array<boolean>(n + 1).fill(false);
  row[0] = true;
  for (let i = 1; i <= m; i++) {
    const p = pattern[i - 1];
    const next = new Array<boolean>(n + 1).fill(false);
    next[0] = p === '*' && row[0]!;
    for (let j = 1; j <= n; j++) {
      if (p === '*') next[j] = row[j]! || next[j - 1]!;
      else next[j] = row[j - 1]! && (p === '?' || p === subject[j - 1]);
    }
    row = next;
  }
  return row[n]!;
}

/** All strings over `alphabet` of length up to `maxLength`, shortest first. */
function* allStrings(alphabet: readonly string[], maxLength: number): Generator<string> {
  let layer = [''];
  yield '';
  for (let len = 1; len <= maxLength; len++) {
    const nextLayer: string[] = [];
    for (const prefix of layer) {
      for (const ch of alphabet) {
        const s = prefix + ch;
        nextLayer.push(s);
        yield s;
      }
    }
    layer = nextLayer;
  }
}

/**
 * Brute-force intersection. A shortest common string makes every character advance at least one of the two
 * patterns past a non-star position (a step where both stay on a star could be cut out), so its length is
 * at most the number of non-star characters in both patterns. Characters outside both patterns' literals
 * all behave alike, so one fresh character stands for them.
 */
function bruteForceIntersect(a: string, b: string): boolean {
  const literals = new Set([...a, ...b].filter((c) => c !== '*' && c !== '?'));
  const alphabet = [...literals, 'z'];
  const bound = [...a, ...b].filter((c) => c !== '*').length;
  for (const s of allStrings(alphabet, bound)) {
    if (referenceMatch(a, s) && referenceMatch(b, s)) return true;
  }
  return false;
}

const patternChar = fc.constantFrom('a', 'b', '/', ':', '*', '?');
const subjectChar = fc.constantFrom('a', 'b', '/', ':', '*', '?');
const pattern = (maxLength: number) => fc.array(patternChar, { maxLength }).map((cs) => cs.join(''));
const subject = (maxLength: number) => fc.array(subjectChar, { maxLength }).map((cs) => cs.join(''));

describe('globMatch', () => {
  it('agrees with the dynamic-programming reference', () => {
    fc.assert(
      fc.property(pattern(12), subject(14), (p, s) => {
        expect(globMatch(p, s)).toBe(referenceMatch(p, s));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the reference on subjects built to match (the interesting half)', () => {
    // Random pairs rarely match; build a subject from the pattern by filling each wildcard, then mutate it.
    const filled = fc
      .tuple(pattern(10), fc.array(fc.array(fc.constantFrom('a', 'b', '/', ':'), { maxLength: 3 }), { minLength: 10, maxLength: 10 }))
      .map(([p, fills]) => {
        let k = 0;
        const s = [...p].map((c) => (c === '*' ? fills[k++ % fills.length]!.join('') : c === '?' ? 'a' : c)).join('');
        return [p, s] as const;
      });
    fc.assert(
      fc.property(filled, fc.nat(20), fc.constantFrom('', 'a', 'b', ':'), ([p, s], at, insert) => {
        expect(globMatch(p, s)).toBe(true);
        const mutated = s.slice(0, at) + insert + s.slice(at + 1);
        expect(globMatch(p, mutated)).toBe(referenceMatch(p, mutated));
      }),
      { numRuns: 3000 },
    );
  });

  it('treats `*` as spanning `/` and `:`', () => {
    expect(globMatch('repo:org/*', 'repo:org/app:ref:refs/heads/main')).toBe(true);
    expect(globMatch('repo:org/app*', 'repo:org/app-evil:pull_request')).toBe(true);
    expect(globMatch('repo:org/?pp:*', 'repo:org/app:environment:prod')).toBe(true);
    expect(globMatch('repo:org/app:ref:refs/heads/????', 'repo:org/app:ref:refs/heads/master')).toBe(false);
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('?', '')).toBe(false);
    expect(globMatch('a*a', 'a')).toBe(false);
  });

  it('finishes on an adversarial 40,000-character pattern against a 100,000-character subject', () => {
    // Alternating `*a` followed by `b`: a backtracking matcher explores a combinatorial number of ways to
    // split the subject; the linear matcher in glob.ts needs one pass.
    const adversarial = '*a'.repeat(20_000).slice(0, 39_999) + 'b';
    expect(adversarial).toHaveLength(40_000);
    const as = 'a'.repeat(100_000);
    expect(globMatch(adversarial, as)).toBe(false);
    // Variants whose last segment does not fail fast, so every middle segment is searched.
    expect(globMatch('*a'.repeat(20_000) + '*b*', as)).toBe(false);
    expect(globMatch('*?a'.repeat(13_333) + '*b*', as)).toBe(false);
    expect(globMatch('*a'.repeat(20_000) + '*', as)).toBe(true);
  });
});

describe('globsIntersect', () => {
  it('agrees with brute force over short strings', () => {
    const small = fc.array(fc.constantFrom('a', '/', '*', '?'), { maxLength: 4 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(small, small, (a, b) => {
        expect(globsIntersect(a, b)).toBe(bruteForceIntersect(a, b));
      }),
      { numRuns: 1500 },
    );
  });

  it('is symmetric and agrees with globMatch when one side has no wildcard', () => {
    fc.assert(
      fc.property(pattern(8), pattern(8), subject(8), (a, b, s) => {
        expect(globsIntersect(a, b)).toBe(globsIntersect(b, a));
        const literal = s.replace(/[*?]/g, 'a');
        expect(globsIntersect(a, literal)).toBe(globMatch(a, literal));
      }),
      { numRuns: 2000 },
    );
  });

  it('handles the cross-environment examples', () => {
    expect(globsIntersect('repo:org/app:*', 'repo:org/*:environment:prod')).toBe(true);
    expect(globsIntersect('repo:org/app:ref:*', 'repo:org/app:environment:*')).toBe(false);
    expect(globsIntersect('*a*', '*b*')).toBe(true);
    expect(globsIntersect('a?', 'a')).toBe(false);
    expect(globsIntersect('', '*')).toBe(true);
    expect(globsIntersect('', '?')).toBe(false);
  });
});

describe('literalPrefix', () => {
  it('is the text before the first wildcard', () => {
    expect(literalPrefix('repo:org/app:*')).toBe('repo:org/app:');
    expect(literalPrefix('repo:org/ap?:*')).toBe('repo:org/ap');
    expect(literalPrefix('repo:org/a*p?')).toBe('repo:org/a');
    expect(literalPrefix('no-wildcards')).toBe('no-wildcards');
    expect(literalPrefix('*')).toBe('');
    expect(literalPrefix('?x')).toBe('');
    expect(literalPrefix('')).toBe('');
  });

  it('is a prefix of every subject the pattern matches', () => {
    fc.assert(
      fc.property(pattern(10), subject(12), (p, s) => {
        if (globMatch(p, s)) expect(s.startsWith(literalPrefix(p))).toBe(true);
        expect(hasWildcard(literalPrefix(p))).toBe(false);
      }),
    );
  });
});

describe('hasWildcard', () => {
  it('detects `*` and `?` anywhere', () => {
    expect(hasWildcard('repo:org/app:ref:refs/heads/main')).toBe(false);
    expect(hasWildcard('')).toBe(false);
    expect(hasWildcard('*')).toBe(true);
    expect(hasWildcard('repo:org/app?')).toBe(true);
    expect(hasWildcard('repo:*/app')).toBe(true);
  });

  it('is false exactly when the pattern matches only itself', () => {
    fc.assert(
      fc.property(pattern(8), (p) => {
        if (!hasWildcard(p)) {
          expect(globMatch(p, p)).toBe(true);
          expect(globMatch(p, p + 'a')).toBe(false);
        } else {
          // A wildcard pattern also matches some other string: drop the stars, fill each `?` with 'z'.
          const other = p.replaceAll('*', '').replaceAll('?', 'z');
          expect(other).not.toBe(p);
          expect(globMatch(p, other)).toBe(true);
        }
      }),
    );
  });
});
