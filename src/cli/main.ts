/**
 * The command line: the only module that touches process, the console and the file system for output.
 */
import { readFileSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RULES } from '../../rules/index.js';
import { discover, displayPath } from '../discover/index.js';
import { atOrAbove, lint } from '../engine/lint.js';
import { applyEnvironments } from '../config/environments.js';
import { exists, findConfig } from '../config/find.js';
import type { Config } from '../config/load.js';
import { ruleSettings } from '../config/settings.js';
import { applySuppressions } from '../config/suppress.js';
import type { AwsScan } from '../aws/index.js';
import type { AnyRule } from '../engine/rule.js';
import { loadInput, type LoadedInput } from '../loaders/index.js';
import { PositionResolver } from '../loaders/positions.js';
import type { Finding, InputError, JsonPath, Level, Location, ResolvedRange } from '../model/types.js';
import { REPORTERS } from '../reporters/index.js';
import { loadColors, stripControl } from '../reporters/text.js';
import type { ReportedFinding } from '../reporters/types.js';
import { VERSION } from './version.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  /** Whether stderr is a terminal (`fedlint aws` draws its progress line there); read from the process when not given. */
  stderrIsTTY?: boolean;
}

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

/** A mistake in how fedlint was called: printed as one line, exit 2. */
export class UsageError extends Error {}

function fingerprint(f: Finding, sha256: (text: string) => string): string {
  return sha256([f.ruleId, f.at.file, f.resource, JSON.stringify(f.at.path), JSON.stringify(f.at.inner ?? null)].join('\u0000')).slice(0, 32);
}

/**
 * The hex SHA-256 of a text. crypto.hash (Node 20.12) does it in one call, half the cost of a Hash object per
 * finding: 4 ms against 8-12 ms for the identities of the 2,158 findings of the 10,000-file benchmark.
 */
function sha256Of(crypto: typeof import('node:crypto')): (text: string) => string {
  if ('hash' in crypto && typeof crypto.hash === 'function') return (text) => crypto.hash('sha256', text, 'hex');
  return (text) => crypto.createHash('sha256').update(text).digest('hex');
}

function selectRules(only: string[], disabled: string[]): AnyRule[] {
  const known = new Set(RULES.map((r) => r.meta.id));
  for (const id of [...only, ...disabled]) {
    if (!known.has(id)) throw new UsageError(`unknown rule id "${id}" (see \`fedlint rules\`)`);
  }
  return RULES.filter((r) => (only.length === 0 || only.includes(r.meta.id)) && !disabled.includes(r.meta.id));
}

function useColor(io: Io, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (io.env['NO_COLOR'] !== undefined && io.env['NO_COLOR'] !== '') return false;
  const force = io.env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return io.isTTY;
}

export interface LintOptions {
  format: string;
  output?: string;
  failLevel: Level | 'none';
  inputFormat?: string;
  rule: string[];
  disable: string[];
  color?: boolean;
  config?: string;
  varFile: string[];
  sourceRoot?: string;
  baseline?: string;
  writeBaseline?: string;
}

export interface Analysis {
  findings: ReportedFinding[];
  errors: InputError[];
  inputs: LoadedInput[];
  rules: AnyRule[];
  /** Terraform source values left unknown, with their positions. */
  unresolved: InputError[];
  /** How many files were read: JSON inputs of a known kind, and every file of the Terraform modules. */
  filesLinted: number;
  /** Findings an ignore accepted (not in `findings`). */
  suppressed: ReportedFinding[];
  /** Ignores that expired or matched nothing, inline ignores without a reason. */
  notices: InputError[];
}

/** `module.a["x"].aws_iam_role.r[0]` → `module.a.aws_iam_role.r`: the configuration address of an instance. */
function configAddress(address: string): string {
  return address.replace(/\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]/g, '');
}

/**
 * The resource instance whose values hold a path: the one with the longest resource path that is a prefix of
 * it (the first listed, among equal paths). Looked up by prefix in an index of the paths, not by comparing
 * every resource with every finding: a plan of 40,000 resources with thousands of findings on its source.
 */
