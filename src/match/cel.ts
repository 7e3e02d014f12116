/**
 * The subset of CEL that GCP workload identity `attribute_condition`s use (reference/gcp.md §2.2): a parser
 * that keeps offsets on every node, a printer, and an evaluator with CEL's error semantics.
 *
 * Language (google/cel-spec doc/langdef.md, "Syntax" and "Lexis"), restricted to what conditions need:
 *   Expr      = Or ["?" Or ":" Expr]
 *   Or        = And {"||" And}             (kept n-ary: long chains stay shallow)
 *   And       = Relation {"&&" Relation}
 *   Relation  = Unary {("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") Unary}
 *   Unary     = Member | "!" Unary | "-" Unary
 *   Member    = Primary {"." IDENT ["(" [Exprs] ")"] | "[" Expr "]"}
 *   Primary   = IDENT "(" [Exprs] ")" | VARIABLE | "(" Expr ")" | "[" [Exprs] "]" | LITERAL
 * VARIABLE is `assertion`, `attribute` or `google`, the only names an attribute_condition can reference
 * (gcp.md §2.2). Literals: strings (single, double or triple quotes, `r` raw prefix, CEL escapes), ints
 * (decimal or hex), doubles, `true`, `false`, `null`. Arithmetic, map and message literals, bytes and uint
 * literals are rejected with a message rather than misread.
 *
 * Functions: `s.startsWith(t)`, `s.endsWith(t)`, `s.contains(t)`, `s.matches(re)` and the `has(e.f)` macro.
 * gcp.md does not mention `size()`, so it is not evaluated: any other call parses and evaluates to an error,
 * which a caller should treat as "cannot tell".
 *
 * Semantics worth stating (langdef.md unless noted):
 * - Equality is heterogeneous: `==` between values of different types is false and `!=` true, never an
 *   error; ints and doubles compare by numeric value. This is the behaviour introduced by cel-spec proposal
 *   210 ("Numeric Comparisons and Null Equality", github.com/google/cel-spec/wiki/proposal-210) and stated
 *   in langdef.md "Equality" from about v0.10 on. Verification note: the langdef.md versions reachable from
 *   this project's search tools predate the change (they still say homogeneous, error on mismatch); the
 *   heterogeneous rule was confirmed from proposal 210's summary and a second CEL implementation
 *   (@bufbuild/cel `equals`, citing langdef v0.24.0 #equality: "If the types don't match it returns false").
 *   So `assertion.project_id == 20` is false, not an error, when the claim is the string "20".
 * - Selecting a key a map does not have is an error ("no such key"), langdef.md "Field Selection".
 * - `&&` and `||` are commutative with respect to errors (langdef.md "Logical Operators"): false && error
 *   is false, error && false is false, true || error is true; otherwise an error wins.
 * - `matches` takes RE2 syntax and succeeds on a match anywhere in the string (langdef.md "Regular
 *   Expressions"). It is implemented by a small Thompson-NFA matcher below, not by a JavaScript RegExp:
 *   the JS engine backtracks, so even a pattern without backreferences or lookaround (`(a*)*$`,
 *   `a*a*a*a*a*a*a*b`) can take exponential or high-polynomial time, while RE2 promises linear time. The
 *   NFA simulation costs O(pattern states × subject length). Backreferences and lookaround (which RE2
 *   rejects) are reported as errors; patterns over 1,000 characters and programs over a state budget are
 *   refused.
 * - JSON numbers in token claims are doubles (JSON data conversion, langdef.md), int literals are ints.
 *
 * Bounds: input over 100,000 characters or nested more than 200 levels deep gives `{ ok: false }`; the
 * depth bound also caps the height of the tree, so evaluation and printing never recurse deeper than that.
 */

export const MAX_EXPRESSION_LENGTH = 100_000;
export const MAX_NESTING_DEPTH = 200;
export const MAX_REGEX_LENGTH = 1_000;
const MAX_REGEX_STATES = 10_000;
const MAX_REGEX_REPEAT = 1_000;
const MAX_VALUE_DEPTH = 200;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

export type CelVariable = 'assertion' | 'attribute' | 'google';
const VARIABLES: ReadonlySet<string> = new Set<CelVariable>(['assertion', 'attribute', 'google']);

/** A literal: `bigint` is a CEL int, `number` a CEL double. */
export type CelLiteral = string | bigint | number | boolean | null;

export type CelRelationOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';

interface Span {
  /** Offset of the node's first character in the source text. */
  start: number;
  /** Offset just after the node's last character. */
  end: number;
}

export type CelAst =
  | (Span & { kind: 'literal'; value: CelLiteral })
  | (Span & { kind: 'ident'; name: CelVariable })
  | (Span & { kind: 'select'; operand: CelAst; field: string })
  | (Span & { kind: 'index'; operand: CelAst; index: CelAst })
  /** `target.name(args)` (receiver style) or `name(args)` when target is null. */
  | (Span & { kind: 'call'; target: CelAst | null; name: string; args: CelAst[] })
  | (Span & { kind: 'list'; elements: CelAst[] })
  | (Span & { kind: 'not'; operand: CelAst })
  | (Span & { kind: 'negate'; operand: CelAst })
  | (Span & { kind: 'relation'; op: CelRelationOp; left: CelAst; right: CelAst })
  /** A chain `a && b && c` (two or more operands). A parenthesized chain inside stays its own node. */
  | (Span & { kind: 'logical'; op: '&&' | '||'; operands: CelAst[] })
  | (Span & { kind: 'conditional'; test: CelAst; then: CelAst; otherwise: CelAst });

export type CelParseResult = { ok: true; ast: CelAst } | { ok: false; message: string; offset: number };

export interface CelVars {
  assertion?: Record<string, unknown>;
  /** Maps of values; for evaluateCelPartial also a celUnknown() value (the whole map is not known). */
  attribute?: Record<string, unknown> | unknown;
  google?: Record<string, unknown> | unknown;
}

export type CelResult = boolean | { error: string };

/**
 * The result of evaluateCelPartial: a value, a CEL error, or 'unknown' when the result depends on a value
 * bound with celUnknown(). `limit` marks errors that come from fedlint's own bounds (a function it does not
 * evaluate, a regular expression feature or size it refuses, the stack), not from CEL's semantics: what the
 * expression does in Google's evaluator is then not known either.
 */
export type CelPartialResult =
  | { kind: 'value'; value: unknown }
  | { kind: 'error'; message: string; limit: boolean }
  | { kind: 'unknown'; reason: string };

// ---------------------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------------------

class CelSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

type Token =
  | { t: 'ident'; v: string; s: number; e: number }
  | { t: 'int'; v: bigint; s: number; e: number }
  | { t: 'double'; v: number; s: number; e: number }
  | { t: 'string'; v: string; s: number; e: number }
  | { t: 'punct'; v: string; s: number; e: number }
  | { t: 'eof'; s: number; e: number };

