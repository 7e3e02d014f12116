/**
 * Documents that data sources compute without reading the cloud:
 *
 * - `data.aws_iam_policy_document`: `json` and `minified_json`, assembled as the AWS provider does
 *   (reference/terraform-plan.md §6.1): source_policy_documents first, then the document's own
 *   statements, then override_policy_documents, a statement with the same non-empty Sid replacing the
 *   earlier one; Version, Id, then per statement Sid, Effect (Allow by default), Action, NotAction,
 *   Resource, NotResource, Principal, NotPrincipal, Condition; one value as a string, several as a list
 *   (action, resource and identifier sets sorted in reverse, condition values in written order); two
 *   condition blocks with the same test and variable merged into one key; `&{` written for IAM's `${`.
 * - `data.google_iam_policy`: `policy_data` from its binding blocks (reference/gcp.md §5.1).
 *
 * The document is built as a value whose every element keeps where it was written, so a finding on a
 * path inside the JSON lands on the `values = [...]` element or the `identifiers` entry behind it.
 */
import { decodeJson } from './functions.js';
import type { Origin } from './parse.js';
import { compareStrings, EvalError, hasSensitive, hasUnknown, jsonText, list, mark, obj, str, type Obj, type Str, type V } from './value.js';

const DEFAULT_VERSION = '2012-10-17';

interface Statement {
  sid: string;
  v: Obj;
}

/** The computed outputs of a `data.aws_iam_policy_document`, or undefined when something it needs is unknown. */
export function awsPolicyDocument(body: Obj, header: Origin): { json: Str; minified: Str } | undefined {
  if (hasUnknown(body)) return undefined;
  const sens = hasSensitive(body);
  let version = '';
  let id: V | undefined;
  let statements: Statement[] = [];
  const merge = (doc: { version?: string; id?: V; statements: Statement[] }): void => {
    if (doc.id && doc.id.t === 'string' && doc.id.v.length > 0) id = doc.id;
    if (doc.version && doc.version > version) version = doc.version;
    for (const s of doc.statements) {
      const i = s.sid ? statements.findIndex((t) => t.sid === s.sid) : -1;
      if (i >= 0) statements[i] = s;
      else statements = [...statements, s];
    }
  };
  for (const source of documents(body.map.get('source_policy_documents'))) merge(source);
  const ownVersion = body.map.get('version');
  const own: { version?: string; id?: V; statements: Statement[] } = {
    version: ownVersion?.t === 'string' && ownVersion.v ? ownVersion.v : DEFAULT_VERSION,
    statements: blocks(body.map.get('statement')).map(statementFromBlock),
  };
  const policyId = body.map.get('policy_id');
  if (policyId?.t === 'string') own.id = policyId;
  merge(own);
  for (const override of documents(body.map.get('override_policy_documents'))) merge(override);

  const doc = new Map<string, V>();
  if (version) doc.set('Version', ownVersion?.t === 'string' && ownVersion.v === version ? ownVersion : str(version, header));
  if (id) doc.set('Id', id);
  if (statements.length > 0) {
    doc.set(
      'Statement',
      list(
        statements.map((s) => s.v),
        header,
      ),
    );
  }
  const value = obj(doc, header);
  const json: Str = { t: 'string', v: jsonText(value, '  ', false), at: header, doc: value };
  const minified: Str = { t: 'string', v: jsonText(value, '', false), at: header, doc: value };
  return { json: mark(json, sens), minified: mark(minified, sens) };
}

/** Nested blocks of one type (a list of objects), or none. */
function blocks(v: V | undefined): Obj[] {
  if (!v || v.t !== 'list') return [];
  return v.items.filter((x): x is Obj => x.t === 'object');
}

function strings(v: V | undefined): Str[] {
  if (!v || v.t !== 'list') return [];
  return v.items.filter((x): x is Str => x.t === 'string');
}

