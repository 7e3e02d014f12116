/**
 * Mutation fuzzing of every JSON loader and of the rules behind them: real fixtures with one value replaced
 * (by arbitrary JSON, or removed) must never make a loader, the GCP join, a rule or the position resolver
 * throw. A failure must be a reported problem, never an exception. The quick budget runs in `npm test`;
 * `npm run fuzz` raises it (FEDLINT_FUZZ_RUNS).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { lint } from '../src/engine/lint.js';
import { assembleGcp } from '../src/loaders/gcp-trust.js';
import { JSON_LOADERS, prepareLoaders } from '../src/loaders/index.js';
import { PositionResolver } from '../src/loaders/positions.js';
import type { JsonPath } from '../src/model/types.js';
import { ROOT } from './helpers/lint.js';

const RUNS = Number(process.env['FEDLINT_FUZZ_RUNS'] ?? 60);
// A fixed seed keeps `npm test` reproducible; `npm run fuzz` explores new ground each time (fast-check prints the seed of a failure).
const SEED = process.env['FEDLINT_FUZZ_SEED'] === 'random' ? Date.now() : Number(process.env['FEDLINT_FUZZ_SEED'] ?? 20261124);

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...jsonFiles(full));
    else if (name.endsWith('.json') && name !== 'expected.json') out.push(full);
  }
  return out.sort();
}

/** Every path into a JSON value (capped), to pick the one to mutate. */
function pathsOf(value: unknown, prefix: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  if (out.length > 2000) return out;
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function mutate(value: unknown, at: JsonPath, replacement: unknown, remove: boolean): unknown {
  if (at.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const step of at.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = at[at.length - 1]!;
  if (remove) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

const SETTINGS = RULES.map((rule) => ({ rule, options: { ...rule.meta.defaults } }));

const fixtures = jsonFiles(path.join(ROOT, 'fixtures')).map((file) => ({ file: path.relative(ROOT, file), value: JSON.parse(readFileSync(file, 'utf8')) as unknown }));

describe('mutated fixtures never make a loader or a rule throw', () => {
  // Loaders are called directly here, not through loadInput: import the ones loaded on first use.
  beforeAll(prepareLoaders);

  it('covers fixtures of every JSON loader', () => {
    const kinds = new Set(fixtures.flatMap((f) => JSON_LOADERS.filter((l) => l.sniff(f.value)).map((l) => l.kind)));
    expect([...kinds].sort()).toEqual(JSON_LOADERS.map((l) => l.kind).sort());
  });

  for (const loader of JSON_LOADERS) {
    const own = fixtures.filter((f) => loader.sniff(f.value));
    it(`${loader.kind}: ${RUNS} mutations of ${own.length} fixtures`, () => {
      fc.assert(
        fc.property(
          fc.nat({ max: own.length - 1 }),
          // One to three mutations in a row: a value replaced by arbitrary JSON, or removed.
          fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 }), fc.boolean()), { minLength: 1, maxLength: 3 }),
          (which, steps) => {
            const { file, value } = own[which]!;
            let mutated: unknown = value;
            for (const [pick, replacement, remove] of steps) {
              const paths = pathsOf(mutated);
              mutated = mutate(mutated, paths[pick % paths.length]!, replacement, remove);
            }
            // A loader is only ever given what its sniffer accepts (loadInput checks it, --input-format too).
            if (!loader.sniff(mutated)) return;
            const result = loader.load(mutated, file, file);
            const gcp = assembleGcp(result.gcp ? [result.gcp] : []);
            const findings = lint({ bindings: [...result.bindings, ...gcp.bindings], credentials: result.credentials ?? [] }, SETTINGS);
            const resolver = new PositionResolver(JSON.stringify(mutated, null, 2));
            for (const f of findings) resolver.resolve(f.at);
            for (const p of [...result.problems, ...gcp.problems]) resolver.resolve(p.at);
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );
      // A run takes about a millisecond (terraform-plan, the slowest); the long budgets of `npm run fuzz` need room.
    }, Math.max(5_000, RUNS * 5));
  }
});
