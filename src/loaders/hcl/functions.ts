/**
 * The pure Terraform functions real trust configurations use, evaluated statically. Any other function
 * gives an unknown value (and a note), never a guess. Results point at the call; structural functions
 * (concat, merge, lookup, tolist, …) pass their elements through unchanged, so each element keeps the
 * place where it was written.
 */
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { bind, evaluate, isConstant, type Scope } from './evaluate.js';
import { parseTemplate, type Expr, type Origin, type Seg, type SourceFile } from './parse.js';
import { MAX_JSON_DEPTH, jsonTooDeepAt } from '../positions.js';
import {
  asBool,
  asNumber,
  asString,
  bool,
  compareStrings,
  elements,
  equal,
  EvalError,
  hasSensitive,
  hasUnknown,
  jsonText,
  list,
  mapRange,
  mark,
  nul,
  num,
  numberText,
  obj,
  segsOf,
  sortedKeys,
  str,
  substring,
  toSet,
  typeName,
  unknown,
  wholeValue,
  type Str,
  type V,
} from './value.js';

type Fn = (args: V[], at: Origin, sc: Scope, exprs: Expr[]) => V;

function arity(name: string, args: V[], at: Origin, min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new EvalError(`${name}() takes ${want} argument${want === '1' ? '' : 's'}`, at);
  }
}

/** A function that needs every argument fully known, and whose result is sensitive when any argument is. */
function pure(name: string, min: number, max: number, body: (args: V[], at: Origin, sc: Scope, exprs: Expr[]) => V): Fn {
  return (args, at, sc, exprs) => {
    arity(name, args, at, min, max);
    const sens = args.some(hasSensitive);
    if (args.some(hasUnknown)) return mark(unknown(at), sens);
    return mark(body(args, at, sc, exprs), sens);
  };
}

/** A function over one string argument that keeps where the remaining characters come from. */
function trimming(name: string, cut: (s: string, args: V[]) => [number, number]): Fn {
  return pure(name, 1, 2, (args, at) => {
    const v = args[0]!;
    const s = asString(v, `the argument of ${name}()`);
    const [from, to] = cut(s, args);
    const base: Str = v.t === 'string' ? v : str(s, v.at);
    return substring(base, from, to, at);
  });
}

function stringArg(args: V[], i: number, fn: string): string {
  return asString(args[i]!, `argument ${i + 1} of ${fn}()`);
}

/** Elements of the collection argument when it is known as a collection (elements themselves may be unknown). */
function container(v: V, fn: string, maps = false): V[] | undefined {
  if (v.t === 'unknown' || (v.t === 'object' && v.open)) return undefined;
  return elements(v, `the argument of ${fn}()`, maps);
}

