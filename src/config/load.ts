/**
 * `.fedlint.yaml`: found by walking up from the working directory to the repository root (or named with
 * --config), parsed with positions, validated against schema/fedlint.schema.json by a validator compiled at
 * build time, and turned into the settings the engine uses. Every mistake is one error naming the key's
 * line and column.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { InputError, Level } from '../model/types.js';
import validate from './schema-validator.generated.cjs';

export { CONFIG_NAMES, findConfig } from './find.js';

export interface EnvironmentSpec {
  /** The key under `environments:` (prod, dev, ...). */
  name: string;
  accounts: string[];
  projects: string[];
  subscriptions: string[];
  /** Globs relative to the configuration file's folder. */
  paths: string[];
  names: string[];
  tags: Record<string, string>;
}

export interface RuleConfig {
  level?: Level | 'off';
  options: Record<string, unknown>;
  /** Overrides for targets of one environment, by environment name. */
  environments: Record<string, { level?: Level | 'off'; options: Record<string, unknown> }>;
}

export interface IgnoreEntry {
  rule?: string;
  path?: string;
  resource?: string;
  reason: string;
  /** YYYY-MM-DD, inclusive: the finding comes back the day after. */
  expires?: string;
  /** Where the entry is written, to report it when it expired or matched nothing. */
  line: number;
  column: number;
}

export interface Config {
  /** The file as shown in messages. */
  file: string;
  /** Absolute folder of the file: paths and globs are relative to it. */
  dir: string;
  rules: Map<string, RuleConfig>;
  environments: EnvironmentSpec[];
  issuersAllow?: string[];
  ignore: IgnoreEntry[];
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: InputError[] };

/** The node at a JSON-pointer-like path in the YAML document; `key` for the key of the last step. */
function nodeAt(doc: Document, steps: readonly string[], key: boolean): { range?: [number, number, number] | null } | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const step of steps) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === step);
      if (!pair) return undefined;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(step)];
      keyNode = node;
    } else return undefined;
  }
  const found = (key ? keyNode : node) ?? keyNode;
  return found as { range?: [number, number, number] | null } | undefined;
}

function message(error: { keyword: string; params: Record<string, unknown>; message?: string; instancePath: string }, steps: string[]): string {
  const where = steps.length > 0 ? steps.join('.') : 'the configuration';
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params['additionalProperty']);
      return steps.length === 1 && steps[0] === 'rules' ? `unknown rule id "${key}" (see \`fedlint rules\`)` : `unknown key "${key}" in ${where}`;
    }
    case 'enum':
      return `${where} must be one of ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `${where} needs "${String(error.params['missingProperty'])}"`;
    case 'pattern':
      return steps.at(-1) === 'expires' ? `${where} must be a date written YYYY-MM-DD` : `${where} ${error.message ?? 'is not valid'}`;
    default:
      return `${where} ${error.message ?? 'is not valid'}`;
  }
}

/**
 * The schema error to show: the deepest one (a oneOf over "off" or an object reports the object's own
 * mistake rather than "must match exactly one schema").
 */
function pickError(errors: NonNullable<typeof validate.errors>) {
  const useful = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const pool = useful.length > 0 ? useful : errors;
  return [...pool].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length)[0]!;
}

function toLevel(value: unknown): Level | 'off' | undefined {
  return value === 'error' || value === 'warning' || value === 'note' || value === 'off' ? value : undefined;
}

function splitSetting(value: unknown): { level?: Level | 'off'; options: Record<string, unknown> } {
  if (typeof value === 'string') {
    const level = toLevel(value);
    return level ? { level, options: {} } : { options: {} };
  }
  const { level, environments: _environments, ...options } = (value ?? {}) as Record<string, unknown>;
  const lv = toLevel(level);
  return lv ? { level: lv, options } : { options };
}

export async function loadConfig(file: string, display: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, errors: [{ file: display, line: 1, column: 1, message: code === 'ENOENT' ? 'configuration file not found' : `cannot read the configuration (${code})` }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    // The yaml parser recurses per level of nesting and reports running out of stack as a parse error.
    const firstLine = reason.includes('Maximum call stack size exceeded') ? 'collections nested too deeply to be read' : reason;
    return { ok: false, errors: [{ file: display, ...at(e.pos[0]), message: `invalid YAML: ${firstLine}` }] };
  }
  const value = doc.toJS() ?? {};
  if (!validate(value)) {
    const error = pickError(validate.errors ?? []);
    const steps = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const extra = error.keyword === 'additionalProperties' ? [String(error.params['additionalProperty'])] : [];
    const node = nodeAt(doc, [...steps, ...extra], extra.length > 0);
    return { ok: false, errors: [{ file: display, ...at(node?.range?.[0]), message: message(error, steps) }] };
  }
  const raw = value as {
    rules?: Record<string, unknown>;
    environments?: Record<string, Partial<Omit<EnvironmentSpec, 'name'>>>;
    issuers?: { allow?: string[] };
    ignore?: Array<Omit<IgnoreEntry, 'line' | 'column'>>;
  };
  const config: Config = {
    file: display,
    dir: path.dirname(path.resolve(file)),
    rules: new Map(),
    environments: [],
    ignore: [],
  };
  const errors: InputError[] = [];
  for (const [name, spec] of Object.entries(raw.environments ?? {})) {
    config.environments.push({
      name,
      accounts: spec.accounts ?? [],
      projects: spec.projects ?? [],
      subscriptions: spec.subscriptions ?? [],
      paths: spec.paths ?? [],
      names: spec.names ?? [],
      tags: spec.tags ?? {},
    });
  }
  const known = new Set(config.environments.map((e) => e.name));
  for (const [id, setting] of Object.entries(raw.rules ?? {})) {
    const rule: RuleConfig = { ...splitSetting(setting), environments: {} };
    const perEnvironment = typeof setting === 'object' && setting !== null ? (setting as { environments?: Record<string, unknown> }).environments : undefined;
    for (const [env, override] of Object.entries(perEnvironment ?? {})) {
      if (!known.has(env)) {
        errors.push({ file: display, ...at(nodeAt(doc, ['rules', id, 'environments', env], true)?.range?.[0]), message: `rules.${id}.environments names "${env}", which is not under environments` });
        continue;
      }
      rule.environments[env] = splitSetting(override);
    }
    config.rules.set(id, rule);
  }
  if (raw.issuers?.allow) config.issuersAllow = raw.issuers.allow;
  (raw.ignore ?? []).forEach((entry, i) => {
    const pos = at(nodeAt(doc, ['ignore', String(i)], false)?.range?.[0]);
    if (entry.expires !== undefined && Number.isNaN(Date.parse(`${entry.expires}T00:00:00Z`))) {
      errors.push({ file: display, ...at(nodeAt(doc, ['ignore', String(i), 'expires'], false)?.range?.[0]), message: `ignore[${i}].expires is not a real date` });
      return;
    }
    config.ignore.push({ ...entry, ...pos });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
}
