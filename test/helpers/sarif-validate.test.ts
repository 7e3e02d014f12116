import { describe, expect, it } from 'vitest';

import { validateSarifSchema, validateSarifWithMultitool } from './sarif-validate.js';

/** One multitool run takes about 1 s here (a self-contained .NET binary); allow for slow CI machines. */
const MULTITOOL_TIMEOUT = 60_000;

type Json = Record<string, any>;

/** A minimal log that GitHub accepts (sarif-github.md §3, plus originalUriBaseIds and logicalLocations). */
function minimalValidLog(): Json {
    return {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [
            {
                tool: {
                    driver: {
                        name: 'fedlint',
                        semanticVersion: '0.1.0',
                        informationUri: 'https://github.com/OWNER/fedlint',
                        rules: [
                            {
                                id: 'aws-oidc-missing-sub',
                                shortDescription: { text: 'OIDC trust without subject condition' },
                                fullDescription: {
                                    text: 'A role trusting a multi-tenant OIDC issuer does not restrict the sub claim.',
                                },
                                help: {
                                    text: 'Add a StringEquals/StringLike condition on <issuer>:sub.',
                                    markdown: 'Add a condition on `<issuer>:sub`.',
                                },
                                properties: { tags: ['security'], precision: 'high', 'security-severity': '9.5' },
                            },
                        ],
                    },
                },
                originalUriBaseIds: { '%SRCROOT%': { uri: 'file:///srv/checkout/' } },
                automationDetails: { id: 'fedlint/' },
                results: [
                    {
                        ruleId: 'aws-oidc-missing-sub',
                        ruleIndex: 0,
                        level: 'error',
                        message: {
                            text: 'Role gha-deploy trusts token.actions.githubusercontent.com without a sub condition.',
                        },
                        locations: [
                            {
                                physicalLocation: {
                                    artifactLocation: { uri: 'infra/iam.tf', uriBaseId: '%SRCROOT%' },
                                    region: { startLine: 12, startColumn: 1, endLine: 30, endColumn: 2 },
                                },
                                logicalLocations: [{ fullyQualifiedName: 'aws_iam_role.gha_deploy' }],
                            },
                        ],
                        partialFingerprints: { primaryLocationLineHash: '39fa2ee980eb94b0:1' },
                    },
                ],
            },
        ],
    };
}

function variant(mutate: (log: Json) => void): Json {
    const log = minimalValidLog();
    mutate(log);
    return log;
}

const run0 = (log: Json): Json => log['runs'][0];
const result0 = (log: Json): Json => run0(log)['results'][0];
const rule0 = (log: Json): Json => run0(log)['tool']['driver']['rules'][0];
const artifactLocation0 = (log: Json): Json => result0(log)['locations'][0]['physicalLocation']['artifactLocation'];

const text = (log: Json): string => JSON.stringify(log, null, 2);

describe('validateSarifSchema (ajv + SARIF 2.1.0 schema from the multitool package)', () => {
    it('accepts the minimal valid log', () => {
        expect(validateSarifSchema(minimalValidLog())).toEqual([]);
    });

    it('rejects version "2.0.0"', () => {
        const errors = validateSarifSchema(variant((log) => (log['version'] = '2.0.0')));
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.join('\n')).toMatch(/^\/version must be equal to one of the allowed values: \["2\.1\.0"\]/m);
    });

    it('rejects an invocation without executionSuccessful and a string notification message', () => {
        const errors = validateSarifSchema(
            variant((log) => {
                run0(log)['invocations'] = [{ toolExecutionNotifications: [{ level: 'error', message: 'boom' }] }];
            }),
        );
        expect(errors).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/^\/runs\/0\/invocations\/0 must have required property 'executionSuccessful'/),
                expect.stringMatching(/^\/runs\/0\/invocations\/0\/toolExecutionNotifications\/0\/message must be object/),
            ]),
        );
    });

    it('rejects unknown top-level properties and non-URI-reference paths', () => {
        const errors = validateSarifSchema(
            variant((log) => {
                log['extra'] = true;
                artifactLocation0(log)['uri'] = 'infra\\my file.tf';
            }),
        );
        expect(errors).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/^\(root\) must NOT have additional properties: 'extra'/),
                expect.stringMatching(/artifactLocation\/uri must match format "uri-reference"/),
            ]),
        );
    });

    it('rejects a non-object', () => {
        expect(validateSarifSchema('{}')).not.toEqual([]);
    });
});

