/**
 * HCL (Terraform `.tf`, `.tfvars`, templates) → a small syntax tree that keeps the UTF-16 offsets of
 * every expression, so evaluated values can say where they were written.
 *
 * The grammar is tree-sitter's Terraform dialect as WebAssembly (design.md §3), loaded on first use
 * with a dynamic import so that runs without Terraform sources never pay for it. The tree is walked
 * once with a cursor (about twice as fast as Node objects on a 5 MB file) and deleted at once: the
 * evaluator never touches tree-sitter.
 */
import { createRequire } from 'node:module';
import type { Language, Parser, Tree, TreeCursor } from 'web-tree-sitter';
import { LineIndex } from '../positions.js';

export interface SourceFile {
  /** Path shown to users: relative to the working directory, posix slashes. */
  display: string;
  absolute: string;
  text: string;
  lines?: LineIndex;
}

/** Where a value or an expression is written: offsets into the text of `f` (end exclusive). */
export interface Origin {
  f: SourceFile;
  s: number;
  e: number;
}

/**
 * A run of a string value and where its characters come from. `x` (exact): character `i + k` of the
 * string is character `o.s + k` of the source; otherwise the whole run stands for `o` (an escape
 * sequence, an interpolated number).
 */
export interface Seg {
  i: number;
  n: number;
  o: Origin;
  x: boolean;
  /** Where the whole value the run belongs to was written, once it was interpolated into a larger string. */
  w?: Origin;
}

export type Step =
  | { k: 'attr'; name: string; f: SourceFile; s: number; e: number }
  | { k: 'idx'; x: Expr; f: SourceFile; s: number; e: number }
  | { k: 'splat'; steps: Step[]; f: SourceFile; s: number; e: number };

export type Part =
  | { k: 'lit'; v: string; segs: Seg[] }
  | { k: 'interp'; x: Expr }
  | { k: 'if'; c: Expr; then: Part[]; else: Part[] }
  | { k: 'for'; kv: string | undefined; vv: string; coll: Expr; body: Part[] };

interface At {
  f: SourceFile;
  s: number;
  e: number;
}

export type Expr = At &
  (
    | { k: 'lit'; v: null | boolean | number }
    | { k: 'tpl'; parts: Part[] }
    | { k: 'tuple'; items: Expr[] }
    | { k: 'obj'; items: Array<{ key: Expr; name: string | undefined; val: Expr }> }
    | { k: 'var'; name: string }
    | { k: 'trav'; x: Expr; steps: Step[] }
    | { k: 'call'; name: string; args: Expr[]; expand: boolean }
    | { k: 'for'; obj: boolean; kv: string | undefined; vv: string; coll: Expr; key: Expr | undefined; val: Expr; group: boolean; cond: Expr | undefined }
    | { k: 'op'; op: string; l: Expr | undefined; r: Expr }
    | { k: 'cond'; c: Expr; yes: Expr; no: Expr }
    | { k: 'bad' }
  );

export interface Attr {
  name: string;
  x: Expr;
  f: SourceFile;
  s: number;
  e: number;
}

export interface Block {
  type: string;
  labels: Array<{ v: string; s: number; e: number }>;
  body: Body;
  f: SourceFile;
  s: number;
  e: number;
  /** End of the header (the type and its labels): where a finding about the whole block lands. */
  he: number;
}

export interface Body {
  attrs: Attr[];
  blocks: Block[];
}

export interface ParsedFile {
  file: SourceFile;
  body: Body;
  /** The first syntax error, when the file has one; the rest of the file is still read. */
  error?: { s: number; e: number; message: string };
}

// ---------------------------------------------------------------------------------------------------------
// Loading the grammar
// ---------------------------------------------------------------------------------------------------------

export interface HclParser {
  parser: Parser;
  types: string[];
}

let loading: Promise<HclParser> | undefined;

/** The one parser of the run, created on first use. */
export function hclParser(): Promise<HclParser> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const ts = await import('web-tree-sitter');
    const runtime = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
    await ts.Parser.init({ locateFile: () => runtime });
    const language: Language = await ts.Language.load(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm'));
    const parser = new ts.Parser();
    parser.setLanguage(language);
    return { parser, types: language.types };
  })();
  return loading;
}

// ---------------------------------------------------------------------------------------------------------
// Tree → syntax
// ---------------------------------------------------------------------------------------------------------

const ERROR_TYPE = 65535;
const EMPTY_BODY: Body = { attrs: [], blocks: [] };

/** Lines that start a top-level block: where a file with a syntax error is cut to read the rest. */
const TOP_LEVEL = /^(?:resource|data|module|variable|output|locals|provider|terraform|moved|import|check|removed)\b/gm;