/** Words CEL reserves besides the literals and `in` (langdef.md "Syntax"). */
const RESERVED = new Set([
  'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package',
  'namespace', 'return', 'var', 'void', 'while',
]);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // Whitespace: [\t\n\f\r ]+
    if (c === 32 || c === 9 || c === 10 || c === 12 || c === 13) {
      i++;
      continue;
    }
    // Comment: // to end of line
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      const word = text.slice(start, i);
      const next = text[i];
      if ((next === '"' || next === "'") && /^(?:r|R|b|B|br|bR|Br|BR|rb|rB|Rb|RB)$/.test(word)) {
        if (word.toLowerCase().includes('b')) {
          throw new CelSyntaxError('bytes literals are not supported', start);
        }
        const lit = lexString(text, i, true);
        tokens.push({ t: 'string', v: lit.value, s: start, e: lit.end });
        i = lit.end;
        continue;
      }
      tokens.push({ t: 'ident', v: word, s: start, e: i });
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      const tok = lexNumber(text, i);
      tokens.push(tok);
      i = tok.e;
      continue;
    }
    if (c === 34 || c === 39) {
      const lit = lexString(text, i, false);
      tokens.push({ t: 'string', v: lit.value, s: start, e: lit.end });
      i = lit.end;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '&&' || two === '||') {
      tokens.push({ t: 'punct', v: two, s: start, e: i + 2 });
      i += 2;
      continue;
    }
    const ch = text[i]!;
    if ('()[]{}.,?:<>!-+*/%'.includes(ch)) {
      tokens.push({ t: 'punct', v: ch, s: start, e: i + 1 });
      i++;
      continue;
    }
    if (ch === '=') throw new CelSyntaxError("'=' is not an operator; equality is '=='", start);
    if (ch === '&') throw new CelSyntaxError("single '&' is not an operator; logical and is '&&'", start);
    if (ch === '|') throw new CelSyntaxError("single '|' is not an operator; logical or is '||'", start);
    const cp = text.codePointAt(i)!;
    throw new CelSyntaxError(`unexpected character ${JSON.stringify(String.fromCodePoint(cp))}`, start);
  }
  tokens.push({ t: 'eof', s: n, e: n });
  return tokens;
}

function lexNumber(text: string, start: number): Token {
  const n = text.length;
  let i = start;
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X')) {
    i += 2;
    const digitsAt = i;
    while (i < n && isHexDigit(text.charCodeAt(i))) i++;
    if (i === digitsAt) throw new CelSyntaxError('hexadecimal literal without digits', start);
    if (text[i] === 'u' || text[i] === 'U') throw new CelSyntaxError('unsigned (uint) literals are not supported', start);
    const v = BigInt(text.slice(start, i));
    if (v > INT64_MAX) throw new CelSyntaxError('integer literal out of the int64 range', start);
    return { t: 'int', v, s: start, e: i };
  }
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  let isDouble = false;
  if (text[i] === '.' && isDigit(text.charCodeAt(i + 1))) {
    isDouble = true;
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    let j = i + 1;
    if (text[j] === '+' || text[j] === '-') j++;
    if (isDigit(text.charCodeAt(j))) {
      isDouble = true;
      i = j;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
  }
  const raw = text.slice(start, i);
  if (isDouble) return { t: 'double', v: Number(raw), s: start, e: i };
  if (text[i] === 'u' || text[i] === 'U') throw new CelSyntaxError('unsigned (uint) literals are not supported', start);
  const v = BigInt(raw);
  if (v > INT64_MAX) throw new CelSyntaxError('integer literal out of the int64 range', start);
  return { t: 'int', v, s: start, e: i };
}

function hexValue(text: string, at: number, count: number, escapeAt: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    const c = text.charCodeAt(at + k);
    if (!isHexDigit(c)) throw new CelSyntaxError(`escape needs ${count} hexadecimal digits`, escapeAt);
    v = v * 16 + parseInt(text[at + k]!, 16);
  }
  return v;
}

