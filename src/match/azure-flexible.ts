/**
 * Azure flexible federated identity credentials: the `claimsMatchingExpression.value` language
 * (languageVersion 1), reference/azure.md §3 and MicrosoftDocs/entra-docs
 * `docs/workload-id/workload-identities-flexible-federated-identity-credentials.md`
 * ("Flexible federated identity credential language structure" and "... expression language functionality").
 *
 * What the language has, as documented:
 *   clause     := claims['<claimName>'] <op> '<comparand>'
 *   op         := eq | matches
 *   expression := clause { and clause }
 * `matches` is a glob (`*` any run, `?` one character; azure.md §3 gives no segment semantics, so `*` crosses
 * `/` and `:`), `eq` is exact equality. `or`, `not`, parentheses and regular expressions are not documented
 * (azure.md §3: "not supported (as far as documented)"), so the parser rejects them with a message saying so.
 *
 * Choices where the documentation is silent or loose (all marked unverified):
 * - Quoting: the Entra page says "Single quotes are interpreted as escape characters within the flexible
 *   federated identity credential expression language". We read that as the OData/SQL convention: inside a
 *   quoted string `''` stands for one `'`. A backslash is an ordinary character.
 * - Spacing: the page says the operator is "separated from the claim lookup and comparand by a single space".
 *   We accept any run of whitespace between tokens (and around the expression): for a linter the safe
 *   reading of an almost-right expression is its evident meaning, so that a broad wildcard is still reported.
 * - Keyword case: the docs spell `claims`, `eq`, `matches`, `and` in lower case only; we accept any case for
 *   the same reason. Claim names and comparands are kept exactly as written (JWT claim names are
 *   case-sensitive).
 * - Typographic quotes (‘ ’ “ ”) appear in the rendered Microsoft examples but are not the ASCII `'` the
 *   grammar asks for; they are reported as errors because a copy-pasted expression with them is likely broken.
 * - Which claims may be used (GitHub: `sub`, `job_workflow_ref`; GitLab and HCP Terraform: `sub`) is enforced
 *   by Entra per issuer (azure.md §3). That is a rule's concern, not the parser's: any claim name parses.
 *
 * The parser is a single left-to-right scan (linear in the text); nothing here builds a RegExp from input.
 */
import { globMatch } from './glob.js';

export type FlexibleOperator = 'eq' | 'matches';

export interface FlexibleClause {
  /** The claim name inside `claims['…']`, unescaped. */
  claim: string;
  op: FlexibleOperator;
  /** The comparand, unescaped (`''` → `'`). */
  value: string;
  /** Offset of `claims`. */
  start: number;
  /** Offset just after the comparand's closing quote. */
  end: number;
  /** Offsets of the quoted comparand, quotes included, so a finding can point at the pattern itself. */
  valueStart: number;
  valueEnd: number;
}

export type FlexibleParseResult =
  | { ok: true; clauses: FlexibleClause[] }
  | { ok: false; message: string; offset: number };

class FlexibleSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const TYPOGRAPHIC_QUOTES = new Set(['\u2018', '\u2019', '\u201C', '\u201D']);

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';
}

function isWordChar(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const c = ch.charCodeAt(0);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (isSpace(this.text[this.pos])) this.pos++;
  }

  /** A run of letters, digits and `_` at the cursor (possibly empty). */
  word(): string {
    const from = this.pos;
    while (isWordChar(this.text[this.pos])) this.pos++;
    return this.text.slice(from, this.pos);
  }

  /** Describe the character at `at` for an error message. */
  describe(at: number): string {
    const ch = this.text[at];
    if (ch === undefined) return 'end of expression';
    return `'${ch}'`;
  }

  expect(ch: string, what: string): void {
    if (this.text[this.pos] !== ch) {
      throw new FlexibleSyntaxError(`expected ${what}, found ${this.describe(this.pos)}`, this.pos);
    }
    this.pos++;
  }

  /**
   * A single-quoted string starting at the cursor. `''` inside stands for one quote (see the module comment).
   * Returns the unescaped text.
   */
  quoted(what: string): string {
    const open = this.text[this.pos];
    if (open !== "'") {
      if (open !== undefined && TYPOGRAPHIC_QUOTES.has(open)) {
        throw new FlexibleSyntaxError(
          `${what} uses the typographic quote ${open} (U+${open.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}); the expression language needs the ASCII single quote '`,
          this.pos,
        );
      }
      if (open === '"') {
        throw new FlexibleSyntaxError(`${what} must be in single quotes, not double quotes`, this.pos);
      }
      throw new FlexibleSyntaxError(`expected ${what} in single quotes, found ${this.describe(this.pos)}`, this.pos);
    }
    const openAt = this.pos;
    this.pos++;
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      const close = this.text.indexOf("'", this.pos);
      if (close < 0) {
        throw new FlexibleSyntaxError(`unterminated quoted ${what} (opened here)`, openAt);
      }
      if (this.text[close + 1] === "'") {
        // `''` is an escaped quote: keep one and continue scanning after the pair.
        out += this.text.slice(chunkStart, close + 1);
        this.pos = close + 2;
        chunkStart = this.pos;
        continue;
      }
      out += this.text.slice(chunkStart, close);
      this.pos = close + 1;
      return out;
    }
  }
}

