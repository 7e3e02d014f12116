/**
 * `fedlint simulate --token FILE [paths]`: which trusts of the inputs would accept a token, and why. It lints
 * nothing: the inputs are read by the lint command's loaders (loadPaths), every trust is judged on the token
 * by src/engine/simulate.ts, and the verdicts are printed. This module is loaded with the command line
 * (src/cli/program.ts); the evaluation is imported when the command runs.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Answer, Limit, Token, TrustVerdict } from '../engine/simulate.js';
import type { InputError, Location, ResolvedRange } from '../model/types.js';
import { parseJson, readText } from '../loaders/read.js';
import { stripControl } from '../reporters/text.js';
import { exists } from '../config/find.js';
import { loadPaths, rangeResolver, type Io } from './main.js';
import { VERSION } from './version.js';

interface SimulateOptions {
  token?: string;
  claim: string[];
  explain?: boolean;
  format: 'text' | 'json';
  inputFormat?: string;
  varFile: string[];
}

const HELP = `
The token is a JSON object of claims ({"iss": …, "sub": …, "aud": …, …}; aud may be a list), or a JWT whose
payload is read as such (its signature is not checked). --claim key=value builds one on the command line
(values are strings; a key given twice makes a list; with --token, a key given here replaces the file's).

Every trust of the inputs (the formats the lint command reads) is judged with the semantics of the rules:
admitted when every limit holds, rejected when one fails (the first is named), unknown when none fails but
one cannot be evaluated (a value known only after apply, an unresolved variable, a CEL expression beyond
fedlint's bounds, a behaviour the cloud does not document). Admitted and unknown trusts are printed; with
--explain, rejected ones too. --format json always lists all three.

Exit status: 0 when it ran, 2 on a bad token, a bad --claim, or an input that could not be read or parsed
(the other inputs are still evaluated).

Example:
  fedlint simulate --token fixtures/simulate/github-feature-branch.json fixtures/demo
  fedlint simulate --claim iss=https://token.actions.githubusercontent.com --claim aud=sts.amazonaws.com \\
    --claim sub=repo:acme/payments:ref:refs/heads/main --explain fixtures/demo
`;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Define the command on the program; `done` receives the exit code. */
export function registerSimulate(program: Command, io: Io, inputFormats: readonly string[], done: (code: number) => void): void {
  program
    .command('simulate')
    .description('which trusts in the inputs would accept a token, and why (nothing is linted)')
    .argument('[paths...]', 'files and directories to read, as for the lint command (default: ".")')
    .option('--token <file>', 'the token: a JSON object of claims, or a JWT')
    .option('--claim <key=value>', 'a claim of the token (repeatable; a key given twice makes a list)', collect, [])
    .option('--explain', 'also list the trusts that reject the token, with the first limit that fails')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--input-format <kind>', 'skip content sniffing and read every input as this kind').choices([...inputFormats]))
    .option('--var-file <file>', 'Terraform variables for .tf inputs, after terraform.tfvars and *.auto.tfvars (repeatable)', collect, [])
    .addHelpText('after', HELP)
    .action(async (paths: string[], opts: SimulateOptions) => {
      done(await runSimulate(paths, opts, io));
    });
}

/** A user mistake: one line on stderr, exit 2. */
class SimulateUsageError extends Error {}

