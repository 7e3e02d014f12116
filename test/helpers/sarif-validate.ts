/**
 * Test helpers that check fedlint's SARIF output the way GitHub code scanning will see it.
 *
 * - `validateSarifSchema` checks a parsed log against the SARIF 2.1.0 JSON schema that ships inside
 *   `@microsoft/sarif-multitool-<platform>` (file `sarif-2.1.0.json`), using ajv.
 * - `validateSarifWithMultitool` runs Microsoft's SARIF Multitool (`validate` verb) with the SARIF
 *   rules and the GitHub ingestion rules, and returns its findings as readable strings.
 *
 * Facts checked on the dev machine with @microsoft/sarif-multitool 5.7.0 (linux x64):
 * - The multitool always exits 0 when it has analysed the file, even when it found errors. Its
 *   findings are only reliable in the SARIF file it writes with `--output`, so that file is parsed.
 * - An unknown option value (e.g. `--log ForceOverwrite` without a `;`) makes it print the help and
 *   exit 0 *without* writing the output file, so a missing output file is treated as a failure.
 * - Tool-level problems (no valid target, bad configuration) appear in the output file as
 *   `invocations[].toolConfigurationNotifications` / `toolExecutionNotifications` with level "error"
 *   (and usually exit code 1); they are thrown as Errors, not returned as findings.
 */
import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormatsModule from 'ajv-formats';
import type { Log, Notification, ReportingDescriptor, Result } from 'sarif';

// ajv-formats is CommonJS (`module.exports = plugin; exports.default = plugin`). Under NodeNext the
// default import is `module.exports`, which TypeScript types as the module namespace, so the callable
// plugin is `.default` (present at runtime too).
const addFormats = ajvFormatsModule.default;

const requireHere = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Locating the multitool package
// ---------------------------------------------------------------------------------------------

const WRAPPER_PACKAGE = '@microsoft/sarif-multitool';
const PLATFORM_PACKAGE = `${WRAPPER_PACKAGE}-${process.platform}`;

/**
 * Resolve a module request inside the platform package. It is normally hoisted next to the project's
 * own dependencies; with a strict (non-hoisted) layout it is only reachable from the wrapper package,
 * which lists it as an optionalDependency, so that is tried second.
 */
function resolveInPlatformPackage(request: string): string {
    const full = `${PLATFORM_PACKAGE}/${request}`;
    try {
        return requireHere.resolve(full);
    } catch (direct) {
        try {
            const wrapperPkg = requireHere.resolve(`${WRAPPER_PACKAGE}/package.json`);
            return createRequire(wrapperPkg).resolve(full);
        } catch {
            throw new Error(
                `Cannot find ${PLATFORM_PACKAGE} (needed for the SARIF schema and the multitool binary). ` +
                    `Is the devDependency ${WRAPPER_PACKAGE} installed, and does it have a build for ` +
                    `${process.platform}/${process.arch}? (${(direct as Error).message})`,
            );
        }
    }
}

function platformPackageDir(): string {
    return dirname(resolveInPlatformPackage('package.json'));
}

// ---------------------------------------------------------------------------------------------
// 1. JSON schema validation (ajv)
// ---------------------------------------------------------------------------------------------

let compiledSchema: ValidateFunction | undefined;

/**
 * How the schema is loaded, and why:
 * The copy shipped in @microsoft/sarif-multitool-linux 5.7.0 declares
 * `"$schema": "https://json-schema.org/draft/2020-12/schema"` and has no `id`/`$id` (it is not the
 * draft-04 OASIS file that has an `id`). Its keywords are the draft-04 subset that means the same in
 * 2020-12: `definitions` + `#/definitions/...` refs, `$ref` siblings are only `description`, no tuple
 * `items`, no boolean `exclusiveMinimum`. So:
 * - `ajv/dist/2020` (Ajv2020) compiles it as is, with no log output;
 * - the default `ajv` export (draft-07) throws `no schema with key or ref
 *   "https://json-schema.org/draft/2020-12/schema"`;
 * - `strict: true` throws, because it turns on `strictRequired` and the schema has `required` inside
 *   `anyOf` branches without `properties`. Ajv's default strict settings (strictSchema on,
 *   strictRequired off) are used instead.
 * `$schema` and `id` are still removed before compiling. This does nothing for the current file, but
 * if an update ships the draft-04 OASIS copy (`$schema` draft-04 + `id`), Ajv2020 still compiles it
 * and does not fail on an unknown meta-schema or a draft-04 style `id`.
 * ajv-formats is needed for `uri`, `uri-reference`, `date-time` and `uuid`.
 */