/**
 * Parse a configuration or tfvars file. When it has a syntax error, tree-sitter's recovery can swallow
 * the blocks after it (an unclosed brace nests them, a stray one turns the file into one ERROR node),
 * so the file is read again block by block: the blocks before and after the error are kept.
 */
export function parseFile(hcl: HclParser, file: SourceFile): ParsedFile {
  const whole = parseText(hcl, file, file.text, 0);
  if (!whole.error) return whole;
  const starts = [...file.text.matchAll(TOP_LEVEL)].map((m) => m.index);
  if (starts.length <= 1) return whole;
  if (starts[0] !== 0) starts.unshift(0);
  const body: Body = { attrs: [], blocks: [] };
  let error: ParsedFile['error'];
  starts.forEach((start, i) => {
    const end = starts[i + 1] ?? file.text.length;
    const part = parseText(hcl, file, file.text.slice(start, end), start);
    body.attrs.push(...part.body.attrs);
    body.blocks.push(...part.body.blocks);
    error ??= part.error;
  });
  return { file, body, error: error ?? whole.error };
}

/**
 * Parse a template file (templatefile()): the text becomes the body of a heredoc, whose template
 * syntax is the same, and offsets are shifted back onto the file.
 */
export function parseTemplate(hcl: HclParser, file: SourceFile): { x: Expr; error?: ParsedFile['error'] } {
  let marker = 'FEDLINT_TEMPLATE_END';
  while (file.text.includes(marker)) marker += '_';
  const prefix = `x = <<${marker}\n`;
  const newline = file.text.endsWith('\n') ? '' : '\n';
  const parsed = parseText(hcl, file, `${prefix}${file.text}${newline}${marker}\n`, -prefix.length);
  const attr = parsed.body.attrs[0];
  const x = attr?.x ?? { k: 'bad', f: file, s: 0, e: file.text.length };
  if (newline && x.k === 'tpl') dropFinalNewline(x.parts);
  return parsed.error ? { x, error: parsed.error } : { x };
}

function dropFinalNewline(parts: Part[]): void {
  const last = parts[parts.length - 1];
  if (last?.k === 'lit' && last.v.endsWith('\n')) trimLit(last, last.v.length - 1, last.v.length);
}

function parseText(hcl: HclParser, file: SourceFile, text: string, shift: number): ParsedFile {
  const tree = hcl.parser.parse(text);
  if (!tree) return { file, body: EMPTY_BODY, error: { s: 0, e: 0, message: 'invalid HCL: the parser gave up' } };
  try {
    return convert(hcl, tree, file, text, shift);
  } catch (error) {
    // Only pathological input (nesting deep enough to exhaust the stack) gets here.
    if (!(error instanceof RangeError)) throw error;
    return { file, body: EMPTY_BODY, error: { s: 0, e: 0, message: 'invalid HCL: expressions are nested too deeply to be read' } };
  } finally {
    tree.delete();
  }
}

function convert(hcl: HclParser, tree: Tree, file: SourceFile, text: string, shift: number): ParsedFile {
  const cursor = tree.walk();
  try {
    const c = new Converter(cursor, hcl.types, file, text, shift);
    const out: ParsedFile = { file, body: { attrs: [], blocks: [] } };
    // The file's body, and whatever parts of it tree-sitter set aside in ERROR nodes.
    if (c.down()) {
      do {
        const t = c.type();
        if (t === 'body' || t === 'ERROR') c.bodyInto(out.body);
      } while (c.next());
    }
    const root = tree.rootNode as unknown as TsNode;
    if (root.hasError) {
      const error = firstError(root, text, shift);
      if (error) out.error = error;
    }
    return out;
  } finally {
    cursor.delete();
  }
}

interface TsNode {
  type: string;
  isMissing: boolean;
  hasError: boolean;
  startIndex: number;
  endIndex: number;
  childCount: number;
  child(i: number): TsNode | null;
  parent: TsNode | null;
}

/** The first ERROR or MISSING node in document order, as a one-line message. */
function firstError(root: TsNode, text: string, shift: number): ParsedFile['error'] {
  if (root.type === 'ERROR') return errorOf(root, text, shift);
  let node: TsNode = root;
  descend: for (;;) {
    for (let i = 0; i < node.childCount; i++) {
      const child = node.child(i)!;
      if (child.isMissing || child.type === 'ERROR') return errorOf(child, text, shift);
      if (child.hasError) {
        node = child;
        continue descend;
      }
    }
    return node === root ? undefined : errorOf(node, text, shift);
  }
}

const OPENING: Record<string, string> = {
  block_start: 'this block',
  '{': 'this "{"',
  '[': 'this "["',
  '(': 'this "("',
  object_start: 'this "{"',
  tuple_start: 'this "["',
};
const CLOSING = new Set(['block_end', '}', ']', ')', 'object_end', 'tuple_end']);