async function runSimulate(paths: string[], opts: SimulateOptions, io: Io): Promise<number> {
  const line = (text: string): void => io.stderr(`${stripControl(text)}\n`);
  let token: Token;
  try {
    token = await buildToken(opts, io.cwd);
  } catch (error) {
    if (error instanceof SimulateUsageError) {
      line(error.message);
      return 2;
    }
    throw error;
  }
  for (const file of opts.varFile) {
    if (!(await exists(path.resolve(io.cwd, file)))) {
      line(`fedlint: --var-file ${file}: no such file`);
      return 2;
    }
  }
  const { simulate } = await import('../engine/simulate.js');
  const loaded = await loadPaths(paths, { cwd: io.cwd, varFiles: opts.varFile, ...(opts.inputFormat ? { inputFormat: opts.inputFormat } : {}) });
  const { inputs } = loaded;
  const resolve = rangeResolver(inputs);
  const errors: InputError[] = [...loaded.errors, ...inputs.flatMap((i) => i.errors)];
  for (const p of inputs.flatMap((i) => i.problems)) {
    const range = resolve(p.at);
    errors.push({ file: p.at.file, line: range.startLine, column: range.startColumn, message: p.message });
  }
  errors.sort((a, b) => cmp(a.file, b.file) || a.line - b.line || a.column - b.column || cmp(a.message, b.message));
  const verdicts = simulate(
    {
      bindings: inputs.flatMap((i) => i.bindings),
      gcp: inputs.flatMap((i) => (i.gcp ? [i.gcp] : [])),
    },
    token,
  );
  const placed = verdicts.map((v) => ({ v, range: resolve(v.at), via: v.via ? resolve(v.via.at) : undefined }));
  placed.sort(
    (a, b) =>
      cmp(a.v.at.file, b.v.at.file) ||
      a.range.startLine - b.range.startLine ||
      a.range.startColumn - b.range.startColumn ||
      cmp(a.v.resource, b.v.resource) ||
      cmp(a.v.via?.name ?? '', b.v.via?.name ?? '') ||
      cmp(a.v.limits.map((l) => l.name).join(), b.v.limits.map((l) => l.name).join()),
  );
  const limitJson = (l: Limit) => {
    const r = resolve(l.at);
    return { name: l.name, test: l.test, file: l.at.file, line: r.startLine, column: r.startColumn, ...(l.reason ? { reason: l.reason } : {}) };
  };
  const entry = ({ v, range, via }: (typeof placed)[number]) => {
    const failed = v.limits.find((l) => l.outcome === 'fail');
    return {
      resource: v.resource,
      target: v.target,
      provider: v.provider,
      file: v.at.file,
      line: range.startLine,
      column: range.startColumn,
      ...(v.via && via ? { via: { name: v.via.name, file: v.via.at.file, line: via.startLine, column: via.startColumn } } : {}),
      satisfied: v.limits.filter((l) => l.outcome === 'pass').map(limitJson),
      ...(failed ? { failed: limitJson(failed) } : {}),
      unknown: v.limits.filter((l) => l.outcome === 'unknown').map(limitJson),
      notes: v.notes,
    };
  };
  const of = (answer: Answer) => placed.filter((p) => p.v.answer === answer);
  if (opts.format === 'json') {
    const report = {
      version: 1,
      tool: { name: 'fedlint', version: VERSION },
      admitted: of('admitted').map(entry),
      rejected: of('rejected').map(entry),
      unknown: of('unknown').map(entry),
      errors: errors.map((e) => ({ file: e.file, line: e.line, column: e.column, message: e.message })),
    };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout(stripControl(textReport(token, placed, Boolean(opts.explain), resolve)));
  }
  for (const e of errors) line(`${e.file}:${e.line}:${e.column}: ${e.message}`);
  return errors.length > 0 ? 2 : 0;
}

const MARK: Record<Limit['outcome'], string> = { pass: '✓', fail: '✗', unknown: '?' };