const FUNCTIONS: Record<string, Fn> = {
  jsonencode: pure('jsonencode', 1, 1, (args, at) => ({ t: 'string', v: jsonText(args[0]!), at, doc: args[0]! })),
  jsondecode: pure('jsondecode', 1, 1, (args, at) => {
    const v = args[0]!;
    const text = asString(v, 'the argument of jsondecode()');
    return decodeJson(v.t === 'string' ? v : str(text, v.at), at);
  }),
  file: pure('file', 1, 1, (args, at, sc) => {
    const f = readModuleFile(stringArg(args, 0, 'file'), at, sc);
    if (!f) return unknown(at);
    return str(f.text, at, f.text.length > 0 ? [{ i: 0, n: f.text.length, o: { f, s: 0, e: f.text.length }, x: true }] : []);
  }),
  templatefile: (args, at, sc) => {
    arity('templatefile', args, at, 2);
    const [path, vars] = args as [V, V];
    if (path.t === 'unknown') return unknown(at);
    const f = readModuleFile(asString(path, 'the path of templatefile()'), at, sc);
    if (!f) return unknown(at);
    if (vars.t === 'unknown' || (vars.t === 'object' && vars.open)) return unknown(at);
    if (vars.t !== 'object') throw new EvalError('the variables of templatefile() must be an object', vars.at);
    const parsed = templates.get(f) ?? parseTemplate(sc.ctx.hcl, f);
    templates.set(f, parsed);
    if (parsed.error) {
      sc.ctx.note(at, `the template ${f.display} is not valid (${parsed.error.message}); values built from it are unknown`);
      return unknown(at);
    }
    let inner: Scope = { env: undefined, ctx: sc.ctx };
    for (const [k, v] of vars.map) inner = bind(inner, k, v);
    const out = evaluate(parsed.x, inner);
    if (out.t !== 'string') return out.t === 'unknown' ? unknown(at) : out;
    return mark({ ...out, at }, out.sens || vars.sens);
  },
  format: pure('format', 1, Infinity, (args, at) => str(format(stringArg(args, 0, 'format'), args.slice(1), at), at)),
  formatlist: pure('formatlist', 1, Infinity, (args, at) => {
    const spec = stringArg(args, 0, 'formatlist');
    const rest = args.slice(1);
    let n: number | undefined;
    for (const a of rest) {
      if (a.t !== 'list') continue;
      if (n !== undefined && a.items.length !== n) throw new EvalError('the lists of formatlist() must have the same length', a.at);
      n = a.items.length;
    }
    const count = n ?? 1;
    const out: V[] = [];
    for (let i = 0; i < count; i++) out.push(str(format(spec, rest.map((a) => (a.t === 'list' ? a.items[i]! : a)), at), at));
    return list(out, at);
  }),
  join: pure('join', 2, Infinity, (args, at) => {
    const sep = stringArg(args, 0, 'join');
    const parts = args.slice(1).flatMap((l) => elements(l, 'the lists of join()'));
    return str(parts.map((p) => asString(p, 'an element of join()')).join(sep), at);
  }),
  split: pure('split', 2, 2, (args, at) => {
    const sep = stringArg(args, 0, 'split');
    const v = args[1]!;
    const s = asString(v, 'argument 2 of split()');
    const base: Str = v.t === 'string' ? v : str(s, v.at);
    const out: V[] = [];
    if (sep === '') {
      for (let i = 0; i < s.length; i++) out.push(substring(base, i, i + 1, at));
    } else {
      let from = 0;
      for (let i = s.indexOf(sep); i >= 0; i = s.indexOf(sep, from)) {
        out.push(substring(base, from, i, at));
        from = i + sep.length;
      }
      out.push(substring(base, from, s.length, at));
    }
    return list(out, at);
  }),
  concat: (args, at) => {
    const items: V[] = [];
    let sens = false;
    for (const a of args) {
      const els = container(a, 'concat');
      if (!els) return mark(unknown(at), a.sens);
      if (a.sens) sens = true;
      items.push(...els);
    }
    return mark(list(items, at), sens);
  },
  merge: (args, at) => {
    const map = new Map<string, V>();
    let sens = false;
    for (const a of args) {
      if (a.t === 'null') continue;
      if (a.t === 'unknown' || (a.t === 'object' && a.open)) return mark(unknown(at), a.sens);
      if (a.t !== 'object') throw new EvalError(`the arguments of merge() must be objects, not a ${typeName(a)}`, a.at);
      if (a.sens) sens = true;
      for (const [k, v] of a.map) map.set(k, v);
    }
    return mark(obj(map, at), sens);
  },
  lookup: (args, at) => {
    arity('lookup', args, at, 2, 3);
    const [m, key, fallback] = args as [V, V, V | undefined];
    if (key.t === 'unknown' || m.t === 'unknown') return unknown(at);
    if (m.t !== 'object') throw new EvalError(`lookup() needs a map, not a ${typeName(m)}`, m.at);
    const k = asString(key, 'the key of lookup()');
    const found = m.map.get(k);
    if (found) return mark(found, m.sens || key.sens);
    if (m.open) return unknown(at);
    if (fallback) return fallback;
    throw new EvalError('lookup() found no such key and has no default', at);
  },
  element: (args, at) => {
    arity('element', args, at, 2);
    const [l, i] = args as [V, V];
    const els = container(l, 'element');
    if (!els || i.t === 'unknown') return unknown(at);
    if (els.length === 0) throw new EvalError('element() of an empty list', at);
    const n = Math.floor(asNumber(i, 'the index of element()'));
    if (n < 0) throw new EvalError('element() needs a non-negative index', at);
    return mark(els[n % els.length]!, l.sens || i.sens);
  },
  length: (args, at) => {
    arity('length', args, at, 1);
    const v = args[0]!;
    if (v.t === 'unknown' || (v.t === 'object' && v.open)) return unknown(at);
    if (v.t === 'list') return mark(num(v.items.length, at), v.sens);
    if (v.t === 'object') return mark(num(v.map.size, at), v.sens);
    return mark(num([...asString(v, 'the argument of length()')].length, at), v.sens);
  },
  keys: (args, at) => {
    arity('keys', args, at, 1);
    const v = args[0]!;
    if (v.t === 'unknown' || (v.t === 'object' && v.open)) return unknown(at);
    if (v.t !== 'object') throw new EvalError(`keys() needs a map, not a ${typeName(v)}`, v.at);
    return mark(
      list(
        sortedKeys(v).map((k) => str(k, at)),
        at,
      ),
      v.sens,
    );
  },
  values: (args, at) => {
    arity('values', args, at, 1);
    const v = args[0]!;
    if (v.t === 'unknown' || (v.t === 'object' && v.open)) return unknown(at);
    if (v.t !== 'object') throw new EvalError(`values() needs a map, not a ${typeName(v)}`, v.at);
    return mark(
      list(
        sortedKeys(v).map((k) => v.map.get(k)!),
        at,
      ),
      v.sens,
    );
  },
  contains: pure('contains', 2, 2, (args, at) => bool(elements(args[0]!, 'the list of contains()').some((x) => equal(x, args[1]!)), at)),
  flatten: (args, at) => {
    arity('flatten', args, at, 1);
    const out: V[] = [];
    const walk = (v: V): boolean => {
      if (v.t === 'unknown') return false;
      if (v.t === 'list') return v.items.every(walk);
      out.push(v);
      return true;
    };
    const v = args[0]!;
    if (v.t !== 'list' && v.t !== 'unknown') throw new EvalError(`flatten() needs a list, not a ${typeName(v)}`, v.at);
    return walk(v) ? mark(list(out, at), v.sens) : unknown(at);
  },
  distinct: pure('distinct', 1, 1, (args, at) => {
    const out: V[] = [];
    for (const x of elements(args[0]!, 'the argument of distinct()')) if (!out.some((y) => equal(x, y))) out.push(x);
    return list(out, at);
  }),
  coalesce: (args, at) => {
    for (const a of args) {
      if (a.t === 'unknown') return unknown(at);
      if (a.t === 'null' || (a.t === 'string' && a.v === '')) continue;
      return a;
    }
    throw new EvalError('no argument of coalesce() is set', at);
  },
  coalescelist: (args, at) => {
    for (const a of args) {
      const els = container(a, 'coalescelist');
      if (!els) return unknown(at);
      if (els.length > 0) return a;
    }
    return list([], at);
  },
  compact: pure('compact', 1, 1, (args, at) =>
    list(
      elements(args[0]!, 'the argument of compact()').filter((x) => x.t !== 'null' && !(x.t === 'string' && x.v === '')),
      at,
    ),
  ),
  tolist: (args, at) => {
    arity('tolist', args, at, 1);
    const v = args[0]!;
    if (v.t === 'unknown' || v.t === 'null') return v;
    if (v.t !== 'list') throw new EvalError(`tolist() needs a list or set, not a ${typeName(v)}`, v.at);
    return mark(list(v.items, v.at), v.sens);
  },
  toset: (args, at) => {
    arity('toset', args, at, 1);
    const v = args[0]!;
    if (v.t === 'unknown' || v.t === 'null') return v;
    if (v.t !== 'list') throw new EvalError(`toset() needs a list, not a ${typeName(v)}`, v.at);
    if (v.items.some(hasUnknown)) return mark(unknown(at), v.sens);
    return mark(toSet(v.items, v.at), v.sens);
  },
  tomap: (args, at) => {
    arity('tomap', args, at, 1);
    const v = args[0]!;
    if (v.t !== 'object' && v.t !== 'unknown' && v.t !== 'null') throw new EvalError(`tomap() needs an object, not a ${typeName(v)}`, v.at);
    return v;
  },
  tostring: (args, at) => {
    arity('tostring', args, at, 1);
    const v = args[0]!;
    if (v.t === 'unknown' || v.t === 'null' || v.t === 'string') return v;
    return mark(str(asString(v, 'the argument of tostring()'), v.at), v.sens);
  },
  tonumber: (args, at) => {
    arity('tonumber', args, at, 1);
    const v = args[0]!;
    if (v.t === 'unknown' || v.t === 'null' || v.t === 'number') return v;
    return mark(num(asNumber(v, 'the argument of tonumber()'), v.at), v.sens);
  },
  tobool: (args, at) => {
    arity('tobool', args, at, 1);
    const v = args[0]!;
    if (v.t === 'unknown' || v.t === 'null' || v.t === 'bool') return v;
    return mark(bool(asBool(v, 'the argument of tobool()'), v.at), v.sens);
  },
  replace: (args, at, _sc, exprs) => {
    arity('replace', args, at, 3);
    if (args.some(hasUnknown)) return mark(unknown(at), args.some(hasSensitive));
    const s = stringArg(args, 0, 'replace');
    const search = stringArg(args, 1, 'replace');
    const by = stringArg(args, 2, 'replace');
    let out: string;
    if (search.length >= 2 && search.startsWith('/') && search.endsWith('/')) {
      // A regular expression: evaluated only when written as a literal, so that its RE2 syntax is seen as is.
      const re = exprs[1] && isConstant(exprs[1]) ? toRegExp(search.slice(1, -1)) : undefined;
      if (!re) return mark(unknown(at), args.some(hasSensitive));
      out = s.replace(re, by.replace(/\$\{(\w+)\}/g, (_, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`)));
    } else out = search === '' ? s : s.split(search).join(by);
    return mark(str(out, at), args.some(hasSensitive));
  },
  lower: pure('lower', 1, 1, (args, at) => str(stringArg(args, 0, 'lower').toLowerCase(), at)),
  upper: pure('upper', 1, 1, (args, at) => str(stringArg(args, 0, 'upper').toUpperCase(), at)),
  trimprefix: trimming('trimprefix', (s, args) => {
    const p = asString(args[1]!, 'the prefix of trimprefix()');
    return s.startsWith(p) ? [p.length, s.length] : [0, s.length];
  }),
  trimsuffix: trimming('trimsuffix', (s, args) => {
    const p = asString(args[1]!, 'the suffix of trimsuffix()');
    return p && s.endsWith(p) ? [0, s.length - p.length] : [0, s.length];
  }),
  trimspace: trimming('trimspace', (s) => {
    const start = s.length - s.trimStart().length;
    return [start, Math.max(start, s.trimEnd().length)];
  }),
  trim: trimming('trim', (s, args) => {
    const chars = asString(args[1]!, 'the characters of trim()');
    let a = 0;
    let b = s.length;
    while (a < b && chars.includes(s[a]!)) a++;
    while (b > a && chars.includes(s[b - 1]!)) b--;
    return [a, b];
  }),
  chomp: trimming('chomp', (s) => {
    let b = s.length;
    while (b > 0 && (s[b - 1] === '\n' || s[b - 1] === '\r')) b--;
    return [0, b];
  }),
  substr: pure('substr', 3, 3, (args, at) => {
    const v = args[0]!;
    const s = asString(v, 'the string of substr()');
    let offset = asNumber(args[1]!, 'the offset of substr()');
    const length = asNumber(args[2]!, 'the length of substr()');
    if (offset < 0) offset = Math.max(0, s.length + offset);
    const end = length < 0 ? s.length : Math.min(s.length, offset + length);
    return substring(v.t === 'string' ? v : str(s, v.at), Math.min(offset, s.length), Math.max(offset, end), at);
  }),
  startswith: pure('startswith', 2, 2, (args, at) => bool(stringArg(args, 0, 'startswith').startsWith(stringArg(args, 1, 'startswith')), at)),
  endswith: pure('endswith', 2, 2, (args, at) => bool(stringArg(args, 0, 'endswith').endsWith(stringArg(args, 1, 'endswith')), at)),
  strcontains: pure('strcontains', 2, 2, (args, at) => bool(stringArg(args, 0, 'strcontains').includes(stringArg(args, 1, 'strcontains')), at)),
  one: (args, at) => {
    arity('one', args, at, 1);
    const v = args[0]!;
    const els = container(v, 'one');
    if (!els) return unknown(at);
    if (els.length === 0) return nul(at);
    if (els.length === 1) return mark(els[0]!, v.sens);
    throw new EvalError('one() of a list with more than one element', at);
  },
  zipmap: (args, at) => {
    arity('zipmap', args, at, 2);
    const [k, v] = args as [V, V];
    const ks = container(k, 'zipmap');
    const vs = container(v, 'zipmap');
    if (!ks || !vs || ks.some((x) => x.t === 'unknown')) return unknown(at);
    if (ks.length !== vs.length) throw new EvalError('the lists of zipmap() must have the same length', at);
    return mark(obj(new Map(ks.map((x, i) => [asString(x, 'a key of zipmap()'), vs[i]!])), at), k.sens || v.sens);
  },
  setproduct: pure('setproduct', 1, Infinity, (args, at) => {
    let acc: V[][] = [[]];
    for (const a of args) {
      const els = elements(a, 'the arguments of setproduct()');
      acc = acc.flatMap((prefix) => els.map((x) => [...prefix, x]));
    }
    return list(
      acc.map((combo) => list(combo, at)),
      at,
    );
  }),
  range: pure('range', 1, 3, (args, at) => {
    const n = args.map((a, i) => asNumber(a, `argument ${i + 1} of range()`));
    const [start, limit, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? (n[0]! <= n[1]! ? 1 : -1)];
    if (step === 0) throw new EvalError('range() step must not be 0', at);
    const out: V[] = [];
    for (let x = start; step > 0 ? x < limit : x > limit; x += step) {
      out.push(num(x, at));
      if (out.length > 1024) throw new EvalError('range() too long', at);
    }
    return list(out, at);
  }),
  reverse: pure('reverse', 1, 1, (args, at) => list([...elements(args[0]!, 'the argument of reverse()')].reverse(), at)),
  slice: pure('slice', 3, 3, (args, at) => {
    const els = elements(args[0]!, 'the list of slice()');
    return list(els.slice(asNumber(args[1]!, 'the start of slice()'), asNumber(args[2]!, 'the end of slice()')), at);
  }),
  sort: pure('sort', 1, 1, (args, at) => {
    const els = elements(args[0]!, 'the argument of sort()');
    return list(
      [...els].sort((a, b) => compareStrings(asString(a, 'an element of sort()'), asString(b, 'an element of sort()'))),
      at,
    );
  }),
  index: pure('index', 2, 2, (args, at) => {
    const i = elements(args[0]!, 'the list of index()').findIndex((x) => equal(x, args[1]!));
    if (i < 0) throw new EvalError('index() found no such element', at);
    return num(i, at);
  }),
  min: pure('min', 1, Infinity, (args, at) => num(Math.min(...args.map((a) => asNumber(a, 'an argument of min()'))), at)),
  max: pure('max', 1, Infinity, (args, at) => num(Math.max(...args.map((a) => asNumber(a, 'an argument of max()'))), at)),
  abs: pure('abs', 1, 1, (args, at) => num(Math.abs(asNumber(args[0]!, 'the argument of abs()')), at)),
  sum: pure('sum', 1, 1, (args, at) => num(elements(args[0]!, 'the argument of sum()').reduce((t, x) => t + asNumber(x, 'an element of sum()'), 0), at)),
  alltrue: pure('alltrue', 1, 1, (args, at) => bool(elements(args[0]!, 'the argument of alltrue()').every((x) => asBool(x, 'an element of alltrue()')), at)),
  anytrue: pure('anytrue', 1, 1, (args, at) => bool(elements(args[0]!, 'the argument of anytrue()').some((x) => asBool(x, 'an element of anytrue()')), at)),
  sensitive: (args, at) => {
    arity('sensitive', args, at, 1);
    return mark(args[0]!, true);
  },
  nonsensitive: (args, at) => {
    arity('nonsensitive', args, at, 1);
    const v = args[0]!;
    if (!v.sens) return v;
    const copy = { ...v };
    delete copy.sens;
    return copy;
  },
};

/** Templates read by templatefile(), parsed once per file. */
const templates = new WeakMap<SourceFile, ReturnType<typeof parseTemplate>>();

export function callFunction(name: string, args: V[], at: Origin, sc: Scope, exprs: Expr[]): V {
  const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  if (!fn) {
    sc.ctx.note(at, `${name}() is not evaluated statically; values built from it are unknown`);
    return mark(unknown(at), args.some(hasSensitive));
  }
  return fn(args, at, sc, exprs);
}

function readModuleFile(path: string, at: Origin, sc: Scope): SourceFile | undefined {
  const found = sc.ctx.readFile(path);
  if ('reason' in found) {
    sc.ctx.note(at, `${JSON.stringify(path)} is not read (${found.reason}); values built from it are unknown`);
    return undefined;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------
// jsondecode with positions
// ---------------------------------------------------------------------------------------------------------

/**
 * Decode JSON held in a string, each value pointing at where its characters were written (through the
 * string's runs: a heredoc, a file read by file(), a template).
 */
export function decodeJson(s: Str, at: Origin): V {
  if (jsonTooDeepAt(s.v) >= 0) throw new EvalError(`the argument of jsondecode() is JSON nested more than ${MAX_JSON_DEPTH} levels deep`, at);
  const errors: ParseError[] = [];
  const root = parseTree(s.v, errors, { disallowComments: true, allowTrailingComma: false });
  if (!root || errors.length > 0) throw new EvalError('the argument of jsondecode() is not valid JSON', at);
  const segs = segsOf(s);
  return nodeValue(root, segs, at, s.sens);
}

/** Where a JSON node of the string was written: a string's content (without quotes) when it maps to one place. */
export function nodeOrigin(node: Node, segs: Seg[], fallback: Origin): Origin {
  if (node.type === 'string' && node.length >= 2) {
    const whole = wholeValue(segs, node.offset + 1, node.offset + node.length - 1);
    if (whole) return whole;
    const inner = mapRange(segs, node.offset + 1, node.offset + node.length - 1);
    const quoted = mapRange(segs, node.offset, node.offset + node.length);
    if (quoted && inner && quoted.f === inner.f) return quoted;
    if (inner) return inner;
  }
  return mapRange(segs, node.offset, node.offset + node.length) ?? fallback;
}

function nodeValue(node: Node, segs: Seg[], fallback: Origin, sens: true | undefined): V {
  const at = nodeOrigin(node, segs, fallback);
  let v: V;
  switch (node.type) {
    case 'object': {
      const map = new Map<string, V>();
      for (const prop of node.children ?? []) {
        const [k, val] = prop.children ?? [];
        if (k && val) map.set(String(k.value), nodeValue(val, segs, fallback, sens));
      }
      v = obj(map, at);
      break;
    }
    case 'array':
      v = list(
        (node.children ?? []).map((c) => nodeValue(c, segs, fallback, sens)),
        at,
      );
      break;
    case 'string':
      v = str(String(node.value), at);
      break;
    case 'number':
      v = num(Number(node.value), at);
      break;
    case 'boolean':
      v = bool(Boolean(node.value), at);
      break;
    default:
      v = nul(at);
  }
  return mark(v, sens);
}

// ---------------------------------------------------------------------------------------------------------
// format()
// ---------------------------------------------------------------------------------------------------------

/** Go-style verbs as Terraform's format() accepts them: %s %d %f %e %g %t %q %v %x %X %o %b %%, with flags, width and precision. */
function format(spec: string, args: V[], at: Origin): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const m = /^%([-+# 0]*)(?:\[(\d+)\])?(\d+|\*)?(?:\.(\d+))?([a-zA-Z%])/.exec(spec.slice(i));
    if (!m) throw new EvalError('invalid format() verb', at);
    i += m[0].length - 1;
    const [, flags = '', explicit, widthText, precText, verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (explicit) next = Number(explicit) - 1;
    const arg = args[next++];
    if (!arg) throw new EvalError('format() has too few arguments', at);
    const prec = precText !== undefined ? Number(precText) : undefined;
    let text: string;
    switch (verb) {
      case 's':
        text = asString(arg, 'a format() argument');
        if (prec !== undefined) text = text.slice(0, prec);
        break;
      case 'v':
        text = arg.t === 'string' || arg.t === 'number' || arg.t === 'bool' ? asString(arg, 'a format() argument') : jsonText(arg);
        break;
      case 'q':
        text = JSON.stringify(asString(arg, 'a format() argument'));
        break;
      case 't':
        text = asBool(arg, 'a format() argument') ? 'true' : 'false';
        break;
      case 'd': {
        const n = asNumber(arg, 'a format() argument');
        if (!Number.isInteger(n)) throw new EvalError('%d needs an integer', arg.at);
        text = numberText(n);
        if (flags.includes('+') && n >= 0) text = `+${text}`;
        break;
      }
      case 'f':
      case 'F':
        text = asNumber(arg, 'a format() argument').toFixed(prec ?? 6);
        break;
      case 'e':
        text = asNumber(arg, 'a format() argument')
          .toExponential(prec ?? 6)
          .replace(/e([+-])(\d)$/, 'e$10$2');
        break;
      case 'g':
        text = String(asNumber(arg, 'a format() argument'));
        break;
      case 'x':
      case 'X':
      case 'o':
      case 'b': {
        const n = asNumber(arg, 'a format() argument');
        if (!Number.isInteger(n)) throw new EvalError(`%${verb} needs an integer`, arg.at);
        text = Math.abs(n).toString(verb === 'o' ? 8 : verb === 'b' ? 2 : 16);
        if (verb === 'X') text = text.toUpperCase();
        if (n < 0) text = `-${text}`;
        break;
      }
      default:
        throw new EvalError(`format() verb %${verb} is not supported`, at);
    }
    const width = widthText === '*' ? undefined : widthText !== undefined ? Number(widthText) : undefined;
    if (width !== undefined && text.length < width) {
      if (flags.includes('-')) text = text.padEnd(width);
      else if (flags.includes('0') && /[dfeFxXob]/.test(verb!)) text = text.startsWith('-') ? `-${text.slice(1).padStart(width - 1, '0')}` : text.padStart(width, '0');
      else text = text.padStart(width);
    }
    out += text;
  }
  return out;
}

/** An RE2 pattern as a JavaScript RegExp, when the common subset covers it; undefined otherwise. */
function toRegExp(pattern: string): RegExp | undefined {
  let flags = 'gu';
  let body = pattern;
  const lead = /^\(\?([ims]+)\)/.exec(body);
  if (lead) {
    for (const f of lead[1]!) if (!flags.includes(f)) flags += f;
    body = body.slice(lead[0].length);
  }
  if (/\(\?[a-zA-Z]/.test(body.replace(/\(\?P?</g, ''))) return undefined;
  body = body.replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(body, flags);
  } catch {
    return undefined;
  }
}
