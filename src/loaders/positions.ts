/**
 * JSON path → line and column, computed only for values a finding points at. Loaders work on the
 * output of JSON.parse (fast, no positions); this module goes back to the text only when a finding in it is
 * reported. It builds no syntax tree of the file (for a 50 MB plan that would be a second copy of the
 * document, several times its size): it walks the text along the path of each finding, skipping the values
 * beside the path, and remembers the children of the containers it walked through, so that all the findings
 * of one file cost about one pass over it.
 */
import type { JsonPath, Location, ResolvedRange } from '../model/types.js';

/**
 * How deeply fedlint reads JSON. jsonc-parser (used for error locations) and the code that
 * walks parsed values recurse once per level, so a file nested 200,000 arrays deep would exhaust the stack;
 * real inputs (Terraform plans included) stay within a few dozen levels.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * The offset of the first `[` or `{` that opens a level deeper than `limit`, or -1: one pass over the
 * text that skips string literals and comments as jsonc-parser's scanner does (a string also ends at a
 * line break), so that the count is the nesting that parser would recurse through, even in malformed text.
 */
export function jsonTooDeepAt(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  const n = text.length;
  // The next LF and CR at or after the current string, found once and reused until passed (-1: none left).
  let lf = -2;
  let cr = -2;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const close = closingQuote(text, i);
      if (lf !== -1 && lf <= i) lf = text.indexOf('\n', i + 1);
      if (cr !== -1 && cr <= i) cr = text.indexOf('\r', i + 1);
      if ((lf < 0 || lf > close) && (cr < 0 || cr > close)) {
        i = close;
      } else {
        // A line break inside: the scanner's own rules (an escaped line break does not end the string).
        for (i++; i < n; i++) {
          const d = text.charCodeAt(i);
          if (d === 92 /* \ */) i++;
          else if (d === 34 || d === 10 || d === 13) break;
        }
      }
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return i;
    } else if ((c === 93 /* ] */ || c === 125 /* } */) && depth > 0) {
      depth--;
    }
  }
  return -1;
}

/** Where the values of the first levels of a JSON text are, recorded while checking its depth. */
export interface JsonIndex {
  root?: Span;
  /** Children of the containers of the first INDEXED_LEVELS levels, by start offset. */
  children: Map<number, Children>;
}

/**
 * Levels whose children the depth check records: the document and its members, so the elements of a
 * plan's `resource_changes` or of `list-roles` output are found without another pass over the text.
 */
const INDEXED_LEVELS = 2;
/** A container with more children than this is not recorded (it would cost more memory than it saves). */
const MAX_INDEXED_CHILDREN = 1 << 20;

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * The depth check of a text JSON.parse accepted (V8's JSON.parse does not recurse, so it reads any depth),
 * and with `index` the spans of the first levels' values. In valid JSON there are no comments and no line
 * breaks in strings, so the count is jsonTooDeepAt's without its cases: the first levels are read member by
 * member, everything below them is skipped counting brackets, with strings skipped by indexOf. This took the
 * check of the 53 MB plan of npm run bench ("plan, 40000 resources") from 100-145 ms (one scanner for any text,
 * with the index's bookkeeping at every character) to 70-80 ms, run once in a process as fedlint runs it.
 */
export function scanValidJson(text: string, limit = MAX_JSON_DEPTH, index = false): { tooDeepAt: number; index?: JsonIndex } {
  const n = text.length;
  const levels = index ? INDEXED_LEVELS : 0;
  const children = new Map<number, Children>();
  let tooDeepAt = -1;
  const space = (i: number): number => {
    while (isSpace(text.charCodeAt(i))) i++;
    return i;
  };
  /** The end of the container opened at `open` at `depth`, its content not recorded; -1 when too deep. */
  const skip = (open: number, depth: number): number => {
    let d = depth;
    for (let i = open + 1; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) i = closingQuote(text, i);
      else if (c === 91 || c === 123) {
        if (++d > limit) {
          tooDeepAt = i;
          return -1;
        }
      } else if ((c === 93 || c === 125) && --d < depth) return i + 1;
    }
    return n;
  };
  /** The end of the value that starts at `i` inside a container at `depth` (0: the document); -1 when too deep. */
  const value = (i: number, depth: number): number => {
    const c = text.charCodeAt(i);
    if (c === 34) return Math.min(closingQuote(text, i) + 1, n);
    if (c !== 91 && c !== 123) {
      // A number, true, false or null.
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 44 || d === 93 || d === 125 || isSpace(d)) break;
        j++;
      }
      return j;
    }
    if (depth + 1 > limit) {
      tooDeepAt = i;
      return -1;
    }
    if (depth >= levels) return skip(i, depth + 1);
    const items: Span[] | undefined = c === 91 ? [] : undefined;
    const members = c === 123 ? new Map<string, Span>() : undefined;
    let recorded = true;
    let j = space(i + 1);
    if (text.charCodeAt(j) !== c + 2 /* the matching ] or } */) {
      for (;;) {
        const keyStart = j;
        if (members) {
          const keyEnd = Math.min(closingQuote(text, j) + 1, n);
          j = space(space(keyEnd) + 1 /* the colon */);
          const end = value(j, depth + 1);
          if (end < 0) return -1;
          if (recorded) members.set(keyOf(text, keyStart, keyEnd), { start: j, end, keyStart, keyEnd });
          j = end;
        } else {
          const end = value(j, depth + 1);
          if (end < 0) return -1;
          if (recorded) items!.push({ start: j, end });
          j = end;
        }
        if (recorded && (members ? members.size : items!.length) > MAX_INDEXED_CHILDREN) recorded = false;
        j = space(j);
        if (j >= n || text.charCodeAt(j) !== 44 /* , */) break;
        j = space(j + 1);
      }
    }
    if (recorded) children.set(i, members ?? items!);
    return Math.min(j + 1, n);
  };
  const start = space(0);
  const end = start < n ? value(start, 0) : -1;
  if (tooDeepAt >= 0) return { tooDeepAt };
  if (!index) return { tooDeepAt };
  return { tooDeepAt, index: end >= 0 ? { root: { start, end }, children } : { children } };
}