/** A string literal whose opening quote is at `at`. Returns the value and the offset after the closing quote. */
function lexString(text: string, at: number, raw: boolean): { value: string; end: number } {
  const quote = text[at]!;
  const triple = text[at + 1] === quote && text[at + 2] === quote;
  const delimiter = triple ? quote.repeat(3) : quote;
  let i = at + delimiter.length;
  const n = text.length;
  const parts: string[] = [];
  let chunk = i;
  for (;;) {
    if (i >= n) throw new CelSyntaxError('unterminated string literal', at);
    const ch = text[i]!;
    if (ch === quote && (!triple || text.startsWith(delimiter, i))) {
      parts.push(text.slice(chunk, i));
      return { value: parts.join(''), end: i + delimiter.length };
    }
    if (!triple && (ch === '\n' || ch === '\r')) {
      throw new CelSyntaxError('newline in a single-line string literal', i);
    }
    if (ch === '\\') {
      if (raw) {
        // Raw strings keep every backslash; the quote always ends them (cel-spec CEL.g4 lexer rule).
        i++;
        continue;
      }
      parts.push(text.slice(chunk, i));
      const escapeAt = i;
      const e = text[i + 1];
      let cp: number;
      let len = 2;
      switch (e) {
        case '\\': case '?': case '"': case "'": case '`':
          cp = e.charCodeAt(0);
          break;
        case 'a': cp = 7; break;
        case 'b': cp = 8; break;
        case 'f': cp = 12; break;
        case 'n': cp = 10; break;
        case 'r': cp = 13; break;
        case 't': cp = 9; break;
        case 'v': cp = 11; break;
        case 'x': case 'X':
          cp = hexValue(text, i + 2, 2, escapeAt);
          len = 4;
          break;
        case 'u': {
          cp = hexValue(text, i + 2, 4, escapeAt);
          len = 6;
          if (cp >= 0xd800 && cp <= 0xdbff && text[i + 6] === '\\' && text[i + 7] === 'u') {
            // A surrogate pair written as two \u escapes (langdef.md: "Characters in other Unicode planes
            // can be represented with surrogate pairs").
            const low = hexValue(text, i + 8, 4, escapeAt);
            if (low >= 0xdc00 && low <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
              len = 12;
            }
          }
          if (cp >= 0xd800 && cp <= 0xdfff) throw new CelSyntaxError('escape encodes a lone surrogate', escapeAt);
          break;
        }
        case 'U':
          cp = hexValue(text, i + 2, 8, escapeAt);
          len = 10;
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            throw new CelSyntaxError('escape encodes an invalid code point', escapeAt);
          }
          break;
        default: {
          if (e !== undefined && e >= '0' && e <= '3') {
            const d1 = text.charCodeAt(i + 2) - 48;
            const d2 = text.charCodeAt(i + 3) - 48;
            if (d1 >= 0 && d1 <= 7 && d2 >= 0 && d2 <= 7) {
              cp = (e.charCodeAt(0) - 48) * 64 + d1 * 8 + d2;
              len = 4;
              break;
            }
          }
          throw new CelSyntaxError(`invalid escape sequence \\${e ?? ''}`, escapeAt);
        }
      }
      parts.push(String.fromCodePoint(cp));
      i += len;
      chunk = i;
      continue;
    }
    i++;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------------------

/** A leaf's children. */
const NO_CHILDREN: readonly CelAst[] = [];

class Parser {
  private pos = 0;
  private depth = 0;
  /**
   * Tree heights, recorded as nodes are built so the bound is checked without a second walk; leaves (height
   * 1) are not recorded. Kept for one parse only: with a module-wide WeakMap of every node ever parsed, the
   * 1,644 conditions of "plan, 40000 resources" (npm run bench) took a median 59 ms to parse in a fresh
   * process, against 46 ms this way (12 alternating runs).
   */
  private readonly heights = new Map<CelAst, number>();
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.t !== 'eof') this.pos++;
    return t;
  }
  private isPunct(v: string): boolean {
    const t = this.peek();
    return t.t === 'punct' && t.v === v;
  }
  private describe(t: Token): string {
    if (t.t === 'eof') return 'end of expression';
    return `'${this.text.slice(t.s, t.e)}'`;
  }
  private expectPunct(v: string, context: string): Token {
    const t = this.peek();
    if (t.t !== 'punct' || t.v !== v) {
      throw new CelSyntaxError(`expected '${v}' ${context}, found ${this.describe(t)}`, t.s);
    }
    return this.next();
  }

  private enter(at: number): void {
    if (++this.depth > MAX_NESTING_DEPTH) {
      throw new CelSyntaxError(`expression nested more than ${MAX_NESTING_DEPTH} levels deep`, at);
    }
  }
  private leave(): void {
    this.depth--;
  }

  /** Record a node's height (one more than its tallest child) and enforce the depth bound. */
  private node<T extends CelAst>(n: T, children: readonly CelAst[]): T {
    let h = 0;
    for (const c of children) h = Math.max(h, this.heights.get(c) ?? 1);
    h += 1;
    if (h > MAX_NESTING_DEPTH) {
      throw new CelSyntaxError(`expression nested more than ${MAX_NESTING_DEPTH} levels deep`, n.start);
    }
    if (h > 1) this.heights.set(n, h);
    return n;
  }

  parseAll(): CelAst {
    const ast = this.parseExpr();
    const t = this.peek();
    if (t.t !== 'eof') {
      throw new CelSyntaxError(`unexpected ${this.describe(t)} after the end of the expression`, t.s);
    }
    return ast;
  }

  private parseExpr(): CelAst {
    this.enter(this.peek().s);
    const test = this.parseOr();
    let result = test;
    if (this.isPunct('?')) {
      this.next();
      const then = this.parseOr();
      this.expectPunct(':', "in a conditional 'test ? a : b'");
      const otherwise = this.parseExpr();
      result = this.node(
        { kind: 'conditional', test, then, otherwise, start: test.start, end: otherwise.end },
        [test, then, otherwise],
      );
    }
    this.leave();
    return result;
  }

  private parseOr(): CelAst {
    const first = this.parseAnd();
    if (!this.isPunct('||')) return first;
    const operands = [first];
    while (this.isPunct('||')) {
      this.next();
      operands.push(this.parseAnd());
    }
    return this.node({ kind: 'logical', op: '||', operands, start: first.start, end: operands[operands.length - 1]!.end }, operands);
  }

  private parseAnd(): CelAst {
    const first = this.parseRelation();
    if (!this.isPunct('&&')) return first;
    const operands = [first];
    while (this.isPunct('&&')) {
      this.next();
      operands.push(this.parseRelation());
    }
    return this.node({ kind: 'logical', op: '&&', operands, start: first.start, end: operands[operands.length - 1]!.end }, operands);
  }

  private relationOp(): CelRelationOp | undefined {
    const t = this.peek();
    if (t.t === 'ident' && t.v === 'in') return 'in';
    if (t.t !== 'punct') return undefined;
    switch (t.v) {
      case '==': case '!=': case '<': case '<=': case '>': case '>=':
        return t.v;
      default:
        return undefined;
    }
  }

  private parseRelation(): CelAst {
    let left = this.parseArithmeticGuard();
    for (let op = this.relationOp(); op !== undefined; op = this.relationOp()) {
      this.next();
      const right = this.parseArithmeticGuard();
      left = this.node({ kind: 'relation', op, left, right, start: left.start, end: right.end }, [left, right]);
    }
    return left;
  }

  /** CEL's Addition/Multiplication levels: parsed far enough to refuse them clearly. */
  private parseArithmeticGuard(): CelAst {
    const operand = this.parseUnary();
    const t = this.peek();
    if (t.t === 'punct' && '+-*/%'.includes(t.v)) {
      throw new CelSyntaxError(`arithmetic operator '${t.v}' is not supported in attribute conditions by fedlint`, t.s);
    }
    return operand;
  }

  private parseUnary(): CelAst {
    const t = this.peek();
    if (t.t === 'punct' && (t.v === '!' || t.v === '-')) {
      this.enter(t.s);
      this.next();
      const operand = this.parseUnary();
      this.leave();
      const kind = t.v === '!' ? 'not' : 'negate';
      return this.node({ kind, operand, start: t.s, end: operand.end }, [operand]);
    }
    return this.parseMember();
  }

  private parseArgs(): { args: CelAst[]; end: number } {
    this.expectPunct('(', 'to open the argument list');
    const args: CelAst[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        args.push(this.parseExpr());
        if (!this.isPunct(',')) break;
        this.next();
      }
    }
    const close = this.expectPunct(')', 'to close the argument list');
    return { args, end: close.e };
  }

  private fieldName(): Token & { t: 'ident' } {
    const t = this.peek();
    if (t.t !== 'ident') throw new CelSyntaxError(`expected a field name after '.', found ${this.describe(t)}`, t.s);
    // `in`, `true`, `false` and `null` are tokens of their own in CEL's lexer, so they cannot follow a dot.
    // The host-language reserved words (`namespace`, `package`, ...) are refused only as bare identifiers
    // (the reference parsers check them in visitIdentOrGlobalCall, not in visitSelectOrCall), so
    // `x.namespace` is a field.
    if (t.v === 'in' || t.v === 'true' || t.v === 'false' || t.v === 'null') {
      throw new CelSyntaxError(`'${t.v}' cannot be a field name after '.'; use ['${t.v}']`, t.s);
    }
    this.next();
    return t;
  }

  private parseMember(): CelAst {
    let node = this.parsePrimary();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'punct') return node;
      if (t.v === '.') {
        this.next();
        const field = this.fieldName();
        if (this.isPunct('(')) {
          const { args, end } = this.parseArgs();
          node = this.node({ kind: 'call', target: node, name: field.v, args, start: node.start, end }, [node, ...args]);
        } else {
          node = this.node({ kind: 'select', operand: node, field: field.v, start: node.start, end: field.e }, [node]);
        }
      } else if (t.v === '[') {
        this.next();
        const index = this.parseExpr();
        const close = this.expectPunct(']', 'to close the index');
        node = this.node({ kind: 'index', operand: node, index, start: node.start, end: close.e }, [node, index]);
      } else if (t.v === '{') {
        throw new CelSyntaxError('message construction is not supported', t.s);
      } else {
        return node;
      }
    }
  }

  private parsePrimary(): CelAst {
    const t = this.peek();
    switch (t.t) {
      case 'int':
      case 'double':
      case 'string':
        this.next();
        return this.node({ kind: 'literal', value: t.v, start: t.s, end: t.e }, NO_CHILDREN);
      case 'eof':
        throw new CelSyntaxError('expected an expression, found end of expression', t.s);
      case 'ident': {
        if (t.v === 'true' || t.v === 'false') {
          this.next();
          return this.node({ kind: 'literal', value: t.v === 'true', start: t.s, end: t.e }, NO_CHILDREN);
        }
        if (t.v === 'null') {
          this.next();
          return this.node({ kind: 'literal', value: null, start: t.s, end: t.e }, NO_CHILDREN);
        }
        if (t.v === 'in' || RESERVED.has(t.v)) {
          throw new CelSyntaxError(`unexpected reserved word '${t.v}'`, t.s);
        }
        this.next();
        if (this.isPunct('(')) {
          const { args, end } = this.parseArgs();
          if (t.v === 'has') {
            // The has() macro takes exactly one field selection (langdef.md "Macros").
            const arg = args[0];
            if (args.length !== 1 || arg === undefined || arg.kind !== 'select') {
              throw new CelSyntaxError('has() needs exactly one field selection argument, e.g. has(assertion.ref)', t.s);
            }
          }
          return this.node({ kind: 'call', target: null, name: t.v, args, start: t.s, end }, args);
        }
        if (!VARIABLES.has(t.v)) {
          throw new CelSyntaxError(
            `unknown identifier '${t.v}': an attribute condition can reference only assertion, attribute and google (gcp.md §2.2)`,
            t.s,
          );
        }
        return this.node({ kind: 'ident', name: t.v as CelVariable, start: t.s, end: t.e }, NO_CHILDREN);
      }
      case 'punct': {
        if (t.v === '(') {
          this.next();
          const inner = this.parseExpr();
          this.expectPunct(')', 'to close the parenthesis');
          return inner;
        }
        if (t.v === '[') {
          this.next();
          const elements: CelAst[] = [];
          while (!this.isPunct(']')) {
            elements.push(this.parseExpr());
            if (!this.isPunct(',')) break;
            this.next();
          }
          const close = this.expectPunct(']', 'to close the list');
          return this.node({ kind: 'list', elements, start: t.s, end: close.e }, elements);
        }
        if (t.v === '{') throw new CelSyntaxError('map literals are not supported', t.s);
        if (t.v === '.') throw new CelSyntaxError('leading-dot (root scope) names are not supported', t.s);
        throw new CelSyntaxError(`expected an expression, found ${this.describe(t)}`, t.s);
      }
    }
  }
}

