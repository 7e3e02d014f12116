/**
 * IAM `StringLike` / Azure `matches` globs: `*` matches any run of characters (including `/` and `:`),
 * `?` exactly one character, everything else itself (reference/aws.md §4.2; reference/azure.md).
 *
 * Matching never builds a RegExp from a policy value, never backtracks and allocates no table of pattern
 * × subject. The pattern is read as `head*s1*s2*…*tail`: the head must match at the start, the tail at the
 * end, and each middle segment is taken at its leftmost occurrence after the previous one. Leftmost is
 * always safe because the `*` after a segment can absorb whatever an earlier choice leaves over, so no
 * choice is ever revisited (a 40,000-character `*a*a*…` pattern costs one pass over the subject).
 *
 * Finding a segment that holds `?`:
 * - `?` at either end of a middle segment only asks for a character (`*?` and `?*` admit the same strings),
 *   so a segment `??ab?` is the search for `ab` two characters after the cursor, then one more character.
 * - what remains is literal runs at fixed offsets (`a?b??c` is `a`@0, `b`@2, `c`@5). From a start, the runs
 *   are checked left to right; each keeps its leftmost occurrence at or after where it was last wanted
 *   (String.indexOf, which only moves forward). A run found further on than wanted moves the start to
 *   where that occurrence fits (no start in between can work), and the check begins again there.
 * So each start is checked no further than a naive scan would check it, and the starts a run rules out are
 * skipped: linear in the subject for a segment of a few runs however many `?` it holds (`*????…????b*`,
 * `*a?????…?b*`), a single scan when a run does not occur at all, and O(subject × runs) at worst
 * (`*a?a?a?…?a*` against a subject that almost matches everywhere). Linear time for every segment is not
 * on offer: one segment is string matching with don't-care characters, whose best known exact algorithms
 * take O(n log m) time through fast Fourier transforms.
 */

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** Whether pattern[from, to) (no `*`, possibly `?`) matches the subject at `offset`. */
function matchesAt(pattern: string, from: number, to: number, subject: string, offset: number): boolean {
  if (offset < 0 || offset + (to - from) > subject.length) return false;
  for (let i = from; i < to; i++) {
    const p = pattern.charCodeAt(i);
    if (p !== 63 /* ? */ && p !== subject.charCodeAt(offset + i - from)) return false;
  }
  return true;
}

/**
 * Leftmost start >= `from` where pattern[s, e) (a segment: no `*`) matches the subject and ends by `end`,
 * or -1.
 */
function findSegment(pattern: string, s: number, e: number, subject: string, from: number, end: number): number {
  // Leading and trailing `?` only take room.
  let lead = 0;
  while (s + lead < e && pattern.charCodeAt(s + lead) === 63) lead++;
  if (s + lead === e) return from + (e - s) <= end ? from : -1;
  let trail = 0;
  while (pattern.charCodeAt(e - 1 - trail) === 63) trail++;
  const coreStart = s + lead;
  const coreEnd = e - trail;
  const core = pattern.slice(coreStart, coreEnd);
  // The last start of the core that leaves room for the trailing `?`s before `end`.
  const last = end - trail - core.length;
  const first = from + lead;
  if (first > last) return -1;
  if (!core.includes('?')) {
    const at = subject.indexOf(core, first);
    return at < 0 || at > last ? -1 : at - lead;
  }
  // Literal runs of the core and their offsets in it.
  const runs: string[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < core.length; ) {
    if (core.charCodeAt(i) === 63) {
      i++;
      continue;
    }
    let j = i;
    while (j < core.length && core.charCodeAt(j) !== 63) j++;
    runs.push(core.slice(i, j));
    offsets.push(i);
    i = j;
  }
  // found[r]: the leftmost occurrence of run r at or after where it was last wanted (starts only grow).
  const found = new Array<number>(runs.length).fill(-1);
  let start = first;
  for (let r = 0; r < runs.length; ) {
    const want = start + offsets[r]!;
    if (found[r]! < want) {
      const next = subject.indexOf(runs[r]!, want);
      if (next < 0) return -1;
      found[r] = next;
    }
    if (found[r] === want) {
      r++;
    } else {
      // Run r is next found further on: no start before the one that puts it there can work.
      start = found[r]! - offsets[r]!;
      if (start > last) return -1;
      r = 0;
    }
  }
  return start - lead;
}