/**
 * A property name of the index, decoded. Parsed rather than sliced: a slice of a long string keeps the whole
 * text alive, and the index outlives the text's other uses.
 */
function keyOf(text: string, start: number, end: number): string {
  try {
    return JSON.parse(text.slice(start, end)) as string;
  } catch {
    return text.slice(start + 1, end - 1);
  }
}

/** The offset of the quote that closes the string opened at `open` (not escaped by an odd run of backslashes), or the text's length. */
function closingQuote(text: string, open: number): number {
  for (let j = open; ; ) {
    j = text.indexOf('"', j + 1);
    if (j < 0) return text.length;
    let k = j - 1;
    while (text.charCodeAt(k) === 92) k--;
    if ((j - 1 - k) % 2 === 0) return j;
  }
}

/** Offsets of line starts, for offset → line/column by binary search. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    // Without CRs, indexOf finds the line ends far faster than a loop over every character.
    if (text.indexOf('\r') < 0) {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  /** 1-based line and column (columns count UTF-16 code units, SARIF's default). */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  range(start: number, end: number): ResolvedRange {
    const a = this.position(start);
    const b = this.position(end);
    return { startLine: a.line, startColumn: a.column, endLine: b.line, endColumn: b.column };
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };

/**
 * Decode a JSON string literal while recording, for each decoded UTF-16 unit, the offset of the raw
 * text it came from. This lets a finding inside JSON embedded in a string (a plan's
 * assume_role_policy) point at the right column of the file.
 */
function decodeWithOffsets(raw: string, base: number): { text: string; offsets: number[] } {
  let text = '';
  const offsets: number[] = [];
  // raw includes the quotes.
  for (let i = 1; i < raw.length - 1; i++) {
    const ch = raw[i]!;
    if (ch !== '\\') {
      text += ch;
      offsets.push(base + i);
      continue;
    }
    const next = raw[i + 1];
    const start = base + i;
    if (next === 'u') {
      text += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16));
      offsets.push(start);
      i += 5;
      continue;
    }
    text += ESCAPES[next ?? ''] ?? next ?? '';
    offsets.push(start);
    i += 1;
  }
  offsets.push(base + raw.length - 1);
  return { text, offsets };
}

/** Where a value sits in a JSON text: [start, end) offsets, and for an object's property those of its key. */
interface Span {
  start: number;
  end: number;
  keyStart?: number;
  keyEnd?: number;
}

/** The children of an object (by key; a duplicated key keeps its last occurrence, as JSON.parse does) or an array. */
type Children = Map<string, Span> | Span[];

/**
 * A JSON text seen through the paths into it. Valid JSON is the case that matters (every input with
 * findings was accepted by JSON.parse); on anything else the walk still ends, never throws, and a container
 * left open runs to the end of the text, so a truncated document resolves what it has.
 */
class JsonText {
  private readonly n: number;
  /** Children of the containers walked through, by start offset. */
  private readonly children: Map<number, Children>;

  /**
   * `index`: what the depth check recorded of the first levels (scanValidJson), so they are not walked again;
   * `embedded`: a document decoded from a string of the file (see `ends`).
   */
  constructor(
    private readonly text: string,
    index?: JsonIndex,
    embedded = false,
  ) {
    this.n = text.length;
    if (this.n < REMEMBER_FROM_CHARS && !embedded) this.ends = new Map();
    this.children = index ? new Map(index.children) : new Map();
    if (index?.root) this.top = index.root;
  }

