/**
 * Static evaluation of HCL expressions: literals, templates, operators, conditionals, for-expressions,
 * splats, references and the pure functions of functions.ts. Whatever depends on something that is not
 * in the sources (a variable without a value, a computed attribute, a data source that reads the cloud)
 * is unknown, and unknown spreads: an operation on an unknown value is unknown.
 */
import { callFunction } from './functions.js';
import type { Expr, HclParser, Origin, Part, Seg, SourceFile, Step } from './parse.js';
import {
  asBool,
  asNumber,
  asString,
  bool,
  equal,
  EvalError,
  list,
  mark,
  nul,
  num,
  obj,
  relocate,
  ownedSegs,
  shiftSegs,
  sortedKeys,
  str,
  typeName,
  unknown,
  type V,
} from './value.js';

/** Instances of a module call or of a resource, as count / for_each made them. */
export interface Group<T> {
  kind: 'single' | 'count' | 'for_each' | 'unknown';
  instances: Array<{ key: string | number | undefined; ref: T }>;
}

export interface ModuleRef {
  /** An output of the module instance, or undefined when the module declares no such output. */
  output(name: string): V | undefined;
  /** Every output, as an object. */
  all(at: Origin): V;
}

export interface ResourceRef {
  /** The object a reference to the instance reads: its arguments, with computed attributes unknown. */
  value(): V;
}

/** What expressions of one module instance can refer to. */
export interface Env {
  variable(name: string, at: Origin): V;
  local(name: string, at: Origin): V;
  moduleCall(name: string): Group<ModuleRef> | undefined;
  resource(mode: 'managed' | 'data', type: string, name: string): Group<ResourceRef> | undefined;
  /** path.module and path.root, relative to the root module's directory. */
  pathModule: string;
  pathRoot: string;
}

/** Services of the run that evaluation needs: files for file()/templatefile(), the parser, notes. */
export interface RunContext {
  hcl: HclParser;
  /** Read a file that file()/templatefile() names, relative to the root module; a reason when it may not or cannot be read. */
  readFile(path: string): SourceFile | { reason: string };
  /** Record something left unresolved (deduplicated by the caller). */
  note(at: Origin, message: string): void;
}

interface VarChain {
  name: string;
  v: V;
  next: VarChain | undefined;
}

export interface Scope {
  env: Env | undefined;
  ctx: RunContext;
  vars?: VarChain | undefined;
  each?: { key: V; value: V } | undefined;
  /** Set when `each` exists but its value is not known (for_each over an unknown collection). */
  eachUnknown?: Origin | undefined;
  count?: V | undefined;
}

export function bind(sc: Scope, name: string, v: V): Scope {
  return { ...sc, vars: { name, v, next: sc.vars } };
}

/** Computed attributes fedlint spells out (an OIDC provider's ARN): a reference to them points at the reference. */
export const synthesized = new WeakSet<V>();

