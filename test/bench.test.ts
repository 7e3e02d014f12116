/**
 * The benchmark's input generator (bench/generate.mjs), at a small scale: every input it writes is one
 * fedlint reads without an error, fedlint finds every mistake the generator planted and nothing on the
 * resources it left clean, and the sizes are those the benchmark claims (a plan of N resources is N
 * resources of about 1.4 KB each, the file tree holds N files, the module about the bytes asked for).
 * The benchmark itself (`npm run bench`) is not run here: its timings are too noisy for a test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAll, generatePlan, sizes, type Manifest, type ManifestEntry } from '../bench/generate.mjs';
import { loadPhase } from '../bench/phases.js';
import { buildPhases } from '../bench/phases-build.mjs';
import { RULES } from '../rules/index.js';
import { analysePaths, type Analysis } from '../src/cli/main.js';

const SCALE = 0.02;
let dir: string;
let manifest: Manifest;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fedlint-bench-test-'));
  manifest = generateAll(dir, SCALE);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Lint one generated input with every rule; a folder is linted from inside, as `npm run bench` does. */
async function lint(entry: ManifestEntry): Promise<Analysis> {
  const target = path.join(dir, entry.path);
  const folder = statSync(target).isDirectory();
  return analysePaths([folder ? '.' : entry.path], { rules: [...RULES], cwd: folder ? target : dir });
}

function filesUnder(folder: string, ext: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(ext));
}

describe('bench/generate.mjs', () => {
  it('writes the inputs of every scenario, at the sizes asked for', () => {
    const s = sizes(SCALE);
    expect(Object.keys(manifest).sort()).toEqual(['filesLarge', 'filesSmall', 'moduleLarge', 'moduleSmall', 'planLarge', 'planSmall', 'single']);
    expect(manifest.planSmall.resources).toBe(s.planSmall);
    expect(manifest.planLarge.resources).toBe(s.planLarge);
    for (const key of ['planSmall', 'planLarge'] as const) {
      const e = manifest[key];
      expect(statSync(path.join(dir, e.path)).size).toBe(e.bytes);
      // "4,000 resources, about 5 MB": between 1 and 2 KB per resource instance.
      expect(e.bytes! / e.resources!).toBeGreaterThan(1000);
      expect(e.bytes! / e.resources!).toBeLessThan(2000);
    }
    for (const key of ['filesSmall', 'filesLarge'] as const) {
      const e = manifest[key];
      expect(filesUnder(path.join(dir, e.path), '.json')).toHaveLength(key === 'filesSmall' ? s.filesSmall : s.filesLarge);
      expect(e.files).toBe(key === 'filesSmall' ? s.filesSmall : s.filesLarge);
    }
    for (const key of ['moduleSmall', 'moduleLarge'] as const) {
      const e = manifest[key];
      const wanted = key === 'moduleSmall' ? s.moduleSmall : s.moduleLarge;
      const tf = filesUnder(path.join(dir, e.path), '.tf');
      expect(tf).toHaveLength(e.files!);
      expect(tf.reduce((n, f) => n + statSync(path.join(dir, e.path, f)).size, 0)).toBe(e.bytes);
      // Services are added until the size is reached: at most one more service over it.
      expect(e.bytes).toBeGreaterThanOrEqual(wanted);
      expect(e.bytes).toBeLessThan(wanted + 3000);
    }
  });

  it('is deterministic: the same seed writes the same plan', () => {
    expect(generatePlan({ resources: 300, seed: 5 }).text).toBe(generatePlan({ resources: 300, seed: 5 }).text);
  });

  for (const key of ['single', 'planSmall', 'planLarge', 'filesSmall', 'filesLarge', 'moduleSmall', 'moduleLarge'] as const) {
    it(`${key}: fedlint reads it and finds exactly the planted mistakes`, async () => {
      const entry = manifest[key];
      const analysis = await lint(entry);
      expect(analysis.errors).toEqual([]);
      const found = new Set(analysis.findings.map((f) => `${f.ruleId} ${f.resource}`));
      const flawed = new Set(entry.planted.map((p) => p.resource));
      // Every planted mistake is found, under its rule and on its resource...
      expect(entry.planted.filter((p) => !found.has(`${p.ruleId} ${p.resource}`))).toEqual([]);
      // ...and the clean resources stay clean (a flawed one may draw more than its planted rule).
      expect(analysis.findings.filter((f) => !flawed.has(f.resource)).map((f) => `${f.ruleId} ${f.resource}`)).toEqual([]);
      if (key !== 'single') expect(entry.planted.length).toBeGreaterThan(0);
    });
  }
});

describe('bench/phases.ts (the "where the time goes" table)', () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await buildPhases();
  });

  /** Run the bundle as npm run bench does: in the input's folder, on the input's name. */
  function phase(name: string, entry: ManifestEntry): { status: number | null; out: Record<string, number> } {
    const r = spawnSync(process.execPath, [bundle, name, path.basename(entry.path)], { cwd: path.join(dir, path.dirname(entry.path)), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return { status: r.status, out: JSON.parse(r.stdout) as Record<string, number> };
  }

  it('reads and parses every generated file, and loads each into trusts without an error', () => {
    const files = manifest.filesSmall.files!;
    expect(phase('read', manifest.filesSmall)).toEqual({ status: 0, out: { files, parsed: files } });
    const loaded = phase('load', manifest.filesSmall);
    expect(loaded.status).toBe(0);
    expect(loaded.out).toMatchObject({ inputs: files, errors: 0 });
    // Every generated file is one role that trusts at least one federated principal.
    expect(loaded.out['bindings']).toBeGreaterThanOrEqual(files);
    expect(phase('read', manifest.planSmall)).toEqual({ status: 0, out: { files: 1, parsed: 1 } });
  });

  it('bundled, loads what the source loads', async () => {
    const planDir = path.join(dir, path.dirname(manifest.planSmall.path));
    const direct = await loadPhase([path.basename(manifest.planSmall.path)], planDir);
    expect(direct.bindings).toBeGreaterThan(manifest.planSmall.resources! / 10);
    expect(phase('load', manifest.planSmall)).toEqual({ status: 0, out: direct });
  });

  it('refuses an unknown phase with a usage line and exit code 2', () => {
    const r = spawnSync(process.execPath, [bundle, 'lint', '.'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage: node phases\.mjs read\|load PATH\.\.\.\n$/);
  });
});
