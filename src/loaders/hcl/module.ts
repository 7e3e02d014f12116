/**
 * Terraform modules read from source: a directory of `.tf` files is a module; local module calls
 * (`./x`, `../x`) are followed, remote ones are not. Loading (reading and parsing every file of the tree)
 * is asynchronous and happens first; evaluation is synchronous and lazy: a variable, local, output or
 * resource is evaluated when something needs it, once per module instance.
 */
import { realpathSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { JsonPath, Location } from '../../model/types.js';
import type { Json } from '../json.js';
import type { PlanResource } from '../plan-view.js';
import { decodeText, readFailure, readRegularFileSync } from '../read.js';
import { evaluate, isConstant, iterate, referencesOf, bind, synthesized, type Env, type Group, type ModuleRef, type ResourceRef, type RunContext, type Scope } from './evaluate.js';
import { decodeJson } from './functions.js';
import { location, locateValue } from './locate.js';
import { parseFile, type Attr, type Block, type Body, type Expr, type HclParser, type Origin, type ParsedFile, type SourceFile } from './parse.js';
import { awsPolicyDocument, googlePolicyData } from './policy-document.js';
import { EvalError, mark, num, obj, planJson, sensitiveMirror, str, unknown, unknownMirror, list, type Obj, type V } from './value.js';

export interface ResourceConfig {
  mode: 'managed' | 'data';
  type: string;
  name: string;
  block: Block;
  count: Attr | undefined;
  forEach: Attr | undefined;
}

export interface CallConfig {
  name: string;
  block: Block;
  source: string | undefined;
  sourceAttr: Attr | undefined;
  count: Attr | undefined;
  forEach: Attr | undefined;
  args: Map<string, Attr>;
  /** The called module, when the source is local and readable. */
  child?: ModuleConfig;
  /** Why the call is not followed (remote source, missing directory, cycle). */
  opaque?: string;
}

export interface ModuleConfig {
  dir: string;
  files: ParsedFile[];
  variables: Map<string, Block>;
  locals: Map<string, Attr>;
  outputs: Map<string, Block>;
  resources: ResourceConfig[];
  resourceIndex: Map<string, ResourceConfig>;
  calls: CallConfig[];
  callIndex: Map<string, CallConfig>;
  /** Files in the directory that are not read (Terraform's JSON syntax). */
  skipped: SourceFile[];
}

export interface SourceProblem {
  file: SourceFile;
  s: number;
  e: number;
  message: string;
}

/** Blocks that exist only at the top of a file, by the number of labels they have there. */
const TOP_LEVEL_LABELS: Record<string, number> = { resource: 2, data: 2, module: 1, variable: 1, output: 1 };

const META_ATTRIBUTES = new Set(['count', 'for_each', 'provider', 'depends_on']);
const META_BLOCKS = new Set(['lifecycle', 'provisioner', 'connection']);
const CALL_META = new Set(['source', 'version', 'count', 'for_each', 'providers', 'depends_on']);

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** Inside `dir` (or `dir` itself). */
export function within(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

// ---------------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------------

/** Every file and module directory read in one run, shared by its roots. */
export class Sources {
  readonly files = new Map<string, SourceFile>();
  readonly modules = new Map<string, ModuleConfig>();
  /** Problems by file, each reported once per run. */
  readonly problems = new Map<SourceFile, SourceProblem>();
  private readonly reported = new Set<SourceFile>();
  /** Files that could not be read at all (not counted as linted). */
  readonly unread = new Set<SourceFile>();

  /**
   * Real paths of the folders and files the user asked to lint. A `.tf` that is a symbolic link is read only
   * when it resolves inside one of them: a pull request can add a `main.tf` that links to the CI runner's
   * cloud credentials, and what fedlint reads can reach a report uploaded elsewhere. Empty: links are not
   * checked (API callers).
   */
  private readonly linkRoots: string[];

  constructor(
    readonly hcl: HclParser,
    linkRoots: readonly string[] = [],
  ) {
    this.linkRoots = linkRoots.map((r) => {
      try {
        return realpathSync(r);
      } catch {
        return r;
      }
    });
  }

  /** Whether a symbolic link at `abs` may be followed: it resolves inside a linted root (or to nothing). */
  private linkAllowed(abs: string): boolean {
    if (this.linkRoots.length === 0) return true;
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      // Dangling or looping: reading it gives the usual "file not found" problem.
      return true;
    }
    return this.linkRoots.some((r) => within(r, real));
  }

  /** A path relative to a root's display path (itself relative to the working directory). */
  static display(base: { absolute: string; display: string }, abs: string): string {
    const rel = toPosix(relative(base.absolute, abs));
    const joined = posix.normalize(posix.join(base.display || '.', rel));
    return joined === '' ? '.' : joined;
  }

  /** Problems of these files not yet reported by another root. */
  takeProblems(files: Iterable<SourceFile>): SourceProblem[] {
    const out: SourceProblem[] = [];
    for (const f of files) {
      const p = this.problems.get(f);
      if (p && !this.reported.has(f)) {
        this.reported.add(f);
        out.push(p);
      }
    }
    return out;
  }

  /** Read a text file; a problem (and an empty file) when it cannot be read. */
  async read(abs: string, display: string): Promise<SourceFile> {
    const known = this.files.get(abs);
    if (known) return known;
    let text = '';
    let problem: string | undefined;
    try {
      const bytes = readRegularFileSync(abs);
      if (bytes.length > 0) {
        const decoded = decodeText(display, bytes);
        if (decoded.ok) text = decoded.text;
        else if (!decoded.error.message.startsWith('file is empty')) problem = decoded.error.message;
      }
    } catch (error) {
      problem = readFailure(error);
    }
    const file: SourceFile = { display, absolute: abs, text };
    this.files.set(abs, file);
    if (problem) {
      this.problems.set(file, { file, s: 0, e: 0, message: problem });
      this.unread.add(file);
    }
    return file;
  }

  /** A file not read, with the reason as its problem (reported once, like a read failure). */
  private refuse(abs: string, display: string, message: string): SourceFile {
    const known = this.files.get(abs);
    if (known) return known;
    const file: SourceFile = { display, absolute: abs, text: '' };
    this.files.set(abs, file);
    this.problems.set(file, { file, s: 0, e: 0, message });
    this.unread.add(file);
    return file;
  }

  /** Read a file synchronously during evaluation (file(), templatefile()). */
  readSync(abs: string, display: string): SourceFile | { reason: string } {
    const known = this.files.get(abs);
    if (known) return known;
    let bytes: Uint8Array;
    try {
      bytes = readRegularFileSync(abs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { reason: code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'it is a directory' : code === 'FEDLINT_NOT_A_FILE' ? 'it is not a regular file' : 'it cannot be read' };
    }
    let text = '';
    if (bytes.length > 0) {
      const decoded = decodeText(display, bytes);
      if (decoded.ok) text = decoded.text;
      else if (!decoded.error.message.startsWith('file is empty')) return { reason: decoded.error.message };
    }
    const file: SourceFile = { display, absolute: abs, text };
    this.files.set(abs, file);
    return file;
  }

  parse(file: SourceFile): ParsedFile {
    const parsed = parseFile(this.hcl, file);
    if (parsed.error && !this.problems.has(file)) this.problems.set(file, { file, ...parsed.error });
    return parsed;
  }

  /**
   * A top-level block written inside another block (a closing brace forgotten and added again later):
   * Terraform refuses the file; fedlint says so and still reads the block where it belongs.
   */
  private hoistMisplaced(parsed: ParsedFile): void {
    const hoisted: Block[] = [];
    const visit = (body: Body): void => {
      body.blocks = body.blocks.filter((b) => {
        const labels = TOP_LEVEL_LABELS[b.type];
        if (labels === undefined || b.labels.length !== labels) {
          visit(b.body);
          return true;
        }
        hoisted.push(b);
        return false;
      });
    };
    for (const b of parsed.body.blocks) visit(b.body);
    if (hoisted.length === 0) return;
    parsed.body.blocks.push(...hoisted);
    for (const b of hoisted) visit(b.body);
    const first = hoisted[0]!;
    if (!parsed.error) parsed.error = { s: first.s, e: first.he, message: `invalid HCL: a ${first.type} block cannot be inside another block (is a "}" missing before it?)` };
    if (!this.problems.has(parsed.file)) this.problems.set(parsed.file, { file: parsed.file, ...parsed.error });
  }

  /** Load a module directory and, depth first, the local modules it calls. */
  async loadTree(dir: string, base: { absolute: string; display: string }, chain: string[] = []): Promise<ModuleConfig> {
    const known = this.modules.get(dir);
    if (known) return known;
    const config = await this.loadModule(dir, base);
    this.modules.set(dir, config);
    const next = [...chain, dir];
    for (const call of config.calls) {
      if (call.source === undefined) {
        call.opaque = 'its source is not a literal string';
        continue;
      }
      if (!/^\.\.?[\\/]/.test(call.source) && call.source !== '.' && call.source !== '..') {
        call.opaque = `its source "${call.source}" is not a local path, and fedlint reads only local modules`;
        continue;
      }
      const childDir = resolve(dir, call.source);
      if (next.includes(childDir)) {
        call.opaque = `its source "${call.source}" calls back into a module that calls it`;
        continue;
      }
      const child = await this.loadTree(childDir, base, next);
      if (child.files.length === 0) call.opaque = `its source "${call.source}" has no .tf files`;
      else call.child = child;
    }
    return config;
  }

  private async loadModule(dir: string, base: { absolute: string; display: string }): Promise<ModuleConfig> {
    const config: ModuleConfig = {
      dir,
      files: [],
      variables: new Map(),
      locals: new Map(),
      outputs: new Map(),
      resources: [],
      resourceIndex: new Map(),
      calls: [],
      callIndex: new Map(),
      skipped: [],
    };
    let names: string[] = [];
    const links = new Set<string>();
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      names = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
      for (const e of entries) if (e.isSymbolicLink()) links.add(e.name);
    } catch {
      return config;
    }
    names.sort();
    const tf = names.filter((n) => n.endsWith('.tf'));
    const files = await Promise.all(
      tf.map((n) => {
        const abs = join(dir, n);
        const display = Sources.display(base, abs);
        return links.has(n) && !this.linkAllowed(abs) ? this.refuse(abs, display, 'a symbolic link to a file outside the folders being linted; fedlint does not follow it') : this.read(abs, display);
      }),
    );
    const overrides: ParsedFile[] = [];
    tf.forEach((name, i) => {
      const parsed = this.parse(files[i]!);
      this.hoistMisplaced(parsed);
      config.files.push(parsed);
      if (name === 'override.tf' || name.endsWith('_override.tf')) overrides.push(parsed);
      else addBody(config, parsed.body);
    });
    for (const o of overrides) applyOverride(config, o.body);
    for (const n of names.filter((n) => n.endsWith('.tf.json'))) {
      config.skipped.push({ display: Sources.display(base, join(dir, n)), absolute: join(dir, n), text: '' });
    }
    return config;
  }
}

function attrOf(body: Body, name: string): Attr | undefined {
  let found: Attr | undefined;
  for (const a of body.attrs) if (a.name === name) found = a;
  return found;
}

/** A literal string attribute (module sources must be literal). */
function literalString(a: Attr | undefined): string | undefined {
  if (!a || a.x.k !== 'tpl' || !isConstant(a.x)) return undefined;
  return a.x.parts.map((p) => (p.k === 'lit' ? p.v : '')).join('');
}

function addBody(config: ModuleConfig, body: Body): void {
  for (const b of body.blocks) {
    const [l1, l2] = b.labels;
    switch (b.type) {
      case 'variable':
        if (l1) config.variables.set(l1.v, b);
        break;
      case 'output':
        if (l1) config.outputs.set(l1.v, b);
        break;
      case 'locals':
        for (const a of b.body.attrs) config.locals.set(a.name, a);
        break;
      case 'resource':
      case 'data': {
        if (!l1 || !l2) break;
        const mode = b.type === 'data' ? 'data' : 'managed';
        const key = `${mode}.${l1.v}.${l2.v}`;
        if (config.resourceIndex.has(key)) break;
        const rc: ResourceConfig = { mode, type: l1.v, name: l2.v, block: b, count: attrOf(b.body, 'count'), forEach: attrOf(b.body, 'for_each') };
        config.resources.push(rc);
        config.resourceIndex.set(key, rc);
        break;
      }
      case 'module': {
        if (!l1 || config.callIndex.has(l1.v)) break;
        const sourceAttr = attrOf(b.body, 'source');
        const args = new Map<string, Attr>();
        for (const a of b.body.attrs) if (!CALL_META.has(a.name)) args.set(a.name, a);
        const call: CallConfig = {
          name: l1.v,
          block: b,
          source: literalString(sourceAttr),
          sourceAttr,
          count: attrOf(b.body, 'count'),
          forEach: attrOf(b.body, 'for_each'),
          args,
        };
        config.calls.push(call);
        config.callIndex.set(l1.v, call);
        break;
      }
    }
  }
}

/** Override files (`override.tf`, `*_override.tf`): their arguments replace those of the block they name, nested blocks by type. */
function applyOverride(config: ModuleConfig, body: Body): void {
  const merge = (target: Block, over: Block): Block => {
    const attrs = new Map(target.body.attrs.map((a) => [a.name, a]));
    for (const a of over.body.attrs) attrs.set(a.name, a);
    const overTypes = new Set(over.body.blocks.map((b) => b.type));
    const blocks = [...target.body.blocks.filter((b) => !overTypes.has(b.type)), ...over.body.blocks];
    return { ...target, body: { attrs: [...attrs.values()], blocks } };
  };
  for (const b of body.blocks) {
    const [l1, l2] = b.labels;
    if ((b.type === 'resource' || b.type === 'data') && l1 && l2) {
      const mode = b.type === 'data' ? 'data' : 'managed';
      const rc = config.resourceIndex.get(`${mode}.${l1.v}.${l2.v}`);
      if (!rc) continue;
      rc.block = merge(rc.block, b);
      rc.count = attrOf(rc.block.body, 'count');
      rc.forEach = attrOf(rc.block.body, 'for_each');
    } else if (b.type === 'variable' && l1 && config.variables.has(l1.v)) config.variables.set(l1.v, merge(config.variables.get(l1.v)!, b));
    else if (b.type === 'output' && l1 && config.outputs.has(l1.v)) config.outputs.set(l1.v, merge(config.outputs.get(l1.v)!, b));
    else if (b.type === 'locals') for (const a of b.body.attrs) config.locals.set(a.name, a);
    else if (b.type === 'module' && l1) {
      const call = config.callIndex.get(l1.v);
      if (!call) continue;
      call.block = merge(call.block, b);
      for (const a of b.body.attrs) if (!CALL_META.has(a.name)) call.args.set(a.name, a);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------------------

/** One root module's evaluation: its variables' values, the notes about what stayed unknown. */
export class Evaluation implements RunContext {
  readonly notes = new Map<string, { at: Origin; message: string }>();
  /** Files read while evaluating (file(), templatefile()). */
  readonly used = new Set<SourceFile>();
  readonly root: ModInst;
  private readonly dirs: string[];
  private realDirs: string[] | undefined;

  constructor(
    readonly sources: Sources,
    readonly config: ModuleConfig,
    readonly base: { absolute: string; display: string },
    readonly rootValues: Map<string, V>,
  ) {
    this.dirs = [...treeDirs(config)];
    this.root = new ModInst(this, config, '', undefined);
  }

  get hcl(): HclParser {
    return this.sources.hcl;
  }

  note(at: Origin, message: string): void {
    const key = `${at.f.display}\u0000${at.s}\u0000${message}`;
    if (!this.notes.has(key)) this.notes.set(key, { at, message });
  }

  readFile(path: string): SourceFile | { reason: string } {
    const abs = resolve(this.config.dir, path);
    if (!this.dirs.some((d) => within(d, abs))) return { reason: 'it is outside the module tree' };
    // A link inside the tree may point anywhere: what it points at must be inside the tree too.
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return { reason: 'file not found' };
    }
    this.realDirs ??= this.dirs.map((d) => {
      try {
        return realpathSync(d);
      } catch {
        return d;
      }
    });
    if (!this.realDirs.some((d) => within(d, real))) return { reason: 'it links outside the module tree' };
    const f = this.sources.readSync(abs, Sources.display(this.base, abs));
    if (!('reason' in f)) this.used.add(f);
    return f;
  }

  /** Evaluate one argument; an evaluation error makes it unknown and is noted. */
  evalAttr(x: Expr, sc: Scope, what: string): V {
    try {
      return evaluate(x, sc);
    } catch (error) {
      if (!(error instanceof EvalError)) throw error;
      this.note(x, `${what} cannot be evaluated (${error.message}); it is unknown`);
      return unknown(x);
    }
  }
}

function treeDirs(config: ModuleConfig, out = new Set<string>()): Set<string> {
  if (out.has(config.dir)) return out;
  out.add(config.dir);
  for (const c of config.calls) if (c.child) treeDirs(c.child, out);
  return out;
}

/** Key as Terraform prints it in an address: `[0]`, `["prod"]`. */
export function keyText(key: string | number | undefined): string {
  if (key === undefined) return '';
  return typeof key === 'number' ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

interface Expansion {
  kind: 'single' | 'count' | 'for_each' | 'unknown';
  keys: Array<{ key: string | number | undefined; scope: Scope }>;
}

/** Instances of a block with count or for_each, each with the scope its body sees. */
function expand(ev: Evaluation, count: Attr | undefined, forEach: Attr | undefined, sc: Scope, what: string): Expansion {
  if (count) {
    const v = ev.evalAttr(count.x, sc, `the count of ${what}`);
    if (v.t === 'unknown') {
      ev.note(count.x, `the count of ${what} is not known statically; one instance is read, without an index`);
      return { kind: 'unknown', keys: [{ key: undefined, scope: { ...sc, count: unknown(count.x) } }] };
    }
    const n = v.t === 'number' ? v.v : v.t === 'string' && /^\d+$/.test(v.v) ? Number(v.v) : NaN;
    if (!Number.isInteger(n) || n < 0) {
      ev.note(count.x, `the count of ${what} is not a whole number; one instance is read, without an index`);
      return { kind: 'unknown', keys: [{ key: undefined, scope: { ...sc, count: unknown(count.x) } }] };
    }
    return { kind: 'count', keys: Array.from({ length: n }, (_, i) => ({ key: i, scope: { ...sc, count: num(i, count.x) } })) };
  }
  if (forEach) {
    const v = ev.evalAttr(forEach.x, sc, `the for_each of ${what}`);
    const unknownEach = (): Expansion => {
      ev.note(forEach.x, `the for_each of ${what} is not known statically; one instance is read, with each.key and each.value unknown`);
      return { kind: 'unknown', keys: [{ key: undefined, scope: { ...sc, eachUnknown: forEach.x } }] };
    };
    if (v.t === 'unknown' || (v.t === 'object' && v.open)) return unknownEach();
    if (v.t === 'object') {
      const keys = [...v.map.keys()].sort();
      return { kind: 'for_each', keys: keys.map((k) => ({ key: k, scope: { ...sc, each: { key: mark(str(k, forEach.x), v.sens), value: mark(v.map.get(k)!, v.sens) } } })) };
    }
    if (v.t === 'list') {
      if (v.items.some((x) => x.t === 'unknown')) return unknownEach();
      const seen = new Map<string, V>();
      for (const item of v.items) {
        if (item.t !== 'string') {
          ev.note(forEach.x, `the for_each of ${what} must be a map or a set of strings; one instance is read, with each.key and each.value unknown`);
          return { kind: 'unknown', keys: [{ key: undefined, scope: { ...sc, eachUnknown: forEach.x } }] };
        }
        if (!seen.has(item.v)) seen.set(item.v, item);
      }
      const keys = [...seen.keys()].sort();
      return { kind: 'for_each', keys: keys.map((k) => ({ key: k, scope: { ...sc, each: { key: mark(seen.get(k)!, v.sens), value: mark(seen.get(k)!, v.sens) } } })) };
    }
    if (v.t === 'null') return { kind: 'for_each', keys: [] };
    return unknownEach();
  }
  return { kind: 'single', keys: [{ key: undefined, scope: sc }] };
}

/** One instance of a module (the root, or one instance of a module call). */
export class ModInst implements Env {
  readonly pathModule: string;
  readonly pathRoot = '.';
  private readonly vars = new Map<string, V>();
  private readonly localValues = new Map<string, V | 'busy'>();
  private readonly outputs = new Map<string, V | 'busy'>();
  private readonly calls = new Map<string, { group: Group<ModuleRef>; children: ModInst[] }>();
  private readonly groups = new Map<string, { group: Group<ResInst>; view: ResInst[] }>();
  readonly scope: Scope;

  constructor(
    readonly ev: Evaluation,
    readonly config: ModuleConfig,
    /** `module.ci`, `module.a["x"].module.b`, '' for the root. */
    readonly address: string,
    readonly parent: { call: CallConfig; scope: Scope; inst: ModInst } | undefined,
  ) {
    this.pathModule = toPosix(relative(ev.config.dir, config.dir)) || '.';
    this.scope = { env: this, ctx: ev };
  }

  private prefix(): string {
    return this.address ? `${this.address}.` : '';
  }

  variable(name: string, at: Origin): V {
    const known = this.vars.get(name);
    if (known) return known;
    const block = this.config.variables.get(name);
    if (!block) throw new EvalError(`no variable "${name}" is declared`, at);
    const header: Origin = { f: block.f, s: block.s, e: block.he };
    const sensitive = attrOf(block.body, 'sensitive');
    const isSensitive = sensitive?.x.k === 'lit' && sensitive.x.v === true;
    const who = `${this.prefix()}var.${name}`;
    let value: V | undefined;
    if (this.parent) {
      const arg = this.parent.call.args.get(name);
      if (arg) value = this.ev.evalAttr(arg.x, this.parent.scope, `the argument ${name} of ${this.address}`);
    } else value = this.ev.rootValues.get(name);
    if (!value) {
      const def = attrOf(block.body, 'default');
      if (def) value = this.ev.evalAttr(def.x, { env: undefined, ctx: this.ev }, `the default of ${who}`);
    }
    if (!value) {
      this.ev.note(header, `${who} has no value (no default${this.parent ? ' and no module argument' : ', not in terraform.tfvars, *.auto.tfvars or --var-file'}); values built from it are unknown`);
      value = unknown(header);
    }
    value = mark(value, isSensitive);
    this.vars.set(name, value);
    return value;
  }

  local(name: string, at: Origin): V {
    const known = this.localValues.get(name);
    if (known === 'busy') throw new EvalError(`local.${name} refers to itself`, at);
    if (known) return known;
    const attr = this.config.locals.get(name);
    if (!attr) throw new EvalError(`no local value "${name}"`, at);
    this.localValues.set(name, 'busy');
    const v = this.ev.evalAttr(attr.x, this.scope, `${this.prefix()}local.${name}`);
    this.localValues.set(name, v);
    return v;
  }

  output(name: string): V | undefined {
    const known = this.outputs.get(name);
    if (known === 'busy') return unknown(this.config.outputs.get(name)!);
    if (known) return known;
    const block = this.config.outputs.get(name);
    if (!block) return undefined;
    const value = attrOf(block.body, 'value');
    if (!value) return unknown({ f: block.f, s: block.s, e: block.he });
    this.outputs.set(name, 'busy');
    const sensitive = attrOf(block.body, 'sensitive');
    const v = mark(this.ev.evalAttr(value.x, this.scope, `${this.prefix()}output.${name}`), sensitive?.x.k === 'lit' && sensitive.x.v === true);
    this.outputs.set(name, v);
    return v;
  }

  allOutputs(at: Origin): V {
    const map = new Map<string, V>();
    for (const name of this.config.outputs.keys()) map.set(name, this.output(name)!);
    return obj(map, at);
  }

  /** The instances of a module call, created once. */
  callInstances(name: string): { group: Group<ModuleRef>; children: ModInst[] } | undefined {
    const known = this.calls.get(name);
    if (known) return known;
    const call = this.config.callIndex.get(name);
    if (!call) return undefined;
    const address = `${this.prefix()}module.${name}`;
    const header: Origin = { f: call.block.f, s: call.block.s, e: call.block.he };
    let result: { group: Group<ModuleRef>; children: ModInst[] };
    if (!call.child) {
      this.ev.note(call.sourceAttr?.x ?? header, `${address} is not read: ${call.opaque ?? 'its source cannot be followed'}; its outputs are unknown`);
      const opaque: ModuleRef = { output: () => unknown(header), all: () => unknown(header) };
      result = { group: { kind: 'single', instances: [{ key: undefined, ref: opaque }] }, children: [] };
    } else {
      const expansion = expand(this.ev, call.count, call.forEach, this.scope, address);
      const children = expansion.keys.map(({ key, scope }) => new ModInst(this.ev, call.child!, `${address}${keyText(key)}`, { call, scope, inst: this }));
      const refs = children.map((c, i) => ({ key: expansion.keys[i]!.key, ref: { output: (o: string) => c.output(o), all: (at: Origin) => c.allOutputs(at) } }));
      result = { group: { kind: expansion.kind, instances: refs }, children };
    }
    this.calls.set(name, result);
    return result;
  }

  moduleCall(name: string): Group<ModuleRef> | undefined {
    return this.callInstances(name)?.group;
  }

  resourceInstances(rc: ResourceConfig): { group: Group<ResInst>; view: ResInst[] } {
    const id = `${rc.mode}.${rc.type}.${rc.name}`;
    const known = this.groups.get(id);
    if (known) return known;
    const base = `${this.prefix()}${rc.mode === 'data' ? 'data.' : ''}${rc.type}.${rc.name}`;
    const expansion = expand(this.ev, rc.count, rc.forEach, this.scope, base);
    const view = expansion.keys.map(({ key, scope }) => new ResInst(this, rc, `${base}${keyText(key)}`, scope));
    const result = { group: { kind: expansion.kind, instances: view.map((r, i) => ({ key: expansion.keys[i]!.key, ref: r })) }, view };
    this.groups.set(id, result);
    return result;
  }

  resource(mode: 'managed' | 'data', type: string, name: string): Group<ResourceRef> | undefined {
    const rc = this.config.resourceIndex.get(`${mode}.${type}.${name}`);
    return rc ? this.resourceInstances(rc).group : undefined;
  }

  /** Every module instance of the tree below and including this one, depth first. */
  *tree(): Generator<ModInst> {
    yield this;
    for (const call of this.config.calls) for (const child of this.callInstances(call.name)?.children ?? []) yield* child.tree();
  }
}

/** Data sources whose result fedlint computes (everything else reads the cloud). */
const STATIC_DATA = new Set(['aws_iam_policy_document', 'google_iam_policy']);

/** One resource or data source instance. */
export class ResInst implements ResourceRef {
  private evaluated: Obj | 'busy' | undefined;
  private ref: V | undefined;
  readonly header: Origin;

  constructor(
    readonly mod: ModInst,
    readonly rc: ResourceConfig,
    readonly address: string,
    readonly scope: Scope,
  ) {
    const b = rc.block;
    this.header = { f: b.f, s: b.s, e: b.he };
  }

  /** The arguments and nested blocks as written, evaluated; for static data sources, their computed outputs too. */
  body(): Obj | undefined {
    if (this.evaluated === 'busy') return undefined;
    if (this.evaluated) return this.evaluated;
    this.evaluated = 'busy';
    const body = evalBody(this.mod.ev, this.rc.block.body, this.scope, true, this.header, this.address);
    if (this.rc.mode === 'data') this.compute(body);
    this.evaluated = body;
    return body;
  }

  private compute(body: Obj): void {
    const set = (name: string, v: V): void => {
      synthesized.add(v);
      body.map.set(name, v);
    };
    try {
      if (this.rc.type === 'aws_iam_policy_document') {
        const doc = awsPolicyDocument(body, this.header);
        set('json', doc?.json ?? unknown(this.header));
        set('minified_json', doc?.minified ?? unknown(this.header));
      } else if (this.rc.type === 'google_iam_policy') set('policy_data', googlePolicyData(body, this.header) ?? unknown(this.header));
    } catch (error) {
      if (!(error instanceof EvalError)) throw error;
      this.mod.ev.note(this.header, `${this.address} cannot be computed (${error.message}); its result is unknown`);
      set(this.rc.type === 'google_iam_policy' ? 'policy_data' : 'json', unknown(this.header));
    }
  }

  value(): V {
    if (this.ref) return this.ref;
    const body = this.body();
    if (!body) return unknown(this.header);
    const map = new Map(body.map);
    const add = (name: string, v: V | undefined): void => {
      if (!v || map.has(name)) return;
      synthesized.add(v);
      map.set(name, v);
    };
    const s = (name: string): string | undefined => {
      const v = body.map.get(name);
      return v?.t === 'string' ? v.v : undefined;
    };
    const sens = (...names: string[]): boolean => names.some((n) => !!body.map.get(n)?.sens);
    const at = this.header;
    if (this.rc.mode === 'data' && !STATIC_DATA.has(this.rc.type) && !this.standIns(add, s, sens)) {
      this.mod.ev.note(at, `${this.address} reads the cloud; its attributes are unknown`);
    }
    if (this.rc.mode === 'managed') {
      switch (this.rc.type) {
        case 'aws_iam_openid_connect_provider': {
          const url = s('url');
          // The account is not known from source; trust analysis reads only the issuer part of the ARN.
          const arn = url !== undefined ? mark(str(`arn:aws:iam::000000000000:oidc-provider/${url.replace(/^https:\/\//i, '')}`, at), sens('url')) : undefined;
          add('arn', arn);
          add('id', arn);
          break;
        }
        case 'aws_iam_role':
        case 'aws_iam_policy':
        case 'aws_iam_user':
          // The id of these is their name (a copy: only the id, not the name, is a computed attribute).
          if (s('name') !== undefined) add('id', { ...body.map.get('name')! });
          break;
        case 'google_iam_workload_identity_pool':
        case 'google_iam_workload_identity_pool_provider': {
          const pool = s('workload_identity_pool_id');
          if (pool === undefined) break;
          const project = body.map.get('project');
          const p = project?.t === 'string' || project?.t === 'number' ? String(project.v) : 'unknown';
          let name = `projects/${p}/locations/global/workloadIdentityPools/${pool}`;
          if (this.rc.type === 'google_iam_workload_identity_pool_provider') {
            const provider = s('workload_identity_pool_provider_id');
            if (provider === undefined) break;
            name += `/providers/${provider}`;
          }
          const v = mark(str(name, at), sens('project', 'workload_identity_pool_id'));
          add('name', v);
          add('id', v);
          break;
        }
        case 'google_service_account': {
          const account = s('account_id');
          const project = s('project');
          if (account === undefined || project === undefined) break;
          const email = `${account}@${project}.iam.gserviceaccount.com`;
          add('email', str(email, at));
          add('member', str(`serviceAccount:${email}`, at));
          add('name', str(`projects/${project}/serviceAccounts/${email}`, at));
          add('id', str(`projects/${project}/serviceAccounts/${email}`, at));
          break;
        }
      }
    }
    this.ref = { ...obj(map, body.at), open: true };
    return this.ref;
  }

  /**
   * Data sources that read the cloud but whose answer does not change what a trust admits: the account and
   * partition an ARN names, and an OIDC provider's ARN looked up by its URL (the issuer is read from the
   * ARN's provider part). Stand-ins let a trust built from them be judged; they never decide a finding.
   */
  private standIns(add: (name: string, v: V | undefined) => void, s: (name: string) => string | undefined, sens: (...names: string[]) => boolean): boolean {
    const at = this.header;
    switch (this.rc.type) {
      case 'aws_caller_identity':
        add('account_id', str('000000000000', at));
        return true;
      case 'aws_partition':
        add('partition', str('aws', at));
        add('dns_suffix', str('amazonaws.com', at));
        return true;
      case 'aws_iam_openid_connect_provider': {
        const url = s('url');
        const arn = s('arn');
        if (url !== undefined) add('arn', mark(str(`arn:aws:iam::000000000000:oidc-provider/${url.replace(/^https:\/\//i, '')}`, at), sens('url')));
        else if (arn !== undefined) add('url', mark(str(`https://${arn.replace(/^arn:[^:]*:iam::[^:]*:oidc-provider\//, '')}`, at), sens('arn')));
        return url !== undefined || arn !== undefined;
      }
      case 'google_project':
        // A project's number appears in principal:// and principalSet:// members; pools are matched by id.
        add('number', str('000000000000', at));
        return true;
      default:
        return false;
    }
  }

  /** The resource as the plan view shows it. */
  planResource(): PlanResource {
    const body = this.body() ?? obj(new Map(), this.header);
    const values = (planJson(body) ?? {}) as Record<string, Json>;
    const unknownM = (unknownMirror(body) ?? {}) as Record<string, Json>;
    if (this.rc.mode === 'managed') {
      if (!body.map.has('id')) unknownM['id'] = true;
      if (this.rc.type.startsWith('aws_') && !body.map.has('arn')) unknownM['arn'] = true;
    }
    const expressions: Record<string, Json> = {};
    for (const a of this.rc.block.body.attrs) {
      if (META_ATTRIBUTES.has(a.name)) continue;
      const v = body.map.get(a.name);
      if (isConstant(a.x) && v) expressions[a.name] = { constant_value: planJson(v) as Json };
      else {
        const refs = referencesOf(a.x);
        expressions[a.name] = refs.length > 0 ? { references: refs } : {};
      }
    }
    const address = this.address;
    const header = this.header;
    return {
      address,
      mode: this.rc.mode,
      type: this.rc.type,
      name: this.rc.name,
      module: this.mod.address,
      values,
      unknown: unknownM,
      sensitive: (sensitiveMirror(body) ?? {}) as Json,
      path: [address],
      config: { expressions, path: [address, 'config'] },
      locate: (attribute: JsonPath, inner?: JsonPath): Location => locateValue(body, header, address, attribute, inner),
    };
  }
}

/** The object a block body evaluates to: its arguments, and its nested blocks as lists of objects (dynamic blocks expanded). */
function evalBody(ev: Evaluation, body: Body, sc: Scope, top: boolean, at: Origin, address: string): Obj {
  const map = new Map<string, V>();
  for (const a of body.attrs) {
    if (top && META_ATTRIBUTES.has(a.name)) continue;
    map.set(a.name, ev.evalAttr(a.x, sc, `${a.name} of ${address}`));
  }
  const nested = new Map<string, { items: V[]; at: Origin; unknown: boolean }>();
  const slot = (type: string, o: Origin): { items: V[]; at: Origin; unknown: boolean } => {
    let s = nested.get(type);
    if (!s) {
      s = { items: [], at: o, unknown: false };
      nested.set(type, s);
    }
    return s;
  };
  for (const b of body.blocks) {
    if (top && META_BLOCKS.has(b.type)) continue;
    const header: Origin = { f: b.f, s: b.s, e: b.he };
    if (b.type !== 'dynamic') {
      slot(b.type, header).items.push(evalBody(ev, b.body, sc, false, header, address));
      continue;
    }
    const type = b.labels[0]?.v;
    if (!type) continue;
    const target = slot(type, header);
    const forEach = attrOf(b.body, 'for_each');
    const iterator = attrOf(b.body, 'iterator');
    const name = iterator?.x.k === 'var' ? iterator.x.name : type;
    const content = b.body.blocks.find((c) => c.type === 'content');
    if (!forEach || !content) continue;
    const coll = ev.evalAttr(forEach.x, sc, `the for_each of dynamic "${type}" in ${address}`);
    if (coll.t === 'unknown' || (coll.t === 'object' && coll.open)) {
      ev.note(forEach.x, `the for_each of dynamic "${type}" in ${address} is not known statically; its ${type} blocks are unknown`);
      target.unknown = true;
      continue;
    }
    let pairs: Array<[V, V]>;
    try {
      pairs = coll.t === 'null' ? [] : iterate(coll);
    } catch (error) {
      if (!(error instanceof EvalError)) throw error;
      ev.note(forEach.x, `the for_each of dynamic "${type}" in ${address} cannot be iterated (${error.message}); its ${type} blocks are unknown`);
      target.unknown = true;
      continue;
    }
    const contentAt: Origin = { f: content.f, s: content.s, e: content.he };
    for (const [k, v] of pairs) {
      const it = mark(obj(new Map<string, V>([['key', k], ['value', v]]), forEach.x), coll.sens);
      target.items.push(evalBody(ev, content.body, bind(sc, name, it), false, contentAt, address));
    }
  }
  for (const [type, s] of nested) map.set(type, s.unknown ? unknown(s.at) : list(s.items, s.at));
  return obj(map, at);
}

// ---------------------------------------------------------------------------------------------------------
// Variable files
// ---------------------------------------------------------------------------------------------------------

/** Values of a tfvars file (HCL or JSON), each pointing at where it is written. */
export function tfvarsValues(sources: Sources, file: SourceFile): Map<string, V> {
  const out = new Map<string, V>();
  // A variable file holds only values: nothing to read, nothing to note.
  const ctx: RunContext = { hcl: sources.hcl, readFile: () => ({ reason: 'variable files cannot read files' }), note: () => undefined };
  const whole: Origin = { f: file, s: 0, e: file.text.length };
  if (file.absolute.endsWith('.json')) {
    try {
      const v = decodeJson(str(file.text, whole, file.text.length > 0 ? [{ i: 0, n: file.text.length, o: whole, x: true }] : []), whole);
      if (v.t === 'object') for (const [k, x] of v.map) out.set(k, x);
      else sources.problems.set(file, { file, s: 0, e: 0, message: 'a JSON variable file must hold an object' });
    } catch {
      if (!sources.problems.has(file)) sources.problems.set(file, { file, s: 0, e: 0, message: 'invalid JSON in a variable file' });
    }
    return out;
  }
  const parsed = sources.parse(file);
  for (const a of parsed.body.attrs) {
    try {
      out.set(a.name, evaluate(a.x, { env: undefined, ctx }));
    } catch (error) {
      if (!(error instanceof EvalError)) throw error;
      out.set(a.name, unknown(a.x));
    }
  }
  return out;
}

/** A Location for a problem of a source file. */
export function problemLocation(p: SourceProblem): Location {
  return location({ f: p.file, s: p.s, e: p.e }, []);
}