function errorOf(node: TsNode, text: string, shift: number): NonNullable<ParsedFile['error']> {
  const s = Math.max(0, node.startIndex + shift);
  if (node.isMissing) {
    const parent = node.parent;
    if (node.type === 'quoted_template_end') {
      // An unterminated string: the parser notices only where it gives up; point at the string.
      const from = parent ? Math.max(0, parent.startIndex + shift) : s;
      return { s: from, e: from + 1, message: 'invalid HCL: unterminated string' };
    }
    const closer = CLOSERS[node.type];
    if (closer && parent) {
      // A bracket left open: point at what it should close, not at where the parser noticed.
      let holder = parent;
      while (holder.parent && CLOSERS[holder.type]) holder = holder.parent;
      const at = Math.max(0, holder.startIndex + shift);
      const what = holder.type === 'block' ? 'this block' : holder.type === 'function_call' ? 'this function call' : `this "${closer[0]}"`;
      return { s: at, e: at + 1, message: `invalid HCL: ${what} is not closed (missing "${closer[1]}")` };
    }
    if (OPENERS.has(node.type) || node.type === 'expression' || node.type === 'identifier') return { s, e: s, message: 'invalid HCL: expected an expression' };
    if (node.type === 'heredoc_identifier') {
      const from = parent ? Math.max(0, parent.startIndex + shift) : s;
      return { s: from, e: from + 2, message: 'invalid HCL: unterminated heredoc' };
    }
    const what = /^[a-z_]+$/.test(node.type) ? node.type.replace(/_/g, ' ') : `"${node.type}"`;
    return { s, e: s, message: `invalid HCL: missing ${what}` };
  }
  // An ERROR node: a closing token with nothing to close is the error; else what is left open at its end.
  const open: TsNode[] = [];
  for (let i = 0; i < node.childCount; i++) {
    const child = node.child(i)!;
    if (OPENING[child.type] || child.type === 'quoted_template_start' || child.type === 'template_interpolation_start' || child.type === 'template_directive_start') {
      open.push(child);
    } else if (CLOSING.has(child.type) || child.type === 'quoted_template_end' || child.type === 'template_interpolation_end' || child.type === 'template_directive_end') {
      if (!open.pop()) return unexpected(child, text, shift);
    }
  }
  const last = open[open.length - 1];
  if (last) {
    const at = Math.max(0, last.startIndex + shift);
    if (last.type === 'quoted_template_start') return { s: at, e: at + 1, message: 'invalid HCL: unterminated string' };
    if (last.type === 'template_interpolation_start') return { s: at, e: at + 2, message: 'invalid HCL: unterminated interpolation' };
    if (last.type === 'template_directive_start') return { s: at, e: at + 2, message: 'invalid HCL: unterminated template directive' };
    return { s: at, e: at + 1, message: `invalid HCL: ${OPENING[last.type]} is not closed` };
  }
  return unexpected(node, text, shift);
}

function unexpected(node: TsNode, text: string, shift: number): NonNullable<ParsedFile['error']> {
  const s = Math.max(0, node.startIndex + shift);
  const raw = text.slice(node.startIndex, node.endIndex);
  const first = raw.trim().split(/\s+/)[0] ?? '';
  const shown = first.length > 20 ? `${first.slice(0, 20)}…` : first;
  return { s, e: Math.max(s, node.endIndex + shift), message: shown ? `invalid HCL: unexpected ${JSON.stringify(shown)}` : 'invalid HCL: unexpected input' };
}

/** Closing tokens (and the nodes that stand for them) → the bracket they close and themselves. */
const CLOSERS: Record<string, [string, string]> = {
  '}': ['{', '}'],
  ']': ['[', ']'],
  ')': ['(', ')'],
  block_end: ['{', '}'],
  object_end: ['{', '}'],
  tuple_end: ['[', ']'],
  template_interpolation_end: ['${', '}'],
  template_directive_end: ['%{', '}'],
};

const OPENERS = new Set(['{', '[', '(', 'object_start', 'tuple_start', 'block_start']);

const QUOTED_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/**
 * Template state shared by one template's parts in source order: strip markers (`~`) trim the white
 * space of the literal just before (`${~`) or just after (`~}`) them.
 */
interface TemplateState {
  lastLit: Extract<Part, { k: 'lit' }> | undefined;
  trimNext: boolean;
  heredoc: { start: number; indent: number } | undefined;
  quoted: boolean;
}

class Converter {
  constructor(
    private readonly c: TreeCursor,
    private readonly types: string[],
    private readonly f: SourceFile,
    private readonly text: string,
    private readonly shift: number,
  ) {}