/** IAM policy variables are written `&{…}` in Terraform so that they are not interpolated. */
function iamVars(s: Str): Str {
  return s.v.includes('&{') ? { ...s, v: s.v.replace(/&\{/g, '${') } : s;
}

/** A string set: each value once, sorted in reverse as the provider writes it. */
function reverseSet(items: Str[]): Str[] {
  const seen = new Set<string>();
  return items.filter((s) => !seen.has(s.v) && seen.add(s.v)).sort((a, b) => compareStrings(b.v, a.v));
}

/** One value as itself, several as a list sorted in reverse (the provider's encoding of a string set). */
function stringSet(items: Str[], at: Origin): V | undefined {
  const set = reverseSet(items);
  if (set.length === 0) return undefined;
  return set.length === 1 ? set[0]! : list(set, at);
}

function statementFromBlock(block: Obj): Statement {
  const out = new Map<string, V>();
  const sidV = block.map.get('sid');
  const sid = sidV?.t === 'string' ? sidV.v : '';
  if (sid) out.set('Sid', sidV!);
  const effect = block.map.get('effect');
  out.set('Effect', effect?.t === 'string' && effect.v ? effect : str('Allow', block.at));
  const set = (key: string, attr: string, vars: boolean): void => {
    const v = block.map.get(attr);
    const items = strings(v).map((s) => (vars ? iamVars(s) : s));
    const value = stringSet(items, v?.at ?? block.at);
    if (value) out.set(key, value);
  };
  set('Action', 'actions', false);
  set('NotAction', 'not_actions', false);
  set('Resource', 'resources', true);
  set('NotResource', 'not_resources', true);
  const principals = principalsOf(blocks(block.map.get('principals')));
  if (principals) out.set('Principal', principals);
  const notPrincipals = principalsOf(blocks(block.map.get('not_principals')));
  if (notPrincipals) out.set('NotPrincipal', notPrincipals);
  const conditions = conditionsOf(blocks(block.map.get('condition')));
  if (conditions) out.set('Condition', conditions);
  return { sid, v: obj(out, block.at) };
}

/** Principal blocks → `"*"` or `{type: identifier(s)}`, types in key order, blocks of one type joined. */
function principalsOf(items: Obj[]): V | undefined {
  if (items.length === 0) return undefined;
  const entries = items.map((p) => {
    const type = p.map.get('type');
    const ids = p.map.get('identifiers');
    return { p, type: type?.t === 'string' ? type.v : '', ids: strings(ids).map(iamVars), idsAt: ids?.at ?? p.at };
  });
  if (entries.length === 1) {
    const only = entries[0]!;
    if (only.type === '*' && only.ids.length === 1 && only.ids[0]!.v === '*') return only.ids[0]!;
  }
  const byType = new Map<string, { items: Str[]; at: Origin; many: boolean }>();
  for (const e of entries) {
    const sorted = reverseSet(e.ids);
    const known = byType.get(e.type);
    if (known) {
      known.items.push(...sorted);
      known.many = true;
    } else byType.set(e.type, { items: sorted, at: e.idsAt, many: sorted.length !== 1 });
  }
  const map = new Map<string, V>();
  for (const type of [...byType.keys()].sort(compareStrings)) {
    const g = byType.get(type)!;
    map.set(type, g.many ? list(g.items, g.at) : g.items[0]!);
  }
  return obj(map, items[0]!.at);
}

/** Condition blocks → `{test: {variable: value(s)}}`, blocks with the same test and variable merged. */
function conditionsOf(items: Obj[]): V | undefined {
  if (items.length === 0) return undefined;
  const tests = new Map<string, { at: Origin; vars: Map<string, { items: Str[]; at: Origin }> }>();
  for (const c of items) {
    const test = c.map.get('test');
    const variable = c.map.get('variable');
    const values = c.map.get('values');
    const t = test?.t === 'string' ? test.v : '';
    const name = variable?.t === 'string' ? variable.v : '';
    let entry = tests.get(t);
    if (!entry) {
      entry = { at: c.at, vars: new Map() };
      tests.set(t, entry);
    }
    const written = strings(values).map(iamVars);
    const known = entry.vars.get(name);
    if (known) known.items.push(...written);
    else entry.vars.set(name, { items: written, at: values?.at ?? c.at });
  }
  const out = new Map<string, V>();
  for (const t of [...tests.keys()].sort(compareStrings)) {
    const entry = tests.get(t)!;
    const inner = new Map<string, V>();
    for (const name of [...entry.vars.keys()].sort(compareStrings)) {
      const g = entry.vars.get(name)!;
      inner.set(name, g.items.length === 1 ? g.items[0]! : list(g.items, g.at));
    }
    out.set(t, obj(inner, entry.at));
  }
  return obj(out, items[0]!.at);
}

// ---------------------------------------------------------------------------------------------------------
// Source and override documents (JSON strings)
// ---------------------------------------------------------------------------------------------------------

/** The documents of source_policy_documents / override_policy_documents, read as the provider reads them. */
function documents(v: V | undefined): Array<{ version?: string; id?: V; statements: Statement[] }> {
  if (!v || v.t !== 'list') return [];
  const out: Array<{ version?: string; id?: V; statements: Statement[] }> = [];
  for (const item of v.items) {
    if (item.t !== 'string') continue;
    const doc = item.doc ?? decodeJson(item, item.at);
    if (doc.t !== 'object') throw new EvalError('a merged policy document is not a JSON object', item.at);
    const version = doc.map.get('Version');
    const id = doc.map.get('Id');
    const raw = doc.map.get('Statement');
    const written = raw?.t === 'list' ? raw.items : raw ? [raw] : [];
    const entry: { version?: string; id?: V; statements: Statement[] } = {
      statements: written.filter((s): s is Obj => s.t === 'object').map(statementFromJson),
    };
    if (version?.t === 'string') entry.version = version.v;
    if (id?.t === 'string') entry.id = id;
    out.push(entry);
  }
  return out;
}

const STATEMENT_KEYS = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource'];

/** A statement of a JSON document, keeping only the fields the provider's model has, re-encoded as it encodes them. */
function statementFromJson(s: Obj): Statement {
  const out = new Map<string, V>();
  for (const key of STATEMENT_KEYS) {
    const v = s.map.get(key);
    if (v && !(v.t === 'string' && v.v === '') && v.t !== 'null') out.set(key, v);
  }
  const principal = principalFromJson(s.map.get('Principal'));
  if (principal) out.set('Principal', principal);
  const notPrincipal = principalFromJson(s.map.get('NotPrincipal'));
  if (notPrincipal) out.set('NotPrincipal', notPrincipal);
  const condition = conditionFromJson(s.map.get('Condition'));
  if (condition) out.set('Condition', condition);
  const sid = s.map.get('Sid');
  return { sid: sid?.t === 'string' ? sid.v : '', v: obj(out, s.at) };
}

function principalFromJson(v: V | undefined): V | undefined {
  if (!v || v.t === 'null') return undefined;
  if (v.t === 'string') return v;
  if (v.t !== 'object') return undefined;
  const map = new Map<string, V>();
  for (const key of [...v.map.keys()].sort(compareStrings)) {
    const ids = v.map.get(key)!;
    if (ids.t === 'list') {
      const items = ids.items.filter((x): x is Str => x.t === 'string').sort((a, b) => compareStrings(b.v, a.v));
      map.set(key, list(items, ids.at));
    } else map.set(key, ids);
  }
  return obj(map, v.at);
}

function conditionFromJson(v: V | undefined): V | undefined {
  if (!v || v.t !== 'object') return undefined;
  const out = new Map<string, V>();
  for (const test of [...v.map.keys()].sort(compareStrings)) {
    const vars = v.map.get(test)!;
    if (vars.t !== 'object') continue;
    const inner = new Map<string, V>();
    for (const name of [...vars.map.keys()].sort(compareStrings)) {
      const values = vars.map.get(name)!;
      if (values.t === 'list') inner.set(name, values.items.length === 1 ? values.items[0]! : values);
      else if (values.t === 'bool') inner.set(name, str(values.v ? 'true' : 'false', values.at));
      else inner.set(name, values);
    }
    out.set(test, obj(inner, vars.at));
  }
  return obj(out, v.at);
}

// ---------------------------------------------------------------------------------------------------------
// google_iam_policy
// ---------------------------------------------------------------------------------------------------------

/** `policy_data` of a `data.google_iam_policy`: `{"bindings":[{"condition"?, "members", "role"}]}`. */
export function googlePolicyData(body: Obj, header: Origin): Str | undefined {
  if (hasUnknown(body)) return undefined;
  const bindings: V[] = [];
  for (const b of blocks(body.map.get('binding'))) {
    const out = new Map<string, V>();
    const condition = blocks(b.map.get('condition'))[0];
    if (condition) {
      const c = new Map<string, V>();
      for (const key of ['description', 'expression', 'title']) {
        const v = condition.map.get(key);
        if (v?.t === 'string' && v.v) c.set(key, v);
      }
      out.set('condition', obj(c, condition.at));
    }
    const members = b.map.get('members');
    const sorted = strings(members).sort((x, y) => compareStrings(x.v, y.v));
    out.set('members', list(sorted, members?.at ?? b.at));
    const role = b.map.get('role');
    if (role) out.set('role', role);
    bindings.push(obj(out, b.at));
  }
  const doc = obj(new Map<string, V>(bindings.length > 0 ? [['bindings', list(bindings, header)]] : []), header);
  return mark({ t: 'string', v: jsonText(doc, '', false), at: header, doc }, hasSensitive(body));
}
