/**
 * The command line as commander parses it: the lint command's options, the subcommands, help and version.
 * Loaded by main() only when the arguments are more than paths (src/cli/main.ts, plainPaths): commander and
 * the subcommands' definitions cost a run of `fedlint FILE` about a tenth of its time.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RULES } from '../../rules/index.js';
import { explainText } from '../engine/docs.js';
import { INPUT_FORMATS } from '../loaders/index.js';
import { FORMATS } from '../reporters/index.js';
import { EXIT, UsageError, runAws, runLint, type AwsOptions, type Io, type LintOptions } from './main.js';
import { fixturePair, writeStarterConfig } from './project-files.js';
import { registerSimulate } from './simulate.js';
import { VERSION } from './version.js';

/** Names of the subcommands (and commander's implicit `help`): a first argument that main() must not take for a path. */
export const SUBCOMMANDS = ['rules', 'init', 'explain', 'aws', 'simulate', 'help'];

/** Options of the lint command that `fedlint aws` takes too, with the same meaning. */
const AWS_SHARED_OPTIONS = ['--format', '--output', '--config', '--fail-level', '--rule', '--disable', '--baseline', '--write-baseline', '--no-color'];

/** `--concurrency`: calls in flight at once. */
function concurrency(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64.');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The whole command line, parsed by commander: every option, the subcommands, --help and --version, and the
 * usage mistakes commander reports. Returns the exit code.
 */
export async function runProgram(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command();
  program
    .name('fedlint')
    .description('Lint workload-identity-federation trust: AWS roles, GCP workload identity pools and Azure federated credentials, from exports, Terraform plans and Terraform source.')
    .version(VERSION, '-V, --version')
    .argument('[paths...]', 'files and directories to lint', [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-c, --config <file>', 'configuration file (default: the nearest .fedlint.yaml up to the repository root)')
    .addOption(new Option('--fail-level <level>', 'exit 1 when a finding at or above this level exists').choices(['error', 'warning', 'note', 'none']).default('error'))
    .addOption(new Option('--input-format <kind>', 'skip content sniffing and read every input as this kind').choices(INPUT_FORMATS))
    .option('--rule <id>', 'run only this rule (repeatable)', collect, [])
    .option('--disable <id>', 'skip this rule (repeatable)', collect, [])
    .option('--var-file <file>', 'Terraform variables for .tf inputs, after terraform.tfvars and *.auto.tfvars (repeatable)', collect, [])
    .option('--source-root <dir>', 'place Terraform plan findings on the .tf blocks of this module (default: the plan folder, when it holds .tf files)')
    .option('--baseline <file>', 'a previous fedlint JSON or SARIF report: findings already in it do not fail the run')
    .option('--write-baseline <file>', 'also write this run\'s findings as a JSON report, to use with --baseline later')
    .option('--no-color', 'never colour the text output')
    .showHelpAfterError(false)
    // Options after a subcommand's name are that subcommand's: `fedlint aws --format sarif` formats the scan.
    .enablePositionalOptions()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (str, write) => write(str) })
    .exitOverride()
    .action(async (paths: string[], opts: LintOptions) => {
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
    .command('init')
    .description('write a commented starter .fedlint.yaml here, with environments guessed from the folder layout')
    .action(async () => {
      if (!(await writeStarterConfig(io.cwd))) throw new UsageError('a .fedlint.yaml is already here; not overwriting it');
      io.stdout('wrote .fedlint.yaml\n');
    });
  program
    .command('explain')
    .description("print a rule's documentation, with a flagged and a pinned example")
    .argument('<rule-id>')
    .action((id: string) => {
      const rule = RULES.find((r) => r.meta.id === id);
      if (!rule) throw new UsageError(`unknown rule id "${id}" (see \`fedlint rules\`)`);
      io.stdout(explainText(rule.meta, fixturePair(id)));
    });
  const aws = program
    .command('aws')
    .description('lint a live AWS account: the trust policies of its IAM roles, with its OIDC providers, read through the AWS SDK')
    .option('--profile <name>', 'named profile of the shared AWS config (credentials and region), as for the AWS CLI')
    .option('--region <region>', 'region, which picks the partition (default: the environment or profile, else us-east-1)')
    .option('--endpoint-url <url>', 'IAM endpoint to call instead of the default one')
    .option('--role-name <glob>', 'scan only roles whose name matches this glob, * and ? wildcards, any letter case (repeatable)', collect, [])
    .option('--path-prefix <path>', 'scan only roles whose path starts with this, e.g. /ci/')
    .option('--concurrency <n>', 'IAM calls in flight at once', concurrency, 8)
    .option('--save <dir>', 'write every role read as a get-role JSON file under this directory, and point findings at those files')
    .action(async (opts: AwsOptions) => {
      exitCode = await runAws(opts, io);
    });
  for (const option of program.options) if (option.long && AWS_SHARED_OPTIONS.includes(option.long)) aws.addOption(option);
  registerSimulate(program, io, INPUT_FORMATS, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage mistakes have already been printed.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
}