  type(): string {
    const id = this.c.nodeTypeId;
    return id === ERROR_TYPE ? 'ERROR' : (this.types[id] ?? '');
  }

  down(): boolean {
    return this.c.gotoFirstChild();
  }

  next(): boolean {
    return this.c.gotoNextSibling();
  }

  up(): void {
    this.c.gotoParent();
  }

  private start(): number {
    return this.c.startIndex;
  }

  private end(): number {
    return this.c.endIndex;
  }

  private at(s: number, e: number): At {
    return { f: this.f, s: s + this.shift, e: e + this.shift };
  }

  private raw(): string {
    return this.text.slice(this.c.startIndex, this.c.endIndex);
  }

  /** Children of the current node, one callback per child; the cursor is back on the node afterwards. */
  private each(visit: (type: string) => void): void {
    if (!this.down()) return;
    do visit(this.type());
    while (this.next());
    this.up();
  }

  body(): Body {
    const body: Body = { attrs: [], blocks: [] };
    this.bodyInto(body);
    return body;
  }

  /** Attributes and blocks; those inside an ERROR node are kept, so one typo does not hide a file. */
  bodyInto(body: Body): void {
    this.each((t) => {
      if (t === 'attribute') {
        const a = this.attribute();
        if (a) body.attrs.push(a);
      } else if (t === 'block') body.blocks.push(this.block());
      else if (t === 'ERROR' || t === 'body') this.bodyInto(body);
    });
  }

  private attribute(): Attr | undefined {
    const s = this.start();
    const e = this.end();
    let name: string | undefined;
    let x: Expr | undefined;
    this.each((t) => {
      if (t === 'identifier' && name === undefined) name = this.raw();
      else if (t === 'expression') x = this.expression();
    });
    if (name === undefined) return undefined;
    return { name, x: x ?? { k: 'bad', ...this.at(e, e) }, ...this.at(s, e) };
  }

  private block(): Block {
    const s = this.start();
    const e = this.end();
    let type = '';
    let he = s;
    const labels: Block['labels'] = [];
    let body: Body = { attrs: [], blocks: [] };
    let inHeader = true;
    this.each((t) => {
      if (t === 'identifier' && inHeader) {
        if (type === '') type = this.raw();
        else labels.push({ v: this.raw(), ...this.offsets() });
        he = this.end();
      } else if (t === 'string_lit' && inHeader) {
        labels.push({ v: this.stringLit().v, ...this.offsets() });
        he = this.end();
      } else if (t === 'block_start') inHeader = false;
      else if (t === 'body' || t === 'ERROR') body = this.body();
    });
    return { type, labels, body, ...this.at(s, e), he: he + this.shift };
  }

  private offsets(): { s: number; e: number } {
    return { s: this.start() + this.shift, e: this.end() + this.shift };
  }

  /** An `expression` node (or any node holding a sequence of terms): a conditional or a term with its steps. */
  expression(): Expr {
    return this.sequence();
  }

  /**
   * The children of the current node read as `term step* (op term step*)?`: the shape of `expression`,
   * `binary_operation` and `unary_operation` nodes, whose operand terms tree-sitter inlines.
   */
  private sequence(): Expr {
    const s = this.start();
    const e = this.end();
    let cur: Expr | undefined;
    let left: Expr | undefined;
    let op: string | undefined;
    let paren = false;
    this.each((t) => {
      switch (t) {
        case 'conditional':
          cur = this.conditional();
          break;
        case 'index':
        case 'get_attr':
        case 'splat': {
          if (!cur) break;
          const step = this.step(t);
          cur = cur.k === 'trav' && !paren ? { ...cur, steps: [...cur.steps, step], e: step.e } : { k: 'trav', x: cur, steps: [step], f: this.f, s: cur.s, e: step.e };
          paren = false;
          break;
        }
        case '(':
          break;
        case ')':
          paren = true;
          break;
        case 'expression':
          cur = this.expression();
          break;
        case 'ERROR':
          cur = { k: 'bad', ...this.at(this.start(), this.end()) };
          break;
        default:
          if (isOperator(t)) {
            left = cur;
            op = t;
            cur = undefined;
          } else cur = this.term(t);
      }
    });
    if (op !== undefined) {
      const r = cur ?? { k: 'bad', ...this.at(e, e) };
      return { k: 'op', op, l: left, r, ...this.at(s, e) };
    }
    return cur ?? { k: 'bad', ...this.at(s, e) };
  }