function sarifSchemaValidator(): ValidateFunction {
    if (compiledSchema) return compiledSchema;
    const schemaPath = resolveInPlatformPackage('sarif-2.1.0.json');
    const raw = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    const { $schema: _metaSchema, id: _draft04Id, ...schema } = raw;
    const ajv = new Ajv2020({ allErrors: true });
    addFormats(ajv);
    compiledSchema = ajv.compile(schema);
    return compiledSchema;
}

function formatAjvError(error: ErrorObject): string {
    const where = error.instancePath === '' ? '(root)' : error.instancePath;
    let detail = error.message ?? 'is invalid';
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'additionalProperties') detail += `: '${String(params['additionalProperty'])}'`;
    if (error.keyword === 'enum') detail += `: ${JSON.stringify(params['allowedValues'])}`;
    return `${where} ${detail} (schema ${error.schemaPath})`;
}

/**
 * Validate a parsed SARIF log against the SARIF 2.1.0 JSON schema.
 * Returns one readable string per schema error (`<JSON pointer> <message> (schema <path>)`),
 * or an empty array when the log is valid.
 */
export function validateSarifSchema(log: unknown): string[] {
    const validate = sarifSchemaValidator();
    if (validate(log)) return [];
    return [...new Set((validate.errors ?? []).map(formatAjvError))];
}

// ---------------------------------------------------------------------------------------------
// 2. SARIF Multitool validation
// ---------------------------------------------------------------------------------------------

export interface MultitoolFindings {
    /** Findings with level "error": `ruleId: message [input line L, column C]`. */
    errors: string[];
    /** Findings with level "warning", same format. */
    warnings: string[];
}

export interface MultitoolOptions {
    /** Use this executable instead of the one in @microsoft/sarif-multitool-<platform> (for tests). */
    binaryPath?: string;
    /** Kill the multitool after this many milliseconds (default 120 000). */
    timeoutMs?: number;
}

/**
 * Rule configuration passed with `--config`. In multitool 5.7.0 the GitHub rules GH1001–GH1007 are
 * in the "Gh" rule kind but are *disabled by default* (`defaultConfiguration.enabled: false`), so
 * `--rule-kind "Sarif;Gh"` alone does not run them. Turned on here because they check exactly what
 * fedlint must get right:
 *   GH1001 result has locations with artifactLocation.uri, GH1002 inline threadFlowLocations,
 *   GH1003 region/startLine, GH1004 arrays above GitHub's limits, GH1005 URIs are file paths (not
 *   https: etc.), GH1006 absolute file:/// URIs without a checkout path, GH1007 message.text present.
 * (The valid value for "turn on" is a level name; "Enabled" throws ERR999.)
 * SARIF2006 (UrisShouldBeReachable) is turned off: it makes an HTTP GET for every URI in the log
 * (`$schema`, `informationUri`, `helpUri`), which makes the test depend on the network, and it only
 * reports notes, which are not collected anyway. Turning it off makes the multitool add a
 * WRN999.RuleExplicitlyDisabled configuration notification, which is ignored below.
 */
const MULTITOOL_CONFIG = `<?xml version="1.0" encoding="utf-8"?>
<Properties>
${[
    'GH1001.ProvideRequiredLocationProperties',
    'GH1002.InlineThreadFlowLocations',
    'GH1003.ProvideRequiredRegionProperties',
    'GH1004.ReviewArraysThatExceedConfigurableDefaults',
    'GH1005.LocationsMustBeRelativeUrisOrFilePaths',
    'GH1006.ProvideCheckoutPath',
    'GH1007.ProvideFullyFormattedMessageStrings',
]
    .map(
        (rule) =>
            `  <Properties Key="${rule}.Options">\n` +
            `    <Property Key="RuleEnabled" Value="Error" Type="Driver.RuleEnabledState" />\n` +
            `  </Properties>`,
    )
    .join('\n')}
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
`;

