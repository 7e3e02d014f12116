/**
 * Reading input files: bytes → text → JSON, with every failure turned into a one-line InputError that
 * names the file, line and column. Nothing here throws for a user's mistake.
 */
import { readFile } from 'node:fs/promises';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { InputError } from '../model/types.js';
import { LineIndex } from './positions.js';

export type ReadResult = { ok: true; text: string } | { ok: false; error: InputError };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(file: string, message: string, line = 1, column = 1): { ok: false; error: InputError } {
  return { ok: false, error: { file, line, column, message } };
}

/** Length of a well-formed UTF-8 sequence starting at i, or 0 (RFC 3629 ranges). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  const [n, lo, hi] = b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf] : b === 0xe0 ? [3, 0xa0, 0xbf] : b === 0xed ? [3, 0x80, 0x9f] : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf] : b === 0xf0 ? [4, 0x90, 0xbf] : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf] : b === 0xf4 ? [4, 0x80, 0x8f] : [0, 0, 0];
  if (n === 0 || i + n > bytes.length) return 0;
  const second = bytes[i + 1]!;
  if (second < lo || second > hi) return 0;
  for (let k = 2; k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 0;
  return n;
}

/** Where the first invalid UTF-8 sequence starts, as line and column of the text before it. */
function firstInvalidUtf8(bytes: Uint8Array): { line: number; column: number } {
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n === 0) break;
    i += n;
  }
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, i));
  return new LineIndex(text).position(text.length);
}

export function decodeText(file: string, bytes: Uint8Array): ReadResult {
  if (bytes.length === 0) return fail(file, 'file is empty');
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return fail(file, 'file is UTF-16 (as PowerShell redirection writes it); save it as UTF-8');
  }
  if (bytes.includes(0)) return fail(file, 'file is binary (it contains NUL bytes), not JSON or text');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    return fail(file, 'file is not valid UTF-8', at.line, at.column);
  }
  // A byte-order mark is legal in a UTF-8 file but JSON.parse rejects it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim().length === 0) return fail(file, 'file is empty (only white space)');
  return { ok: true, text };
}

export async function readText(file: string, displayName: string): Promise<ReadResult> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot read file (${code ?? 'unknown error'})`;
    return fail(displayName, reason);
  }
  return decodeText(displayName, bytes);
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: InputError };

const PARSE_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'invalid symbol',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'property name expected',
  ValueExpected: 'value expected',
  ColonExpected: "':' expected",
  CommaExpected: "',' expected",
  CloseBraceExpected: "'}' expected",
  CloseBracketExpected: "']' expected",
  EndOfFileExpected: 'unexpected content after the end of the document',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unexpected end of comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unexpected end of number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
};

/**
 * JSON.parse first (fast); only when it fails, a second tolerant parse finds where, so the error
 * names a line and column rather than a byte position.
 */
export function parseJson(file: string, text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const errors: ParseError[] = [];
    parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (!first) {
      // jsonc-parser accepted what JSON.parse refused (e.g. a huge nesting depth); report JSON.parse's reason.
      const reason = error instanceof Error ? error.message : String(error);
      return fail(file, `invalid JSON: ${reason.split('\n')[0]}`);
    }
    const at = new LineIndex(text).position(first.offset);
    const code = printParseErrorCode(first.error);
    return fail(file, `invalid JSON: ${PARSE_MESSAGES[code] ?? code}`, at.line, at.column);
  }
}