export function parseCel(text: string): CelParseResult {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    return {
      ok: false,
      message: `expression longer than ${MAX_EXPRESSION_LENGTH} characters`,
      offset: MAX_EXPRESSION_LENGTH,
    };
  }
  try {
    const tokens = tokenize(text);
    return { ok: true, ast: new Parser(tokens, text).parseAll() };
  } catch (err) {
    if (err instanceof CelSyntaxError) return { ok: false, message: err.message, offset: err.offset };
    if (err instanceof RangeError) {
      // Defence in depth: the depth bound should make this unreachable.
      return { ok: false, message: 'expression too deeply nested', offset: 0 };
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Printer
// ---------------------------------------------------------------------------------------------------------

const PREC_CONDITIONAL = 0;
const PREC_OR = 1;
const PREC_AND = 2;
const PREC_RELATION = 3;
const PREC_UNARY = 4;
const PREC_MEMBER = 5;

function precedence(node: CelAst): number {
  switch (node.kind) {
    case 'conditional':
      return PREC_CONDITIONAL;
    case 'logical':
      return node.op === '||' ? PREC_OR : PREC_AND;
    case 'relation':
      return PREC_RELATION;
    case 'not':
    case 'negate':
      return PREC_UNARY;
    default:
      return PREC_MEMBER;
  }
}

function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\\': out += '\\\\'; break;
      case '"': out += '\\"'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      default: {
        const c = ch.codePointAt(0)!;
        out += c < 0x20 || c === 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
      }
    }
  }
  return out + '"';
}

function formatDouble(v: number): string {
  if (!Number.isFinite(v)) {
    // CEL has no literal for these; printed for messages only (does not parse back).
    return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  }
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return `${Object.is(v, -0) ? '-0' : String(v)}.0`;
  return String(v);
}

function printLiteral(value: CelLiteral): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return formatDouble(value);
  return String(value);
}

function print(node: CelAst, minPrec: number): string {
  const s = printRaw(node);
  return precedence(node) < minPrec ? `(${s})` : s;
}

function printRaw(node: CelAst): string {
  switch (node.kind) {
    case 'literal':
      return printLiteral(node.value);
    case 'ident':
      return node.name;
    case 'select':
      return `${print(node.operand, PREC_MEMBER)}.${node.field}`;
    case 'index':
      return `${print(node.operand, PREC_MEMBER)}[${print(node.index, PREC_CONDITIONAL)}]`;
    case 'call': {
      const args = node.args.map((a) => print(a, PREC_CONDITIONAL)).join(', ');
      return node.target === null ? `${node.name}(${args})` : `${print(node.target, PREC_MEMBER)}.${node.name}(${args})`;
    }
    case 'list':
      return `[${node.elements.map((e) => print(e, PREC_CONDITIONAL)).join(', ')}]`;
    case 'not':
      return `!${print(node.operand, PREC_UNARY)}`;
    case 'negate':
      return `-${print(node.operand, PREC_UNARY)}`;
    case 'relation':
      // Left-associative: a relation on the left needs no parentheses, one on the right does.
      return `${print(node.left, PREC_RELATION)} ${node.op} ${print(node.right, PREC_UNARY)}`;
    case 'logical': {
      // An operand that is itself a chain of the same operator was parenthesized in the source (the parser
      // flattens unparenthesized chains), so it is printed with parentheses to keep the tree.
      const min = node.op === '||' ? PREC_AND : PREC_RELATION;
      return node.operands.map((o) => print(o, min)).join(` ${node.op} `);
    }
    case 'conditional':
      return `${print(node.test, PREC_OR)} ? ${print(node.then, PREC_OR)} : ${print(node.otherwise, PREC_CONDITIONAL)}`;
  }
}

/** CEL source text for a tree; `parseCel(printCel(ast))` gives back the same tree (offsets aside). */
export function printCel(ast: CelAst): string {
  return print(ast, PREC_CONDITIONAL);
}

// ---------------------------------------------------------------------------------------------------------
// Evaluator
// ---------------------------------------------------------------------------------------------------------

/** A CEL runtime error. Kept distinct from every CEL value (maps are plain objects). */
class CelError {
  /** `limit`: the error is one of fedlint's bounds (see CelPartialResult), not CEL's semantics. */
  constructor(
    readonly message: string,
    readonly limit = false,
  ) {}
}

/**
 * A value fedlint does not know (an attribute mapped by an expression it cannot evaluate). Only
 * evaluateCelPartial meets these. Like CEL's own unknowns (cel-spec langdef.md "Evaluation", partial
 * state), an operation on an unknown is unknown, except where the result does not depend on it: `&&` and
 * `||` with a deciding operand elsewhere; and a strict operation whose other operand is an error is that
 * error whatever the unknown holds.
 */
class CelUnknown {
  constructor(readonly reason: string) {}
}

/** A value to bind in CelVars (a variable or a map entry) for evaluateCelPartial: the result may depend on it. */
export function celUnknown(reason: string): unknown {
  return new CelUnknown(reason);
}

/** Whether a value is one made by celUnknown(), and why it is unknown. */
export function unknownReason(value: unknown): string | undefined {
  return value instanceof CelUnknown ? value.reason : undefined;
}

/** The first error among evaluated operands, else the first unknown, else undefined (strict operations). */
function strictFailure(...values: unknown[]): CelError | CelUnknown | undefined {
  let unknown: CelUnknown | undefined;
  for (const v of values) {
    if (v instanceof CelError) return v;
    if (v instanceof CelUnknown) unknown ??= v;
  }
  return unknown;
}

type CelType = 'string' | 'int' | 'double' | 'bool' | 'null' | 'list' | 'map' | 'unsupported';

function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function typeOf(v: unknown): CelType {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      // JSON numbers (claims) are doubles in CEL (langdef.md "JSON Data Conversion").
      return 'double';
    case 'boolean':
      return 'bool';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'list';
      if (isMap(v)) return 'map';
      return 'unsupported';
  }
}