export function globMatch(pattern: string, subject: string): boolean {
  const firstStar = pattern.indexOf('*');
  if (firstStar < 0) return pattern.length === subject.length && matchesAt(pattern, 0, pattern.length, subject, 0);
  const lastStar = pattern.lastIndexOf('*');
  const tail = pattern.length - lastStar - 1;
  if (firstStar + tail > subject.length) return false;
  if (!matchesAt(pattern, 0, firstStar, subject, 0)) return false;
  const end = subject.length - tail;
  if (!matchesAt(pattern, lastStar + 1, pattern.length, subject, end)) return false;
  let cursor = firstStar;
  for (let s = firstStar + 1; s <= lastStar; ) {
    const e = pattern.indexOf('*', s);
    if (e > s) {
      const at = findSegment(pattern, s, e, subject, cursor, end);
      if (at < 0) return false;
      cursor = at + (e - s);
    }
    s = e + 1;
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

/** Whether two pattern characters (neither `*`) can stand for the same character. */
function compatible(a: number, b: number): boolean {
  return a === b || a === 63 /* ? */ || b === 63;
}

/**
 * globMatch where `?` in the subject also stands for any one character: whether some string of the
 * subject's shape matches the glob. Each subject character is used by at most one pattern character, so
 * leftmost segments are still safe; a segment is tried at each start in turn, costing its length per start
 * (no RegExp, no allocation).
 */
function globMatchShape(glob: string, shape: string): boolean {
  const firstStar = glob.indexOf('*');
  const lastStar = glob.lastIndexOf('*');
  const tail = glob.length - lastStar - 1;
  if (firstStar + tail > shape.length) return false;
  const agreeAt = (s: number, e: number, offset: number): boolean => {
    for (let i = s; i < e; i++) if (!compatible(glob.charCodeAt(i), shape.charCodeAt(offset + i - s))) return false;
    return true;
  };
  const end = shape.length - tail;
  if (!agreeAt(0, firstStar, 0) || !agreeAt(lastStar + 1, glob.length, end)) return false;
  let cursor = firstStar;
  for (let s = firstStar + 1; s <= lastStar; ) {
    const e = glob.indexOf('*', s);
    let at = cursor;
    while (at + (e - s) <= end && !agreeAt(s, e, at)) at++;
    if (at + (e - s) > end) return false;
    cursor = at + (e - s);
    s = e + 1;
  }
  return true;
}

/**
 * Whether some string matches both globs (cross-environment-trust: do two subject patterns overlap).
 * - Both hold a `*`: exactly when their heads (before the first `*`) agree character by character over
 *   the shorter one, and their tails (after the last `*`) likewise from the end. Such a string: the merged
 *   head, then every middle segment of the one pattern and then of the other (each absorbed by a `*` of
 *   the other pattern), then the merged tail. Linear time.
 * - Neither: the same length and agreeing characters.
 * - One: whether the starred one matches some string of the other's shape (its `?` standing for any
 *   character); plain globMatch when that shape has no `?`.
 */
export function globsIntersect(a: string, b: string): boolean {
  const aStar = a.indexOf('*');
  const bStar = b.indexOf('*');
  if (aStar >= 0 && bStar >= 0) {
    const head = Math.min(aStar, bStar);
    for (let i = 0; i < head; i++) if (!compatible(a.charCodeAt(i), b.charCodeAt(i))) return false;
    const tail = Math.min(a.length - a.lastIndexOf('*') - 1, b.length - b.lastIndexOf('*') - 1);
    for (let i = 1; i <= tail; i++) if (!compatible(a.charCodeAt(a.length - i), b.charCodeAt(b.length - i))) return false;
    return true;
  }
  if (aStar < 0 && bStar < 0) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!compatible(a.charCodeAt(i), b.charCodeAt(i))) return false;
    return true;
  }
  const [glob, shape] = aStar >= 0 ? [a, b] : [b, a];
  return shape.includes('?') ? globMatchShape(glob, shape) : globMatch(glob, shape);
}
