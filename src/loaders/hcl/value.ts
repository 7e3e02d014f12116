/**
 * Values of the static evaluator. Every value remembers where it was produced (`at`): a literal points
 * at itself, a value that only passes through (a variable, a local, `each.value`, a conditional's
 * branch) keeps the origin of the literal it came from, and a computed value (a template, a function
 * result) points at the expression that computed it. Strings also keep, run by run, where their
 * characters come from (`segs`), so a JSON document written in a heredoc or read by file() can be
 * located character by character; a string made by jsonencode() keeps the structure it encodes
 * (`doc`), so a path inside the JSON leads back to the expression of each value.
 */
import type { Origin, Seg } from './parse.js';

interface Base {
  at: Origin;
  /** Derived from a `sensitive = true` variable or output, or from sensitive(). */
  sens?: true;
}

export type Null = Base & { t: 'null' };
export type Bool = Base & { t: 'bool'; v: boolean };
export type Num = Base & { t: 'number'; v: number };
export type Str = Base & { t: 'string'; v: string; segs?: Seg[]; doc?: V };
export type List = Base & { t: 'list'; items: V[]; set?: true };
/**
 * An object or map. `open` marks the object of a resource or data source: attributes it does not
 * show are computed by the provider, so reading one gives an unknown value rather than an error, and
 * the object as a whole cannot be encoded or iterated.
 */
export type Obj = Base & { t: 'object'; map: Map<string, V>; open?: true };
/** Known only after apply, or not knowable statically. */
export type Unknown = Base & { t: 'unknown' };

export type V = Null | Bool | Num | Str | List | Obj | Unknown;

/** An evaluation error (a type mismatch, a missing key): try() and can() catch it; elsewhere it makes the value unknown. */
export class EvalError extends Error {
  constructor(
    message: string,
    readonly at: Origin,
  ) {
    super(message);
  }
}

export const nul = (at: Origin): Null => ({ t: 'null', at });
export const bool = (v: boolean, at: Origin): Bool => ({ t: 'bool', v, at });
export const num = (v: number, at: Origin): Num => ({ t: 'number', v, at });
export const str = (v: string, at: Origin, segs?: Seg[]): Str => (segs ? { t: 'string', v, at, segs } : { t: 'string', v, at });
export const list = (items: V[], at: Origin): List => ({ t: 'list', items, at });
export const obj = (map: Map<string, V>, at: Origin): Obj => ({ t: 'object', map, at });
export const unknown = (at: Origin): Unknown => ({ t: 'unknown', at });

/** The value marked sensitive when `sens` is set (a copy: values are shared and never mutated). */
export function mark<T extends V>(v: T, sens: boolean | undefined): T {
  return sens && !v.sens ? { ...v, sens: true } : v;
}

/** The same value, now said to be produced at `at` (keeps its runs and structure). */
export function relocate<T extends V>(v: T, at: Origin): T {
  return v.at === at ? v : { ...v, at };
}

/** Any part of the value is unknown (or an open resource object, whose hidden attributes are). */
export function hasUnknown(v: V): boolean {
  switch (v.t) {
    case 'unknown':
      return true;
    case 'list':
      return v.items.some(hasUnknown);
    case 'object':
      if (v.open) return true;
      for (const x of v.map.values()) if (hasUnknown(x)) return true;
      return false;
    default:
      return false;
  }
}

/** Any part of the value is sensitive. */
export function hasSensitive(v: V): boolean {
  if (v.sens) return true;
  if (v.t === 'list') return v.items.some(hasSensitive);
  if (v.t === 'object') {
    for (const x of v.map.values()) if (hasSensitive(x)) return true;
  }
  return false;
}

export function typeName(v: V): string {
  switch (v.t) {
    case 'list':
      return v.set ? 'set' : 'list';
    case 'object':
      return 'object';
    default:
      return v.t;
  }
}

/** Object keys in the order HCL iterates them (lexical). */
export function sortedKeys(v: Obj): string[] {
  return [...v.map.keys()].sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** HCL's number → string conversion: integers without a decimal point, others as short as exact. */
export function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n);
}

/** A primitive as a string (templates, string functions), or an EvalError. */
export function asString(v: V, what: string): string {
  switch (v.t) {
    case 'string':
      return v.v;
    case 'number':
      return numberText(v.v);
    case 'bool':
      return v.v ? 'true' : 'false';
    case 'null':
      throw new EvalError(`${what} is null`, v.at);
    default:
      throw new EvalError(`${what} must be a string, not a ${typeName(v)}`, v.at);
  }
}