function noOverload(fn: string, ...args: unknown[]): CelError {
  return new CelError(`no_matching_overload: ${fn}(${args.map(typeOf).join(', ')})`);
}

/** Look up a map key, own properties only (a claim named `constructor` must not reach Object.prototype). */
function lookup(map: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

function checkValue(v: unknown): unknown {
  if (v instanceof CelUnknown) return v;
  return typeOf(v) === 'unsupported' ? new CelError(`unsupported value of JavaScript type ${typeof v}`, true) : v;
}

function numericEquals(a: bigint | number, b: bigint | number): boolean {
  if (typeof a === typeof b) return a === b;
  const i = (typeof a === 'bigint' ? a : b) as bigint;
  const d = (typeof a === 'number' ? a : b) as number;
  return Number.isInteger(d) && BigInt(d) === i;
}

/** Heterogeneous equality (see the module comment): different types are unequal, never an error. */
function celEquals(a: unknown, b: unknown, depth = 0): boolean | CelError | CelUnknown {
  if (a instanceof CelUnknown) return a;
  if (b instanceof CelUnknown) return b;
  if (depth > MAX_VALUE_DEPTH) return new CelError('value nested too deeply to compare', true);
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta === 'unsupported' || tb === 'unsupported') return noOverload('_==_', a, b);
  if ((ta === 'int' || ta === 'double') && (tb === 'int' || tb === 'double')) {
    return numericEquals(a as bigint | number, b as bigint | number);
  }
  if (ta !== tb) return false;
  if (ta === 'list') {
    const la = a as unknown[];
    const lb = b as unknown[];
    if (la.length !== lb.length) return false;
    for (let k = 0; k < la.length; k++) {
      const r = celEquals(la[k], lb[k], depth + 1);
      if (r !== true) return r;
    }
    return true;
  }
  if (ta === 'map') {
    const ma = a as Record<string, unknown>;
    const mb = b as Record<string, unknown>;
    const ka = Object.keys(ma).filter((k) => ma[k] !== undefined);
    const kb = Object.keys(mb).filter((k) => mb[k] !== undefined);
    if (ka.length !== kb.length) return false;
    for (const k of ka) {
      const other = lookup(mb, k);
      if (other === undefined) return false;
      const r = celEquals(ma[k], other, depth + 1);
      if (r !== true) return r;
    }
    return true;
  }
  return a === b;
}

/** Compare two strings by Unicode code point (CEL orders strings by code point, JS `<` by UTF-16 unit). */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/** -1, 0, 1, or NaN when unordered (a NaN double). */
function compareNumbers(a: bigint | number, b: bigint | number): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  const flip = typeof a === 'number';
  const i = (flip ? b : a) as bigint;
  const d = (flip ? a : b) as number;
  let r: number;
  if (Number.isNaN(d)) return NaN;
  if (d === Infinity) r = -1;
  else if (d === -Infinity) r = 1;
  else if (Number.isInteger(d)) {
    const bd = BigInt(d);
    r = i < bd ? -1 : i > bd ? 1 : 0;
  } else {
    // d is not an integer, so i < d exactly when i <= floor(d).
    r = i <= BigInt(Math.floor(d)) ? -1 : 1;
  }
  return flip ? -r : r;
}

function relation(op: CelRelationOp, a: unknown, b: unknown): unknown {
  switch (op) {
    case '==':
      return celEquals(a, b);
    case '!=': {
      const r = celEquals(a, b);
      return r instanceof CelError || r instanceof CelUnknown ? r : !r;
    }
    case 'in': {
      if (a instanceof CelUnknown) return a;
      if (Array.isArray(b)) {
        let unknown: CelUnknown | undefined;
        for (const el of b) {
          const r = celEquals(a, el);
          if (r instanceof CelError) return r;
          if (r instanceof CelUnknown) unknown ??= r;
          else if (r) return true;
        }
        return unknown ?? false;
      }
      if (isMap(b)) {
        if (typeof a !== 'string') return false;
        const v = lookup(b, a);
        return v instanceof CelUnknown ? v : v !== undefined;
      }
      return noOverload('@in', a, b);
    }
    default: {
      const ta = typeOf(a);
      const tb = typeOf(b);
      let c: number;
      if ((ta === 'int' || ta === 'double') && (tb === 'int' || tb === 'double')) {
        c = compareNumbers(a as bigint | number, b as bigint | number);
      } else if (ta === 'string' && tb === 'string') {
        c = compareCodePoints(a as string, b as string);
      } else if (ta === 'bool' && tb === 'bool') {
        c = a === b ? 0 : a === false ? -1 : 1;
      } else {
        return noOverload(`_${op}_`, a, b);
      }
      if (Number.isNaN(c)) return false;
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
  }
}

class Evaluator {
  constructor(private readonly vars: CelVars) {}

  evaluate(node: CelAst): unknown {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'ident': {
        const v = this.vars[node.name];
        return v === undefined ? new CelError(`no value bound to '${node.name}'`) : checkValue(v);
      }
      case 'select': {
        const operand = this.evaluate(node.operand);
        if (operand instanceof CelError || operand instanceof CelUnknown) return operand;
        if (!isMap(operand)) return new CelError(`no_matching_overload: field selection .${node.field} on ${typeOf(operand)}`);
        const v = lookup(operand, node.field);
        return v === undefined ? new CelError(`no such key: ${node.field}`) : checkValue(v);
      }
      case 'index': {
        const operand = this.evaluate(node.operand);
        const index = this.evaluate(node.index);
        const failed = strictFailure(operand, index);
        if (failed) return failed;
        if (isMap(operand)) {
          if (typeof index !== 'string') return new CelError(`no such key: ${String(index)}`);
          const v = lookup(operand, index);
          return v === undefined ? new CelError(`no such key: ${index}`) : checkValue(v);
        }
        if (Array.isArray(operand)) {
          if (typeof index !== 'bigint') return noOverload('_[_]', operand, index);
          if (index < 0n || index >= BigInt(operand.length)) return new CelError(`index out of range: ${index}`);
          return checkValue(operand[Number(index)]);
        }
        return noOverload('_[_]', operand, index);
      }
      case 'list': {
        const out = node.elements.map((e) => this.evaluate(e));
        return strictFailure(...out) ?? out;
      }
      case 'not': {
        const v = this.evaluate(node.operand);
        if (v instanceof CelError || v instanceof CelUnknown) return v;
        return typeof v === 'boolean' ? !v : noOverload('!_', v);
      }
      case 'negate': {
        const v = this.evaluate(node.operand);
        if (v instanceof CelError || v instanceof CelUnknown) return v;
        if (typeof v === 'bigint') return v === INT64_MIN ? new CelError('int overflow') : -v;
        if (typeof v === 'number') return -v;
        return noOverload('-_', v);
      }
      case 'relation': {
        const a = this.evaluate(node.left);
        const b = this.evaluate(node.right);
        return strictFailure(a, b) ?? relation(node.op, a, b);
      }
      case 'logical':
        return this.logical(node.op, node.operands);
      case 'conditional': {
        const test = this.evaluate(node.test);
        if (test instanceof CelError || test instanceof CelUnknown) return test;
        if (typeof test !== 'boolean') return noOverload('_?_:_', test);
        return this.evaluate(test ? node.then : node.otherwise);
      }
      case 'call':
        return this.call(node);
    }
  }

  /**
   * `&&` / `||` per langdef.md "Logical Operators": an operand that decides the result (false for `&&`,
   * true for `||`) wins over errors in the others, in any position; otherwise the first error (or a
   * non-bool operand, itself a no_matching_overload error) is the result.
   */
  private logical(op: '&&' | '||', operands: readonly CelAst[]): unknown {
    const decisive = op === '||';
    let error: CelError | undefined;
    // An unknown operand could be the deciding one, so it wins over errors (an error is the result only
    // if the unknown turns out not to decide).
    let unknown: CelUnknown | undefined;
    for (const o of operands) {
      const v = this.evaluate(o);
      if (v === decisive) return decisive;
      if (v === !decisive) continue;
      if (v instanceof CelUnknown) unknown ??= v;
      else error ??= v instanceof CelError ? v : noOverload(op === '&&' ? '_&&_' : '_||_', v);
    }
    return unknown ?? error ?? !decisive;
  }

  private call(node: Extract<CelAst, { kind: 'call' }>): unknown {
    if (node.target === null) {
      if (node.name === 'has') {
        const arg = node.args[0];
        if (node.args.length !== 1 || arg === undefined || arg.kind !== 'select') {
          return new CelError('has() needs one field selection');
        }
        const operand = this.evaluate(arg.operand);
        if (operand instanceof CelError || operand instanceof CelUnknown) return operand;
        if (!isMap(operand)) return noOverload('has', operand);
        const field = lookup(operand, arg.field);
        return field instanceof CelUnknown ? field : field !== undefined;
      }
      return new CelError(`function '${node.name}' is not supported by fedlint`, true);
    }
    const target = this.evaluate(node.target);
    const args = node.args.map((a) => this.evaluate(a));
    const failed = strictFailure(target, ...args);
    if (failed) return failed;
    switch (node.name) {
      case 'startsWith':
      case 'endsWith':
      case 'contains':
      case 'matches': {
        const arg = args[0];
        if (typeof target !== 'string' || args.length !== 1 || typeof arg !== 'string') {
          return noOverload(node.name, target, ...args);
        }
        if (node.name === 'startsWith') return target.startsWith(arg);
        if (node.name === 'endsWith') return target.endsWith(arg);
        if (node.name === 'contains') return target.includes(arg);
        const program = compileRegexCached(arg);
        return program instanceof CelError ? program : runRegex(program, target);
      }
      default:
        return new CelError(`function '${node.name}' is not supported by fedlint`, true);
    }
  }
}