  private conditional(): Expr {
    const s = this.start();
    const e = this.end();
    const parts: Expr[] = [];
    this.each((t) => {
      if (t === 'expression') parts.push(this.expression());
    });
    const bad: Expr = { k: 'bad', ...this.at(e, e) };
    return { k: 'cond', c: parts[0] ?? bad, yes: parts[1] ?? bad, no: parts[2] ?? bad, ...this.at(s, e) };
  }

  private term(t: string): Expr {
    const s = this.start();
    const e = this.end();
    switch (t) {
      case 'literal_value':
        return this.literal();
      case 'template_expr': {
        let x: Expr = { k: 'bad', ...this.at(s, e) };
        this.each((u) => {
          if (u === 'quoted_template') x = this.quoted();
          else if (u === 'heredoc_template') x = this.heredoc();
        });
        return x;
      }
      case 'collection_value': {
        let x: Expr = { k: 'bad', ...this.at(s, e) };
        this.each((u) => {
          if (u === 'tuple' || u === 'object') x = this.term(u);
        });
        return x;
      }
      case 'tuple': {
        const items: Expr[] = [];
        this.each((u) => {
          if (u === 'expression') items.push(this.expression());
        });
        return { k: 'tuple', items, ...this.at(s, e) };
      }
      case 'object': {
        const items: Array<{ key: Expr; name: string | undefined; val: Expr }> = [];
        this.each((u) => {
          if (u === 'object_elem') {
            const item = this.objectElem();
            if (item) items.push(item);
          }
        });
        return { k: 'obj', items, ...this.at(s, e) };
      }
      case 'variable_expr':
        return { k: 'var', name: this.raw(), ...this.at(s, e) };
      case 'function_call':
        return this.call();
      case 'for_expr': {
        let x: Expr = { k: 'bad', ...this.at(s, e) };
        this.each((u) => {
          if (u === 'for_tuple_expr' || u === 'for_object_expr') x = this.forExpr(u === 'for_object_expr');
        });
        return x;
      }
      case 'operation': {
        let x: Expr = { k: 'bad', ...this.at(s, e) };
        this.each((u) => {
          if (u === 'binary_operation' || u === 'unary_operation') x = this.sequence();
        });
        return x;
      }
      default:
        return { k: 'bad', ...this.at(s, e) };
    }
  }

  private literal(): Expr {
    const s = this.start();
    const e = this.end();
    let x: Expr = { k: 'bad', ...this.at(s, e) };
    this.each((t) => {
      if (t === 'numeric_lit') {
        const raw = this.raw();
        const v = /^0x/i.test(raw) ? parseInt(raw.slice(2), 16) : Number(raw);
        x = Number.isFinite(v) ? { k: 'lit', v, ...this.at(s, e) } : { k: 'bad', ...this.at(s, e) };
      } else if (t === 'bool_lit') x = { k: 'lit', v: this.raw() === 'true', ...this.at(s, e) };
      else if (t === 'null_lit') x = { k: 'lit', v: null, ...this.at(s, e) };
      else if (t === 'string_lit') {
        const lit = this.stringLit();
        x = { k: 'tpl', parts: [lit], ...this.at(s, e) };
      }
    });
    return x;
  }

  /** A string literal without interpolation (`string_lit`): the text between its quotes, unescaped. */
  private stringLit(): Extract<Part, { k: 'lit' }> {
    const s = this.start();
    const e = this.end();
    const closed = e - s >= 2 && this.text[e - 1] === '"';
    const lit: Extract<Part, { k: 'lit' }> = { k: 'lit', v: '', segs: [] };
    this.appendLiteral(lit, s + 1, closed ? e - 1 : e, { lastLit: undefined, trimNext: false, heredoc: undefined, quoted: true });
    return lit;
  }

  private quoted(): Expr {
    const s = this.start();
    const e = this.end();
    const state: TemplateState = { lastLit: undefined, trimNext: false, heredoc: undefined, quoted: true };
    const closed = e - s >= 2 && this.text[e - 1] === '"';
    const parts = this.templateParts(s + 1, closed ? e - 1 : e, state, new Set(['quoted_template_start', 'quoted_template_end']));
    return { k: 'tpl', parts, ...this.at(s, e) };
  }

  private heredoc(): Expr {
    const s = this.start();
    const e = this.end();
    let flush = false;
    let open = -1;
    let close = -1;
    this.each((t) => {
      if (t === 'heredoc_start') flush = this.raw() === '<<-';
      else if (t === 'heredoc_identifier') {
        if (open < 0) open = this.end();
        else close = this.start();
      }
    });
    if (open < 0 || close < 0) return { k: 'bad', ...this.at(s, e) };
    const nl = this.text.indexOf('\n', open);
    const contentStart = nl < 0 || nl >= close ? close : nl + 1;
    const contentEnd = Math.max(contentStart, this.text.lastIndexOf('\n', close - 1) + 1);
    const state: TemplateState = { lastLit: undefined, trimNext: false, heredoc: { start: contentStart, indent: flush ? this.indentOf(contentStart, contentEnd) : 0 }, quoted: false };
    const parts = this.templateParts(contentStart, contentEnd, state, new Set(['heredoc_start', 'heredoc_identifier']));
    return { k: 'tpl', parts, ...this.at(s, e) };
  }