function addressIndex(addresses: ReadonlyArray<{ path: JsonPath; address: string }>): (path: JsonPath) => string | undefined {
  const byPath = new Map<string, string>();
  for (const a of addresses) {
    const key = JSON.stringify(a.path);
    if (!byPath.has(key)) byPath.set(key, a.address);
  }
  return (path) => {
    for (let length = path.length; length >= 0; length--) {
      const address = byPath.get(JSON.stringify(path.slice(0, length)));
      if (address !== undefined) return address;
    }
    return undefined;
  };
}

export interface AnalyseOptions {
  rules: AnyRule[];
  inputFormat?: string | undefined;
  cwd: string;
  varFiles?: readonly string[];
  sourceRoot?: string | undefined;
  config?: Config | undefined;
  /** YYYY-MM-DD, for ignore expiry; today by default. */
  today?: string;
}

/** What loading produced, before linting. */
export interface LoadedInputs {
  inputs: LoadedInput[];
  /** Inputs that could not be found or read, found before loading (discovery, a live scan). */
  errors: InputError[];
  /** The files discovered, to place Terraform plan findings on their source. */
  files: ReadonlyArray<{ absolute: string; display: string }>;
  /** Terraform source values left unknown, with their positions. */
  unresolvedAt: Array<{ at: Location; message: string }>;
  /** Files read besides the inputs (every file of the Terraform modules). */
  moduleFiles: number;
}

/** Discover, load, lint and resolve positions: everything but rendering. */
export async function analysePaths(paths: readonly string[], opts: AnalyseOptions): Promise<Analysis> {
  return analyseInputs(await loadPaths(paths, opts), opts);
}

/** Discover and load the inputs (Terraform source included), as the lint command and `fedlint simulate` read them. */
export async function loadPaths(paths: readonly string[], opts: Pick<AnalyseOptions, 'inputFormat' | 'cwd' | 'varFiles'>): Promise<LoadedInputs> {
  const { files, modules, errors: discoverErrors } = await discover(paths.length > 0 ? paths : ['.'], opts.cwd);
  const inputs: LoadedInput[] = [];
  // Files are read with bounded parallelism; results keep the sorted discovery order.
  const CONCURRENCY = 16;
  const loadOptions = (explicit: boolean) => (opts.inputFormat ? { explicit, inputFormat: opts.inputFormat } : { explicit });
  for (let i = 0; i < files.length; i += CONCURRENCY) {
    const batch = files.slice(i, i + CONCURRENCY);
    inputs.push(...(await Promise.all(batch.map((f) => loadInput(f.absolute, f.display, loadOptions(f.explicit))))));
  }
  // Terraform source: the HCL engine (and web-tree-sitter) is loaded only when there are .tf files.
  let unresolvedAt: Array<{ at: Location; message: string }> = [];
  let moduleFiles = 0;
  if (modules.length > 0) {
    const { loadSources } = await import('../loaders/terraform-source.js');
    const varFiles = (opts.varFiles ?? []).map((f) => path.resolve(opts.cwd, f));
    // A path named on the command line is followed as given; a link found inside it must stay inside.
    const linkRoots = (paths.length > 0 ? paths : ['.']).map((p) => {
      const abs = path.resolve(opts.cwd, p);
      return p.endsWith('.tf') ? path.dirname(abs) : abs;
    });
    const sources = await loadSources(modules, { varFiles, cwd: opts.cwd, linkRoots });
    // A JSON file a module reads with file() is linted as part of the module, not a second time on its own.
    const read = new Set(sources.filesRead);
    for (let i = inputs.length - 1; i >= 0; i--) if (read.has(inputs[i]!.file)) inputs.splice(i, 1);
    inputs.push(...sources.inputs);
    unresolvedAt = sources.unresolved;
    moduleFiles = sources.filesRead.length;
  }
  return { inputs, errors: discoverErrors, files, unresolvedAt, moduleFiles };
}

/**
 * Line and column of a location in the loaded inputs: one PositionResolver per file, made when a location in
 * it is first asked for, reusing the index the loader built while reading (shared by lint and simulate).
 */