export function evaluateCel(ast: CelAst, vars: CelVars): CelResult {
  const r = evaluateCelPartial(ast, vars);
  if (r.kind === 'error') return { error: r.message };
  if (r.kind === 'unknown') return { error: `depends on a value fedlint does not know: ${r.reason}` };
  if (typeof r.value === 'boolean') return r.value;
  return { error: `condition evaluated to ${typeOf(r.value)}, not bool` };
}

/**
 * Evaluate an expression to a value (an attribute_mapping gives strings and lists, a condition a bool),
 * with CEL's error semantics; vars may hold celUnknown() values, which make the result 'unknown' when it
 * depends on them.
 */
export function evaluateCelPartial(ast: CelAst, vars: CelVars): CelPartialResult {
  let result: unknown;
  try {
    result = new Evaluator(vars).evaluate(ast);
  } catch (err) {
    if (err instanceof RangeError) return { kind: 'error', message: 'evaluation exceeded the stack', limit: true };
    throw err;
  }
  if (result instanceof CelError) return { kind: 'error', message: result.message, limit: result.limit };
  if (result instanceof CelUnknown) return { kind: 'unknown', reason: result.reason };
  return { kind: 'value', value: result };
}

// ---------------------------------------------------------------------------------------------------------
// RE2-syntax regular expressions: parser and Thompson-NFA matcher
// ---------------------------------------------------------------------------------------------------------
//
// Syntax follows https://github.com/google/re2/wiki/Syntax as far as match/no-match is concerned:
// literals, `.`, classes (with ranges, negation, Perl `\d\w\s`, ASCII `[:alpha:]` classes), anchors
// `^ $ \A \z \b \B`, groups `( )`, `(?: )`, `(?P<name> )`, `(?<name> )`, flags `(?imsU)` and `(?imsU: )`,
// alternation, and `* + ? {n} {n,} {n,m}` (greedy or lazy: laziness does not change whether a match
// exists). RE2's `\C`, `\p{…}` Unicode classes and `\pN` are refused as unsupported; backreferences and
// lookaround are refused because RE2 does not have them.

interface CharSet {
  ranges: Array<[number, number]>;
  negated: boolean;
  /** Case-insensitive (`(?i)`): a code point also matches through its simple lower/upper case. */
  fold: boolean;
}

type Re =
  | { k: 'empty' }
  | { k: 'char'; set: CharSet }
  | { k: 'cat'; items: Re[] }
  | { k: 'alt'; items: Re[] }
  | { k: 'repeat'; sub: Re; min: number; max: number }
  | { k: 'assert'; a: 'bol' | 'eol' | 'bot' | 'eot' | 'word' | 'nonword' };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

class RegexSyntaxError extends Error {}

const DIGIT_RANGES: Array<[number, number]> = [[48, 57]];
const WORD_RANGES: Array<[number, number]> = [[48, 57], [65, 90], [95, 95], [97, 122]];
const SPACE_RANGES: Array<[number, number]> = [[9, 10], [12, 13], [32, 32]];
const POSIX_CLASSES: Record<string, Array<[number, number]>> = {
  alnum: [[48, 57], [65, 90], [97, 122]],
  alpha: [[65, 90], [97, 122]],
  ascii: [[0, 127]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 31], [127, 127]],
  digit: [[48, 57]],
  graph: [[33, 126]],
  lower: [[97, 122]],
  print: [[32, 126]],
  punct: [[33, 47], [58, 64], [91, 96], [123, 126]],
  space: [[9, 13], [32, 32]],
  upper: [[65, 90]],
  word: WORD_RANGES,
  xdigit: [[48, 57], [65, 70], [97, 102]],
};

