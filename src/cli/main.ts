/**
 * The command line: the only module that touches process, the console and the file system for output.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { RULES } from '../../rules/index.js';
import { discover } from '../discover/index.js';
import { explainText } from '../engine/docs.js';
import { atOrAbove, lint, type RuleSetting } from '../engine/lint.js';
import type { AnyRule } from '../engine/rule.js';
import { assembleGcp } from '../loaders/gcp-trust.js';
import { INPUT_FORMATS, loadInput, type LoadedInput } from '../loaders/index.js';
import { PositionResolver } from '../loaders/positions.js';
import type { Finding, InputError, Level, Location, ResolvedRange } from '../model/types.js';
import { FORMATS, REPORTERS } from '../reporters/index.js';
import type { ReportedFinding } from '../reporters/types.js';
import { VERSION } from './version.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

class UsageError extends Error {}

function fingerprint(f: Finding): string {
  const h = createHash('sha256');
  h.update([f.ruleId, f.at.file, f.resource, JSON.stringify(f.at.path), JSON.stringify(f.at.inner ?? null)].join('\u0000'));
  return h.digest('hex').slice(0, 32);
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

interface LintOptions {
  format: string;
  output?: string;
  failLevel: Level | 'none';
  inputFormat?: string;
  rule: string[];
  disable: string[];
  color?: boolean;
  config?: string;
}

export interface Analysis {
  findings: ReportedFinding[];
  errors: InputError[];
  inputs: LoadedInput[];
  rules: AnyRule[];
}

/** Discover, load, lint and resolve positions: everything but rendering. */
export async function analysePaths(
  paths: readonly string[],
  opts: { rules: AnyRule[]; inputFormat?: string | undefined; cwd: string },
): Promise<Analysis> {
  const { files, errors: discoverErrors } = await discover(paths.length > 0 ? paths : ['.'], opts.cwd);
  const inputs: LoadedInput[] = [];
  // Files are read with bounded parallelism; results keep the sorted discovery order.
  const CONCURRENCY = 16;
  const loadOptions = (explicit: boolean) => (opts.inputFormat ? { explicit, inputFormat: opts.inputFormat } : { explicit });
  for (let i = 0; i < files.length; i += CONCURRENCY) {
    const batch = files.slice(i, i + CONCURRENCY);
    inputs.push(...(await Promise.all(batch.map((f) => loadInput(f.absolute, f.display, loadOptions(f.explicit))))));
  }
  const resolvers = new Map<string, PositionResolver>();
  const texts = new Map(inputs.filter((i) => i.text !== undefined).map((i) => [i.file, i.text!]));
  const resolve = (at: Location): ResolvedRange => {
    if (at.range) return at.range;
    let r = resolvers.get(at.file);
    if (!r) {
      const text = texts.get(at.file);
      if (text === undefined) return { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
      resolvers.set(at.file, (r = new PositionResolver(text)));
    }
    return r.resolve(at);
  };
  const errors: InputError[] = [...discoverErrors];
  // GCP members name pools whose providers may sit in another input: they are joined once all are loaded.
  const gcp = assembleGcp(inputs.flatMap((i) => (i.gcp ? [i.gcp] : [])));
  const problems = [...inputs.flatMap((i) => i.problems), ...gcp.problems];
  for (const input of inputs) errors.push(...input.errors);
  for (const p of problems) {
    const range = resolve(p.at);
    errors.push({ file: p.at.file, line: range.startLine, column: range.startColumn, message: p.message });
  }
  const settings: RuleSetting[] = opts.rules.map((rule) => ({ rule, options: { ...rule.meta.defaults } }));
  const lintInput = { bindings: [...inputs.flatMap((i) => i.bindings), ...gcp.bindings], credentials: inputs.flatMap((i) => i.credentials) };
  const findings: ReportedFinding[] = lint(lintInput, settings).map((f) => ({
    ...f,
    range: resolve(f.at),
    fingerprint: fingerprint(f),
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
  return { findings, errors, inputs, rules: opts.rules };
}

async function runLint(paths: string[], opts: LintOptions, io: Io): Promise<number> {
  const rules = selectRules(opts.rule, opts.disable);
  const { findings, errors, inputs } = await analysePaths(paths, { rules, inputFormat: opts.inputFormat, cwd: io.cwd });
  const output = REPORTERS[opts.format]!(
    {
      toolVersion: VERSION,
      rules: rules.map((r) => r.meta),
      findings,
      errors,
      filesLinted: inputs.filter((i) => i.kind !== undefined).length,
    },
    { color: opts.output === undefined && useColor(io, opts.color) },
  );
  if (opts.output) {
    try {
      await writeFile(opts.output, output);
    } catch (error) {
      throw new UsageError(`cannot write ${opts.output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  } else {
    io.stdout(output);
  }
  // Errors go to stderr as one line each, whatever the format, unless the text report already showed them.
  if (opts.format !== 'text' || opts.output) {
    for (const e of errors) io.stderr(`${e.file}:${e.line}:${e.column}: ${e.message}\n`);
  }
  if (errors.length > 0) return EXIT.usage;
  return findings.some((f) => atOrAbove(f.level, opts.failLevel)) ? EXIT.findings : EXIT.ok;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command();
  program
    .name('fedlint')
    .description('Lint workload-identity-federation trust: AWS roles, GCP workload identity pools and Azure federated credentials, from exports and Terraform plans.')
    .version(VERSION, '-V, --version')
    .argument('[paths...]', 'files and directories to lint', [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-c, --config <file>', 'configuration file (reserved: configuration files arrive in a later version)')
    .addOption(new Option('--fail-level <level>', 'exit 1 when a finding at or above this level exists').choices(['error', 'warning', 'note', 'none']).default('error'))
    .addOption(new Option('--input-format <kind>', 'skip content sniffing and read every input as this kind').choices(INPUT_FORMATS))
    .option('--rule <id>', 'run only this rule (repeatable)', collect, [])
    .option('--disable <id>', 'skip this rule (repeatable)', collect, [])
    .option('--no-color', 'never colour the text output')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (str, write) => write(str) })
    .exitOverride()
    .action(async (paths: string[], opts: LintOptions) => {
      if (opts.config) throw new UsageError('--config is not supported yet: configuration files arrive in a later version');
      exitCode = await runLint(paths, opts, io);
    });
  program
    .command('rules')
    .description('list the rules: id, default level, providers, title')
    .action(() => {
      const width = Math.max(...RULES.map((r) => r.meta.id.length));
      for (const r of RULES) io.stdout(`${r.meta.id.padEnd(width)}  ${r.meta.level.padEnd(7)}  ${r.meta.providers.join(',').padEnd(13)}  ${r.meta.title}\n`);
    });
  program
    .command('explain')
    .description("print a rule's documentation, with a flagged and a pinned example")
    .argument('<rule-id>')
    .action((id: string) => {
      const rule = RULES.find((r) => r.meta.id === id);
      if (!rule) throw new UsageError(`unknown rule id "${id}" (see \`fedlint rules\`)`);
      io.stdout(explainText(rule.meta));
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage mistakes have already been printed.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr(`fedlint: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
