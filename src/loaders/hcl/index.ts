/**
 * Terraform source (`.tf`) read statically into the same resource-instance view a plan gives
 * (plan-view.ts), so the per-cloud lowering and every rule work on source unchanged.
 *
 * A directory of `.tf` files is a module. Locals, variable defaults, terraform.tfvars, *.auto.tfvars and
 * --var-file values, templates, the common pure functions, policy-document data sources, references
 * between resources, count/for_each and local module calls are evaluated; what cannot be known from
 * the files (remote modules, data sources that read the cloud, variables without a value) stays
 * unknown and is listed in `unresolved`, so no finding is guessed from it. Every value keeps the `.tf`
 * range it was written at: `locate()` of a resource answers with it.
 */
import { readdir } from 'node:fs/promises';
import { basename, relative, resolve, sep } from 'node:path';
import type { Location } from '../../model/types.js';
import type { LoadProblem } from '../loader.js';
import type { PlanResource, PlanView } from '../plan-view.js';
import { location } from './locate.js';
import { Evaluation, problemLocation, Sources, tfvarsValues, type ModuleConfig } from './module.js';
import { hclParser, type SourceFile } from './parse.js';
import type { V } from './value.js';

export interface SourceRoot {
  absolute: string;
  /** Relative to the working directory, posix slashes. */
  display: string;
}

export interface SourceLoad {
  root: SourceRoot;
  view: PlanView;
  /** Syntax errors and unreadable files. */
  problems: LoadProblem[];
  /** What was left unknown, and why. */
  unresolved: Array<{ at: Location; message: string }>;
  /** Every file read: .tf, variable files, files read by file() and templatefile() (not those that could not be read). */
  files: Array<{ display: string; text: string }>;
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** Directories of the local modules a module calls, transitively. */
function calledDirs(config: ModuleConfig, out = new Set<string>()): Set<string> {
  for (const call of config.calls) {
    if (!call.child || out.has(call.child.dir)) continue;
    out.add(call.child.dir);
    calledDirs(call.child, out);
  }
  return out;
}

/** Variable files Terraform reads by itself, in its order: terraform.tfvars(.json), then *.auto.tfvars(.json) by name. */
async function automaticVarFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  } catch {
    return [];
  }
  const auto = names.filter((n) => n.endsWith('.auto.tfvars') || n.endsWith('.auto.tfvars.json')).sort();
  return [...['terraform.tfvars', 'terraform.tfvars.json'].filter((n) => names.includes(n)), ...auto].map((n) => resolve(dir, n));
}

/**
 * Read each root module (and the local modules it calls) and evaluate it. A root that another root of
 * the list calls as a local module is read as part of that root only.
 */
export async function loadTerraformSources(roots: SourceRoot[], options: { varFiles: string[]; cwd: string; linkRoots?: readonly string[] }): Promise<SourceLoad[]> {
  if (roots.length === 0) return [];
  const sources = new Sources(await hclParser(), options.linkRoots);
  const trees: Array<{ root: SourceRoot; abs: string; config: ModuleConfig }> = [];
  for (const root of roots) {
    const abs = resolve(root.absolute);
    if (trees.some((t) => t.abs === abs)) continue;
    trees.push({ root, abs, config: await sources.loadTree(abs, root) });
  }
  const called = trees.map((t) => calledDirs(t.config));
  const kept = trees.filter((t, i) => !trees.some((o, j) => j !== i && called[j]!.has(t.abs) && !called[i]!.has(o.abs)));

  const varFiles: SourceFile[] = [];
  for (const f of options.varFiles) {
    const abs = resolve(options.cwd, f);
    varFiles.push(await sources.read(abs, toPosix(relative(options.cwd, abs)) || basename(abs)));
  }

  const out: SourceLoad[] = [];
  for (const t of kept) {
    const auto = await Promise.all((await automaticVarFiles(t.abs)).map((abs) => sources.read(abs, Sources.display(t.root, abs))));
    const variableFiles = [...auto, ...varFiles];
    const rootValues = new Map<string, V>();
    for (const f of variableFiles) for (const [k, v] of tfvarsValues(sources, f)) rootValues.set(k, v);
    out.push(evaluateRoot(sources, t.root, t.config, rootValues, variableFiles));
  }
  return out;
}

function evaluateRoot(sources: Sources, root: SourceRoot, config: ModuleConfig, rootValues: Map<string, V>, variableFiles: SourceFile[]): SourceLoad {
  const view: PlanView = { file: root.display, resources: [] };
  const ev = new Evaluation(sources, config, root, rootValues);
  const configFiles: SourceFile[] = [];
  const skipped: SourceFile[] = [];
  const seen = new Set<ModuleConfig>();
  const walk = (m: ModuleConfig): void => {
    if (seen.has(m)) return;
    seen.add(m);
    configFiles.push(...m.files.map((p) => p.file));
    skipped.push(...m.skipped);
    for (const c of m.calls) if (c.child) walk(c.child);
  };
  walk(config);
  const problems: LoadProblem[] = sources.takeProblems([...configFiles, ...variableFiles]).map((p) => ({ at: problemLocation(p), message: p.message }));
  try {
    for (const inst of ev.root.tree()) {
      for (const rc of inst.config.resources) {
        for (const r of inst.resourceInstances(rc).view) view.resources.push(r.planResource() as PlanResource);
      }
    }
  } catch (error) {
    // A defect of the evaluator, not of the input: report it on the root and keep what was read.
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    problems.push({ at: { file: root.display, path: [] }, message: `Terraform sources could not be evaluated completely: ${message}` });
  }
  const unresolved = [...ev.notes.values()].map((n) => ({ at: location(n.at, []), message: n.message }));
  for (const f of skipped) {
    unresolved.push({ at: { file: f.display, path: [], range: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 } }, message: `${f.display} is Terraform JSON syntax, which fedlint does not read; its resources are not linted` });
  }
  const files = new Map<string, { display: string; text: string }>();
  for (const f of [...configFiles, ...variableFiles, ...ev.used]) if (!files.has(f.absolute) && !sources.unread.has(f)) files.set(f.absolute, { display: f.display, text: f.text });
  return { root, view, problems, unresolved, files: [...files.values()] };
}

/**
 * Where each resource block of a module tree is written, by configuration address without instance keys
 * (`module.ci.aws_iam_role.deploy`, `data.aws_iam_policy_document.trust`), for placing plan findings on source.
 */
export async function locateBlocks(root: SourceRoot): Promise<Map<string, Location>> {
  const sources = new Sources(await hclParser());
  const config = await sources.loadTree(resolve(root.absolute), root);
  const out = new Map<string, Location>();
  const walk = (m: ModuleConfig, prefix: string, chain: ModuleConfig[]): void => {
    if (chain.includes(m)) return;
    for (const rc of m.resources) {
      const address = `${prefix}${rc.mode === 'data' ? 'data.' : ''}${rc.type}.${rc.name}`;
      const b = rc.block;
      if (!out.has(address)) out.set(address, location({ f: b.f, s: b.s, e: b.he }, [address]));
    }
    for (const c of m.calls) if (c.child) walk(c.child, `${prefix}module.${c.name}.`, [...chain, m]);
  };
  walk(config, '', []);
  return out;
}