describe('validateSarifWithMultitool (SARIF Multitool, rule kinds Sarif;Gh)', () => {
    it(
        'reports no errors and no warnings for the minimal valid log',
        async () => {
            expect(await validateSarifWithMultitool(text(minimalValidLog()))).toEqual({ errors: [], warnings: [] });
        },
        MULTITOOL_TIMEOUT,
    );

    it(
        'accepts our own fingerprints, an extra fingerprint key and a well-formed invocation',
        async () => {
            const log = variant((l) => {
                result0(l)['partialFingerprints'] = {
                    primaryLocationLineHash: '3f2a9c1e5b7d8a06',
                    'fedlint/v1': '9e8d7c6b5a493827',
                };
                run0(l)['invocations'] = [
                    {
                        executionSuccessful: true,
                        toolExecutionNotifications: [
                            {
                                level: 'warning',
                                message: { text: 'Could not parse infra/broken.json: unexpected token.' },
                                descriptor: { id: 'fedlint/parse-error' },
                                locations: [
                                    {
                                        physicalLocation: {
                                            artifactLocation: { uri: 'infra/broken.json', uriBaseId: '%SRCROOT%' },
                                        },
                                    },
                                ],
                            },
                        ],
                    },
                ];
            });
            expect(validateSarifSchema(log)).toEqual([]);
            expect(await validateSarifWithMultitool(text(log))).toEqual({ errors: [], warnings: [] });
        },
        MULTITOOL_TIMEOUT,
    );

    it(
        'flags a result without locations (GH1001, GH1015, GH1017, GH2012)',
        async () => {
            const log = variant((l) => delete result0(l)['locations']);
            // The schema allows it: only GitHub needs a location.
            expect(validateSarifSchema(log)).toEqual([]);
            const { errors } = await validateSarifWithMultitool(text(log));
            expect(errors).toEqual(
                expect.arrayContaining([
                    expect.stringMatching(/^GH1001: runs\[0\]\.results\[0\]: The 'locations' property is absent\./),
                    expect.stringMatching(/^GH1015: runs\[0\]\.results\[0\]: This 'result' object does not provide a 'locations' array\./),
                    expect.stringMatching(/^GH1017: /),
                    expect.stringMatching(/^GH2012: /),
                ]),
            );
            // The location in the input text is reported too.
            expect(errors[0]).toMatch(/\[input line \d+, column \d+\]$/);
        },
        MULTITOOL_TIMEOUT,
    );

    it(
        'flags a rule without shortDescription (GH2012)',
        async () => {
            const { errors } = await validateSarifWithMultitool(
                text(variant((l) => delete rule0(l)['shortDescription'])),
            );
            expect(errors).toEqual([
                expect.stringMatching(
                    /^GH2012: runs\[0\]\.tool\.driver\.rules\[0\]: This 'reportingDescriptor' object does not provide a 'shortDescription' value\./,
                ),
            ]);
        },
        MULTITOOL_TIMEOUT,
    );

    it(
        'flags an absolute file:/// URI without a checkout path (GH1006, opt-in rule)',
        async () => {
            const log = variant((l) => {
                artifactLocation0(l)['uri'] = 'file:///srv/checkout/infra/iam.tf';
                delete artifactLocation0(l)['uriBaseId'];
            });
            const { errors } = await validateSarifWithMultitool(text(log));
            expect(errors).toEqual([
                expect.stringMatching(
                    /^GH1006: runs\[0\]\.results\[0\]\.locations\[0\]\.physicalLocation\.artifactLocation\.uri: This result location is expressed as an absolute 'file' URI\./,
                ),
            ]);
        },
        MULTITOOL_TIMEOUT,
    );

    it(
        'flags a non-file URI (GH1005, opt-in rule)',
        async () => {
            const log = variant((l) => {
                artifactLocation0(l)['uri'] = 'https://example.com/infra/iam.tf';
                delete artifactLocation0(l)['uriBaseId'];
            });
            const { errors } = await validateSarifWithMultitool(text(log));
            expect(errors).toEqual([expect.stringMatching(/^GH1005: .*'https:\/\/example\.com\/infra\/iam\.tf' is not a file path\./)]);
        },
        MULTITOOL_TIMEOUT,
    );

    it(
        'flags version "2.0.0" as a schema error (JSON1019) and the log itself (GH1013)',
        async () => {
            const { errors } = await validateSarifWithMultitool(text(variant((l) => (l['version'] = '2.0.0'))));
            expect(errors).toEqual(
                expect.arrayContaining([expect.stringMatching(/^JSON1019: /), expect.stringMatching(/^GH1013: /)]),
            );
        },
        MULTITOOL_TIMEOUT,
    );

    it(
        'flags a missing $schema (GH1013 error) and a pre-release $schema (GH1011, SARIF1011)',
        async () => {
            const missing = await validateSarifWithMultitool(text(variant((l) => delete l['$schema'])));
            expect(missing.errors).toEqual([expect.stringMatching(/^GH1013: .*does not contain a '\$schema' property/)]);
            expect(missing.warnings).toEqual([expect.stringMatching(/^SARIF2008: /)]);

            const old = await validateSarifWithMultitool(
                text(variant((l) => (l['$schema'] = 'https://schemastore.azurewebsites.net/schemas/json/sarif-2.1.0-rtm.5.json'))),
            );
            expect(old.errors).toEqual(
                expect.arrayContaining([expect.stringMatching(/^GH1011: /), expect.stringMatching(/^SARIF1011: /)]),
            );
        },
        MULTITOOL_TIMEOUT,
    );

    it(
        'reports warnings separately (missing informationUri: SARIF2005)',
        async () => {
            const findings = await validateSarifWithMultitool(
                text(variant((l) => delete run0(l)['tool']['driver']['informationUri'])),
            );
            expect(findings.errors).toEqual([]);
            expect(findings.warnings).toEqual([
                expect.stringMatching(/^SARIF2005: runs\[0\]\.tool\.driver: The tool 'fedlint' does not provide 'informationUri'\./),
            ]);
        },
        MULTITOOL_TIMEOUT,
    );

    it(
        'reports unparsable text as an error (JSON0001)',
        async () => {
            const { errors } = await validateSarifWithMultitool('{"version": "2.1.0", "runs": [ {');
            expect(errors).toEqual([expect.stringMatching(/^JSON0001: .*JSON syntax error/)]);
        },
        MULTITOOL_TIMEOUT,
    );

    it('throws a clear error when the binary does not exist', async () => {
        await expect(
            validateSarifWithMultitool(text(minimalValidLog()), { binaryPath: '/nonexistent/Sarif.Multitool' }),
        ).rejects.toThrow(/SARIF multitool binary not found at \/nonexistent\/Sarif\.Multitool/);
    });

    it(
        'throws a clear error when the binary cannot be run',
        async () => {
            // /bin/false runs but writes no output file: must not be mistaken for "no findings".
            await expect(
                validateSarifWithMultitool(text(minimalValidLog()), { binaryPath: '/bin/false' }),
            ).rejects.toThrow(/SARIF multitool/);
        },
        MULTITOOL_TIMEOUT,
    );
});