/** Notifications caused by our own configuration, not by the validated file. */
const IGNORED_NOTIFICATIONS = new Set(['WRN999.RuleExplicitlyDisabled']);

function multitoolBinary(): string {
    // The platform package's main module exports the absolute path of its executable
    // (`path.join(__dirname, 'Sarif.Multitool')` on linux), so the file name is not hard-coded here.
    const exported: unknown = createRequire(resolveInPlatformPackage('package.json'))('./');
    return typeof exported === 'string' ? exported : join(platformPackageDir(), 'Sarif.Multitool');
}

/**
 * The platform package sets the executable bit in a `postinstall` script (`chmod u+x Sarif.Multitool`);
 * the file itself is stored as 0644. When install scripts did not run (`npm ci --ignore-scripts`,
 * `ignore-scripts=true` in .npmrc, package managers that skip dependency scripts by default), the
 * binary cannot be executed (EACCES). This is the case on the dev machine. Do here what the
 * postinstall would have done.
 */
function ensureExecutable(binary: string): void {
    try {
        accessSync(binary, fsConstants.X_OK);
        return;
    } catch {
        // fall through
    }
    try {
        chmodSync(binary, statSync(binary).mode | 0o100);
        accessSync(binary, fsConstants.X_OK);
    } catch (error) {
        throw new Error(
            `The SARIF multitool at ${binary} is not executable and could not be made executable ` +
                `(${(error as Error).message}). Its package's postinstall script probably did not run: ` +
                `run "chmod u+x ${binary}" or "npm rebuild ${PLATFORM_PACKAGE}".`,
        );
    }
}

interface ExecOutcome {
    error: (Error & { code?: string | number | null; killed?: boolean; signal?: string | null }) | null;
    stdout: string;
    stderr: string;
}

function run(binary: string, args: string[], timeoutMs: number): Promise<ExecOutcome> {
    return new Promise((resolve) => {
        execFile(
            binary,
            args,
            {
                timeout: timeoutMs,
                maxBuffer: 64 * 1024 * 1024,
                env: {
                    ...process.env,
                    // The multitool is a self-contained .NET app and loads libicu at startup. Without ICU
                    // (e.g. slim or distroless images; checked here by hiding libicu) it dies with "Couldn't find a valid ICU package
                    // installed on the system". Invariant globalization mode avoids the dependency;
                    // validation does not need culture data (checked: same findings with and without).
                    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1',
                },
            },
            (error, stdout, stderr) => resolve({ error, stdout, stderr }),
        );
    });
}

function tail(text: string, lines = 20): string {
    return text.trim().split('\n').slice(-lines).join('\n');
}

function formatMessage(result: Result, rule: ReportingDescriptor | undefined): string {
    const { message } = result;
    if (typeof message.text === 'string') return message.text;
    const template = message.id !== undefined ? rule?.messageStrings?.[message.id]?.text : undefined;
    const args = message.arguments ?? [];
    if (template === undefined) return `${message.id ?? '(no message)'} ${JSON.stringify(args)}`;
    return template.replace(/\{(\d+)\}/g, (placeholder, index: string) => args[Number(index)] ?? placeholder);
}

function where(result: Result): string {
    const region = result.locations?.[0]?.physicalLocation?.region;
    if (region?.startLine === undefined) return '';
    return region.startColumn === undefined
        ? ` [input line ${region.startLine}]`
        : ` [input line ${region.startLine}, column ${region.startColumn}]`;
}

function notificationText(notification: Notification): string {
    const id = notification.descriptor?.id ?? notification.associatedRule?.id ?? 'notification';
    return `${id}: ${notification.message.text ?? notification.message.id ?? '(no message)'}`;
}

/**
 * Validate SARIF text with the SARIF Multitool, including GitHub's ingestion rules
 * (`validate --rule-kind "Sarif;Gh"` plus the opt-in GH1001–GH1007, see MULTITOOL_CONFIG).
 * The message of each finding starts with the JSON path it refers to (e.g. `runs[0].results[0]`),
 * followed by the line/column in `sarifText`.
 * Throws if the binary is missing, cannot be run, or the multitool reports that it failed.
 */
