/**
 * IAM `StringLike` / Azure `matches` globs: `*` matches any run of characters (including `/` and `:`),
 * `?` exactly one character, everything else itself (reference/aws.md §4.2; reference/azure.md).
 *
 * Matching never builds a RegExp from a policy value and runs in linear time for star-only patterns:
 * the pattern is split at `*` into segments, the first must match at the start, the last at the end,
 * and each middle segment is taken at its leftmost occurrence after the previous one. Leftmost is
 * always safe for globs because a later `*` can absorb whatever an earlier choice leaves over, so no
 * backtracking is needed (a 40,000-character `*a*a*…` pattern costs one pass over the subject).
 * Segments holding `?` are searched position by position, which costs the segment's length per start.
 */

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** Compare one segment (no `*`, possibly `?`) with the subject at `offset`. */
function segmentMatchesAt(segment: string, subject: string, offset: number): boolean {
  if (offset + segment.length > subject.length) return false;
  for (let i = 0; i < segment.length; i++) {
    const p = segment.charCodeAt(i);
    if (p !== 63 /* ? */ && p !== subject.charCodeAt(offset + i)) return false;
  }
  return true;
}

/** Leftmost index >= from where the segment matches, or -1. */
function findSegment(segment: string, subject: string, from: number): number {
  if (!segment.includes('?')) return subject.indexOf(segment, from);
  const last = subject.length - segment.length;
  for (let start = from; start <= last; start++) {
    if (segmentMatchesAt(segment, subject, start)) return start;
  }
  return -1;
}

export function globMatch(pattern: string, subject: string): boolean {
  if (!pattern.includes('*')) {
    return pattern.length === subject.length && segmentMatchesAt(pattern, subject, 0);
  }
  const segments = pattern.split('*');
  const first = segments[0]!;
  const lastSegment = segments[segments.length - 1]!;
  if (first.length + lastSegment.length > subject.length) return false;
  if (!segmentMatchesAt(first, subject, 0)) return false;
  if (!segmentMatchesAt(lastSegment, subject, subject.length - lastSegment.length)) return false;
  let cursor = first.length;
  const end = subject.length - lastSegment.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    if (segment.length === 0) continue;
    const at = findSegment(segment, subject, cursor);
    if (at < 0 || at + segment.length > end) return false;
    cursor = at + segment.length;
  }
  return true;
}

/** The literal text before the first wildcard. */
export function literalPrefix(pattern: string): string {
  const star = pattern.indexOf('*');
  const question = pattern.indexOf('?');
  const cut = star < 0 ? question : question < 0 ? star : Math.min(star, question);
  return cut < 0 ? pattern : pattern.slice(0, cut);
}

/**
 * Whether some string matches both globs: a breadth-first walk over pairs of pattern positions,
 * O(|a| × |b|). Used to tell whether two subject patterns overlap (cross-environment-trust).
 */
export function globsIntersect(a: string, b: string): boolean {
  const width = b.length + 1;
  const seen = new Uint8Array((a.length + 1) * width);
  const stack: number[] = [0];
  seen[0] = 1;
  const push = (i: number, j: number): void => {
    const k = i * width + j;
    if (!seen[k]) {
      seen[k] = 1;
      stack.push(k);
    }
  };
  while (stack.length > 0) {
    const k = stack.pop()!;
    const i = Math.floor(k / width);
    const j = k % width;
    if (i === a.length && j === b.length) return true;
    const ca = i < a.length ? a[i] : undefined;
    const cb = j < b.length ? b[j] : undefined;
    // A star may match nothing.
    if (ca === '*') push(i + 1, j);
    if (cb === '*') push(i, j + 1);
    if (ca === undefined || cb === undefined) continue;
    // Consume one shared character.
    const aAny = ca === '*' || ca === '?';
    const bAny = cb === '*' || cb === '?';
    if (aAny || bAny || ca === cb) {
      push(ca === '*' ? i : i + 1, cb === '*' ? j : j + 1);
    }
  }
  return false;
}