function complement(ranges: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function literal(cp: number, flags: Flags): Re {
  return { k: 'char', set: { ranges: [[cp, cp]], negated: false, fold: flags.i } };
}

class RegexParser {
  pos = 0;
  constructor(private readonly src: string) {}

  private fail(message: string): never {
    throw new RegexSyntaxError(`${message} (at ${this.pos})`);
  }

  parse(): Re {
    const re = this.alternation({ i: false, m: false, s: false });
    if (this.pos < this.src.length) this.fail('unexpected )');
    return re;
  }

  private alternation(flags: Flags): Re {
    const items = [this.concat(flags)];
    while (this.src[this.pos] === '|') {
      this.pos++;
      items.push(this.concat(flags));
    }
    return items.length === 1 ? items[0]! : { k: 'alt', items };
  }

  /** A repetition `{n}`, `{n,}` or `{n,m}` at the cursor, or undefined (then `{` is a literal, as in RE2). */
  private braces(): { min: number; max: number; end: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 16));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    if (min > MAX_REGEX_REPEAT || max > MAX_REGEX_REPEAT) this.fail(`repetition count over ${MAX_REGEX_REPEAT}`);
    if (max !== -1 && max < min) this.fail('invalid repetition range');
    return { min, max, end: this.pos + m[0].length };
  }

  private concat(flags: Flags): Re {
    const items: Re[] = [];
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined || c === '|' || c === ')') break;
      const atom = this.atom(flags);
      if (atom === undefined) continue; // a flag group such as (?i): changes flags, matches nothing
      let re = atom;
      let quantified = false;
      for (;;) {
        const q = this.src[this.pos];
        let min: number;
        let max: number;
        if (q === '*' || q === '+' || q === '?') {
          min = q === '+' ? 1 : 0;
          max = q === '?' ? 1 : -1;
          this.pos++;
        } else if (q === '{') {
          const b = this.braces();
          if (!b) break;
          ({ min, max } = b);
          this.pos = b.end;
        } else {
          break;
        }
        if (quantified) this.fail('bad repetition operator');
        quantified = true;
        if (this.src[this.pos] === '?') this.pos++; // lazy: same set of matches
        re = { k: 'repeat', sub: re, min, max };
      }
      items.push(re);
    }
    if (items.length === 0) return { k: 'empty' };
    return items.length === 1 ? items[0]! : { k: 'cat', items };
  }

  private flagGroup(flags: Flags): { scoped: Flags; groupEnd: boolean } {
    // At the character after `(?`: [imsU]* [-[imsU]*] (':' | ')')
    const next = { ...flags };
    let negate = false;
    let any = false;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) this.fail('missing closing )');
      if (c === ':' || c === ')') {
        if (!any) this.fail('empty flag group');
        this.pos++;
        return { scoped: next, groupEnd: c === ')' };
      }
      if (c === '-') {
        if (negate) this.fail('invalid flag group');
        negate = true;
      } else if (c === 'i' || c === 'm' || c === 's') {
        next[c] = !negate;
        any = true;
      } else if (c === 'U') {
        any = true; // ungreedy: does not change whether a match exists
      } else {
        this.fail(`unsupported or invalid group syntax (?${c}`);
      }
      this.pos++;
    }
  }

  /** One atom, or undefined for a bare flag group `(?i)` (which changes `flags` in place). */
  private atom(flags: Flags): Re | undefined {
    const c = this.src[this.pos]!;
    switch (c) {
      case '(': {
        this.pos++;
        let inner: Flags = { ...flags };
        if (this.src[this.pos] === '?') {
          this.pos++;
          const g = this.src[this.pos];
          if (g === ':') {
            this.pos++;
          } else if (g === '=' || g === '!') {
            this.fail('lookahead is not supported (RE2 has no lookaround)');
          } else if (g === '<' && (this.src[this.pos + 1] === '=' || this.src[this.pos + 1] === '!')) {
            this.fail('lookbehind is not supported (RE2 has no lookaround)');
          } else if (g === 'P' && this.src[this.pos + 1] === '=') {
            this.fail('backreferences are not supported (RE2 has none)');
          } else if (g === '<' || (g === 'P' && this.src[this.pos + 1] === '<')) {
            this.pos += g === 'P' ? 2 : 1;
            const close = this.src.indexOf('>', this.pos);
            const name = close < 0 ? '' : this.src.slice(this.pos, close);
            if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail('invalid named capture group');
            this.pos = close + 1;
          } else {
            const f = this.flagGroup(flags);
            if (f.groupEnd) {
              // (?flags) applies to the rest of the enclosing group.
              flags.i = f.scoped.i;
              flags.m = f.scoped.m;
              flags.s = f.scoped.s;
              return undefined;
            }
            inner = f.scoped;
          }
        }
        const re = this.alternation(inner);
        if (this.src[this.pos] !== ')') this.fail('missing closing )');
        this.pos++;
        return re;
      }
      case '[':
        return this.charClass(flags);
      case '.':
        this.pos++;
        return { k: 'char', set: { ranges: flags.s ? [] : [[10, 10]], negated: true, fold: false } };
      case '^':
        this.pos++;
        return { k: 'assert', a: flags.m ? 'bol' : 'bot' };
      case '$':
        this.pos++;
        return { k: 'assert', a: flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.escape(flags);
      case '*':
      case '+':
      case '?':
        return this.fail('missing argument to repetition operator');
      case '{':
        if (this.braces()) this.fail('missing argument to repetition operator');
        this.pos++;
        return literal(123, flags);
      default: {
        const cp = this.src.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return literal(cp, flags);
      }
    }
  }

  /** Escapes valid both inside and outside classes; returns ranges (for classes) or a code point. */
  private classEscape(): { ranges: Array<[number, number]> } | { cp: number } {
    // At the backslash.
    const e = this.src[this.pos + 1];
    if (e === undefined) this.fail('trailing backslash');
    this.pos += 2;
    switch (e) {
      case 'd': return { ranges: DIGIT_RANGES };
      case 'D': return { ranges: complement(DIGIT_RANGES) };
      case 'w': return { ranges: WORD_RANGES };
      case 'W': return { ranges: complement(WORD_RANGES) };
      case 's': return { ranges: SPACE_RANGES };
      case 'S': return { ranges: complement(SPACE_RANGES) };
      case 'a': return { cp: 7 };
      case 'f': return { cp: 12 };
      case 'n': return { cp: 10 };
      case 'r': return { cp: 13 };
      case 't': return { cp: 9 };
      case 'v': return { cp: 11 };
      case 'x': {
        if (this.src[this.pos] === '{') {
          const close = this.src.indexOf('}', this.pos);
          const hex = close < 0 ? '' : this.src.slice(this.pos + 1, close);
          if (!/^[0-9A-Fa-f]{1,8}$/.test(hex)) this.fail('invalid \\x{…} escape');
          const cp = parseInt(hex, 16);
          if (cp > 0x10ffff) this.fail('invalid \\x{…} escape');
          this.pos = close + 1;
          return { cp };
        }
        const hex = this.src.slice(this.pos, this.pos + 2);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) this.fail('invalid \\x escape');
        this.pos += 2;
        return { cp: parseInt(hex, 16) };
      }
      case 'p':
      case 'P':
        return this.fail('Unicode classes \\p / \\P are not supported by fedlint');
      case 'C':
        return this.fail('\\C is not supported by fedlint');
      case 'k':
        return this.fail('backreferences are not supported (RE2 has none)');
      default:
        break;
    }
    if (e >= '1' && e <= '9') this.fail('backreferences are not supported (RE2 has none)');
    if (e === '0') this.fail('octal escapes are not supported by fedlint');
    const cp = e.codePointAt(0)!;
    // RE2: a backslash before punctuation means the punctuation itself; before a letter or digit it is
    // only valid for the escapes above.
    if (cp < 128 && !isIdentPart(cp)) return { cp };
    this.pos -= 2;
    return this.fail(`invalid escape \\${e}`);
  }

  private escape(flags: Flags): Re {
    const e = this.src[this.pos + 1];
    switch (e) {
      case 'A': this.pos += 2; return { k: 'assert', a: 'bot' };
      case 'z': this.pos += 2; return { k: 'assert', a: 'eot' };
      case 'b': this.pos += 2; return { k: 'assert', a: 'word' };
      case 'B': this.pos += 2; return { k: 'assert', a: 'nonword' };
      case 'Q': {
        // \Q…\E: literal text.
        const close = this.src.indexOf('\\E', this.pos + 2);
        const text = this.src.slice(this.pos + 2, close < 0 ? this.src.length : close);
        this.pos = close < 0 ? this.src.length : close + 2;
        const items = Array.from(text, (ch) => literal(ch.codePointAt(0)!, flags));
        return items.length === 1 ? items[0]! : { k: 'cat', items };
      }
      default: {
        const r = this.classEscape();
        if ('cp' in r) return literal(r.cp, flags);
        return { k: 'char', set: { ranges: r.ranges, negated: false, fold: false } };
      }
    }
  }

  private charClass(flags: Flags): Re {
    const open = this.pos;
    this.pos++;
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    const ranges: Array<[number, number]> = [];
    let first = true;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) {
        this.pos = open;
        this.fail('missing closing ]');
      }
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && this.src[this.pos + 1] === ':') {
        const close = this.src.indexOf(':]', this.pos + 2);
        if (close >= 0) {
          let name = this.src.slice(this.pos + 2, close);
          const neg = name.startsWith('^');
          if (neg) name = name.slice(1);
          const cls = Object.prototype.hasOwnProperty.call(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
          if (!cls) this.fail(`invalid character class [:${name}:]`);
          ranges.push(...(neg ? complement(cls) : cls));
          this.pos = close + 2;
          continue;
        }
      }
      const lo = this.classAtom();
      if ('ranges' in lo) {
        ranges.push(...lo.ranges);
        continue;
      }
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        const hi = this.classAtom();
        if ('ranges' in hi) this.fail('invalid character class range');
        if (hi.cp < lo.cp) this.fail('invalid character class range');
        ranges.push([lo.cp, hi.cp]);
      } else {
        ranges.push([lo.cp, lo.cp]);
      }
    }
    return { k: 'char', set: { ranges, negated, fold: flags.i } };
  }

  private classAtom(): { ranges: Array<[number, number]> } | { cp: number } {
    if (this.src[this.pos] === '\\') return this.classEscape();
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return { cp };
  }
}