  /** Smallest indentation of the lines that are not blank (a `<<-` heredoc removes it from every line). */
  private indentOf(from: number, to: number): number {
    let min = Infinity;
    let i = from;
    while (i < to) {
      let j = i;
      while (j < to && (this.text[j] === ' ' || this.text[j] === '\t')) j++;
      const lineEnd = this.text.indexOf('\n', i);
      const end = lineEnd < 0 || lineEnd > to ? to : lineEnd;
      if (j < end && !(j === end - 1 && this.text[j] === '\r')) min = Math.min(min, j - i);
      i = end + 1;
    }
    return min === Infinity ? 0 : min;
  }

  /**
   * The parts of a template between `from` and `to`: the children that are interpolations or
   * directives, and the source text between them as literals (read from the text, not from
   * tree-sitter's literal chunks, which leave out leading white space).
   */
  private templateParts(from: number, to: number, state: TemplateState, skip: Set<string>): Part[] {
    const parts: Part[] = [];
    let pos = from;
    this.each((t) => {
      if (skip.has(t) || t === 'template_literal') return;
      if (t !== 'template_interpolation' && t !== 'template_directive') return;
      const s = this.start();
      if (s > pos) this.literalPart(parts, pos, Math.min(s, to), state);
      pos = Math.max(pos, this.end());
      if (t === 'template_interpolation') this.interpolation(parts, state);
      else this.directive(parts, state);
    });
    if (to > pos) this.literalPart(parts, pos, to, state);
    return parts;
  }

  private literalPart(parts: Part[], from: number, to: number, state: TemplateState): void {
    const lit: Extract<Part, { k: 'lit' }> = { k: 'lit', v: '', segs: [] };
    this.appendLiteral(lit, from, to, state);
    if (state.trimNext) {
      trimLit(lit, 0, leadingSpace(lit.v));
      state.trimNext = false;
    }
    parts.push(lit);
    state.lastLit = lit;
  }

