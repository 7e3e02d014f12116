/**
 * A Terraform plan or state (`terraform show -json`) seen as a list of resource instances with their
 * known values, what is unknown until apply, what is sensitive, and the configuration expressions
 * behind them (reference/terraform-plan.md §§1-5, 7). Cloud-specific lowering (plan-aws.ts,
 * plan-gcp.ts, plan-azure.ts) works on this view and never on the raw plan shape.
 */
import type { JsonPath, Location } from '../model/types.js';
import { isObject, type Json } from './json.js';

export interface PlanResource {
  /** Full instance address: `module.ci.aws_iam_role.deploy["prod"]`. */
  address: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  /** Module instance path of the resource (`module.ci`, `module.a["x"].module.b`), '' for the root module. */
  module: string;
  /** Known attribute values (unknown ones are omitted by Terraform). */
  values: Record<string, Json>;
  /** `after_unknown` mirror: `true` where a value is known only after apply. */
  unknown: Json;
  /** `after_sensitive` / `sensitive_values` mirror: `true` where a value is sensitive. */
  sensitive: Json;
  /** Path to the values object in the plan file. */
  path: JsonPath;
  /** The configuration block behind the instance (expressions as in terraform-plan.md §5), when the plan has one. */
  config?: { expressions: Record<string, Json>; path: JsonPath };
  /**
   * Where an attribute's value (and, for a JSON document held in a string attribute, a path inside that
   * document) is written, when the resource does not come from a JSON file (Terraform source): overrides
   * the JSON-path locations `at()` builds.
   */
  locate?: (attribute: JsonPath, inner?: JsonPath) => Location;
}

export interface PlanView {
  file: string;
  resources: PlanResource[];
  /** The plan's own problems (unsupported format version), reported as input errors. */
  formatProblem?: string;
}

/**
 * `base` followed by `steps`, in an array of exactly their length (a spread over-allocates): plans hold
 * tens of thousands of these paths. Not Array.prototype.concat, a call into V8's runtime: 40,000 paths of
 * "plan, 40000 resources" (npm run bench) took 13 ms with it and 1.2 ms copied.
 */
export function joinPath(base: JsonPath, steps: JsonPath): JsonPath {
  const out = new Array<string | number>(base.length + steps.length);
  for (let i = 0; i < base.length; i++) out[i] = base[i]!;
  for (let i = 0; i < steps.length; i++) out[base.length + i] = steps[i]!;
  return out;
}

/** Where a value of a resource sits in the plan file. */
export function at(resource: PlanResource, file: string, attribute: JsonPath, inner?: JsonPath): Location {
  if (resource.locate) return resource.locate(attribute, inner);
  const loc: Location = { file, path: joinPath(resource.path, attribute) };
  if (inner) loc.inner = inner;
  return loc;
}

/** Follow a path through a mirror object (after_unknown, after_sensitive); `true` anywhere on the way wins. */
function flagAt(mirror: Json, path: JsonPath): boolean {
  let cur = mirror;
  for (const step of path) {
    if (cur === true) return true;
    if (Array.isArray(cur) && typeof step === 'number') cur = cur[step];
    else if (isObject(cur) && typeof step === 'string') cur = cur[step];
    else return false;
  }
  return cur === true;
}

/** The value at `path` is known only after apply. */
export function isUnknown(resource: PlanResource, path: JsonPath): boolean {
  return flagAt(resource.unknown, path);
}

/** The value at `path` (or anything above it) is marked sensitive. */
export function isSensitive(resource: PlanResource, path: JsonPath): boolean {
  return flagAt(resource.sensitive, path);
}

/** The known value at `path`, or undefined. */
export function valueAt(resource: PlanResource, path: JsonPath): Json {
  let cur: Json = resource.values;
  for (const step of path) {
    if (Array.isArray(cur) && typeof step === 'number') cur = cur[step];
    else if (isObject(cur) && typeof step === 'string') cur = cur[step];
    else return undefined;
  }
  return cur;
}

/** A string attribute: its value, `unknown` when known only after apply, or undefined when unset. */
export function stringAttr(resource: PlanResource, path: JsonPath): string | 'unknown' | undefined {
  const v = valueAt(resource, path);
  if (typeof v === 'string') return v;
  if (isUnknown(resource, path)) return 'unknown';
  return undefined;
}

/** Module instance path of an address: everything before the last `type.name[index]` (data sources: `data.type.name`). */
export function moduleOf(address: string): string {
  if (!address.startsWith('module.')) return '';
  const parts = splitAddress(address);
  const out: string[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (parts[i] !== 'module') break;
    out.push(`module.${parts[i + 1]}`);
  }
  return out.join('.');
}