// The compiled program: a Thompson NFA.
type State =
  | { t: 'char'; set: CharSet; next: number }
  | { t: 'split'; a: number; b: number }
  | { t: 'assert'; a: Extract<Re, { k: 'assert' }>['a']; next: number }
  | { t: 'match' };

interface Program {
  states: State[];
  start: number;
}

function compileRegex(pattern: string): Program | CelError {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return new CelError(`regular expression longer than ${MAX_REGEX_LENGTH} characters`, true);
  }
  let re: Re;
  try {
    re = new RegexParser(pattern).parse();
  } catch (err) {
    // Features fedlint refuses (RE2 has them) are its limits; anything else RE2 would refuse as well.
    if (err instanceof RegexSyntaxError) return new CelError(`invalid regular expression: ${err.message}`, /by fedlint/.test(err.message));
    throw err;
  }
  const states: State[] = [];
  const add = (s: State): number => {
    if (states.length >= MAX_REGEX_STATES) throw new RegexSyntaxError('regular expression too large');
    states.push(s);
    return states.length - 1;
  };
  // Compile back to front: each node is given the state that follows it and returns its entry state.
  const compile = (node: Re, next: number): number => {
    switch (node.k) {
      case 'empty':
        return next;
      case 'char':
        return add({ t: 'char', set: node.set, next });
      case 'assert':
        return add({ t: 'assert', a: node.a, next });
      case 'cat': {
        let entry = next;
        for (let k = node.items.length - 1; k >= 0; k--) entry = compile(node.items[k]!, entry);
        return entry;
      }
      case 'alt': {
        let entry = compile(node.items[node.items.length - 1]!, next);
        for (let k = node.items.length - 2; k >= 0; k--) {
          entry = add({ t: 'split', a: compile(node.items[k]!, next), b: entry });
        }
        return entry;
      }
      case 'repeat': {
        let entry = next;
        if (node.max === -1) {
          const loop = add({ t: 'split', a: -1, b: next });
          const body = compile(node.sub, loop);
          (states[loop] as Extract<State, { t: 'split' }>).a = body;
          entry = loop;
        } else {
          for (let k = node.min; k < node.max; k++) {
            entry = add({ t: 'split', a: compile(node.sub, entry), b: next });
          }
        }
        for (let k = 0; k < node.min; k++) entry = compile(node.sub, entry);
        return entry;
      }
    }
  };
  try {
    const match = add({ t: 'match' });
    return { states, start: compile(re, match) };
  } catch (err) {
    // Only the state budget throws here: fedlint's bound, not RE2's.
    if (err instanceof RegexSyntaxError) return new CelError(err.message, true);
    throw err;
  }
}

const regexCache = new Map<string, Program | CelError>();

function compileRegexCached(pattern: string): Program | CelError {
  let p = regexCache.get(pattern);
  if (p === undefined) {
    if (regexCache.size >= 256) regexCache.clear();
    p = compileRegex(pattern);
    regexCache.set(pattern, p);
  }
  return p;
}

function simpleCase(cp: number, upper: boolean): number {
  const s = String.fromCodePoint(cp);
  const t = upper ? s.toUpperCase() : s.toLowerCase();
  const c = t.codePointAt(0)!;
  return t.length === String.fromCodePoint(c).length ? c : cp;
}

function inRanges(ranges: ReadonlyArray<[number, number]>, cp: number): boolean {
  for (const [lo, hi] of ranges) if (cp >= lo && cp <= hi) return true;
  return false;
}

function setMatches(set: CharSet, cp: number): boolean {
  let hit = inRanges(set.ranges, cp);
  if (!hit && set.fold) hit = inRanges(set.ranges, simpleCase(cp, false)) || inRanges(set.ranges, simpleCase(cp, true));
  return set.negated ? !hit : hit;
}

function isWordCp(cp: number | undefined): boolean {
  return cp !== undefined && inRanges(WORD_RANGES, cp);
}

/** Unanchored search (CEL `matches` succeeds on a match anywhere): O(states × subject length). */
function runRegex(program: Program, subject: string): boolean {
  const text = Array.from(subject, (ch) => ch.codePointAt(0)!);
  const { states } = program;
  const mark = new Int32Array(states.length).fill(-1);
  let current: number[] = [];
  let next: number[] = [];
  const stack: number[] = [];

  // Follow empty transitions from `s` at position `p`, collecting char and match states into `list`.
  const addClosure = (list: number[], s: number, p: number): boolean => {
    stack.push(s);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (mark[id] === p) continue;
      mark[id] = p;
      const st = states[id]!;
      switch (st.t) {
        case 'match':
          stack.length = 0;
          return true;
        case 'char':
          list.push(id);
          break;
        case 'split':
          stack.push(st.b, st.a);
          break;
        case 'assert': {
          const prev = p > 0 ? text[p - 1] : undefined;
          const cur = p < text.length ? text[p] : undefined;
          let ok: boolean;
          switch (st.a) {
            case 'bot': ok = p === 0; break;
            case 'eot': ok = p === text.length; break;
            case 'bol': ok = p === 0 || prev === 10; break;
            case 'eol': ok = p === text.length || cur === 10; break;
            case 'word': ok = isWordCp(prev) !== isWordCp(cur); break;
            case 'nonword': ok = isWordCp(prev) === isWordCp(cur); break;
          }
          if (ok) stack.push(st.next);
          break;
        }
      }
    }
    return false;
  };

  for (let p = 0; p <= text.length; p++) {
    // A new attempt may start at every position (unanchored search).
    if (addClosure(current, program.start, p)) return true;
    if (p === text.length) break;
    const cp = text[p]!;
    next.length = 0;
    for (const id of current) {
      const st = states[id] as Extract<State, { t: 'char' }>;
      if (setMatches(st.set, cp) && addClosure(next, st.next, p + 1)) return true;
    }
    [current, next] = [next, current];
  }
  return false;
}
