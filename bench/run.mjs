/**
 * `npm run bench`: fedlint's wall time and peak memory on generated inputs (bench/generate.mjs), each beside
 * a baseline measured in the same run on the same machine: bare Node startup (`node -e 0`) for one small
 * file, and a Node script that reads and JSON.parses the same files (bench/baseline.mjs) for the rest. The
 * ratios are what the targets (issue 8, README "Performance") are about, so they hold on any machine.
 *
 * Timed runs and memory runs are separate: memory is read by a preloaded hook (bench/maxrss.mjs) that the
 * timed runs do not load. Runs of fedlint and of its baseline alternate, so a machine that gets busier
 * during the benchmark slows both. Medians of --runs runs (at least 3).
 *
 * For the scenarios with a time target, the runs also alternate with fedlint cut short after reading and
 * after loading its inputs (bench/phases.ts, bundled from this checkout's source), for one more table:
 * where the time beyond the baseline goes.
 *
 * Usage: node bench/run.mjs [--runs N] [--only ID,ID] [--bin PATH] [--inputs DIR] [--keep]
 *   --bin     the fedlint executable to time (default: bin/fedlint.js of this checkout; build it first); the
 *             phases are always bundled from this checkout
 *   --inputs  reuse inputs written by `node bench/generate.mjs DIR` instead of generating them
 *   --keep    keep the generated inputs (their folder is printed)
 * Exit code 1 when a target is missed.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateAll } from './generate.mjs';
import { buildPhases } from './phases-build.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MB = 1024 * 1024;

const USAGE = 'usage: node bench/run.mjs [--runs N] [--only ID,ID] [--bin PATH] [--inputs DIR] [--keep]';

/** A mistake in the command line: one line and exit 2, as fedlint itself does. */
function usage(message) {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      only: { type: 'string' },
      bin: { type: 'string', default: path.join(HERE, '..', 'bin', 'fedlint.js') },
      inputs: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  usage(error.message);
}
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 3) usage('--runs: at least 3 (the targets are medians of 3 runs or more)');
const bin = path.resolve(opts.bin);

/** The benchmark's inputs, and how fedlint and the baseline are run on each. */
function scenarios(m) {
  const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;
  const json = (key) => ({ kind: 'read + JSON.parse', argv: [path.join(HERE, 'baseline.mjs'), m[key].path] });
  return [
    { id: 'single', title: 'one small policy file', input: m.single.path, fedlint: [m.single.path], baseline: { kind: 'node -e 0', argv: ['-e', '0'] }, target: 1.5 },
    { id: 'plan-small', title: `plan, ${m.planSmall.resources} resources, sarif`, input: mb(m.planSmall.bytes), fedlint: ['--format', 'sarif', m.planSmall.path], baseline: json('planSmall') },
    {
      id: 'plan-large',
      title: `plan, ${m.planLarge.resources} resources, sarif`,
      input: mb(m.planLarge.bytes),
      fedlint: ['--format', 'sarif', m.planLarge.path],
      baseline: json('planLarge'),
      target: 2.5,
      phases: true,
      // Peak RSS at most 3x the file size + 100 MB.
      rssTarget: 3 * m.planLarge.bytes + 100 * MB,
    },
    { id: 'files-small', title: `${m.filesSmall.files} small AWS files, sarif`, input: mb(m.filesSmall.bytes), fedlint: ['--format', 'sarif', m.filesSmall.path], baseline: json('filesSmall') },
    { id: 'files-large', title: `${m.filesLarge.files} small AWS files, sarif`, input: mb(m.filesLarge.bytes), fedlint: ['--format', 'sarif', m.filesLarge.path], baseline: json('filesLarge'), target: 2, phases: true },
    { id: 'module-small', title: `Terraform module, ${m.moduleSmall.files} .tf files, sarif`, input: mb(m.moduleSmall.bytes), fedlint: ['--format', 'sarif', m.moduleSmall.path], baseline: { kind: 'read', argv: json('moduleSmall').argv } },
    { id: 'module-large', title: `Terraform module, ${m.moduleLarge.files} .tf files, sarif`, input: mb(m.moduleLarge.bytes), fedlint: ['--format', 'sarif', m.moduleLarge.path], baseline: { kind: 'read', argv: json('moduleLarge').argv } },
  ];
}