  /** Append source text [from, to) to a literal, unescaping it and recording where each run comes from. */
  private appendLiteral(lit: Extract<Part, { k: 'lit' }>, from: number, to: number, state: TemplateState): void {
    const text = this.text;
    let run = from;
    const flushRun = (end: number): void => {
      if (end > run) {
        lit.segs.push({ i: lit.v.length, n: end - run, o: { f: this.f, s: run + this.shift, e: end + this.shift }, x: true });
        lit.v += text.slice(run, end);
      }
    };
    const special = (start: number, len: number, value: string): void => {
      flushRun(start);
      if (value.length > 0) lit.segs.push({ i: lit.v.length, n: value.length, o: { f: this.f, s: start + this.shift, e: start + len + this.shift }, x: value.length === len });
      lit.v += value;
      run = start + len;
    };
    const heredoc = state.heredoc;
    for (let i = from; i < to; ) {
      // A `<<-` heredoc: drop the common indentation at the start of each line.
      if (heredoc && heredoc.indent > 0 && (i === heredoc.start || text[i - 1] === '\n') && i === run) {
        let j = i;
        while (j < to && j - i < heredoc.indent && (text[j] === ' ' || text[j] === '\t')) j++;
        if (j > i) {
          flushRun(i);
          run = j;
          i = j;
          continue;
        }
      }
      const ch = text[i];
      if (ch === '\\' && state.quoted && i + 1 < to) {
        const next = text[i + 1]!;
        const simple = QUOTED_ESCAPES[next];
        if (simple !== undefined) {
          special(i, 2, simple);
          i += 2;
          continue;
        }
        const hex = next === 'u' ? text.slice(i + 2, i + 6) : next === 'U' ? text.slice(i + 2, i + 10) : '';
        if (hex && /^[0-9a-fA-F]+$/.test(hex) && (hex.length === 4 || hex.length === 8)) {
          const cp = parseInt(hex, 16);
          special(i, 2 + hex.length, cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd');
          i += 2 + hex.length;
          continue;
        }
      }
      if ((ch === '$' || ch === '%') && text[i + 1] === ch && text[i + 2] === '{') {
        special(i, 3, `${ch}{`);
        i += 3;
        continue;
      }
      if (heredoc && ch === '\n') {
        // Lines may have been re-based; keep runs per line so the next line's indentation can be dropped.
        flushRun(i + 1);
        run = i + 1;
      }
      i++;
    }
    flushRun(to);
  }

  /** Strip markers of an interpolation or directive piece: which sides have `~`. */
  private strips(): { left: boolean; right: boolean } {
    let seenContent = false;
    let left = false;
    let right = false;
    this.each((t) => {
      if (t === 'strip_marker') {
        if (seenContent) right = true;
        else left = true;
      } else if (t !== 'template_interpolation_start' && t !== 'template_directive_start') seenContent = true;
    });
    return { left, right };
  }

  private applyLeftStrip(state: TemplateState, left: boolean): void {
    if (left && state.lastLit) {
      const v = state.lastLit.v;
      trimLit(state.lastLit, v.length - trailingSpace(v), v.length);
    }
    state.lastLit = undefined;
    state.trimNext = false;
  }

  private interpolation(parts: Part[], state: TemplateState): void {
    const { left, right } = this.strips();
    this.applyLeftStrip(state, left);
    let x: Expr | undefined;
    this.each((t) => {
      if (t === 'expression') x = this.expression();
    });
    if (x) parts.push({ k: 'interp', x });
    else parts.push({ k: 'interp', x: { k: 'bad', ...this.at(this.start(), this.end()) } });
    state.trimNext = right;
  }

  /** `%{ if }` / `%{ for }`: the intro, the body parts, the else, the end, each possibly with strip markers. */
  private directive(parts: Part[], state: TemplateState): void {
    this.each((t) => {
      if (t === 'template_if') parts.push(this.templateIf(state));
      else if (t === 'template_for') parts.push(this.templateFor(state));
    });
  }

  private marker(state: TemplateState, read?: (t: string) => void): void {
    const { left, right } = this.strips();
    this.applyLeftStrip(state, left);
    if (read) this.each(read);
    state.trimNext = right;
  }

  private templateIf(state: TemplateState): Part {
    let c: Expr = { k: 'bad', ...this.at(this.start(), this.end()) };
    const then: Part[] = [];
    const otherwise: Part[] = [];
    let target = then;
    let pos = -1;
    const flushGap = (until: number): void => {
      if (pos >= 0 && until > pos) this.literalPart(target, pos, until, state);
    };
    this.each((t) => {
      const s = this.start();
      if (t === 'template_if_intro') {
        this.marker(state, (u) => {
          if (u === 'expression') c = this.expression();
        });
      } else if (t === 'template_else_intro') {
        flushGap(s);
        this.marker(state);
        target = otherwise;
      } else if (t === 'template_if_end') {
        flushGap(s);
        this.marker(state);
      } else if (t === 'template_interpolation' || t === 'template_directive') {
        flushGap(s);
        if (t === 'template_interpolation') this.interpolation(target, state);
        else this.directive(target, state);
      } else return;
      pos = this.end();
    });
    return { k: 'if', c, then, else: otherwise };
  }

  private templateFor(state: TemplateState): Part {
    let coll: Expr = { k: 'bad', ...this.at(this.start(), this.end()) };
    const names: string[] = [];
    const body: Part[] = [];
    let pos = -1;
    const flushGap = (until: number): void => {
      if (pos >= 0 && until > pos) this.literalPart(body, pos, until, state);
    };
    this.each((t) => {
      const s = this.start();
      if (t === 'template_for_start') {
        this.marker(state, (u) => {
          if (u === 'identifier') names.push(this.raw());
          else if (u === 'expression') coll = this.expression();
        });
      } else if (t === 'template_for_end') {
        flushGap(s);
        this.marker(state);
      } else if (t === 'template_interpolation' || t === 'template_directive') {
        flushGap(s);
        if (t === 'template_interpolation') this.interpolation(body, state);
        else this.directive(body, state);
      } else return;
      pos = this.end();
    });
    const [a, b] = names;
    return b !== undefined ? { k: 'for', kv: a, vv: b, coll, body } : { k: 'for', kv: undefined, vv: a ?? '_', coll, body };
  }

  private objectElem(): { key: Expr; name: string | undefined; val: Expr } | undefined {
    const exprs: Array<{ x: Expr; bare: boolean }> = [];
    this.each((t) => {
      if (t === 'expression') {
        const bare = !this.raw().trimStart().startsWith('(');
        exprs.push({ x: this.expression(), bare });
      }
    });
    const [key, val] = exprs;
    if (!key || !val) return undefined;
    // A bare identifier key is the key itself, not a variable (`{ name = 1 }`).
    const name = key.bare && key.x.k === 'var' ? key.x.name : undefined;
    return { key: key.x, name, val: val.x };
  }

  private call(): Expr {
    const s = this.start();
    const e = this.end();
    let name = '';
    const args: Expr[] = [];
    let expand = false;
    this.each((t) => {
      if (t === 'identifier') name = this.raw();
      else if (t === 'function_arguments') {
        this.each((u) => {
          if (u === 'expression') args.push(this.expression());
          else if (u === 'ellipsis') expand = true;
        });
      }
    });
    return { k: 'call', name, args, expand, ...this.at(s, e) };
  }

  private forExpr(obj: boolean): Expr {
    const s = this.start();
    const e = this.end();
    const names: string[] = [];
    let coll: Expr | undefined;
    const bodies: Expr[] = [];
    let group = false;
    let cond: Expr | undefined;
    this.each((t) => {
      if (t === 'for_intro') {
        this.each((u) => {
          if (u === 'identifier') names.push(this.raw());
          else if (u === 'expression') coll = this.expression();
        });
      } else if (t === 'expression') bodies.push(this.expression());
      else if (t === 'ellipsis') group = true;
      else if (t === 'for_cond') {
        this.each((u) => {
          if (u === 'expression') cond = this.expression();
        });
      }
    });
    const bad: Expr = { k: 'bad', ...this.at(s, e) };
    const [a, b] = names;
    const kv = b !== undefined ? a : undefined;
    const vv = b ?? a ?? '_';
    if (obj) return { k: 'for', obj, kv, vv, coll: coll ?? bad, key: bodies[0] ?? bad, val: bodies[1] ?? bad, group, cond, ...this.at(s, e) };
    return { k: 'for', obj, kv, vv, coll: coll ?? bad, key: undefined, val: bodies[0] ?? bad, group: false, cond, ...this.at(s, e) };
  }

  private step(t: string): Step {
    const s = this.start();
    const e = this.end();
    if (t === 'get_attr') {
      let name = '';
      this.each((u) => {
        if (u === 'identifier') name = this.raw();
      });
      return { k: 'attr', name, ...this.at(s, e) };
    }
    if (t === 'index') {
      let step: Step = { k: 'idx', x: { k: 'bad', ...this.at(s, e) }, ...this.at(s, e) };
      this.each((u) => {
        if (u === 'new_index') {
          this.each((v) => {
            if (v === 'expression') step = { k: 'idx', x: this.expression(), ...this.at(s, e) };
          });
        } else if (u === 'legacy_index') {
          const digits = this.raw().replace(/^\s*\.\s*/, '');
          step = { k: 'idx', x: { k: 'lit', v: Number(digits), ...this.at(s, e) }, ...this.at(s, e) };
        }
      });
      return step;
    }
    // splat: `.*` or `[*]` followed by attribute and index steps applied to each element.
    const steps: Step[] = [];
    this.each((u) => {
      if (u === 'attr_splat' || u === 'full_splat') {
        this.each((v) => {
          if (v === 'get_attr' || v === 'index') steps.push(this.step(v));
        });
      }
    });
    return { k: 'splat', steps, ...this.at(s, e) };
  }
}

const OPERATORS = new Set(['*', '/', '%', '+', '-', '>', '>=', '<', '<=', '==', '!=', '&&', '||', '!']);

function isOperator(t: string): boolean {
  return OPERATORS.has(t);
}

function leadingSpace(v: string): number {
  let i = 0;
  while (i < v.length && /\s/.test(v[i]!)) i++;
  return i;
}

function trailingSpace(v: string): number {
  let i = v.length;
  while (i > 0 && /\s/.test(v[i - 1]!)) i--;
  return v.length - i;
}

/** Remove characters [from, to) from a literal, keeping its runs in step. */
export function trimLit(lit: { v: string; segs: Seg[] }, from: number, to: number): void {
  if (to <= from) return;
  const cut = to - from;
  const segs: Seg[] = [];
  for (const seg of lit.segs) {
    const a = seg.i;
    const b = seg.i + seg.n;
    if (b <= from) segs.push(seg);
    else if (a >= to) segs.push({ ...seg, i: a - cut });
    else {
      // Keep the parts of the run outside [from, to).
      if (a < from) segs.push(seg.x ? { ...seg, i: a, n: from - a, o: { ...seg.o, e: seg.o.s + (from - a) } } : { ...seg, n: from - a });
      if (b > to) {
        const skip = to - a;
        segs.push(seg.x ? { ...seg, i: from, n: b - to, o: { ...seg.o, s: seg.o.s + skip } } : { ...seg, i: from, n: b - to });
      }
    }
  }
  lit.v = lit.v.slice(0, from) + lit.v.slice(to);
  lit.segs = segs;
}

/** Line and column of an offset, with the file's line index built on first use. */
export function lineIndex(f: SourceFile): LineIndex {
  f.lines ??= new LineIndex(f.text);
  return f.lines;
}