/** Split an address on dots outside brackets and quotes. */
function splitAddress(address: string): string[] {
  // Parts are sliced, not built a character at a time: a plan names thousands of module instances.
  const parts: string[] = [];
  let start = 0;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < address.length; i++) {
    const ch = address[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === '.' && depth === 0) {
      parts.push(address.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(address.slice(start));
  return parts;
}

/** Module call names of a module instance path, without instance keys: `module.a["x"].module.b` → [a, b]. */
function moduleCallNames(module: string): string[] {
  if (module === '') return [];
  return splitAddress(module)
    .filter((_, i) => i % 2 === 1)
    .map((p) => p.replace(/\[.*\]$/, ''));
}

/**
 * Where a configuration block is: made when asked for, which only a policy document rebuilt from its
 * configuration does. Every resource of "plan, 40000 resources" (npm run bench) has a block, and indexing
 * them with their paths made took 20-25 ms against 4 ms without, the paths' arrays surviving to be copied by
 * the collector.
 */
type Place = { path: JsonPath } | { parent: Place; call: string };

function pathOf(place: Place): JsonPath {
  return 'path' in place ? place.path : joinPath(pathOf(place.parent), ['module_calls', place.call, 'module']);
}

class ConfigBlock {
  constructor(
    readonly expressions: Record<string, Json>,
    private readonly module: Place,
    private readonly index: number,
  ) {}
  get path(): JsonPath {
    return joinPath(pathOf(this.module), ['resources', this.index, 'expressions']);
  }
}

interface ConfigModule {
  resources: Map<string, ConfigBlock>;
  /** Absent in a module that calls none, as most do. */
  calls?: Map<string, ConfigModule>;
}

function indexConfigModule(module: Json, place: Place): ConfigModule {
  const out: ConfigModule = { resources: new Map() };
  if (!isObject(module)) return out;
  const resources = module['resources'];
  if (Array.isArray(resources)) {
    resources.forEach((r, i) => {
      if (isObject(r) && typeof r['address'] === 'string' && isObject(r['expressions'])) {
        out.resources.set(r['address'], new ConfigBlock(r['expressions'], place, i));
      }
    });
  }
  const calls = module['module_calls'];
  if (isObject(calls)) {
    out.calls = new Map();
    for (const [name, call] of Object.entries(calls)) {
      if (isObject(call)) out.calls.set(name, indexConfigModule(call['module'], { parent: place, call: name }));
    }
  }
  return out;
}

/** The configuration module of each module instance path, found once per path (a module holds many resources). */
function configModules(root: ConfigModule | undefined): (module: string) => ConfigModule | undefined {
  const found = new Map<string, ConfigModule | undefined>();
  return (module) => {
    if (module === '') return root;
    if (found.has(module)) return found.get(module);
    let m = root;
    for (const call of moduleCallNames(module)) m = m?.calls?.get(call);
    found.set(module, m);
    return m;
  };
}

function fromValuesModule(module: Json, path: JsonPath, visit: (r: Record<string, Json>, path: JsonPath) => void, depth = 0): void {
  // Module nesting in real plans is shallow; the bound only guards against hostile input.
  if (!isObject(module) || depth > 100) return;
  const resources = module['resources'];
  if (Array.isArray(resources)) resources.forEach((r, i) => isObject(r) && visit(r, joinPath(path, ['resources', i])));
  const children = module['child_modules'];
  if (Array.isArray(children)) children.forEach((c, i) => fromValuesModule(c, joinPath(path, ['child_modules', i]), visit, depth + 1));
}

/** All the actions of a change are `delete` or `forget`. */
function leaving(actions: Json): boolean {
  if (!Array.isArray(actions) || actions.length === 0) return false;
  for (const a of actions) if (a !== 'delete' && a !== 'forget') return false;
  return true;
}

/**
 * The desired resources of a plan: managed resources from `resource_changes[].change.after` (deletions and
 * forgets skipped), data sources from `prior_state` (read at plan time) or `resource_changes` (read deferred
 * to apply), falling back to `planned_values` / state `values` when there are no resource changes.
 */
export function planView(plan: Record<string, Json>, file: string): PlanView {
  const view: PlanView = { file, resources: [] };
  const version = plan['format_version'];
  if (typeof version === 'string' && !/^1\./.test(version)) {
    view.formatProblem = `unsupported plan format_version "${version}" (fedlint reads 1.x)`;
    return view;
  }
  const configuration = plan['configuration'];
  const config = isObject(configuration) ? indexConfigModule(configuration['root_module'], { path: ['configuration', 'root_module'] }) : undefined;
  const configModule = configModules(config);
  const seen = new Set<string>();
  const add = (raw: Record<string, Json>, values: Json, unknown: Json, sensitive: Json, path: JsonPath): void => {
    const address = raw['address'];
    const type = raw['type'];
    const name = raw['name'];
    if (typeof address !== 'string' || typeof type !== 'string' || typeof name !== 'string' || !isObject(values)) return;
    if (seen.has(address)) return;
    seen.add(address);
    const mode = raw['mode'] === 'data' ? 'data' : 'managed';
    const module = typeof raw['module_address'] === 'string' ? raw['module_address'] : moduleOf(address);
    const config = configModule(module)?.resources.get(`${mode === 'data' ? 'data.' : ''}${type}.${name}`);
    // Made whole rather than given `config` afterwards, which would allocate a second store for it.
    view.resources.push(
      config
        ? { address, mode, type, name, module, values, unknown, sensitive, path, config }
        : { address, mode, type, name, module, values, unknown, sensitive, path },
    );
  };
  const addChange = (rc: Json, path: JsonPath): void => {
    if (!isObject(rc) || !isObject(rc['change'])) return;
    const change = rc['change'];
    // A resource on its way out no longer grants anything once applied (reference/terraform-plan.md §3).
    if (leaving(change['actions'])) return;
    if (typeof rc['deposed'] === 'string') return;
    add(rc, change['after'], change['after_unknown'], change['after_sensitive'], path);
  };
  const changes = plan['resource_changes'];
  if (Array.isArray(changes)) {
    for (let i = 0; i < changes.length; i++) addChange(changes[i], ['resource_changes', i, 'change', 'after']);
  }
  // Changes Terraform deferred to a later plan (newer plans) still describe resources that will exist.
  const deferred = plan['deferred_changes'];
  if (Array.isArray(deferred)) {
    for (let i = 0; i < deferred.length; i++) {
      const d = deferred[i];
      if (isObject(d)) addChange(d['resource_change'], ['deferred_changes', i, 'resource_change', 'change', 'after']);
    }
  }
  const prior = plan['prior_state'];
  if (isObject(prior) && isObject(prior['values'])) {
    fromValuesModule(prior['values']['root_module'], ['prior_state', 'values', 'root_module'], (r, path) => {
      if (r['mode'] === 'data') add(r, r['values'], undefined, r['sensitive_values'], joinPath(path, ['values']));
    });
  }
  if (!Array.isArray(changes)) {
    const planned = plan['planned_values'];
    const state = plan['values'];
    const root = isObject(planned) ? planned['root_module'] : isObject(state) ? state['root_module'] : undefined;
    const base: JsonPath = isObject(planned) ? ['planned_values', 'root_module'] : ['values', 'root_module'];
    fromValuesModule(root, base, (r, path) => add(r, r['values'], undefined, r['sensitive_values'], joinPath(path, ['values'])));
  }
  return view;
}

/**
 * Resources a configuration reference names, in the module of `from`: `aws_iam_openid_connect_provider.gh.arn`
 * and `data.aws_iam_policy_document.trust.json` name every instance of that resource in the same module instance.
 */
export function referenced(view: PlanView, from: PlanResource, reference: string): PlanResource[] {
  const parts = reference.split('.');
  const data = parts[0] === 'data';
  const type = data ? parts[1] : parts[0];
  const name = (data ? parts[2] : parts[1])?.replace(/\[.*\]$/, '');
  if (!type || !name) return [];
  return byName(view).get(`${from.module}\u0000${data ? 'data' : 'managed'}\u0000${type}\u0000${name}`) ?? [];
}

const indexes = new WeakMap<PlanView, Map<string, PlanResource[]>>();

/** Resources by module instance, mode, type and name, built once per view: references resolve in constant time. */
function byName(view: PlanView): Map<string, PlanResource[]> {
  let index = indexes.get(view);
  if (!index) {
    index = new Map();
    for (const r of view.resources) {
      const key = `${r.module}\u0000${r.mode}\u0000${r.type}\u0000${r.name}`;
      const list = index.get(key);
      if (list) list.push(r);
      else index.set(key, [r]);
    }
    indexes.set(view, index);
  }
  return index;
}

const typeIndexes = new WeakMap<PlanView, Map<string, number[]>>();

/**
 * The resources whose type passes `test`, in the order of the view. Each cloud's lowering reads a few types
 * among tens of thousands of resources: through an index built once per view, each type is tested once
 * instead of every resource by every lowering.
 */
export function resourcesOfTypes(view: PlanView, test: (type: string) => boolean): PlanResource[] {
  let index = typeIndexes.get(view);
  if (!index) {
    index = new Map();
    for (let i = 0; i < view.resources.length; i++) {
      const type = view.resources[i]!.type;
      const list = index.get(type);
      if (list) list.push(i);
      else index.set(type, [i]);
    }
    typeIndexes.set(view, index);
  }
  const lists: number[][] = [];
  for (const [type, list] of index) if (test(type)) lists.push(list);
  // Several types: back into the order of the view, which is the order of what the lowerings report.
  const positions = lists.length === 1 ? lists[0]! : lists.flat().sort((a, b) => a - b);
  return positions.map((i) => view.resources[i]!);
}

/** The references of one configuration expression (`{"references": [...]}`), or []. */
export function referencesOf(expression: Json): string[] {
  if (!isObject(expression) || !Array.isArray(expression['references'])) return [];
  return expression['references'].filter((r): r is string => typeof r === 'string');
}