/** 10x more input may cost at most 11x the time: nothing grows faster than the input. */
const SCALING = [
  { title: 'plan', small: 'plan-small', large: 'plan-large', bytes: ['planSmall', 'planLarge'] },
  { title: 'small AWS files', small: 'files-small', large: 'files-large', bytes: ['filesSmall', 'filesLarge'] },
  { title: 'Terraform module', small: 'module-small', large: 'module-large', bytes: ['moduleSmall', 'moduleLarge'] },
];
const SCALING_TARGET = 11;

const env = { ...process.env };
delete env['NODE_OPTIONS'];
delete env['FORCE_COLOR'];

const PRELOAD = pathToFileURL(path.join(HERE, 'maxrss.mjs')).href;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'fedlint-bench-rss-'));

/** One run of `node ARGV` in `cwd`: wall time in ms (and peak RSS in bytes with `memory`). */
function once(argv, cwd, memory) {
  const rssFile = memory ? path.join(scratch, 'rss') : undefined;
  const devNull = openSync(os.devNull, 'w');
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, memory ? ['--import', PRELOAD, ...argv] : argv, {
    cwd,
    env: memory ? { ...env, FEDLINT_BENCH_RSS_FILE: rssFile } : env,
    stdio: ['ignore', devNull, 'pipe'],
    maxBuffer: 64 * MB,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  closeSync(devNull);
  // fedlint exits 1 when it finds something (the inputs are built to have findings); 2 is a failure.
  if (child.status !== 0 && child.status !== 1) {
    throw new Error(`node ${argv.join(' ')} exited with ${child.status ?? child.signal}: ${child.stderr.toString().slice(0, 2000)}`);
  }
  if (!memory) return { ms };
  const rss = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  rmSync(rssFile, { force: true });
  return { ms, rss };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The phases a run is cut short after (bench/phases.ts), in the order a run goes through them. */
const PHASES = [
  { id: 'read', title: 'read + parse' },
  { id: 'load', title: 'loaded' },
];

/**
 * fedlint and its baseline (and, for `s.phases`, fedlint cut short after each phase), alternating: warm-up,
 * `runs` timed runs each, then `runs` memory runs of fedlint and the baseline.
 */
function measure(s, cwd, phasesBundle) {
  const commands = { fedlint: [bin, ...s.fedlint], baseline: s.baseline.argv };
  if (s.phases) for (const p of PHASES) commands[p.id] = [phasesBundle, p.id, s.fedlint[s.fedlint.length - 1]];
  for (const argv of Object.values(commands)) once(argv, cwd, false);
  const time = Object.fromEntries(Object.keys(commands).map((who) => [who, []]));
  const rss = { fedlint: [], baseline: [] };
  for (let i = 0; i < runs; i++) for (const [who, argv] of Object.entries(commands)) time[who].push(once(argv, cwd, false).ms);
  for (let i = 0; i < runs; i++) for (const who of Object.keys(rss)) rss[who].push(once(commands[who], cwd, true).rss);
  const phases = s.phases ? Object.fromEntries(PHASES.map((p) => [p.id, median(time[p.id])])) : undefined;
  return {
    fedlint: { ms: median(time.fedlint), rss: median(rss.fedlint) },
    baseline: { ms: median(time.baseline), rss: median(rss.baseline) },
    phases,
  };
}

const ms = (v) => (v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);
const mib = (v) => `${Math.round(v / MB)} MB`;
/** A ratio; with a third decimal when two would hide which side of its target it is on. */
const x = (v, target) => `${target !== undefined && Math.abs(v - target) < 0.005 ? v.toFixed(3) : v.toFixed(2)}x`;

async function main() {
  const inputs = opts.inputs ? path.resolve(opts.inputs) : mkdtempSync(path.join(os.tmpdir(), 'fedlint-bench-'));
  try {
    if (!opts.inputs) process.stderr.write(`generating inputs in ${inputs}\n`);
    const manifest = opts.inputs ? JSON.parse(readFileSync(path.join(inputs, 'manifest.json'), 'utf8')) : generateAll(inputs);
    const only = opts.only ? new Set(opts.only.split(',')) : undefined;
    const all = scenarios(manifest);
    const chosen = all.filter((s) => !only || only.has(s.id));
    const phasesBundle = chosen.some((s) => s.phases) ? await buildPhases() : undefined;
    const results = new Map();
    const failures = [];
    // Read before the runs, whose own processes would count: the load other processes put on the machine.
    const loadBefore = os.loadavg()[0];
    for (const s of chosen) {
      process.stderr.write(`${s.id}…\n`);
      results.set(s.id, measure(s, inputs, phasesBundle));
    }
    const cpus = os.availableParallelism?.() ?? os.cpus().length;
    const lines = [];
    lines.push(`fedlint ${path.relative(process.cwd(), bin) || bin} · node ${process.version} · ${os.platform()} ${os.arch()} · ${cpus} CPUs · median of ${runs} runs`);
    lines.push('');
    lines.push('| scenario | input | fedlint | baseline | ratio | target | fedlint peak RSS | baseline peak RSS |');
    lines.push('|---|---|---:|---|---:|---:|---:|---:|');
    for (const s of chosen) {
      const r = results.get(s.id);
      const ratio = r.fedlint.ms / r.baseline.ms;
      let target = '';
      if (s.target !== undefined) {
        const ok = ratio <= s.target;
        target = `≤ ${s.target}x ${ok ? 'met' : '**missed**'}`;
        if (!ok) failures.push(`${s.title}: ${x(ratio, s.target)} of ${s.baseline.kind} (target ${s.target}x)`);
      }
      let rss = mib(r.fedlint.rss);
      if (s.rssTarget !== undefined) {
        const ok = r.fedlint.rss <= s.rssTarget;
        const mib1 = (v) => `${(v / MB).toFixed(1)} MB`;
        rss = `${mib1(r.fedlint.rss)} (≤ ${mib1(s.rssTarget)} ${ok ? 'met' : '**missed**'})`;
        if (!ok) failures.push(`${s.title}: peak RSS ${mib1(r.fedlint.rss)} (target ${mib1(s.rssTarget)})`);
      }
      lines.push(`| ${s.title} | ${s.input} | ${ms(r.fedlint.ms)} | ${s.baseline.kind}: ${ms(r.baseline.ms)} | ${x(ratio, s.target)} | ${target} | ${rss} | ${mib(r.baseline.rss)} |`);
    }
    const scaling = SCALING.filter((c) => results.has(c.small) && results.has(c.large));
    if (scaling.length > 0) {
      lines.push('');
      lines.push('| 10x more input | input ratio | fedlint, small | fedlint, large | time ratio | target |');
      lines.push('|---|---:|---:|---:|---:|---:|');
      for (const c of scaling) {
        const small = results.get(c.small).fedlint.ms;
        const large = results.get(c.large).fedlint.ms;
        const bytes = manifest[c.bytes[1]].bytes / manifest[c.bytes[0]].bytes;
        const ratio = large / small;
        const ok = ratio <= SCALING_TARGET;
        if (!ok) failures.push(`${c.title}: 10x more input took ${x(ratio)} the time (target ${SCALING_TARGET}x)`);
        lines.push(`| ${c.title} | ${x(bytes)} | ${ms(small)} | ${ms(large)} | ${x(ratio, SCALING_TARGET)} | ≤ ${SCALING_TARGET}x ${ok ? 'met' : '**missed**'} |`);
      }
    }
    const phased = chosen.filter((s) => results.get(s.id).phases);
    if (phased.length > 0) {
      lines.push('');
      lines.push('Where the time goes: fedlint cut short after reading and parsing its inputs, and after loading them (recognised and lowered to trusts, before the rules), beside the whole run; ratios to the baseline.');
      lines.push('');
      lines.push(`| scenario | baseline | ${PHASES.map((p) => `fedlint, ${p.title}`).join(' | ')} | fedlint, whole run |`);
      lines.push(`|---|---:|${PHASES.map(() => '---:|').join('')}---:|`);
      for (const s of phased) {
        const r = results.get(s.id);
        const cell = (v) => `${ms(v)} (${x(v / r.baseline.ms)})`;
        lines.push(`| ${s.title} | ${ms(r.baseline.ms)} | ${PHASES.map((p) => cell(r.phases[p.id])).join(' | ')} | ${cell(r.fedlint.ms)} |`);
      }
    }
    lines.push('');
    if (loadBefore >= 1) lines.push(`Warning: the load average was ${loadBefore.toFixed(1)} on ${cpus} CPUs before the runs: other processes were using the machine, and the timings show it.`);
    lines.push(failures.length === 0 ? 'All targets met.' : `Targets missed:\n${failures.map((f) => `- ${f}`).join('\n')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    if (opts.keep && !opts.inputs) process.stderr.write(`inputs kept in ${inputs}\n`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    if (!opts.keep && !opts.inputs) rmSync(inputs, { recursive: true, force: true });
  }
}

await main();
