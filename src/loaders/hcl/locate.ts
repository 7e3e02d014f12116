/**
 * Origins → Locations: the `.tf` (or tfvars, or file()-read) range of a value, for an attribute path of a
 * resource and, for a JSON document held in a string, a path inside that document.
 */
import { parseTree, type Node } from 'jsonc-parser';
import type { JsonPath, Location } from '../../model/types.js';
import { jsonTooDeepAt } from '../positions.js';
import { nodeOrigin } from './functions.js';
import { lineIndex, type Origin } from './parse.js';
import { segsOf, type Str, type V } from './value.js';

export function location(o: Origin, path: JsonPath): Location {
  return { file: o.f.display, path, range: lineIndex(o.f).range(o.s, o.e) };
}

/** One step into a value: an object key or a list index; undefined when the value has no such part. */
function child(v: V, step: string | number): V | undefined {
  if (v.t === 'object') return typeof step === 'string' ? v.map.get(step) : v.map.get(String(step));
  if (v.t === 'list' && typeof step === 'number') return v.items[step];
  return undefined;
}

/**
 * Where the value at `attribute` (and `inner`, inside the JSON document the attribute holds) was
 * written; when the path goes further than the value shows, the deepest part that exists.
 */
export function locateValue(root: V, header: Origin, address: string, attribute: JsonPath, inner?: JsonPath): Location {
  let cur: V = root;
  let best: Origin = header;
  let complete = true;
  for (const step of attribute) {
    const next = child(cur, step);
    if (!next) {
      complete = false;
      break;
    }
    cur = next;
    best = cur.at;
  }
  if (inner && inner.length > 0 && complete && cur.t === 'string') best = innerOrigin(cur, inner) ?? best;
  return location(best, [address, ...attribute, ...(inner ?? [])]);
}

/** A path inside the JSON document of a string: through the structure it encodes, or by parsing its text. */
function innerOrigin(s: Str, inner: JsonPath): Origin | undefined {
  if (s.doc) {
    let cur = s.doc;
    for (const step of inner) {
      const next = child(cur, step);
      if (!next) break;
      cur = next;
    }
    return cur.at;
  }
  // A document nested too deeply to parse is located by its string as a whole.
  const root = jsonTooDeepAt(s.v) < 0 ? parseTree(s.v, [], { disallowComments: false, allowTrailingComma: true }) : undefined;
  if (!root) return undefined;
  let node: Node = root;
  for (const step of inner) {
    const next = jsonChild(node, step);
    if (!next) break;
    node = next;
  }
  return nodeOrigin(node, segsOf(s), s.at);
}

/** A child of a JSON node; a duplicated key resolves to its last occurrence, as JSON.parse keeps it. */
function jsonChild(node: Node, step: string | number): Node | undefined {
  if (node.type === 'array' && typeof step === 'number') return node.children?.[step];
  if (node.type !== 'object' || typeof step !== 'string') return undefined;
  let found: Node | undefined;
  for (const prop of node.children ?? []) if (prop.children?.[0]?.value === step) found = prop.children[1];
  return found;
}