export function rangeResolver(inputs: readonly LoadedInput[]): (at: Location) => ResolvedRange {
  const resolvers = new Map<string, PositionResolver>();
  const texts = new Map(inputs.filter((i) => i.text !== undefined).map((i) => [i.file, i]));
  return (at) => {
    if (at.range) return at.range;
    let r = resolvers.get(at.file);
    if (!r) {
      const input = texts.get(at.file);
      if (input === undefined) return { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
      resolvers.set(at.file, (r = new PositionResolver(input.text!, input.jsonIndex)));
    }
    return r.resolve(at);
  };
}

/** Lint loaded inputs and resolve positions (shared by the lint command and `fedlint aws`). */
export async function analyseInputs(loaded: LoadedInputs, opts: AnalyseOptions): Promise<Analysis> {
  const { inputs, files, unresolvedAt, moduleFiles } = loaded;
  const resolve = rangeResolver(inputs);
  const errors: InputError[] = [...loaded.errors];
  // GCP members name pools whose providers may sit in another input: they are joined once all are loaded.
  const gcpFacts = inputs.flatMap((i) => (i.gcp ? [i.gcp] : []));
  // The GCP code (and its CEL engine) is imported only when an input holds GCP facts.
  const gcp = gcpFacts.length > 0 ? (await import('../loaders/gcp-trust.js')).assembleGcp(gcpFacts) : { bindings: [], problems: [] };
  const problems = [...inputs.flatMap((i) => i.problems), ...gcp.problems];
  for (const input of inputs) errors.push(...input.errors);
  for (const p of problems) {
    const range = resolve(p.at);
    errors.push({ file: p.at.file, line: range.startLine, column: range.startColumn, message: p.message });
  }
  const settings = ruleSettings(opts.rules, opts.config);
  const bindings = [...inputs.flatMap((i) => i.bindings), ...gcp.bindings];
  if (opts.config) applyEnvironments(bindings, opts.config, opts.cwd);
  const lintInput = { bindings, credentials: inputs.flatMap((i) => i.credentials) };
  const reported = lint(lintInput, settings);
  // node:crypto is loaded only when there are findings to fingerprint (a clean file in a pre-commit hook).
  const sha256 = reported.length > 0 ? sha256Of(await import('node:crypto')) : undefined;
  const fingerprints = new Map(reported.map((f) => [f, fingerprint(f, sha256!)]));
  const linted = await placeOnSource([...fingerprints.keys()], inputs, files, opts);
  const findings: ReportedFinding[] = linted.map((f) => ({
    ...f,
    range: resolve(f.at),
    fingerprint: fingerprints.get(f)!,
    relatedRanges: (f.related ?? []).map((r) => ({ file: r.at.file, range: resolve(r.at), message: r.message })),
  }));
  findings.sort(
    (a, b) =>
      cmp(a.at.file, b.at.file) ||
      a.range.startLine - b.range.startLine ||
      a.range.startColumn - b.range.startColumn ||
      cmp(a.ruleId, b.ruleId) ||
      cmp(a.resource, b.resource) ||
      cmp(a.message, b.message),
  );
  errors.sort((a, b) => cmp(a.file, b.file) || a.line - b.line || a.column - b.column || cmp(a.message, b.message));
  const unresolved = unresolvedAt
    .map((u) => {
      const range = resolve(u.at);
      return { file: u.at.file, line: range.startLine, column: range.startColumn, message: u.message };
    })
    .sort((a, b) => cmp(a.file, b.file) || a.line - b.line || a.column - b.column || cmp(a.message, b.message));
  const filesLinted = inputs.filter((i) => i.kind !== undefined && i.kind !== 'terraform-hcl').length + moduleFiles;
  const lines = new Map<string, readonly string[] | undefined>();
  const { active, suppressed, notices } = applySuppressions(findings, {
    config: opts.config,
    cwd: opts.cwd,
    today: opts.today ?? new Date().toISOString().slice(0, 10),
    linesOf: (file) => {
      if (!lines.has(file)) {
        try {
          lines.set(file, readFileSync(path.resolve(opts.cwd, file), 'utf8').split(/\r?\n/));
        } catch {
          lines.set(file, undefined);
        }
      }
      return lines.get(file);
    },
  });
  return { findings: active, errors, inputs, rules: opts.rules, unresolved, filesLinted, suppressed, notices };
}

/**
 * Plan + source: a finding in a Terraform plan is placed on the `.tf` block of its resource when the module's
 * source is known (`--source-root`, or the plan's own folder when it holds .tf files), so code scanning shows
 * it where a reviewer edits; the place in the plan stays as a related location. The fingerprint is kept.
 * When the same run also lints that source, a plan finding the source already reports (same rule, same
 * resource) is dropped: one mistake, one finding. Returns the findings to keep.
 */
async function placeOnSource(
  findings: Finding[],
  inputs: readonly LoadedInput[],
  files: ReadonlyArray<{ absolute: string; display: string }>,
  opts: { cwd: string; sourceRoot?: string | undefined },
): Promise<Finding[]> {
  const plans = inputs.filter((i) => i.kind === 'terraform-plan' && i.addresses);
  if (plans.length === 0 || findings.length === 0) return findings;
  const planFiles = new Set(plans.map((p) => p.file));
  const fromSource = new Set(findings.filter((f) => !planFiles.has(f.at.file) && /\.tf(vars)?$/.test(f.at.file)).map((f) => `${f.ruleId}\u0000${f.resource}`));
  const duplicates = new Set<Finding>();
  const { sourceBlocks } = await import('../loaders/terraform-source.js');
  for (const plan of plans) {
    const absolute = files.find((f) => f.display === plan.file)?.absolute;
    const dir = opts.sourceRoot ? path.resolve(opts.cwd, opts.sourceRoot) : absolute ? path.dirname(absolute) : undefined;
    if (!dir || !(await holdsTerraform(dir))) continue;
    const blocks = await sourceBlocks({ absolute: dir, display: displayPath(dir, opts.cwd) });
    const addressAt = addressIndex(plan.addresses!);
    for (const f of findings) {
      if (f.at.file !== plan.file) continue;
      const address = addressAt(f.at.path);
      const block = address ? blocks.get(configAddress(address)) : undefined;
      if (!block) continue;
      if (fromSource.has(`${f.ruleId}\u0000${f.resource}`)) duplicates.add(f);
      f.related = [{ at: f.at, message: `in the plan: ${address}` }, ...(f.related ?? [])];
      f.at = block;
    }
  }
  return duplicates.size === 0 ? findings : findings.filter((f) => !duplicates.has(f));
}

/** The configuration named with --config, else the nearest .fedlint.yaml; 'invalid' after printing why. */
async function configFor(given: string | undefined, io: Io): Promise<Config | undefined | 'invalid'> {
  const file = given ? path.resolve(io.cwd, given) : await findConfig(io.cwd);
  if (!file) return undefined;
  // The YAML parser and the schema validator are loaded only when there is a configuration to read.
  const { loadConfig } = await import('../config/load.js');
  const result = await loadConfig(file, given ?? displayPath(file, io.cwd));
  if (result.ok) return result.config;
  for (const e of result.errors) io.stderr(`${stripControl(`${e.file}:${e.line}:${e.column}: ${e.message}`)}\n`);
  return 'invalid';
}

async function holdsTerraform(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((name) => name.endsWith('.tf'));
  } catch {
    return false;
  }
}