function parseClause(s: Scanner): FlexibleClause {
  const start = s.pos;
  if (s.text[start] === '(') {
    throw new FlexibleSyntaxError('parentheses are not part of the flexible credential language (azure.md §3)', start);
  }
  const keyword = s.word();
  if (keyword.toLowerCase() !== 'claims') {
    if (keyword.toLowerCase() === 'not') {
      throw new FlexibleSyntaxError("'not' is not supported by languageVersion 1 (azure.md §3)", start);
    }
    throw new FlexibleSyntaxError(
      keyword === '' ? `expected claims['<name>'], found ${s.describe(start)}` : `expected claims['<name>'], found '${keyword}'`,
      start,
    );
  }
  s.expect('[', "'[' after claims");
  const nameAt = s.pos;
  const claim = s.quoted('claim name');
  if (claim === '') throw new FlexibleSyntaxError('empty claim name', nameAt);
  s.expect(']', "']' after the claim name");

  const beforeOp = s.pos;
  s.skipSpace();
  const opAt = s.pos;
  if (opAt === beforeOp) {
    throw new FlexibleSyntaxError(`expected a space and an operator (eq or matches), found ${s.describe(opAt)}`, opAt);
  }
  const opWord = s.word();
  const op = opWord.toLowerCase();
  if (op !== 'eq' && op !== 'matches') {
    if (opWord === '') {
      throw new FlexibleSyntaxError(`expected an operator (eq or matches), found ${s.describe(opAt)}`, opAt);
    }
    throw new FlexibleSyntaxError(
      `unsupported operator '${opWord}': languageVersion 1 has only eq and matches (azure.md §3)`,
      opAt,
    );
  }
  const afterOp = s.pos;
  s.skipSpace();
  if (s.pos === afterOp) {
    throw new FlexibleSyntaxError(`expected a space and a quoted comparand after '${opWord}', found ${s.describe(s.pos)}`, s.pos);
  }
  const valueStart = s.pos;
  const value = s.quoted('comparand');
  return { claim, op, value, start, end: s.pos, valueStart, valueEnd: s.pos };
}

export function parseFlexibleExpression(text: string): FlexibleParseResult {
  const s = new Scanner(text);
  const clauses: FlexibleClause[] = [];
  try {
    s.skipSpace();
    if (s.pos >= text.length) return { ok: false, message: 'empty expression', offset: s.pos };
    for (;;) {
      clauses.push(parseClause(s));
      const afterClause = s.pos;
      s.skipSpace();
      if (s.pos >= text.length) break;
      const joinAt = s.pos;
      if (joinAt === afterClause) {
        throw new FlexibleSyntaxError(`expected 'and' or the end of the expression, found ${s.describe(joinAt)}`, joinAt);
      }
      const join = s.word();
      const lower = join.toLowerCase();
      if (lower === 'or') {
        throw new FlexibleSyntaxError("'or' is not supported by languageVersion 1; use separate credentials (azure.md §3)", joinAt);
      }
      if (lower !== 'and') {
        throw new FlexibleSyntaxError(
          `expected 'and' or the end of the expression, found ${join === '' ? s.describe(joinAt) : `'${join}'`}`,
          joinAt,
        );
      }
      const afterJoin = s.pos;
      s.skipSpace();
      if (s.pos === afterJoin) {
        throw new FlexibleSyntaxError(`expected a space and a clause after 'and', found ${s.describe(s.pos)}`, s.pos);
      }
    }
  } catch (err) {
    if (err instanceof FlexibleSyntaxError) return { ok: false, message: err.message, offset: err.offset };
    throw err;
  }
  return { ok: true, clauses };
}

/** Does one clause admit the token? An absent claim fails both `eq` and `matches`. */
export function clauseAdmits(clause: Pick<FlexibleClause, 'claim' | 'op' | 'value'>, claims: Readonly<Record<string, string | undefined>>): boolean {
  // Own properties only: a claim named `constructor` or `__proto__` must not pick up Object.prototype.
  const value = Object.prototype.hasOwnProperty.call(claims, clause.claim) ? claims[clause.claim] : undefined;
  if (typeof value !== 'string') return false;
  return clause.op === 'eq' ? value === clause.value : globMatch(clause.value, value);
}

/**
 * The clauses are ANDed. An empty list admits everything (vacuous truth); the parser never produces one.
 */
export function evaluateFlexible(
  clauses: ReadonlyArray<Pick<FlexibleClause, 'claim' | 'op' | 'value'>>,
  claims: Readonly<Record<string, string | undefined>>,
): boolean {
  return clauses.every((c) => clauseAdmits(c, claims));
}