  private ws(i: number): number {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return i;
    }
  }

  /** The offset just after the string literal that opens at i (or the end of the text). */
  private stringEnd(i: number): number {
    return Math.min(closingQuote(this.text, i) + 1, this.n);
  }

  /** The offset just after the value that starts at i. */
  private valueEnd(i: number): number {
    const t = this.text;
    const n = this.n;
    const c = t.charCodeAt(i);
    if (c === 34) return this.stringEnd(i);
    if (c === 123 || c === 91) return this.containerEnd(i);
    // A number, true, false or null: up to the next delimiter.
    let j = i;
    while (j < n) {
      const d = t.charCodeAt(j);
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9 || d === 58 || d === 34 || d === 123 || d === 91) break;
      j++;
    }
    return j > i ? j : i + 1;
  }

  /**
   * A small file's containers: the end of each, by its start, recorded while skipping them (skipping a
   * container passes the end of every container inside it, and a path goes into one of those next). Walking
   * the path of a finding in a 1.3 KB get-role document otherwise scanned the rest of the text again at every
   * level: the positions of the 10,000-file run's 2,960 locations took 95 ms, and 66 ms this way (one run of
   * each in a fresh process, --single-threaded, which counts garbage collection and compilation in). A large
   * text walks each container once anyway (the children of those it walked through are remembered), and an
   * embedded document is decoded for the findings at one path: a table cost them more than it saved (the
   * 1,761 locations of the 40,000-resource plan: 50 ms without, 57 ms with).
   */
  private readonly ends: Map<number, number> | undefined;

  /** The offset just after the container that opens at i (or the end of the text, if it is not closed). */
  private containerEnd(i: number): number {
    const ends = this.ends;
    const known = ends?.get(i);
    if (known !== undefined) return known;
    const t = this.text;
    const n = this.n;
    if (!ends) {
      // Without a table, a count of the depth is all it takes.
      let depth = 0;
      for (let j = i; j < n; j++) {
        const d = t.charCodeAt(j);
        if (d === 34) j = this.stringEnd(j) - 1;
        else if (d === 123 || d === 91) depth++;
        else if ((d === 125 || d === 93) && --depth === 0) return j + 1;
      }
      return n;
    }
    const open: number[] = [];
    for (let j = i; j < n; j++) {
      const d = t.charCodeAt(j);
      if (d === 34) j = this.stringEnd(j) - 1;
      else if (d === 123 || d === 91) open.push(j);
      else if (d === 125 || d === 93) {
        const start = open.pop()!;
        ends.set(start, j + 1);
        if (open.length === 0) return j + 1;
      }
    }
    return n;
  }

  private top: Span | null | undefined;

  /** The document's value; computed once (it is a pass over the whole text). */
  root(): Span | undefined {
    if (this.top === undefined) {
      const start = this.ws(0);
      this.top = start < this.n ? { start, end: this.valueEnd(start) } : null;
    }
    return this.top ?? undefined;
  }

  private key(start: number, end: number): string {
    const raw = this.text.slice(start + 1, end - 1);
    if (!raw.includes('\\')) return raw;
    try {
      return JSON.parse(this.text.slice(start, end)) as string;
    } catch {
      return raw;
    }
  }

  /**
   * Visit an object's members in order (`visit` returns true to stop), or an array's items with their index:
   * the one walk over a container that both childrenOf and childAt use.
   */
  private eachMember(span: Span, visit: (keyStart: number, keyEnd: number, start: number, end: number) => boolean | void): void {
    const t = this.text;
    const end = Math.min(span.end, this.n);
    let i = span.start + 1;
    for (;;) {
      i = this.ws(i);
      if (i >= end || t.charCodeAt(i) !== 34) return;
      const keyStart = i;
      const keyEnd = this.stringEnd(i);
      i = this.ws(keyEnd);
      if (t.charCodeAt(i) !== 58 /* : */) return;
      i = this.ws(i + 1);
      if (i >= end) return;
      const valueEnd = this.valueEnd(i);
      if (visit(keyStart, keyEnd, i, valueEnd)) return;
      i = this.ws(valueEnd);
      if (t.charCodeAt(i) !== 44 /* , */) return;
      i++;
    }
  }

  private eachItem(span: Span, visit: (index: number, start: number, end: number) => boolean | void): void {
    const t = this.text;
    const end = Math.min(span.end, this.n);
    let i = span.start + 1;
    for (let index = 0; ; index++) {
      i = this.ws(i);
      if (i >= end || t.charCodeAt(i) === 93) return;
      const valueEnd = this.valueEnd(i);
      if (visit(index, i, valueEnd)) return;
      i = this.ws(valueEnd);
      if (t.charCodeAt(i) !== 44) return;
      i++;
    }
  }

  private childrenOf(span: Span): Children | undefined {
    const open = this.text.charCodeAt(span.start);
    if (open !== 123 && open !== 91) return undefined;
    let list = this.children.get(span.start);
    if (list) return list;
    if (open === 123) {
      const map = new Map<string, Span>();
      this.eachMember(span, (keyStart, keyEnd, start, end) => void map.set(this.key(keyStart, keyEnd), { start, end, keyStart, keyEnd }));
      list = map;
    } else {
      const items: Span[] = [];
      this.eachItem(span, (_, start, end) => void items.push({ start, end }));
      list = items;
    }
    this.children.set(span.start, list);
    return list;
  }

  /**
   * The value at `path`, or the deepest one that exists along it (so a finding still lands near its value
   * if the path is off); with `key`, the property key of the value when the whole path exists.
   */
  nearest(path: JsonPath, key: boolean | undefined): Span | undefined {
    let span = this.root();
    if (!span) return undefined;
    // A small file gets a finding or two: walking to the value costs less than listing the children of every
    // container on the way, which pays only when a large file's many findings share those containers.
    const remember = this.n >= REMEMBER_FROM_CHARS;
    for (const segment of path) {
      let next: Span | undefined;
      if (remember || this.children.has(span.start)) {
        const list = this.childrenOf(span);
        next = list === undefined ? undefined : Array.isArray(list) ? (typeof segment === 'number' ? list[segment] : undefined) : typeof segment === 'string' ? list.get(segment) : undefined;
      } else next = this.childAt(span, segment);
      if (!next) return span;
      span = next;
    }
    if (key && span.keyStart !== undefined) return { start: span.keyStart, end: span.keyEnd! };
    return span;
  }

  isString(span: Span): boolean {
    return this.text.charCodeAt(span.start) === 34;
  }

  /** Whether the property name written at [start, end) is `name`: compared in place unless it holds escapes. */
  private keyIs(start: number, end: number, name: string): boolean {
    const t = this.text;
    for (let k = start + 1; k < end - 1; k++) if (t.charCodeAt(k) === 92) return this.key(start, end) === name;
    return end - start - 2 === name.length && t.startsWith(name, start + 1);
  }

  /** One child of a container, found by walking it (the last of a duplicated key, as JSON.parse keeps). */
  private childAt(span: Span, segment: string | number): Span | undefined {
    const open = this.text.charCodeAt(span.start);
    let found: Span | undefined;
    if (open === 91 && typeof segment === 'number') {
      this.eachItem(span, (index, start, end) => {
        if (index === segment) found = { start, end };
        return index === segment;
      });
    } else if (open === 123 && typeof segment === 'string') {
      this.eachMember(span, (keyStart, keyEnd, start, end) => {
        if (this.keyIs(keyStart, keyEnd, segment)) found = { start, end, keyStart, keyEnd };
      });
    }
    return found;
  }
}