function textReport(
  token: Token,
  placed: ReadonlyArray<{ v: TrustVerdict; range: ResolvedRange; via: ResolvedRange | undefined }>,
  explain: boolean,
  resolve: (at: Location) => ResolvedRange,
): string {
  const out: string[] = [];
  const shown = ['iss', 'sub', 'aud'].filter((k) => Object.prototype.hasOwnProperty.call(token, k));
  out.push(`Token: ${shown.length > 0 ? shown.map((k) => `${k} ${JSON.stringify(token[k])}`).join(', ') : '(no iss, sub or aud)'}`);
  out.push('');
  const where = (at: Location, file: string): string => {
    const r = resolve(at);
    return at.file === file ? `line ${r.startLine}` : `${at.file}:${r.startLine}`;
  };
  const limitLine = (l: Limit, file: string): string =>
    `  ${MARK[l.outcome]} ${l.name}: ${l.test}  (${where(l.at, file)})${l.reason ? `: ${l.reason}` : ''}`;
  const block = (p: (typeof placed)[number], all: boolean): void => {
    const { v, range } = p;
    out.push(`${v.answer.padEnd(8)}  ${v.resource}  (${v.target.kind})`);
    out.push(`  ${v.at.file}:${range.startLine}:${range.startColumn}${v.via && p.via ? `, through ${v.via.name} (${v.via.at.file}:${p.via.startLine})` : ''}`);
    const limits = all ? v.limits : v.limits.filter((l) => l.outcome !== 'pass');
    for (const l of limits) out.push(limitLine(l, v.at.file));
    for (const n of v.notes) out.push(`  note: ${n}`);
    out.push('');
  };
  const admitted = placed.filter((p) => p.v.answer === 'admitted');
  const unknown = placed.filter((p) => p.v.answer === 'unknown');
  const rejected = placed.filter((p) => p.v.answer === 'rejected');
  for (const p of admitted) block(p, true);
  for (const p of unknown) block(p, true);
  if (explain) for (const p of rejected) block(p, false);
  const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  const rejectedNote = rejected.length > 0 && !explain ? ' (--explain lists them)' : '';
  out.push(
    `${n(placed.length, 'trust', 'trusts')} evaluated: ${admitted.length} admitted, ${unknown.length} unknown, ${rejected.length} rejected${rejectedNote}.`,
  );
  return `${out.join('\n')}\n`;
}

/** The token from --token and --claim (see HELP). */
async function buildToken(opts: SimulateOptions, cwd: string): Promise<Token> {
  if (opts.token === undefined && opts.claim.length === 0) {
    throw new SimulateUsageError('fedlint simulate: give the token with --token FILE or --claim key=value (see fedlint simulate --help)');
  }
  let token: Record<string, unknown> = {};
  if (opts.token !== undefined) token = await readToken(opts.token, cwd);
  const fromClaims: Record<string, string | string[]> = {};
  for (const c of opts.claim) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new SimulateUsageError(`fedlint: --claim ${JSON.stringify(c)}: expected key=value (a claim name, =, then its value)`);
    const key = c.slice(0, eq);
    const value = c.slice(eq + 1);
    const prev = fromClaims[key];
    fromClaims[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  // A null-prototype copy: a claim named __proto__ is a claim, not a prototype.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(token)) out[k] = v;
  for (const [k, v] of Object.entries(fromClaims)) out[k] = v;
  return out;
}

async function readToken(file: string, cwd: string): Promise<Record<string, unknown>> {
  const read = await readText(path.resolve(cwd, file), file);
  if (!read.ok) throw new SimulateUsageError(`${read.error.file}:${read.error.line}:${read.error.column}: ${read.error.message}`);
  const text = read.text.trim();
  // A JWT (three base64url parts): its payload is the claims. The signature is not checked.
  const jwt = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/.exec(text);
  let value: unknown;
  if (jwt) {
    const payload = Buffer.from(jwt[1]!, 'base64url').toString('utf8');
    const parsed = parseJson(file, payload);
    if (!parsed.ok) throw new SimulateUsageError(`${file}:1:1: the JWT's payload is not JSON`);
    value = parsed.value;
  } else {
    const parsed = parseJson(file, read.text);
    if (!parsed.ok) throw new SimulateUsageError(`${parsed.error.file}:${parsed.error.line}:${parsed.error.column}: ${parsed.error.message}`);
    value = parsed.value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimulateUsageError(`${file}:1:1: a token must be a JSON object of claims (iss, sub, aud, …), not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`);
  }
  return value as Record<string, unknown>;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