export function evaluate(x: Expr, sc: Scope): V {
  switch (x.k) {
    case 'lit':
      return x.v === null ? nul(x) : typeof x.v === 'boolean' ? bool(x.v, x) : num(x.v, x);
    case 'tpl':
      return template(x.parts, x, sc);
    case 'tuple':
      return list(
        x.items.map((i) => evaluate(i, sc)),
        x,
      );
    case 'obj': {
      const map = new Map<string, V>();
      for (const item of x.items) {
        let key: string;
        if (item.name !== undefined) key = item.name;
        else {
          const k = evaluate(item.key, sc);
          if (k.t === 'unknown') return unknown(x);
          key = asString(k, 'an object key');
        }
        map.set(key, evaluate(item.val, sc));
      }
      return obj(map, x);
    }
    case 'var':
      return traversal(x.name, [], x, sc);
    case 'trav': {
      if (x.x.k === 'var') return traversal(x.x.name, x.steps, x, sc);
      return applySteps(evaluate(x.x, sc), x.steps, 0, sc, x);
    }
    case 'call':
      return call(x, sc);
    case 'for':
      return forExpr(x, sc);
    case 'op':
      return operation(x, sc);
    case 'cond': {
      const c = evaluate(x.c, sc);
      if (c.t === 'unknown') return unknown(x);
      const chosen = asBool(c, 'the condition') ? evaluate(x.yes, sc) : evaluate(x.no, sc);
      return mark(chosen, c.sens);
    }
    case 'bad':
      return unknown(x);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------------------

function template(parts: Part[], at: Origin, sc: Scope): V {
  // `"${x}"` is x itself, whatever its type.
  if (parts.length === 1 && parts[0]!.k === 'interp') return evaluate(parts[0]!.x, sc);
  if (parts.length === 1 && parts[0]!.k === 'lit') return str(parts[0]!.v, at, parts[0]!.segs);
  const out = { v: '', segs: [] as Seg[], sens: false, unknown: false };
  renderParts(parts, sc, out);
  if (out.unknown) return mark(unknown(at), out.sens);
  return mark(str(out.v, at, out.segs), out.sens);
}

function renderParts(parts: Part[], sc: Scope, out: { v: string; segs: Seg[]; sens: boolean; unknown: boolean }): void {
  for (const part of parts) {
    if (out.unknown) return;
    switch (part.k) {
      case 'lit':
        out.segs.push(...shiftSegs(part.segs, out.v.length));
        out.v += part.v;
        break;
      case 'interp': {
        const v = evaluate(part.x, sc);
        if (v.sens) out.sens = true;
        if (v.t === 'unknown') {
          out.unknown = true;
          return;
        }
        const text = asString(v, 'an interpolated value');
        const segs = v.t === 'string' ? ownedSegs(v) : text.length > 0 ? [{ i: 0, n: text.length, o: v.at, x: false, w: v.at }] : [];
        out.segs.push(...shiftSegs(segs, out.v.length));
        out.v += text;
        break;
      }
      case 'if': {
        const c = evaluate(part.c, sc);
        if (c.sens) out.sens = true;
        if (c.t === 'unknown') {
          out.unknown = true;
          return;
        }
        renderParts(asBool(c, 'the %{if} condition') ? part.then : part.else, sc, out);
        break;
      }
      case 'for': {
        const coll = evaluate(part.coll, sc);
        if (coll.sens) out.sens = true;
        if (coll.t === 'unknown' || (coll.t === 'object' && coll.open)) {
          out.unknown = true;
          return;
        }
        for (const [k, v] of iterate(coll)) {
          let inner = bind(sc, part.vv, v);
          if (part.kv !== undefined) inner = bind(inner, part.kv, k);
          renderParts(part.body, inner, out);
        }
        break;
      }
    }
  }
}

/** (key, value) pairs of a collection as for-expressions see them: index/element, key/value (sorted), element/element. */
export function iterate(coll: V): Array<[V, V]> {
  if (coll.t === 'list') return coll.items.map((v, i) => [coll.set ? v : num(i, v.at), v]);
  if (coll.t === 'object') return sortedKeys(coll).map((k) => [str(k, coll.at), coll.map.get(k)!]);
  throw new EvalError(`cannot iterate over a ${typeName(coll)}`, coll.at);
}

// ---------------------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------------------

function attrStep(steps: Step[], i: number): string | undefined {
  const s = steps[i];
  return s?.k === 'attr' ? s.name : undefined;
}

/** Resolve `name.steps…`: the root object the first steps name, then the remaining steps generically. */
function traversal(name: string, steps: Step[], whole: Origin, sc: Scope): V {
  for (let c = sc.vars; c; c = c.next) if (c.name === name) return applySteps(c.v, steps, 0, sc, whole);
  const env = sc.env;
  const first = attrStep(steps, 0);
  const fail = (message: string): never => {
    throw new EvalError(message, whole);
  };
  switch (name) {
    case 'each': {
      if (sc.eachUnknown) return unknown(whole);
      if (!sc.each) fail('each is only available with for_each');
      if (first === 'key') return applySteps(sc.each!.key, steps, 1, sc, whole);
      if (first === 'value') return applySteps(sc.each!.value, steps, 1, sc, whole);
      return fail('each has only key and value');
    }
    case 'count':
      if (first !== 'index') return fail('count has only index');
      if (!sc.count) return fail('count.index is only available with count');
      return applySteps(sc.count!, steps, 1, sc, whole);
    case 'path': {
      if (!env) return fail('path is not available here');
      if (first === 'module') return applySteps(str(env.pathModule, whole), steps, 1, sc, whole);
      if (first === 'root') return applySteps(str(env.pathRoot, whole), steps, 1, sc, whole);
      // path.cwd is an absolute path of the machine that runs Terraform.
      return unknown(whole);
    }
    case 'terraform':
      if (first === 'workspace') sc.ctx.note(whole, 'terraform.workspace is chosen when Terraform runs; values built from it are unknown');
      return unknown(whole);
    case 'self':
      return unknown(whole);
  }
  if (!env) return fail(`${name} cannot be referred to here`);
  if (name === 'var' || name === 'local') {
    if (first === undefined) return fail(`${name} needs an attribute`);
    const step = steps[0]!;
    const v = name === 'var' ? env.variable(first, step) : env.local(first, step);
    return applySteps(v, steps, 1, sc, whole);
  }
  if (name === 'module') {
    if (first === undefined) return fail('module needs a name');
    const group = env.moduleCall(first);
    if (!group) return fail(`no module call "${first}"`);
    return fromGroup(
      group,
      steps,
      1,
      sc,
      whole,
      (ref, next) => {
        const out = attrStep(steps, next);
        if (out === undefined) return { v: ref.all(whole), used: 0 };
        const v = ref.output(out);
        if (!v) return fail(`module.${first} has no output "${out}"`);
        return { v, used: 1 };
      },
      (ref) => ref.all(whole),
    );
  }
  let mode: 'managed' | 'data' = 'managed';
  let type = name;
  let index = 0;
  if (name === 'data') {
    mode = 'data';
    type = first ?? '';
    index = 1;
  }
  const rname = attrStep(steps, index);
  if (!type || rname === undefined) return fail(`${name} needs a resource name`);
  const group = env.resource(mode, type, rname);
  if (!group) return fail(`no ${mode === 'data' ? 'data source' : 'resource'} ${mode === 'data' ? 'data.' : ''}${type}.${rname} in this module`);
  return fromGroup(
    group,
    steps,
    index + 1,
    sc,
    whole,
    (ref) => ({ v: ref.value(), used: 0 }),
    (ref) => ref.value(),
  );
}

/**
 * The value of a module call or resource reference: one instance (`x.name`, `x.name[key]`) when the
 * steps say which, else all of them as a list (count) or an object (for_each).
 */
function fromGroup<T>(
  group: Group<T>,
  steps: Step[],
  at: number,
  sc: Scope,
  whole: Origin,
  one: (ref: T, next: number) => { v: V; used: number },
  all: (ref: T) => V,
): V {
  if (group.kind === 'unknown') return unknown(whole);
  const finish = (v: V, from: number): V => {
    const out = applySteps(v, steps, from, sc, whole);
    return synthesized.has(out) ? relocate(out, whole) : out;
  };
  if (group.kind === 'single') {
    const inst = group.instances[0];
    if (!inst) return unknown(whole);
    const r = one(inst.ref, at);
    return finish(r.v, at + r.used);
  }
  const step = steps[at];
  if (step?.k === 'idx') {
    const key = evaluate(step.x, sc);
    if (key.t === 'unknown') return unknown(whole);
    const wanted = group.kind === 'count' ? asNumber(key, 'the index') : asString(key, 'the key');
    const inst = group.instances.find((i) => i.key === wanted);
    if (!inst) throw new EvalError('no instance has that key', step);
    const r = one(inst.ref, at + 1);
    return finish(r.v, at + 1 + r.used);
  }
  const values = group.instances.map((i) => all(i.ref));
  const collection: V =
    group.kind === 'count' ? list(values, whole) : obj(new Map(group.instances.map((inst, i) => [String(inst.key), values[i]!])), whole);
  return finish(collection, at);
}

/** Apply attribute, index and splat steps from `from` on. */
export function applySteps(v: V, steps: Step[], from: number, sc: Scope, whole: Origin): V {
  let cur = v;
  for (let i = from; i < steps.length; i++) {
    const step = steps[i]!;
    if (cur.t === 'unknown') return mark(unknown(whole), cur.sens);
    if (step.k === 'splat') {
      const each = (x: V): V => applySteps(x, step.steps, 0, sc, whole);
      if (cur.t === 'null') cur = list([], step);
      else if (cur.t === 'list') cur = mark(list(cur.items.map(each), step), cur.sens);
      else cur = list([each(cur)], step);
      continue;
    }
    cur = oneStep(cur, step, sc, whole);
  }
  return cur;
}

function oneStep(cur: V, step: Step, sc: Scope, whole: Origin): V {
  let key: V;
  if (step.k === 'attr') key = str(step.name, step);
  else if (step.k === 'idx') key = evaluate(step.x, sc);
  else throw new EvalError('unexpected splat', step);
  if (key.t === 'unknown') return mark(unknown(whole), cur.sens || key.sens);
  if (cur.t === 'list') {
    if (step.k === 'attr') throw new EvalError(`a ${typeName(cur)} has no attribute "${step.name}"`, step);
    if (cur.set) throw new EvalError('a set cannot be indexed', step);
    const i = asNumber(key, 'the index');
    const item = cur.items[i];
    if (!Number.isInteger(i) || !item) throw new EvalError('the index is out of range', step);
    return mark(item, cur.sens || key.sens);
  }
  if (cur.t === 'object') {
    const k = asString(key, 'the key');
    const item = cur.map.get(k);
    if (item) return mark(item, cur.sens || key.sens);
    if (cur.open) return mark(unknown(whole), cur.sens);
    // Only a name written in the source is quoted: a computed key may be a secret.
    throw new EvalError(step.k === 'attr' ? `no attribute or key "${k}"` : 'no element has that key', step);
  }
  throw new EvalError(`a ${typeName(cur)} cannot be indexed`, step);
}

// ---------------------------------------------------------------------------------------------------------
// Functions, for-expressions, operators
// ---------------------------------------------------------------------------------------------------------

function call(x: Extract<Expr, { k: 'call' }>, sc: Scope): V {
  if (x.name === 'try') {
    for (const arg of x.args) {
      try {
        return evaluate(arg, sc);
      } catch (error) {
        if (!(error instanceof EvalError)) throw error;
      }
    }
    throw new EvalError('no argument of try() could be evaluated', x);
  }
  if (x.name === 'can') {
    const arg = x.args[0];
    if (!arg) throw new EvalError('can() needs an argument', x);
    try {
      const v = evaluate(arg, sc);
      return v.t === 'unknown' ? unknown(x) : bool(true, x);
    } catch (error) {
      if (!(error instanceof EvalError)) throw error;
      return bool(false, x);
    }
  }
  let args = x.args.map((a) => evaluate(a, sc));
  if (x.expand && args.length > 0) {
    const last = args[args.length - 1]!;
    if (last.t === 'unknown') return unknown(x);
    if (last.t !== 'list') throw new EvalError('only a list can be expanded with ...', last.at);
    args = [...args.slice(0, -1), ...last.items];
  }
  return callFunction(x.name, args, x, sc, x.args);
}

function forExpr(x: Extract<Expr, { k: 'for' }>, sc: Scope): V {
  const coll = evaluate(x.coll, sc);
  if (coll.t === 'unknown' || (coll.t === 'object' && coll.open)) return mark(unknown(x), coll.sens);
  if (coll.t === 'null') throw new EvalError('cannot iterate over null', coll.at);
  const items: V[] = [];
  const map = new Map<string, V>();
  const groups = new Map<string, V[]>();
  let sens = !!coll.sens;
  for (const [k, v] of iterate(coll)) {
    let inner = bind(sc, x.vv, v);
    if (x.kv !== undefined) inner = bind(inner, x.kv, k);
    if (x.cond) {
      const c = evaluate(x.cond, inner);
      if (c.t === 'unknown') return unknown(x);
      if (c.sens) sens = true;
      if (!asBool(c, 'the for condition')) continue;
    }
    if (!x.obj) {
      items.push(evaluate(x.val, inner));
      continue;
    }
    const key = evaluate(x.key!, inner);
    if (key.t === 'unknown') return unknown(x);
    const name = asString(key, 'a key of the for expression');
    const value = evaluate(x.val, inner);
    if (x.group) {
      const g = groups.get(name);
      if (g) g.push(value);
      else groups.set(name, [value]);
    } else {
      if (map.has(name)) throw new EvalError('a key of the for expression is repeated (use ... to group)', key.at);
      map.set(name, value);
    }
  }
  if (!x.obj) return mark(list(items, x), sens);
  if (x.group) for (const [k, g] of groups) map.set(k, list(g, x));
  return mark(obj(map, x), sens);
}

function operation(x: Extract<Expr, { k: 'op' }>, sc: Scope): V {
  const r = evaluate(x.r, sc);
  if (!x.l) {
    if (r.t === 'unknown') return mark(unknown(x), r.sens);
    if (x.op === '!') return mark(bool(!asBool(r, 'the operand of !'), x), r.sens);
    return mark(num(-asNumber(r, 'the operand of -'), x), r.sens);
  }
  const l = evaluate(x.l, sc);
  const sens = !!(l.sens || r.sens);
  // Logical operators with one side known can decide alone, as HCL does for unknown values.
  if (x.op === '&&' || x.op === '||') {
    const known = (v: V): boolean | undefined => (v.t === 'unknown' ? undefined : asBool(v, `the operand of ${x.op}`));
    const a = known(l);
    const b = known(r);
    if (x.op === '&&' && (a === false || b === false)) return mark(bool(false, x), sens);
    if (x.op === '||' && (a === true || b === true)) return mark(bool(true, x), sens);
    if (a === undefined || b === undefined) return mark(unknown(x), sens);
    return mark(bool(x.op === '&&' ? a && b : a || b, x), sens);
  }
  if (l.t === 'unknown' || r.t === 'unknown') return mark(unknown(x), sens);
  switch (x.op) {
    case '==':
    case '!=': {
      if (hasUnknownDeep(l) || hasUnknownDeep(r)) return mark(unknown(x), sens);
      const same = equal(l, r);
      return mark(bool(x.op === '==' ? same : !same, x), sens);
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const a = asNumber(l, `the operand of ${x.op}`);
      const b = asNumber(r, `the operand of ${x.op}`);
      const v = x.op === '<' ? a < b : x.op === '<=' ? a <= b : x.op === '>' ? a > b : a >= b;
      return mark(bool(v, x), sens);
    }
    default: {
      const a = asNumber(l, `the operand of ${x.op}`);
      const b = asNumber(r, `the operand of ${x.op}`);
      let v: number;
      if (x.op === '+') v = a + b;
      else if (x.op === '-') v = a - b;
      else if (x.op === '*') v = a * b;
      else if (x.op === '/') {
        if (b === 0) throw new EvalError('division by zero', x);
        v = a / b;
      } else {
        if (b === 0) throw new EvalError('modulo by zero', x);
        v = a % b;
      }
      return mark(num(v, x), sens);
    }
  }
}

function hasUnknownDeep(v: V): boolean {
  if (v.t === 'unknown') return true;
  if (v.t === 'list') return v.items.some(hasUnknownDeep);
  if (v.t === 'object') {
    if (v.open) return true;
    for (const x of v.map.values()) if (hasUnknownDeep(x)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Configuration expressions (terraform-plan.md §5)
// ---------------------------------------------------------------------------------------------------------

/** The expression is a literal: no references, no function calls. */
export function isConstant(x: Expr): boolean {
  switch (x.k) {
    case 'lit':
      return true;
    case 'tpl':
      return x.parts.every((p) => p.k === 'lit');
    case 'tuple':
      return x.items.every(isConstant);
    case 'obj':
      return x.items.every((i) => (i.name !== undefined || isConstant(i.key)) && isConstant(i.val));
    default:
      return false;
  }
}

/**
 * The references of an expression as Terraform's plan configuration lists them: each traversal with its
 * static steps, then shorter forms down to the object (`data.aws_iam_policy_document.trust.json`,
 * `data.aws_iam_policy_document.trust`), in order of appearance, without duplicates.
 */
export function referencesOf(x: Expr): string[] {
  const out: string[] = [];
  collect(x, new Set(), out);
  return out;
}

function collect(x: Expr, bound: Set<string>, out: string[]): void {
  const add = (r: string): void => {
    if (!out.includes(r)) out.push(r);
  };
  switch (x.k) {
    case 'var':
      if (!bound.has(x.name)) referenceForms(x.name, [], add);
      return;
    case 'trav':
      if (x.x.k === 'var') {
        if (!bound.has(x.x.name)) referenceForms(x.x.name, x.steps, add);
      } else collect(x.x, bound, out);
      for (const s of x.steps) collectStep(s, bound, out);
      return;
    case 'tpl':
      collectParts(x.parts, bound, out);
      return;
    case 'tuple':
      for (const i of x.items) collect(i, bound, out);
      return;
    case 'obj':
      for (const i of x.items) {
        if (i.name === undefined) collect(i.key, bound, out);
        collect(i.val, bound, out);
      }
      return;
    case 'call':
      for (const a of x.args) collect(a, bound, out);
      return;
    case 'for': {
      collect(x.coll, bound, out);
      const inner = new Set(bound);
      inner.add(x.vv);
      if (x.kv !== undefined) inner.add(x.kv);
      if (x.key) collect(x.key, inner, out);
      collect(x.val, inner, out);
      if (x.cond) collect(x.cond, inner, out);
      return;
    }
    case 'op':
      if (x.l) collect(x.l, bound, out);
      collect(x.r, bound, out);
      return;
    case 'cond':
      collect(x.c, bound, out);
      collect(x.yes, bound, out);
      collect(x.no, bound, out);
      return;
    default:
      return;
  }
}

function collectStep(s: Step, bound: Set<string>, out: string[]): void {
  if (s.k === 'idx') collect(s.x, bound, out);
  else if (s.k === 'splat') for (const t of s.steps) collectStep(t, bound, out);
}

function collectParts(parts: Part[], bound: Set<string>, out: string[]): void {
  for (const p of parts) {
    if (p.k === 'interp') collect(p.x, bound, out);
    else if (p.k === 'if') {
      collect(p.c, bound, out);
      collectParts(p.then, bound, out);
      collectParts(p.else, bound, out);
    } else if (p.k === 'for') {
      collect(p.coll, bound, out);
      const inner = new Set(bound);
      inner.add(p.vv);
      if (p.kv !== undefined) inner.add(p.kv);
      collectParts(p.body, inner, out);
    }
  }
}

/** A static key step (`["prod"]`, `[0]`) as Terraform prints it, or undefined. */
function staticKey(s: Step | undefined): string | undefined {
  if (s?.k !== 'idx') return undefined;
  const x = s.x;
  if (x.k === 'lit' && typeof x.v === 'number') return `[${x.v}]`;
  if (x.k === 'tpl' && x.parts.length === 1 && x.parts[0]!.k === 'lit') return `[${JSON.stringify(x.parts[0]!.v)}]`;
  return undefined;
}

function referenceForms(name: string, steps: Step[], add: (r: string) => void): void {
  const attr = (i: number): string | undefined => attrStep(steps, i);
  let base: string;
  let next: number;
  if (name === 'self') return;
  if (name === 'var' || name === 'local' || name === 'each' || name === 'count' || name === 'path' || name === 'terraform') {
    const a = attr(0);
    add(a === undefined ? name : `${name}.${a}`);
    return;
  }
  if (name === 'module') {
    const m = attr(0);
    if (m === undefined) return;
    base = `module.${m}`;
    next = 1;
  } else if (name === 'data') {
    const t = attr(0);
    const n = attr(1);
    if (t === undefined || n === undefined) return;
    base = `data.${t}.${n}`;
    next = 2;
  } else {
    const n = attr(0);
    if (n === undefined) return;
    base = `${name}.${n}`;
    next = 1;
  }
  const forms = [base];
  const key = staticKey(steps[next]);
  let cur = base;
  if (key) {
    cur += key;
    forms.unshift(cur);
    next++;
  } else if (steps[next]?.k === 'idx') {
    add(base);
    return;
  }
  const a = attr(next);
  if (a !== undefined) forms.unshift(`${cur}.${a}`);
  for (const f of forms) add(f);
}