/** From this size on, the children of the containers walked through are remembered (see nearest). */
const REMEMBER_FROM_CHARS = 1 << 16;

export class PositionResolver {
  private readonly json: JsonText;
  private lines: LineIndex | undefined;
  private readonly embedded = new Map<string, { json: JsonText; offsets: number[] }>();

  constructor(
    private readonly text: string,
    index?: JsonIndex,
  ) {
    this.json = new JsonText(text, index);
  }

  private lineIndex(): LineIndex {
    this.lines ??= new LineIndex(this.text);
    return this.lines;
  }

  resolve(loc: Location): ResolvedRange {
    const lines = this.lineIndex();
    const span = this.json.nearest(loc.path, loc.inner ? false : loc.key);
    if (!span) return lines.range(0, 0);
    if (loc.inner && this.json.isString(span)) {
      const cacheKey = JSON.stringify(loc.path);
      let inner = this.embedded.get(cacheKey);
      if (!inner) {
        const decoded = decodeWithOffsets(this.text.slice(span.start, span.end), span.start);
        inner = { json: new JsonText(decoded.text, undefined, true), offsets: decoded.offsets };
        this.embedded.set(cacheKey, inner);
      }
      const innerSpan = inner.json.nearest(loc.inner, loc.key);
      if (innerSpan) {
        const start = inner.offsets[innerSpan.start] ?? span.start;
        const last = inner.offsets[innerSpan.end - 1] ?? start;
        // The end is just after the last raw character of the value (an escape may span several).
        return lines.range(start, last + rawLength(this.text, last));
      }
    }
    return lines.range(span.start, span.end);
  }
}

/** Length of the raw text that encodes one decoded character starting at `offset`. */
function rawLength(text: string, offset: number): number {
  if (text[offset] !== '\\') return 1;
  return text[offset + 1] === 'u' ? 6 : 2;
}