export async function validateSarifWithMultitool(
    sarifText: string,
    options: MultitoolOptions = {},
): Promise<MultitoolFindings> {
    const binary = options.binaryPath ?? multitoolBinary();
    try {
        statSync(binary);
    } catch {
        throw new Error(`SARIF multitool binary not found at ${binary} (${process.platform}/${process.arch}).`);
    }
    ensureExecutable(binary);

    const dir = await mkdtemp(join(tmpdir(), 'fedlint-sarif-'));
    try {
        const input = join(dir, 'input.sarif');
        const output = join(dir, 'multitool-output.sarif');
        const config = join(dir, 'multitool-config.xml');
        await writeFile(input, sarifText, 'utf8');
        await writeFile(config, MULTITOOL_CONFIG, 'utf8');

        // Semicolon lists are passed as single argv entries; execFile uses no shell, so no quoting.
        const args = ['validate', '--rule-kind', 'Sarif;Gh', '--level', 'Error;Warning', '--config', config, '--output', output, input];
        const { error, stdout, stderr } = await run(binary, args, options.timeoutMs ?? 120_000);

        if (error && typeof error.code === 'string') {
            // ENOENT, EACCES, ENOEXEC (e.g. x64 binary on arm64), ...
            throw new Error(`Could not run the SARIF multitool ${binary}: ${error.code} ${error.message}`);
        }
        if (error?.killed) {
            throw new Error(`The SARIF multitool was killed (${error.signal ?? 'timeout'}).\n${tail(stdout)}\n${tail(stderr)}`);
        }

        let log: Log;
        try {
            log = JSON.parse(await readFile(output, 'utf8')) as Log;
        } catch (readError) {
            throw new Error(
                `The SARIF multitool wrote no readable output file (exit code ${String(error?.code ?? 0)}; ` +
                    `${(readError as Error).message}).\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`,
            );
        }

        const findings: MultitoolFindings = { errors: [], warnings: [] };
        const toolFailures: string[] = [];

        for (const sarifRun of log.runs) {
            for (const invocation of sarifRun.invocations ?? []) {
                const notifications = [
                    ...(invocation.toolConfigurationNotifications ?? []),
                    ...(invocation.toolExecutionNotifications ?? []),
                ];
                for (const notification of notifications) {
                    if (IGNORED_NOTIFICATIONS.has(notification.descriptor?.id ?? '')) continue;
                    // SARIF: a notification without level is a warning.
                    const level = notification.level ?? 'warning';
                    if (level === 'error') toolFailures.push(notificationText(notification));
                    else if (level === 'warning') findings.warnings.push(notificationText(notification));
                }
                if (invocation.executionSuccessful === false && toolFailures.length === 0) {
                    toolFailures.push('invocation.executionSuccessful is false');
                }
            }

            const rules = sarifRun.tool.driver.rules ?? [];
            for (const result of sarifRun.results ?? []) {
                if (result.kind !== undefined && result.kind !== 'fail') continue;
                const rule =
                    (result.ruleIndex !== undefined ? rules[result.ruleIndex] : undefined) ??
                    rules.find((candidate) => candidate.id === result.ruleId);
                // SARIF: result.level defaults to the rule's defaultConfiguration.level, then "warning".
                // (The multitool leaves `level` out for rules like SARIF2005, which are warnings.)
                const level = result.level ?? rule?.defaultConfiguration?.level ?? 'warning';
                const text = `${result.ruleId ?? rule?.id ?? '(no rule)'}: ${formatMessage(result, rule)}${where(result)}`;
                if (level === 'error') findings.errors.push(text);
                else if (level === 'warning') findings.warnings.push(text);
            }
        }

        // A non-zero exit code is a tool failure too: findings alone never change the exit code
        // (without --rich-return-code), e.g. ERR997.NoValidAnalysisTargets exits 1.
        if (toolFailures.length > 0 || error) {
            throw new Error(
                `The SARIF multitool failed (exit code ${String(error?.code ?? 0)}):\n` +
                    `${toolFailures.join('\n')}\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`,
            );
        }
        return findings;
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}
