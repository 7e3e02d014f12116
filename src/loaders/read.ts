/**
 * Reading input files: bytes → text → JSON, with every failure turned into a one-line InputError that
 * names the file, line and column. Nothing here throws for a user's mistake.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { InputError } from '../model/types.js';
import { LineIndex, MAX_JSON_DEPTH, jsonTooDeepAt, scanValidJson, type JsonIndex } from './positions.js';

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
  // (A test rather than trim(), which would copy every file.)
  if (!/\S/.test(text)) return fail(file, 'file is empty (only white space)');
  return { ok: true, text };
}

/** The largest file fedlint reads (a decoded string of much more would exceed what V8 can hold). */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** Opened without blocking: opening a named pipe would otherwise wait for a writer. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function refuse(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

/** What only a regular file of a sane size may be: a link to /dev/zero or a pipe would never end. */
function checkStats(info: { isFile(): boolean; isDirectory(): boolean; size: number }): void {
  if (info.isDirectory()) throw refuse('EISDIR');
  if (!info.isFile()) throw refuse('FEDLINT_NOT_A_FILE');
  if (info.size > MAX_FILE_BYTES) throw refuse('FEDLINT_TOO_LARGE');
}

/**
 * The bytes of a regular file. Anything else (a device, a pipe, a socket, reached directly or through a
 * link) is refused before a byte is read, as is a file over MAX_FILE_BYTES; errors carry a `code` for
 * readFailure().
 *
 * Synchronous on purpose: inputs are small files read one after the other (or one large plan), and the
 * asynchronous API costs four thread-pool round trips per file (open, stat, read, close), which made reading
 * 10,000 policy files take 0.8-1.3 s against 0.14 s for this (npm run bench, "10,000 files").
 */
export function readRegularFileSync(file: string): Uint8Array {
  const fd = openSync(file, OPEN_FLAGS);
  try {
    const info = fstatSync(fd);
    checkStats(info);
    // readFileSync(fd) would ask for the size again; a file that reports none (0) is read to its end.
    if (info.size === 0) return readFileSync(fd);
    const bytes = Buffer.allocUnsafe(info.size);
    let length = 0;
    while (length < bytes.length) {
      const n = readSync(fd, bytes, length, bytes.length - length, length);
      if (n === 0) break;
      length += n;
    }
    return length === bytes.length ? bytes : bytes.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Why a file could not be read, for an error message. */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'FEDLINT_NOT_A_FILE':
      return 'not a regular file (a device, a pipe or a socket); fedlint reads only files';
    case 'FEDLINT_TOO_LARGE':
      return `file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; fedlint does not read it`;
    default:
      return `cannot read file (${code ?? 'unknown error'})`;
  }
}

export function readText(file: string, displayName: string): ReadResult {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFileSync(file);
  } catch (error) {
    return fail(displayName, readFailure(error));
  }
  return decodeText(displayName, bytes);
}

export type JsonResult = { ok: true; value: unknown; index?: JsonIndex } | { ok: false; error: InputError };

/**
 * From this size on, the depth check also records where the first levels' values are (a plan's
 * resource_changes), for placing findings without another pass; smaller files are walked when needed.
 */
const INDEX_FROM_CHARS = 1 << 20;

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
 * names a line and column rather than a byte position. JSON nested deeper than MAX_JSON_DEPTH is refused
 * either way, with the place where it goes too deep: what reads the value later, and the tolerant parser,
 * recurse once per level (JSON.parse does not).
 */
export function parseJson(file: string, text: string): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const tooDeepAt = jsonTooDeepAt(text, MAX_JSON_DEPTH);
    return tooDeepAt >= 0 ? tooDeep(file, text, tooDeepAt) : syntaxError(file, text, error);
  }
  // Each level takes two characters: a shorter text (a policy file) cannot be too deep, and is not scanned.
  // Scanning every file before JSON.parse took about 30 ms of the run of npm run bench's "10000 small AWS
  // files" (a CPU profile), nearly what JSON.parse took.
  const index = text.length >= INDEX_FROM_CHARS;
  if (text.length <= 2 * MAX_JSON_DEPTH + 1 && !index) return { ok: true, value };
  const scan = scanValidJson(text, MAX_JSON_DEPTH, index);
  if (scan.tooDeepAt >= 0) return tooDeep(file, text, scan.tooDeepAt);
  return scan.index ? { ok: true, value, index: scan.index } : { ok: true, value };
}

function tooDeep(file: string, text: string, offset: number): { ok: false; error: InputError } {
  const at = new LineIndex(text).position(offset);
  return fail(file, `JSON nested more than ${MAX_JSON_DEPTH} levels deep; fedlint does not read it`, at.line, at.column);
}

/** A text JSON.parse refused: the first error, found by a tolerant parse that knows its line and column. */
function syntaxError(file: string, text: string, error: unknown): { ok: false; error: InputError } {
  const errors: ParseError[] = [];
  try {
    parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch (deeper) {
    // The depth check should make this unreachable; without a place, JSON.parse's reason still stands.
    if (!(deeper instanceof RangeError)) throw deeper;
    errors.length = 0;
  }
  const first = errors[0];
  if (!first) {
    // jsonc-parser accepted what JSON.parse refused; report JSON.parse's reason.
    const reason = error instanceof Error ? error.message : String(error);
    return fail(file, `invalid JSON: ${reason.split('\n')[0]}`);
  }
  const at = new LineIndex(text).position(first.offset);
  const code = printParseErrorCode(first.error);
  return fail(file, `invalid JSON: ${PARSE_MESSAGES[code] ?? code}`, at.line, at.column);
}