export function asNumber(v: V, what: string): number {
  if (v.t === 'number') return v.v;
  if (v.t === 'string' && /^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$/.test(v.v)) return Number(v.v);
  throw new EvalError(`${what} must be a number, not a ${typeName(v)}`, v.at);
}

export function asBool(v: V, what: string): boolean {
  if (v.t === 'bool') return v.v;
  if (v.t === 'string' && (v.v === 'true' || v.v === 'false')) return v.v === 'true';
  throw new EvalError(`${what} must be a bool, not a ${typeName(v)}`, v.at);
}

/** Elements of a list, set or (for functions that accept both) the values of a map in key order. */
export function elements(v: V, what: string, maps = false): V[] {
  if (v.t === 'list') return v.items;
  if (maps && v.t === 'object' && !v.open) return sortedKeys(v).map((k) => v.map.get(k)!);
  throw new EvalError(`${what} must be a list, not a ${typeName(v)}`, v.at);
}

/** Structural equality of two known values (HCL `==`: no conversion between types). */
export function equal(a: V, b: V): boolean {
  if (a.t !== b.t) return false;
  switch (a.t) {
    case 'null':
      return true;
    case 'bool':
    case 'number':
    case 'string':
      return a.v === (b as typeof a).v;
    case 'list': {
      const bl = b as List;
      return a.items.length === bl.items.length && a.items.every((x, i) => equal(x, bl.items[i]!));
    }
    case 'object': {
      const bo = b as Obj;
      if (a.map.size !== bo.map.size) return false;
      for (const [k, x] of a.map) {
        const y = bo.map.get(k);
        if (!y || !equal(x, y)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * A set: elements deduplicated, strings and numbers in the order Terraform iterates them (lexical,
 * numeric), which is also the order jsonencode() writes.
 */
export function toSet(items: V[], at: Origin): List {
  const out: V[] = [];
  for (const x of items) if (!out.some((y) => equal(x, y))) out.push(x);
  if (out.every((x) => x.t === 'string')) out.sort((a, b) => compareStrings((a as Str).v, (b as Str).v));
  else if (out.every((x) => x.t === 'number')) out.sort((a, b) => (a as Num).v - (b as Num).v);
  return { t: 'list', items: out, at, set: true };
}

// ---------------------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------------------

/**
 * A known value as JSON text, as Terraform's jsonencode() writes it (and the AWS provider its policy
 * documents): Go's encoder, so `<`, `>`, `&`, U+2028 and U+2029 are escaped, object keys in the order
 * given (callers sort them where Go would).
 */
export function jsonText(v: V, indent = '', sortKeys = true, depth = 0): string {
  switch (v.t) {
    case 'null':
      return 'null';
    case 'bool':
      return v.v ? 'true' : 'false';
    case 'number':
      return Number.isFinite(v.v) ? JSON.stringify(v.v) : 'null';
    case 'string':
      return goString(v.v);
    case 'list': {
      if (v.items.length === 0) return '[]';
      if (!indent) return `[${v.items.map((x) => jsonText(x, '', sortKeys)).join(',')}]`;
      const pad = indent.repeat(depth + 1);
      return `[\n${v.items.map((x) => pad + jsonText(x, indent, sortKeys, depth + 1)).join(',\n')}\n${indent.repeat(depth)}]`;
    }
    case 'object': {
      const keys = sortKeys ? sortedKeys(v) : [...v.map.keys()];
      if (keys.length === 0) return '{}';
      if (!indent) return `{${keys.map((k) => `${goString(k)}:${jsonText(v.map.get(k)!, '', sortKeys)}`).join(',')}}`;
      const pad = indent.repeat(depth + 1);
      return `{\n${keys.map((k) => `${pad}${goString(k)}: ${jsonText(v.map.get(k)!, indent, sortKeys, depth + 1)}`).join(',\n')}\n${indent.repeat(depth)}}`;
    }
    default:
      throw new EvalError('an unknown value cannot be encoded', v.at);
  }
}

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The value as it appears in a plan's `values`: unknown parts left out (inside a list, null keeps the
 * positions), blocks already lists of objects.
 */
export function planJson(v: V): unknown {
  switch (v.t) {
    case 'null':
      return null;
    case 'bool':
    case 'number':
    case 'string':
      return v.v;
    case 'list':
      return v.items.map((x) => (opaque(x) ? null : planJson(x)));
    case 'object': {
      if (v.open) return undefined;
      const out: Record<string, unknown> = {};
      for (const [k, x] of v.map) if (!opaque(x)) out[k] = planJson(x);
      return out;
    }
    default:
      return undefined;
  }
}

/** Unknown as a whole: an unknown value or the object of a resource (whose computed attributes are unknown). */
function opaque(v: V): boolean {
  return v.t === 'unknown' || (v.t === 'object' && !!v.open);
}

/** `after_unknown`-style mirror: true where the value is unknown; undefined when nothing is. */
export function unknownMirror(v: V): unknown {
  if (opaque(v)) return true;
  if (v.t === 'list') {
    const inner = v.items.map(unknownMirror);
    return inner.some((x) => x !== undefined) ? inner.map((x) => x ?? false) : undefined;
  }
  if (v.t === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v.map) {
      const m = unknownMirror(x);
      if (m !== undefined) out[k] = m;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return undefined;
}

/** `after_sensitive`-style mirror: true where the value is sensitive; undefined when nothing is. */
export function sensitiveMirror(v: V): unknown {
  if (v.sens) return true;
  if (v.t === 'list') {
    const inner = v.items.map(sensitiveMirror);
    return inner.some((x) => x !== undefined) ? inner.map((x) => x ?? false) : undefined;
  }
  if (v.t === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v.map) {
      const m = sensitiveMirror(x);
      if (m !== undefined) out[k] = m;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// String runs
// ---------------------------------------------------------------------------------------------------------

/** The runs of a string, or one inexact run standing for its origin. */
export function segsOf(v: Str): Seg[] {
  return v.segs ?? (v.v.length > 0 ? [{ i: 0, n: v.v.length, o: v.at, x: false }] : []);
}

/** Runs of a piece `v` placed at `offset` in a larger string. */
export function shiftSegs(segs: Seg[], offset: number): Seg[] {
  return offset === 0 ? segs : segs.map((s) => ({ ...s, i: s.i + offset }));
}

/** The runs of characters [from, to) of a string, renumbered from 0. */
export function sliceSegs(segs: Seg[], from: number, to: number): Seg[] {
  const out: Seg[] = [];
  for (const seg of segs) {
    const a = Math.max(seg.i, from);
    const b = Math.min(seg.i + seg.n, to);
    if (b <= a) continue;
    if (seg.x) out.push({ ...seg, i: a - from, n: b - a, o: { f: seg.o.f, s: seg.o.s + (a - seg.i), e: seg.o.s + (b - seg.i) } });
    else out.push({ ...seg, i: a - from, n: b - a });
  }
  return out;
}

/**
 * A substring that keeps where its characters come from, and is said to be written where they are
 * (the `beta` of `split(",", "alpha,beta")`); `at` when they come from several files or none.
 */
export function substring(v: Str, from: number, to: number, at: Origin): Str {
  if (from === 0 && to === v.v.length) return v;
  const segs = sliceSegs(segsOf(v), from, to);
  return mark(str(v.v.slice(from, to), (to > from && mapRange(segs, 0, to - from)) || at, segs), v.sens);
}

/**
 * The value that characters [from, to) are exactly made of, when they are one interpolated value
 * (`"${var.subject}"` inside a template): where that value was written.
 */
export function wholeValue(segs: Seg[], from: number, to: number): Origin | undefined {
  let w: Origin | undefined;
  let covered = 0;
  for (const seg of segs) {
    const end = seg.i + seg.n;
    if (end <= from || seg.i >= to) continue;
    if (!seg.w || seg.i < from || end > to || (w && seg.w !== w)) return undefined;
    w = seg.w;
    covered += seg.n;
  }
  return w && covered === to - from ? w : undefined;
}

/** Runs of an interpolated string, each remembering the value it belongs to. */
export function ownedSegs(v: Str): Seg[] {
  return segsOf(v).map((s) => (s.w ? s : { ...s, w: v.at }));
}

/**
 * Where characters [from, to) of a string were written: the union of their runs when they all come
 * from one file, else the run of the first character.
 */
export function mapRange(segs: Seg[], from: number, to: number): Origin | undefined {
  let first: Origin | undefined;
  let s = Infinity;
  let e = -Infinity;
  for (const seg of segs) {
    const a = Math.max(seg.i, from);
    const b = Math.min(seg.i + seg.n, Math.max(to, from + 1));
    if (b <= a) continue;
    const o = seg.x ? { f: seg.o.f, s: seg.o.s + (a - seg.i), e: seg.o.s + (b - seg.i) } : seg.o;
    if (!first) first = o;
    else if (o.f !== first.f) return first;
    s = Math.min(s, o.s);
    e = Math.max(e, o.e);
  }
  return first ? { f: first.f, s, e } : undefined;
}