export async function runLint(paths: string[], opts: LintOptions, io: Io): Promise<number> {
  const rules = selectRules(opts.rule, opts.disable);
  for (const file of opts.varFile) {
    if (!(await exists(path.resolve(io.cwd, file)))) throw new UsageError(`--var-file ${file}: no such file`);
  }
  if (opts.sourceRoot && !(await holdsTerraform(path.resolve(io.cwd, opts.sourceRoot)))) {
    throw new UsageError(`--source-root ${opts.sourceRoot}: not a directory holding .tf files`);
  }
  const config = await configFor(opts.config, io);
  if (config === 'invalid') return EXIT.usage;
  const baseline = opts.baseline ? await readBaseline(path.resolve(io.cwd, opts.baseline), opts.baseline) : undefined;
  const analysis = await analysePaths(paths, {
    rules,
    inputFormat: opts.inputFormat,
    cwd: io.cwd,
    varFiles: opts.varFile,
    sourceRoot: opts.sourceRoot,
    config,
  });
  return report(analysis, rules, baseline, opts, io);
}

/** The options that decide how an analysis is reported and what the run exits with. */
type ReportOptions = Pick<LintOptions, 'format' | 'output' | 'failLevel' | 'color' | 'writeBaseline'>;

/** Mark baseline states, write the report (and the baseline), print input errors, and return the exit code. */
async function report(analysis: Analysis, rules: AnyRule[], baseline: Set<string> | undefined, opts: ReportOptions, io: Io): Promise<number> {
  const { findings, errors, unresolved, filesLinted, suppressed, notices } = analysis;
  if (baseline) for (const f of findings) f.baselineState = baseline.has(f.fingerprint) ? 'unchanged' : 'new';
  const data = { toolVersion: VERSION, rules: rules.map((r) => r.meta), findings, errors, filesLinted, unresolved, suppressed, notices, cwd: io.cwd };
  if (opts.writeBaseline) {
    try {
      await writeFile(path.resolve(io.cwd, opts.writeBaseline), REPORTERS['json']!(data, { color: false }));
    } catch (error) {
      throw new UsageError(`cannot write ${opts.writeBaseline}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const color = opts.output === undefined && useColor(io, opts.color);
  if (color) await loadColors();
  const output = REPORTERS[opts.format]!(data, { color });
  if (opts.output) {
    try {
      await writeFile(opts.output, output);
    } catch (error) {
      throw new UsageError(`cannot write ${opts.output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  } else {
    io.stdout(output);
  }
  // Errors go to stderr as one line each, whatever the format, unless the text report already showed them;
  // file names and messages can hold what the inputs hold, so control characters are replaced as in the report.
  if (opts.format !== 'text' || opts.output) {
    for (const e of errors) io.stderr(`${stripControl(`${e.file}:${e.line}:${e.column}: ${e.message}`)}\n`);
    for (const n of notices) io.stderr(`${stripControl(`${n.file}:${n.line}:${n.column}: warning: ${n.message}`)}\n`);
  }
  if (errors.length > 0) return EXIT.usage;
  // With a baseline only new findings fail the run; suppressed ones never do.
  return findings.some((f) => f.baselineState !== 'unchanged' && atOrAbove(f.level, opts.failLevel)) ? EXIT.findings : EXIT.ok;
}

export interface AwsOptions extends ReportOptions {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  roleName: string[];
  pathPrefix?: string;
  concurrency: number;
  save?: string;
  rule: string[];
  disable: string[];
  config?: string;
  baseline?: string;
}

/** "read/total roles" on stderr, redrawn in place, only when stderr is a terminal. */
function progressLine(io: Io): { update: (p: { read: number; total: number }) => void; done: () => void } | undefined {
  if (!(io.stderrIsTTY ?? Boolean(process.stderr.isTTY))) return undefined;
  let last = 0;
  let shown = false;
  return {
    update({ read, total }) {
      const now = Date.now();
      if (read > 0 && read < total && now - last < 100) return;
      last = now;
      shown = true;
      io.stderr(`\r\x1b[Kfedlint aws: ${read}/${total} roles read`);
    },
    done() {
      if (shown) io.stderr('\r\x1b[K');
    },
  };
}

/**
 * `fedlint aws`: read the account's roles and OIDC providers through the AWS SDK (loaded only here), lint
 * them as get-role documents through the same pipeline as files, and report like the lint command. Roles
 * or providers that could not be read are input errors (exit 2); a scan that cannot run at all (no
 * credentials, no network, ListRoles denied) is one line and exit 2.
 */
export async function runAws(opts: AwsOptions, io: Io): Promise<number> {
  const rules = selectRules(opts.rule, opts.disable);
  if (opts.endpointUrl !== undefined && !/^https?:\/\/[^/\s]+/i.test(opts.endpointUrl)) {
    throw new UsageError(`--endpoint-url ${opts.endpointUrl}: expected an http:// or https:// URL`);
  }
  if (opts.pathPrefix !== undefined && !opts.pathPrefix.startsWith('/')) {
    throw new UsageError(`--path-prefix ${opts.pathPrefix}: an IAM path starts with "/" (e.g. /ci/)`);
  }
  const config = await configFor(opts.config, io);
  if (config === 'invalid') return EXIT.usage;
  const baseline = opts.baseline ? await readBaseline(path.resolve(io.cwd, opts.baseline), opts.baseline) : undefined;
  // Under Node 20 the SDK warns about the Node version it will need next year; that is for fedlint's
  // maintainers, not its users. The SDK reads the switch from the process environment.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const { scanAws, FatalScanError, SaveError } = await import('../aws/index.js');
  const saveDir = opts.save ? path.resolve(io.cwd, opts.save) : undefined;
  const progress = progressLine(io);
  let scan: AwsScan;
  try {
    scan = await scanAws({
      profile: opts.profile,
      region: opts.region,
      endpointUrl: opts.endpointUrl,
      roleNames: opts.roleName,
      pathPrefix: opts.pathPrefix,
      concurrency: opts.concurrency,
      saveDir,
      saveDisplay: saveDir ? displayPath(saveDir, io.cwd) : undefined,
      ...(progress ? { onProgress: progress.update } : {}),
    });
  } catch (error) {
    if (error instanceof FatalScanError || error instanceof SaveError) throw new UsageError(error.message);
    throw error;
  } finally {
    progress?.done();
  }
  const analysis = await analyseInputs({ inputs: scan.inputs, errors: scan.errors, files: [], unresolvedAt: [], moduleFiles: 0 }, { rules, cwd: io.cwd, config });
  return report(analysis, rules, baseline, opts, io);
}

/** Fingerprints of a previous fedlint report, JSON or SARIF. */
async function readBaseline(file: string, shown: string): Promise<Set<string>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--baseline ${shown}: ${code === 'ENOENT' ? 'no such file' : code ? `cannot read (${code})` : 'not a fedlint JSON or SARIF report'}`);
  }
  const out = new Set<string>();
  const report = value as { findings?: Array<{ fingerprint?: unknown }>; suppressed?: Array<{ fingerprint?: unknown }>; runs?: Array<{ results?: Array<{ partialFingerprints?: Record<string, unknown> }> }> };
  if (Array.isArray(report.findings)) {
    for (const f of [...report.findings, ...(report.suppressed ?? [])]) if (typeof f.fingerprint === 'string') out.add(f.fingerprint);
  } else if (Array.isArray(report.runs)) {
    for (const run of report.runs) {
      for (const r of run.results ?? []) {
        const fp = r.partialFingerprints?.['fedlint/v1'];
        if (typeof fp === 'string') out.add(fp);
      }
    }
  } else {
    throw new UsageError(`--baseline ${shown}: not a fedlint JSON or SARIF report`);
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


/** The lint command's options when none is given: what commander gives the program (src/cli/program.ts) for bare paths. */
export const LINT_DEFAULTS: Readonly<LintOptions> = { format: 'text', failLevel: 'error', rule: [], disable: [], varFile: [], color: true };

/** The subcommands' names (src/cli/program.ts SUBCOMMANDS; a test keeps the two lists equal). */
const SUBCOMMAND_NAMES = new Set(['rules', 'init', 'explain', 'aws', 'simulate', 'help']);

/**
 * The arguments when they are only paths to lint (`fedlint FILE...`, as a pre-commit hook runs it), else
 * undefined: no option, nothing after `--`, and a first argument that is not a subcommand's name.
 */
export function plainPaths(argv: readonly string[]): string[] | undefined {
  if (argv.length > 0 && SUBCOMMAND_NAMES.has(argv[0]!)) return undefined;
  return argv.every((a) => !a.startsWith('-')) ? [...argv] : undefined;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    // Bare paths are linted with the default options without loading commander, whose code and set-up
    // were a tenth of the time of `fedlint FILE` (npm run bench, "one small policy file"); anything else
    // goes through the full command line.
    const paths = plainPaths(argv);
    if (paths) return await runLint(paths, { ...LINT_DEFAULTS, rule: [], disable: [], varFile: [] }, io);
    const { runProgram } = await import('./program.js');
    return await runProgram(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`fedlint: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
