/**
 * JSON path → line and column, computed only for values a finding points at. Loaders work on the
 * output of JSON.parse (fast, no positions); this module parses a file a second time with
 * jsonc-parser only when a finding in it is reported, once per file.
 */
import { parseTree, type Node } from 'jsonc-parser';
import type { JsonPath, Location, ResolvedRange } from '../model/types.js';

/**
 * How deeply fedlint reads JSON. jsonc-parser (used for positions and error locations) and the code that
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
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34 || d === 10 || d === 13) break;
      }
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return i;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      if (depth > 0) depth--;
    }
  }
  return -1;
}

/** Offsets of line starts, for offset → line/column by binary search. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
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
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };
    text += simple[next ?? ''] ?? next ?? '';
    offsets.push(start);
    i += 1;
  }
  offsets.push(base + raw.length - 1);
  return { text, offsets };
}

/**
 * Like jsonc-parser's findNodeAtLocation, but a duplicated key resolves to its last occurrence, the one
 * JSON.parse keeps and the rules therefore judged.
 */
function findNode(root: Node, path: JsonPath): Node | undefined {
  let node: Node | undefined = root;
  for (const segment of path) {
    if (!node) return undefined;
    if (typeof segment === 'string') {
      if (node.type !== 'object') return undefined;
      let found: Node | undefined;
      for (const property of node.children ?? []) {
        if (property.children?.[0]?.value === segment) found = property.children[1];
      }
      node = found;
    } else {
      if (node.type !== 'array') return undefined;
      node = node.children?.[segment];
    }
  }
  return node;
}

function nodeAt(root: Node | undefined, path: JsonPath, key: boolean | undefined): Node | undefined {
  if (!root) return undefined;
  const node = findNode(root, path);
  if (!node) return undefined;
  if (key && node.parent?.type === 'property') return node.parent.children?.[0] ?? node;
  return node;
}

/** The deepest node that exists along the path, so a finding still lands near its value if the path is off. */
function nearestNode(root: Node | undefined, path: JsonPath, key: boolean | undefined): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(root, path.slice(0, n), n === path.length ? key : false);
    if (node) return node;
  }
  return undefined;
}

export class PositionResolver {
  private root: Node | undefined;
  private parsed = false;
  private lines: LineIndex | undefined;
  private readonly embedded = new Map<string, { root: Node | undefined; offsets: number[] }>();

  constructor(private readonly text: string) {}

  private tree(): Node | undefined {
    if (!this.parsed) {
      // Too deep to parse without exhausting the stack (read.ts refuses such files; this is for other callers):
      // findings then land at the start of the file.
      this.root = jsonTooDeepAt(this.text) < 0 ? parseTree(this.text, [], { allowTrailingComma: false, disallowComments: true }) : undefined;
      this.parsed = true;
    }
    return this.root;
  }

  private lineIndex(): LineIndex {
    this.lines ??= new LineIndex(this.text);
    return this.lines;
  }

  resolve(loc: Location): ResolvedRange {
    const lines = this.lineIndex();
    const node = nearestNode(this.tree(), loc.path, loc.inner ? false : loc.key);
    if (!node) return lines.range(0, 0);
    if (loc.inner && node.type === 'string') {
      const cacheKey = JSON.stringify(loc.path);
      let inner = this.embedded.get(cacheKey);
      if (!inner) {
        const decoded = decodeWithOffsets(this.text.slice(node.offset, node.offset + node.length), node.offset);
        // A document nested too deeply to parse is located by its string as a whole.
        const root = jsonTooDeepAt(decoded.text) < 0 ? parseTree(decoded.text, [], { allowTrailingComma: true }) : undefined;
        inner = { root, offsets: decoded.offsets };
        this.embedded.set(cacheKey, inner);
      }
      const innerNode = nearestNode(inner.root, loc.inner, loc.key);
      if (innerNode) {
        const start = inner.offsets[innerNode.offset] ?? node.offset;
        const last = inner.offsets[innerNode.offset + innerNode.length - 1] ?? start;
        // The end is just after the last raw character of the value (an escape may span several).
        return lines.range(start, last + rawLength(this.text, last));
      }
    }
    return lines.range(node.offset, node.offset + node.length);
  }
}

/** Length of the raw text that encodes one decoded character starting at `offset`. */
function rawLength(text: string, offset: number): number {
  if (text[offset] !== '\\') return 1;
  return text[offset + 1] === 'u' ? 6 : 2;
}
