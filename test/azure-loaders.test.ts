/**
 * Entra federated identity credentials: the export shapes (reference/azure.md §2-§5) and the Terraform
 * resources (§6, terraform-plan.md §6.3) lowered into TrustBindings, with odd and missing fields, unknown and
 * sensitive plan values, child modules and for_each addresses, and positions asserted by line and column.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { azureFicLoader } from '../src/loaders/azure-export.js';
import { environmentFromHints, parseIdentityId } from '../src/loaders/azure-trust.js';
import { JSON_LOADERS, loadInput, type LoadedInput } from '../src/loaders/index.js';
import { PositionResolver } from '../src/loaders/positions.js';
import type { Constraint, Location, PatternConstraint, TrustBinding } from '../src/model/types.js';
import { lintText } from './helpers/lint.js';

type Json = unknown;

const GH = 'https://token.actions.githubusercontent.com';
const AUD = 'api://AzureADTokenExchange';
const APP = 'bcd7c908-1c4d-4d48-93ee-ff38349a75c8';
const SUB = '11112222-3333-4444-5555-666677778888';
const FIC_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials';
const identityId = (identity: string, credential?: string, rg = 'rg-apps'): string =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${identity}${credential ? `/federatedIdentityCredentials/${credential}` : ''}`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Pretty JSON, as the CLI tools print it. */
const pretty = (v: Json): string => `${JSON.stringify(v, null, 2)}\n`;

async function loadText(text: string, name = 'input.json'): Promise<LoadedInput> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-azure-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, name), text);
  return loadInput(path.join(dir, name), name, { explicit: true });
}

/** Line and column (1-based) of a location, through the position resolver the CLI uses. */
function position(text: string, at: Location): { line: number; column: number } {
  const r = new PositionResolver(text).resolve(at);
  return { line: r.startLine, column: r.startColumn };
}

/** Line and column of the nth occurrence of `needle`, found by plain text search (an independent check). */
function find(text: string, needle: string, nth = 0): { line: number; column: number } {
  let offset = -1;
  for (let i = 0; i <= nth; i++) {
    offset = text.indexOf(needle, offset + 1);
    if (offset < 0) throw new Error(`${needle} not found (${nth})`);
  }
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function patterns(c: Constraint | undefined): PatternConstraint {
  expect(c?.kind).toBe('patterns');
  return c as PatternConstraint;
}

/** What rules see of a constraint, without locations. */
function meaning(c: Constraint): Record<string, unknown> {
  if (c.kind === 'patterns') return { syntax: c.syntax, values: c.values, operator: c.operator, key: c.key };
  if (c.kind === 'unknown') return { unknown: c.reason, key: c.key };
  return { kind: c.kind };
}

function claimsOf(b: TrustBinding): Record<string, Array<Record<string, unknown>>> {
  return Object.fromEntries(Object.entries(b.claims).map(([k, v]) => [k, v.map(meaning)]));
}

function graph(over: Record<string, Json> = {}): Record<string, Json> {
  return {
    audiences: [AUD],
    description: 'deploy from the production environment',
    id: '15be77d1-1940-43fe-8aae-94a78e078da0',
    issuer: GH,
    name: 'github-prod',
    subject: 'repo:octo-org/octo-repo:environment:Production',
    ...over,
  };
}

function arm(identity: string, name: string, properties: Record<string, Json>): Record<string, Json> {
  return { id: identityId(identity, name), name, type: FIC_TYPE, properties };
}

function kindOf(value: Json): string | undefined {
  return JSON_LOADERS.find((l) => l.sniff(value))?.kind;
}

describe('azure-fic: recognising the export shapes by content', () => {
  it.each([
    ['az ad app federated-credential list', [graph(), graph({ name: 'github-main', subject: 'repo:octo-org/octo-repo:ref:refs/heads/main' })]],
    ['a single Graph object', graph()],
    ['a Graph v1.0 list response', { '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#applications('${APP}')/federatedIdentityCredentials`, value: [graph()] }],
    ['an empty Graph list response', { '@odata.context': `https://graph.microsoft.com/beta/$metadata#applications('${APP}')/federatedIdentityCredentials`, value: [] }],
    ['a Graph beta flexible object', graph({ subject: null, claimsMatchingExpression: { value: "claims['sub'] eq 'repo:o/r:ref:refs/heads/main'", languageVersion: 1 } })],
    ['an ARM object', arm('id-app', 'aks', { issuer: GH, subject: 'repo:o/r:ref:refs/heads/main', audiences: [AUD] })],
    ['an ARM list response', { value: [arm('id-app', 'aks', { issuer: GH, subject: 'repo:o/r:ref:refs/heads/main', audiences: [AUD] })] }],
    ['az identity federated-credential list (flattened)', [{ audiences: [AUD], id: identityId('id-app', 'aks'), issuer: GH, name: 'aks', resourceGroup: 'rg-apps', subject: 'system:serviceaccount:a:b', systemData: null, type: FIC_TYPE }]],
    ['an ARM object whose properties are missing their fields', { id: identityId('id-app', 'aks'), name: 'aks', type: FIC_TYPE, properties: {} }],
    ['a list with one malformed element', [graph(), { name: 'broken', subject: 'repo:o/r:pull_request' }]],
  ])('claims %s', (_name, value) => {
    expect(kindOf(value)).toBe('azure-fic');
  });

  it.each([
    ['an AWS trust policy', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'x' }, Action: 'sts:AssumeRoleWithWebIdentity' }] }],
    ['aws iam get-role output', { Role: { RoleName: 'r', AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } } }],
    ['a Terraform plan', { format_version: '1.2', resource_changes: [] }],
    ['a GCP workload identity provider', { name: 'projects/1/locations/global/workloadIdentityPools/p/providers/gh', oidc: { issuerUri: GH, allowedAudiences: [] }, attributeCondition: "assertion.repository_owner == 'o'" }],
    ['a GCP IAM policy', { bindings: [{ role: 'roles/iam.workloadIdentityUser', members: ['principalSet://x'] }], etag: 'BwX' }],
    ['an OIDC discovery document', { issuer: GH, jwks_uri: `${GH}/.well-known/jwks`, subject_types_supported: ['public'] }],
    ['token claims', { iss: GH, sub: 'repo:o/r:ref:refs/heads/main', aud: AUD }],
    ['an empty array', []],
    ['an empty value list without a Graph context', { value: [] }],
    ['a list of strings', ['repo:o/r:ref:refs/heads/main']],
    ['a list of credential-like objects none of which has an issuer', [{ subject: 'repo:o/r:pull_request' }]],
    ['an object with an issuer and a policy Statement', { issuer: GH, subject: 's', audiences: [AUD], Statement: [] }],
  ])('leaves %s to other loaders', (_name, value) => {
    expect(kindOf(value)).not.toBe('azure-fic');
  });
});

describe('azure-fic: classic credentials', () => {
  it('az ad app list: one binding per credential, subject and audiences as exact tests, positions on the values', async () => {
    const text = pretty([graph(), graph({ name: 'github-main', subject: 'repo:octo-org/octo-repo:ref:refs/heads/main', audiences: [AUD, 'api://other'] })]);
    const input = await loadText(text, 'fics.json');
    expect(input.kind).toBe('azure-fic');
    expect(input.problems).toEqual([]);
    expect(input.bindings).toHaveLength(2);
    const [prod, main] = input.bindings as [TrustBinding, TrustBinding];
    expect(prod.provider).toBe('azure');
    expect(prod.mechanism).toBe('oidc');
    expect(prod.source).toBe('azure-fic');
    expect(prod.issuer).toMatchObject({ kind: 'exact', host: 'token.actions.githubusercontent.com' });
    expect(prod.issuer.kind === 'exact' && prod.issuer.insecure).toBeFalsy();
    expect(claimsOf(prod)).toEqual({
      aud: [{ syntax: 'exact', values: [AUD], operator: 'audiences', key: 'audiences' }],
      sub: [{ syntax: 'exact', values: ['repo:octo-org/octo-repo:environment:Production'], operator: 'subject', key: 'subject' }],
    });
    expect(patterns(main.claims['aud']![0]).values).toEqual([AUD, 'api://other']);
    // The parent application is not in this output: the target is the credential, named as Entra names it.
    expect(prod.target).toMatchObject({ kind: 'azure-application', name: 'github-prod', environment: 'production', environmentSource: 'credential name github-prod' });
    expect(main.target.environment).toBeUndefined();
    expect(position(text, patterns(main.claims['sub']![0]).valueAt[0]!)).toEqual(find(text, '"repo:octo-org/octo-repo:ref:refs/heads/main"'));
    expect(position(text, patterns(main.claims['aud']![0]).valueAt[1]!)).toEqual(find(text, '"api://other"'));
    expect(position(text, prod.issuer.at)).toEqual(find(text, `"${GH}"`));
    expect(position(text, prod.origin)).toEqual({ line: 2, column: 3 });
  });

  it('the file name names the environment when the parent is not in the input, before the credential name', async () => {
    const input = await loadText(pretty([graph({ name: 'github-build' })]), 'payments-dev.json');
    expect(input.bindings[0]!.target).toMatchObject({ environment: 'development', environmentSource: 'file name payments-dev' });
  });

  it('a single Graph object and a Graph list name the parent application from @odata.context', async () => {
    const single = await loadText(pretty({ '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#applications('${APP}')/federatedIdentityCredentials/$entity`, ...graph() }));
    expect(single.bindings[0]!.target.name).toBe(`${APP}/github-prod`);
    expect(single.bindings[0]!.target.address).toBe('15be77d1-1940-43fe-8aae-94a78e078da0');
    const byAppId = await loadText(pretty({ '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#applications(appId='00001111-aaaa-2222-bbbb-3333cccc4444')/federatedIdentityCredentials`, value: [graph()] }));
    expect(byAppId.bindings[0]!.target.name).toBe('00001111-aaaa-2222-bbbb-3333cccc4444/github-prod');
    const list = pretty({ '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#applications('${APP}')/federatedIdentityCredentials`, '@odata.nextLink': 'https://graph.microsoft.com/v1.0/next', value: [graph(), graph({ name: 'b' })] });
    const loaded = await loadText(list);
    expect(loaded.bindings.map((b) => b.target.name)).toEqual([`${APP}/github-prod`, `${APP}/b`]);
    expect(position(list, patterns(loaded.bindings[1]!.claims['sub']![0]).at)).toEqual(find(list, '"repo:octo-org/octo-repo:environment:Production"', 1));
  });

  it('an empty Graph list response loads with nothing to judge', async () => {
    const input = await loadText(pretty({ '@odata.context': `https://graph.microsoft.com/beta/$metadata#applications('${APP}')/federatedIdentityCredentials`, value: [] }));
    expect(input.kind).toBe('azure-fic');
    expect(input.bindings).toEqual([]);
    expect(input.problems).toEqual([]);
  });

  it('an http:// or scheme-less issuer is recorded as insecure; the host is still the issuer', () => {
    for (const issuer of ['http://gitlab.example.com', 'gitlab.example.com']) {
      const { bindings } = azureFicLoader.load(graph({ issuer, subject: 'project_path:g/p:ref_type:branch:ref:main' }), 'f.json', 'f.json');
      expect(bindings[0]!.issuer).toMatchObject({ kind: 'exact', host: 'gitlab.example.com', insecure: true });
    }
    const { bindings } = azureFicLoader.load(graph({ issuer: 'HTTPS://gitlab.example.com/' }), 'f.json', 'f.json');
    expect(bindings[0]!.issuer).toMatchObject({ kind: 'exact', host: 'gitlab.example.com' });
    expect(bindings[0]!.issuer.kind === 'exact' && bindings[0]!.issuer.insecure).toBeFalsy();
  });
});

describe('azure-fic: flexible credentials (Graph beta claimsMatchingExpression)', () => {
  const context = { '@odata.context': `https://graph.microsoft.com/beta/$metadata#applications('${APP}')/federatedIdentityCredentials` };

  it('each clause is a test on its claim: eq exact, matches an azure-glob; the tests land on the expression', async () => {
    const expression = "claims['sub'] matches 'repo:contoso/app:ref:refs/heads/*' and claims['job_workflow_ref'] eq 'contoso/wf/.github/workflows/deploy.yml@refs/heads/main'";
    const text = pretty({ ...context, value: [graph({ name: 'flex', subject: null, claimsMatchingExpression: { value: expression, languageVersion: 1 } })] });
    const input = await loadText(text);
    expect(input.problems).toEqual([]);
    const b = input.bindings[0]!;
    expect(claimsOf(b)).toEqual({
      aud: [{ syntax: 'exact', values: [AUD], operator: 'audiences', key: 'audiences' }],
      sub: [{ syntax: 'azure-glob', values: ['repo:contoso/app:ref:refs/heads/*'], operator: 'matches', key: "claims['sub']" }],
      job_workflow_ref: [{ syntax: 'exact', values: ['contoso/wf/.github/workflows/deploy.yml@refs/heads/main'], operator: 'eq', key: "claims['job_workflow_ref']" }],
    });
    expect(b.undetermined).toBeUndefined();
    expect(position(text, patterns(b.claims['sub']![0]).valueAt[0]!)).toEqual(find(text, `"${expression.replace(/'/g, "'")}"`));
  });

  it('two clauses on one claim are both kept (ANDed); a claim name keeps its spelling in the key, lower case in the map', () => {
    const { bindings, problems } = azureFicLoader.load(
      graph({ subject: null, claimsMatchingExpression: { value: "claims['sub'] matches 'repo:o/*' and claims['sub'] matches '*:environment:prod' and claims['Custom'] eq 'x'", languageVersion: 1 } }),
      'f.json',
      'f.json',
    );
    expect(problems).toEqual([]);
    expect(bindings[0]!.claims['sub']!.map(meaning).map((m) => m['values'])).toEqual([['repo:o/*'], ['*:environment:prod']]);
    expect(meaning(bindings[0]!.claims['custom']![0]!)).toMatchObject({ key: "claims['Custom']" });
  });

  it('an expression given as a bare string is accepted', () => {
    const { bindings, problems } = azureFicLoader.load(graph({ subject: null, claimsMatchingExpression: "claims['sub'] eq 'repo:o/r:pull_request'" }), 'f.json', 'f.json');
    expect(problems).toEqual([]);
    expect(meaning(bindings[0]!.claims['sub']![0]!)).toMatchObject({ syntax: 'exact', values: ['repo:o/r:pull_request'] });
  });

  it('an expression that does not parse is a problem on the expression; the trust is undetermined; the other credentials are still linted', async () => {
    const text = pretty({
      ...context,
      value: [
        graph({ name: 'broken', subject: null, claimsMatchingExpression: { value: "claims['sub'] matches 'repo:contoso/*' or claims['sub'] eq 'x'", languageVersion: 1 } }),
        graph({ name: 'wide', subject: null, claimsMatchingExpression: { value: "claims['sub'] matches 'repo:contoso*'", languageVersion: 1 } }),
      ],
    });
    const input = await loadText(text);
    expect(input.problems).toHaveLength(1);
    const problem = input.problems[0]!;
    expect(problem.message).toMatch(/claimsMatchingExpression of credential broken does not parse at character 40: 'or' is not supported/);
    expect(position(text, problem.at)).toEqual(find(text, `"claims['sub'] matches 'repo:contoso/*' or`));
    expect(input.bindings[0]!.undetermined?.reason).toBe(problem.message);
    expect(input.bindings[0]!.claims['sub']![0]!.kind).toBe('unknown');

    const result = await lintText(text);
    expect(result.errors.map((e) => [e.line, e.column])).toEqual([[find(text, "\"claims['sub'] matches 'repo:contoso/*' or").line, find(text, "\"claims['sub'] matches 'repo:contoso/*' or").column]]);
    // The broken credential is not judged (at most a note that it could not be); the other one is.
    expect(result.findings.filter((f) => f.level !== 'note').map((f) => [f.ruleId, f.level, f.resource])).toEqual([['subject-wildcard', 'error', `${APP}/wide`]]);
    expect(result.findings.filter((f) => f.resource === `${APP}/broken`).map((f) => f.level)).not.toContain('error');
    const wide = result.findings.find((f) => f.ruleId === 'subject-wildcard')!;
    expect({ line: wide.range.startLine, column: wide.range.startColumn }).toEqual(find(text, `"claims['sub'] matches 'repo:contoso*'"`));
  });

  it('a languageVersion other than 1 is a problem, not a guess', () => {
    const { bindings, problems } = azureFicLoader.load(graph({ subject: null, claimsMatchingExpression: { value: "claims['sub'] eq 'x'", languageVersion: 2 } }), 'f.json', 'f.json');
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('languageVersion 2 is not supported')]);
    expect(bindings[0]!.undetermined).toBeDefined();
  });

  it('a subject and an expression together: a problem, the trust undetermined', () => {
    const { bindings, problems } = azureFicLoader.load(graph({ claimsMatchingExpression: { value: "claims['sub'] eq 'x'", languageVersion: 1 } }), 'f.json', 'f.json');
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('has both subject and claimsMatchingExpression')]);
    expect(bindings[0]!.undetermined).toBeDefined();
  });

  it('a null subject without an expression (a flexible credential read through v1.0) is undetermined, never judged', async () => {
    const text = pretty([graph({ subject: null, name: 'deploy-prod' })]);
    const input = await loadText(text);
    expect(input.problems).toEqual([]);
    expect(input.bindings[0]!.undetermined?.reason).toMatch(/neither a subject nor a claimsMatchingExpression/);
    expect(input.bindings[0]!.claims['sub']![0]!.kind).toBe('unknown');
    const result = await lintText(text);
    expect(result.findings.filter((f) => f.level !== 'note')).toEqual([]);
  });
});

describe('azure-fic: ARM (user-assigned managed identity) shapes', () => {
  it('properties.* and the flattened CLI form give the same trust; the identity names the target and its environment', async () => {
    const nested = arm('id-payments-prod', 'aks-api', { issuer: 'https://eastus.oic.prod-aks.azure.com/00001111-aaaa-2222-bbbb-3333cccc4444/5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f/', subject: 'system:serviceaccount:payments:api', audiences: [AUD] });
    const flat = {
      audiences: [AUD],
      id: identityId('id-payments-prod', 'aks-api'),
      issuer: 'https://eastus.oic.prod-aks.azure.com/00001111-aaaa-2222-bbbb-3333cccc4444/5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f/',
      name: 'aks-api',
      resourceGroup: 'rg-apps',
      subject: 'system:serviceaccount:payments:api',
      systemData: { createdAt: '2026-01-02T03:04:05Z', createdByType: 'User' },
      type: FIC_TYPE,
    };
    const a = await loadText(pretty({ value: [nested], nextLink: null }));
    const b = await loadText(pretty([flat]));
    for (const input of [a, b]) {
      expect(input.kind).toBe('azure-fic');
      expect(input.problems).toEqual([]);
      const binding = input.bindings[0]!;
      expect(binding.target).toMatchObject({
        kind: 'azure-managed-identity',
        name: 'id-payments-prod/aks-api',
        address: identityId('id-payments-prod', 'aks-api'),
        account: SUB,
        environment: 'production',
        environmentSource: 'identity name id-payments-prod',
      });
      expect(binding.issuer).toMatchObject({ kind: 'exact', host: 'eastus.oic.prod-aks.azure.com/00001111-aaaa-2222-bbbb-3333cccc4444/5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f' });
      expect(claimsOf(binding)['sub']).toEqual([{ syntax: 'exact', values: ['system:serviceaccount:payments:api'], operator: 'subject', key: 'subject' }]);
    }
    expect(a.bindings[0]!.claims['sub']![0]!.at.path).toEqual(['value', 0, 'properties', 'subject']);
    expect(b.bindings[0]!.claims['sub']![0]!.at.path).toEqual([0, 'subject']);
  });

  it('the resource group names the environment when the identity name does not', async () => {
    const input = await loadText(pretty([{ ...arm('id-api', 'gh', { issuer: GH, subject: 'repo:o/r:ref:refs/heads/main', audiences: [AUD] }), id: identityId('id-api', 'gh', 'rg-staging') }]));
    expect(input.bindings[0]!.target).toMatchObject({ environment: 'staging', environmentSource: 'resource group name rg-staging' });
  });

  it('an ARM preview credential with properties.claimsMatchingExpression is flexible', async () => {
    const text = pretty(arm('id-ci', 'gh', { issuer: GH, audiences: [AUD], claimsMatchingExpression: { value: "claims['sub'] matches 'repo:contoso/*'", languageVersion: 1 } }));
    const input = await loadText(text);
    expect(input.problems).toEqual([]);
    expect(meaning(input.bindings[0]!.claims['sub']![0]!)).toMatchObject({ syntax: 'azure-glob', values: ['repo:contoso/*'] });
    expect(position(text, input.bindings[0]!.claims['sub']![0]!.at)).toEqual(find(text, `"claims['sub'] matches`));
  });
});

describe('azure-fic: missing and odd fields', () => {
  it('no issuer: a problem at the credential, and an unknown issuer (no rule guesses it)', async () => {
    const text = pretty([graph(), { name: 'no-issuer', subject: 'repo:o/r:ref:refs/heads/main', audiences: [AUD] }]);
    const input = await loadText(text);
    expect(input.problems.map((p) => p.message)).toEqual(['credential no-issuer has no issuer']);
    expect(input.bindings[1]!.issuer).toMatchObject({ kind: 'unknown' });
    expect(position(text, input.problems[0]!.at)).toEqual(find(text, '{', 1));
  });

  it('audiences: empty list and absent become a test no token passes, a string is one audience, others are problems', () => {
    const empty = azureFicLoader.load(graph({ audiences: [] }), 'f.json', 'f.json');
    expect(empty.problems).toEqual([]);
    expect(patterns(empty.bindings[0]!.claims['aud']![0]).values).toEqual([]);
    expect(empty.bindings[0]!.claims['aud']![0]!.at.path).toEqual(['audiences']);
    const absent = azureFicLoader.load({ name: 'n', issuer: GH, subject: 'repo:o/r:pull_request' }, 'f.json', 'f.json');
    expect(patterns(absent.bindings[0]!.claims['aud']![0]).values).toEqual([]);
    expect(absent.bindings[0]!.claims['aud']![0]!.at.path).toEqual([]);
    const single = azureFicLoader.load(graph({ audiences: AUD }), 'f.json', 'f.json');
    expect(patterns(single.bindings[0]!.claims['aud']![0]).values).toEqual([AUD]);
    const odd = azureFicLoader.load(graph({ audiences: [AUD, 7] }), 'f.json', 'f.json');
    expect(odd.problems.map((p) => p.message)).toEqual(['audience 2 of credential github-prod is not a string']);
    expect(patterns(odd.bindings[0]!.claims['aud']![0]).values).toEqual([AUD]);
    const wrong = azureFicLoader.load(graph({ audiences: { a: 1 } }), 'f.json', 'f.json');
    expect(wrong.problems.map((p) => p.message)).toEqual(['audiences of credential github-prod is not a list of strings']);
  });

  it('a subject or issuer of the wrong type is a problem, never a value', () => {
    const { bindings, problems } = azureFicLoader.load(graph({ subject: 42, issuer: ['x'] }), 'f.json', 'f.json');
    expect(problems.map((p) => p.message).sort()).toEqual([
      'credential github-prod has no issuer',
      'issuer of credential github-prod is not a string',
      'subject of credential github-prod is not a string',
    ]);
    expect(bindings[0]!.issuer.kind).toBe('unknown');
    expect(bindings[0]!.undetermined).toBeDefined();
  });

  it('a non-object element of a list is a problem; the rest loads', () => {
    const { bindings, problems } = azureFicLoader.load([graph(), 'stray'], 'f.json', 'f.json');
    expect(bindings).toHaveLength(1);
    expect(problems).toEqual([{ at: { file: 'f.json', path: [1] }, message: 'element 1 is not a federated identity credential' }]);
  });

  it('a credential without a name is named by its place in the file', () => {
    const { bindings } = azureFicLoader.load([graph({ name: undefined })], 'f.json', 'creds.json');
    expect(bindings[0]!.target.name).toBe('creds.json[0]');
  });
});

describe('findings on Azure exports land on the offending value', () => {
  it('classic: pull_request on a production identity, a literal *, a foreign audience, an http issuer', async () => {
    const text = pretty({
      value: [
        arm('id-deploy-prod', 'gh-pr', { issuer: GH, subject: 'repo:contoso/app:pull_request', audiences: [AUD] }),
        arm('id-deploy-prod', 'gh-star', { issuer: GH, subject: 'repo:contoso/*', audiences: [AUD] }),
        arm('id-tools', 'gh-aud', { issuer: GH, subject: 'repo:contoso/tools:ref:refs/heads/main', audiences: ['sts.amazonaws.com'] }),
        arm('id-tools', 'gl', { issuer: 'http://gitlab.contoso.example', subject: 'project_path:platform/tools:ref_type:branch:ref:main', audiences: [AUD] }),
      ],
    });
    const result = await lintText(text);
    expect(result.errors).toEqual([]);
    const got = result.findings.map((f) => ({ rule: f.ruleId, level: f.level, resource: f.resource, line: f.range.startLine, column: f.range.startColumn }));
    expect(got).toEqual([
      { rule: 'unreviewed-context', level: 'error', resource: 'id-deploy-prod/gh-pr', ...find(text, '"repo:contoso/app:pull_request"') },
      { rule: 'subject-wildcard', level: 'note', resource: 'id-deploy-prod/gh-star', ...find(text, '"repo:contoso/*"') },
      { rule: 'audience-missing', level: 'warning', resource: 'id-tools/gh-aud', ...find(text, '"sts.amazonaws.com"') },
      { rule: 'issuer-unpinned', level: 'error', resource: 'id-tools/gl', ...find(text, '"http://gitlab.contoso.example"') },
    ]);
    const star = result.findings.find((f) => f.ruleId === 'subject-wildcard')!;
    expect(star.message).toMatch(/literal character/);
    expect(star.message).toMatch(/flexible credential/);
    const aud = result.findings.find((f) => f.ruleId === 'audience-missing')!;
    expect(aud.message).toMatch(/^audiences of id-tools\/gh-aud accepts "sts.amazonaws.com"/);
  });

  it('sovereign-cloud token-exchange audiences are not findings', async () => {
    for (const audience of ['api://AzureADTokenExchangeUSGov', 'api://AzureADTokenExchangeChina']) {
      const result = await lintText(pretty([graph({ audiences: [audience] })]));
      expect(result.findings).toEqual([]);
    }
  });

  it('an audience that differs from the Entra one only in letter case is reported as a misspelling', async () => {
    const text = pretty([graph({ audiences: ['api://azureadtokenexchange'] })]);
    const result = await lintText(text);
    expect(result.findings.map((f) => [f.ruleId, f.level, f.range.startLine, f.range.startColumn])).toEqual([
      ['audience-missing', 'warning', ...Object.values(find(text, '"api://azureadtokenexchange"'))],
    ]);
    expect(result.findings[0]!.message).toMatch(/only in letter case/);
  });

  it('a flexible eq with a * is a literal too, reported as a note naming matches', async () => {
    const text = pretty([graph({ subject: null, name: 'flex', claimsMatchingExpression: { value: "claims['sub'] eq 'repo:contoso/*'", languageVersion: 1 } })]);
    const result = await lintText(text);
    expect(result.findings.map((f) => [f.ruleId, f.level])).toEqual([['subject-wildcard', 'note']]);
    expect(result.findings[0]!.message).toMatch(/eq .* compares exactly.*needs matches/);
  });

  it('the same subject on a production and a development identity is reported on both; two credentials of one target are not', async () => {
    const text = pretty({
      value: [
        arm('id-app-prod', 'gh', { issuer: GH, subject: 'repo:contoso/app:ref:refs/heads/main', audiences: [AUD] }),
        arm('id-app-dev', 'gh', { issuer: GH, subject: 'repo:contoso/app:ref:refs/heads/main', audiences: [AUD] }),
      ],
    });
    const result = await lintText(text);
    expect(result.findings.map((f) => [f.ruleId, f.resource, f.range.startLine])).toEqual([
      ['cross-environment-trust', 'id-app-prod/gh', find(text, '"repo:contoso/app:ref:refs/heads/main"').line],
      ['cross-environment-trust', 'id-app-dev/gh', find(text, '"repo:contoso/app:ref:refs/heads/main"', 1).line],
    ]);
    // One identity, a classic and a flexible credential admitting the same subject: one environment, no finding.
    const same = pretty({
      value: [
        arm('id-app-prod', 'main', { issuer: GH, subject: 'repo:contoso/app:environment:production', audiences: [AUD] }),
        arm('id-app-prod', 'flex', { issuer: GH, claimsMatchingExpression: { value: "claims['sub'] eq 'repo:contoso/app:environment:production'", languageVersion: 1 }, audiences: [AUD] }),
      ],
    });
    expect((await lintText(same)).findings).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Terraform plans

interface PlanResourceSpec {
  address: string;
  after: Record<string, Json>;
  unknown?: Json;
  sensitive?: Json;
  actions?: string[];
  index?: string | number;
}

/** Split `module.a["x"].type.name["k"]` into module address, type, name. */
function parts(address: string): { module: string; type: string; name: string } {
  const segments = address.match(/(?:[^.[\]]+|\[[^\]]*\])+/g)!;
  const tail = segments.slice(-2);
  const module = segments.slice(0, -2).join('.');
  return { module, type: tail[0]!, name: tail[1]!.replace(/\[.*\]$/, '') };
}

function planText(resources: PlanResourceSpec[], configuration?: Json): string {
  return pretty({
    format_version: '1.2',
    terraform_version: '1.9.8',
    resource_changes: resources.map((r) => {
      const p = parts(r.address);
      return {
        address: r.address,
        ...(p.module ? { module_address: p.module } : {}),
        mode: 'managed',
        type: p.type,
        name: p.name,
        ...(r.index !== undefined ? { index: r.index } : {}),
        provider_name: `registry.terraform.io/${p.type.startsWith('azapi') ? 'azure/azapi' : p.type.startsWith('azurerm') ? 'hashicorp/azurerm' : 'hashicorp/azuread'}`,
        change: {
          actions: r.actions ?? ['create'],
          before: null,
          after: r.after,
          after_unknown: r.unknown ?? {},
          before_sensitive: false,
          after_sensitive: r.sensitive ?? {},
        },
      };
    }),
    ...(configuration ? { configuration } : {}),
  });
}

const refTo = (r: string) => ({ references: [`${r}.id`, r] });
const classicAfter = (over: Record<string, Json> = {}): Record<string, Json> => ({
  audiences: [AUD],
  description: null,
  display_name: 'github',
  issuer: GH,
  subject: 'repo:contoso/app:environment:production',
  ...over,
});

async function loadPlan(resources: PlanResourceSpec[], configuration?: Json) {
  const text = planText(resources, configuration);
  const input = await loadText(text, 'plan.json');
  expect(input.kind).toBe('terraform-plan');
  return { text, input };
}

describe('terraform plan: azuread_application_federated_identity_credential', () => {
  it('application_id resolved through the configuration reference: the application names the environment; positions on the values', async () => {
    const { text, input } = await loadPlan(
      [
        { address: 'azuread_application.deploy', after: { display_name: 'payments-deploy', tags: ['environment:prod', 'HideApp'] }, unknown: { id: true, object_id: true, client_id: true } },
        { address: 'azuread_application_federated_identity_credential.github', after: classicAfter(), unknown: { application_id: true, credential_id: true, id: true } },
      ],
      { root_module: { resources: [{ address: 'azuread_application_federated_identity_credential.github', mode: 'managed', type: 'azuread_application_federated_identity_credential', name: 'github', expressions: { application_id: refTo('azuread_application.deploy') } }] } },
    );
    expect(input.problems).toEqual([]);
    expect(input.bindings).toHaveLength(1);
    const b = input.bindings[0]!;
    expect(b.source).toBe('terraform-plan');
    expect(b.target).toMatchObject({
      kind: 'azure-application',
      name: 'azuread_application_federated_identity_credential.github',
      address: 'azuread_application_federated_identity_credential.github',
      environment: 'production',
      environmentSource: 'application azuread_application.deploy tag environment=prod',
    });
    expect(claimsOf(b)).toEqual({
      aud: [{ syntax: 'exact', values: [AUD], operator: 'audiences', key: 'audiences' }],
      sub: [{ syntax: 'exact', values: ['repo:contoso/app:environment:production'], operator: 'subject', key: 'subject' }],
    });
    expect(position(text, b.claims['sub']![0]!.at)).toEqual(find(text, '"repo:contoso/app:environment:production"'));
    expect(position(text, patterns(b.claims['aud']![0]).valueAt[0]!)).toEqual(find(text, `"${AUD}"`));
    expect(position(text, b.issuer.at)).toEqual(find(text, `"${GH}"`));
  });

  it('the older application_object_id, resolved by value against a known application', async () => {
    const { input } = await loadPlan([
      { address: 'azuread_application.legacy', after: { display_name: 'legacy-dev', object_id: 'aaaa0000-1111-2222-3333-444455556666', id: 'aaaa0000-1111-2222-3333-444455556666' }, actions: ['no-op'] },
      { address: 'azuread_application_federated_identity_credential.gh', after: classicAfter({ application_object_id: 'aaaa0000-1111-2222-3333-444455556666' }), actions: ['no-op'] },
    ]);
    expect(input.bindings[0]!.target).toMatchObject({ environment: 'development', environmentSource: 'application azuread_application.legacy name legacy-dev' });
  });

  it('application_id given as /applications/{objectId} matches the application registration by value', async () => {
    const { input } = await loadPlan([
      { address: 'azuread_application_registration.api', after: { display_name: 'orders-api-staging', object_id: 'bbbb0000-1111-2222-3333-444455556666', id: '/applications/bbbb0000-1111-2222-3333-444455556666' }, actions: ['no-op'] },
      { address: 'azuread_application_federated_identity_credential.gh', after: classicAfter({ application_id: '/applications/bbbb0000-1111-2222-3333-444455556666' }) },
    ]);
    expect(input.bindings[0]!.target).toMatchObject({ environment: 'staging', environmentSource: 'application azuread_application_registration.api name orders-api-staging' });
  });

  it('child modules with for_each: each credential finds the application of its own module instance', async () => {
    const resources: PlanResourceSpec[] = [];
    for (const env of ['prod', 'dev']) {
      resources.push({ address: `module.app["${env}"].azuread_application.this`, after: { display_name: `orders-${env}` }, unknown: { id: true } });
      resources.push({ address: `module.app["${env}"].azuread_application_federated_identity_credential.github`, after: classicAfter({ subject: 'repo:contoso/orders:ref:refs/heads/main' }), unknown: { application_id: true } });
    }
    const { text, input } = await loadPlan(resources, {
      root_module: {
        module_calls: {
          app: {
            source: './modules/app',
            module: { resources: [{ address: 'azuread_application_federated_identity_credential.github', mode: 'managed', type: 'azuread_application_federated_identity_credential', name: 'github', expressions: { application_id: refTo('azuread_application.this') } }] },
          },
        },
      },
    });
    expect(input.bindings.map((b) => [b.target.name, b.target.environment])).toEqual([
      ['module.app["prod"].azuread_application_federated_identity_credential.github', 'production'],
      ['module.app["dev"].azuread_application_federated_identity_credential.github', 'development'],
    ]);
    const result = await lintText(text);
    expect(result.findings.map((f) => [f.ruleId, f.resource, f.range.startLine, f.range.startColumn])).toEqual([
      ['cross-environment-trust', 'module.app["prod"].azuread_application_federated_identity_credential.github', ...Object.values(find(text, '"repo:contoso/orders:ref:refs/heads/main"'))],
      ['cross-environment-trust', 'module.app["dev"].azuread_application_federated_identity_credential.github', ...Object.values(find(text, '"repo:contoso/orders:ref:refs/heads/main"', 1))],
    ]);
  });

  it('a for_each parent referenced without its key is narrowed to the instance with the same key', async () => {
    const { input } = await loadPlan(
      [
        { address: 'azuread_application.app["blue"]', index: 'blue', after: { display_name: 'web-blue-prod' }, unknown: { id: true } },
        { address: 'azuread_application.app["green"]', index: 'green', after: { display_name: 'web-green-dev' }, unknown: { id: true } },
        { address: 'azuread_application_federated_identity_credential.gh["green"]', index: 'green', after: classicAfter(), unknown: { application_id: true } },
      ],
      { root_module: { resources: [{ address: 'azuread_application_federated_identity_credential.gh', mode: 'managed', type: 'azuread_application_federated_identity_credential', name: 'gh', expressions: { application_id: { references: ['azuread_application.app', 'each.key'] } } }] } },
    );
    expect(input.bindings[0]!.target).toMatchObject({ environment: 'development', environmentSource: 'application azuread_application.app["green"] name web-green-dev' });
  });

  it('parents that cannot be told apart give an environment only when they all agree', async () => {
    const config = { root_module: { resources: [{ address: 'azuread_application_federated_identity_credential.gh', mode: 'managed', type: 'azuread_application_federated_identity_credential', name: 'gh', expressions: { application_id: { references: ['azuread_application.app', 'var.which'] } } }] } };
    const agree = await loadPlan(
      [
        { address: 'azuread_application.app[0]', index: 0, after: { display_name: 'a-prod' }, unknown: { id: true } },
        { address: 'azuread_application.app[1]', index: 1, after: { display_name: 'b-prod' }, unknown: { id: true } },
        { address: 'azuread_application_federated_identity_credential.gh', after: classicAfter(), unknown: { application_id: true } },
      ],
      config,
    );
    expect(agree.input.bindings[0]!.target.environment).toBe('production');
    const differ = await loadPlan(
      [
        { address: 'azuread_application.app[0]', index: 0, after: { display_name: 'a-prod' }, unknown: { id: true } },
        { address: 'azuread_application.app[1]', index: 1, after: { display_name: 'b-dev' }, unknown: { id: true } },
        { address: 'azuread_application_federated_identity_credential.gh', after: classicAfter(), unknown: { application_id: true } },
      ],
      config,
    );
    expect(differ.input.bindings[0]!.target.environment).toBeUndefined();
  });

  it('an unknown subject is an unknown test, never a pin; sensitive values are withheld from messages', async () => {
    const unknown = await loadPlan(
      [{ address: 'azuread_application_federated_identity_credential.gh', after: classicAfter({ subject: undefined }), unknown: { subject: true } }],
      { root_module: { resources: [{ address: 'azuread_application_federated_identity_credential.gh', mode: 'managed', type: 'azuread_application_federated_identity_credential', name: 'gh', expressions: { subject: { references: ['var.subject'] } } }] } },
    );
    expect(meaning(unknown.input.bindings[0]!.claims['sub']![0]!)).toEqual({
      unknown: 'the subject of azuread_application_federated_identity_credential.gh is known only after apply (it comes from var.subject)',
      key: 'subject',
    });
    expect((await lintText(unknown.text)).findings.filter((f) => f.level !== 'note')).toEqual([]);

    const sensitive = await loadPlan([
      { address: 'azuread_application.deploy', after: { display_name: 'deploy-prod' } },
      { address: 'azuread_application_federated_identity_credential.gh', after: classicAfter({ subject: 'repo:contoso/secret-app:pull_request' }), sensitive: { subject: true } },
    ]);
    expect(sensitive.input.bindings[0]!.sensitive).toBe(true);
    // No parent reference in this plan: the credential's own address names no environment, so make it production by name.
    const named = await loadPlan([
      { address: 'azuread_application_federated_identity_credential.deploy_prod', after: classicAfter({ subject: 'repo:contoso/secret-app:pull_request' }), sensitive: { subject: true } },
    ]);
    const result = await lintText(named.text);
    expect(result.findings.map((f) => f.ruleId)).toEqual(['unreviewed-context']);
    expect(result.findings[0]!.message).not.toContain('secret-app');
    expect(result.findings[0]!.message).toContain('(sensitive value)');
  });

  it('resources being deleted grant nothing and are skipped', async () => {
    const { input } = await loadPlan([{ address: 'azuread_application_federated_identity_credential.old', after: classicAfter(), actions: ['delete'] }]);
    expect(input.bindings).toEqual([]);
  });
});

describe('terraform plan: azuread_application_flexible_federated_identity_credential', () => {
  it('the expression is parsed; audience is a string', async () => {
    const expression = "claims['sub'] matches 'repo:contoso/*'";
    const { text, input } = await loadPlan([
      { address: 'azuread_application_flexible_federated_identity_credential.ci', after: { audience: AUD, claims_matching_expression: expression, display_name: 'ci', issuer: GH }, unknown: { application_id: true } },
    ]);
    expect(input.problems).toEqual([]);
    expect(claimsOf(input.bindings[0]!)).toEqual({
      aud: [{ syntax: 'exact', values: [AUD], operator: 'audience', key: 'audience' }],
      sub: [{ syntax: 'azure-glob', values: ['repo:contoso/*'], operator: 'matches', key: "claims['sub']" }],
    });
    expect(position(text, input.bindings[0]!.claims['sub']![0]!.at)).toEqual(find(text, `"${expression}"`));
  });

  it('an expression that does not parse: a problem at the attribute (file:line:col), the trust undetermined', async () => {
    const { text, input } = await loadPlan([
      { address: 'azuread_application_flexible_federated_identity_credential.ci', after: { audience: AUD, claims_matching_expression: "claims['sub'] ne 'x'", display_name: 'ci', issuer: GH } },
    ]);
    expect(input.problems.map((p) => p.message)).toEqual([
      "claims_matching_expression of azuread_application_flexible_federated_identity_credential.ci does not parse at character 15: unsupported operator 'ne': languageVersion 1 has only eq and matches (azure.md §3)",
    ]);
    expect(position(text, input.problems[0]!.at)).toEqual(find(text, `"claims['sub'] ne 'x'"`));
    expect(input.bindings[0]!.undetermined).toBeDefined();
  });

  it('an expression known only after apply stays unknown', async () => {
    const { input } = await loadPlan([
      { address: 'azuread_application_flexible_federated_identity_credential.ci', after: { audience: AUD, display_name: 'ci', issuer: GH }, unknown: { claims_matching_expression: true } },
    ]);
    expect(input.bindings[0]!.claims['sub']![0]!.kind).toBe('unknown');
    expect(input.bindings[0]!.undetermined).toBeUndefined();
  });

  it('a missing audience is a test no token passes, at the attribute; audience-missing reports it there', async () => {
    const { text, input } = await loadPlan([
      { address: 'azuread_application_flexible_federated_identity_credential.ci', after: { audience: null, claims_matching_expression: "claims['sub'] eq 'repo:o/r:ref:refs/heads/main'", display_name: 'ci', issuer: GH } },
    ]);
    expect(patterns(input.bindings[0]!.claims['aud']![0]).values).toEqual([]);
    const result = await lintText(text);
    expect(result.findings.map((f) => [f.ruleId, f.level, f.range.startLine, f.range.startColumn])).toEqual([['audience-missing', 'warning', ...Object.values(find(text, 'null', 1))]]);
  });
});

describe('terraform plan: azurerm_federated_identity_credential', () => {
  it('an issuer known only after apply (an AKS cluster in the same plan) is unknown, naming where it comes from; the identity names the target', async () => {
    const { text, input } = await loadPlan(
      [
        { address: 'azurerm_user_assigned_identity.api', after: { name: 'id-orders-api', resource_group_name: 'rg-orders', tags: { Environment: 'Production' } }, unknown: { id: true, principal_id: true, client_id: true } },
        { address: 'azurerm_kubernetes_cluster.aks', after: { name: 'aks-orders', oidc_issuer_enabled: true }, unknown: { oidc_issuer_url: true, id: true } },
        {
          address: 'azurerm_federated_identity_credential.api',
          after: { audience: [AUD], name: 'orders-api', resource_group_name: 'rg-orders', subject: 'system:serviceaccount:orders:api' },
          unknown: { id: true, issuer: true, parent_id: true },
        },
      ],
      {
        root_module: {
          resources: [
            {
              address: 'azurerm_federated_identity_credential.api',
              mode: 'managed',
              type: 'azurerm_federated_identity_credential',
              name: 'api',
              expressions: { issuer: { references: ['azurerm_kubernetes_cluster.aks.oidc_issuer_url', 'azurerm_kubernetes_cluster.aks'] }, parent_id: refTo('azurerm_user_assigned_identity.api') },
            },
          ],
        },
      },
    );
    const b = input.bindings[0]!;
    expect(b.issuer).toMatchObject({
      kind: 'unknown',
      reason: 'the issuer of azurerm_federated_identity_credential.api is known only after apply (it comes from azurerm_kubernetes_cluster.aks.oidc_issuer_url)',
    });
    expect(b.target).toMatchObject({ kind: 'azure-managed-identity', environment: 'production', environmentSource: 'identity azurerm_user_assigned_identity.api tag Environment=Production' });
    expect(b.tags).toEqual({ Environment: 'Production' });
    expect(claimsOf(b)['aud']).toEqual([{ syntax: 'exact', values: [AUD], operator: 'audience', key: 'audience' }]);
    expect(claimsOf(b)['sub']).toEqual([{ syntax: 'exact', values: ['system:serviceaccount:orders:api'], operator: 'subject', key: 'subject' }]);
    // No issuer, no judgement: nothing above a note is reported.
    expect((await lintText(text)).findings.filter((f) => f.level !== 'note')).toEqual([]);
  });

  it('a known parent_id whose identity is not in the plan names the identity and resource group from the ARM id', async () => {
    const { input } = await loadPlan([
      {
        address: 'azurerm_federated_identity_credential.gh',
        after: { audience: [AUD], issuer: GH, name: 'gh', parent_id: identityId('id-shared', undefined, 'rg-platform-dev'), resource_group_name: 'rg-platform-dev', subject: 'repo:o/r:ref:refs/heads/main' },
      },
    ]);
    expect(input.bindings[0]!.target).toMatchObject({ account: SUB, environment: 'development', environmentSource: 'resource group name rg-platform-dev' });
  });

  it('an audience element known only after apply makes the audience test unknown', async () => {
    const { input } = await loadPlan([
      { address: 'azurerm_federated_identity_credential.gh', after: { audience: [null], issuer: GH, name: 'gh', subject: 'repo:o/r:ref:refs/heads/main' }, unknown: { audience: [true] } },
    ]);
    expect(input.bindings[0]!.claims['aud']![0]!.kind).toBe('unknown');
  });
});

describe('terraform plan: azapi_resource federated identity credentials', () => {
  const type = `${FIC_TYPE}@2023-01-31`;

  it('a body object: fields under body.properties; an azapi identity is a parent, not a credential', async () => {
    const { text, input } = await loadPlan(
      [
        { address: 'azapi_resource.identity', after: { type: 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31', name: 'id-ingest-prod', body: {} }, unknown: { id: true } },
        { address: 'azapi_resource.fic', after: { type, name: 'ingest', body: { properties: { audiences: [AUD], issuer: GH, subject: 'repo:contoso/ingest:environment:production' } } }, unknown: { id: true, parent_id: true } },
      ],
      { root_module: { resources: [{ address: 'azapi_resource.fic', mode: 'managed', type: 'azapi_resource', name: 'fic', expressions: { parent_id: refTo('azapi_resource.identity') } }] } },
    );
    expect(input.bindings).toHaveLength(1);
    const b = input.bindings[0]!;
    expect(b.target).toMatchObject({ kind: 'azure-managed-identity', name: 'azapi_resource.fic', environment: 'production', environmentSource: 'identity azapi_resource.identity name id-ingest-prod' });
    expect(claimsOf(b)['sub']).toEqual([{ syntax: 'exact', values: ['repo:contoso/ingest:environment:production'], operator: 'properties.subject', key: 'properties.subject' }]);
    expect(position(text, b.claims['sub']![0]!.at)).toEqual(find(text, '"repo:contoso/ingest:environment:production"'));
  });

  it('a body JSON string: positions inside the string', async () => {
    const body = JSON.stringify({ properties: { audiences: [AUD], issuer: GH, subject: 'repo:contoso/ingest:pull_request' } });
    const { text, input } = await loadPlan([{ address: 'azapi_resource.fic', after: { type, name: 'ingest', body } }]);
    const b = input.bindings[0]!;
    expect(b.claims['sub']![0]!.at).toMatchObject({ path: ['resource_changes', 0, 'change', 'after', 'body'], inner: ['properties', 'subject'] });
    expect(position(text, b.claims['sub']![0]!.at)).toEqual(find(text, '\\"repo:contoso/ingest:pull_request\\"'));
  });

  it('a body string that is not JSON is a problem; an unknown body leaves everything unknown', async () => {
    const broken = await loadPlan([{ address: 'azapi_resource.fic', after: { type, name: 'x', body: '{"properties":' } }]);
    expect(broken.input.problems.map((p) => p.message)).toEqual(['body of azapi_resource.fic is a string that is not JSON']);
    expect(broken.input.bindings).toEqual([]);
    const unknown = await loadPlan([{ address: 'azapi_resource.fic', after: { type, name: 'x' }, unknown: { body: true } }]);
    const b = unknown.input.bindings[0]!;
    expect(b.issuer.kind).toBe('unknown');
    expect(b.claims['sub']![0]!.kind).toBe('unknown');
    expect(b.claims['aud']![0]!.kind).toBe('unknown');
    expect((await lintText(unknown.text)).findings.filter((f) => f.level !== 'note')).toEqual([]);
  });

  it('a flexible body (ARM 2025-01-31-preview) is parsed like a Graph one', async () => {
    const { input } = await loadPlan([
      { address: 'azapi_resource.fic', after: { type: `${FIC_TYPE}@2025-01-31-preview`, name: 'x', body: { properties: { audiences: [AUD], issuer: GH, claimsMatchingExpression: { value: "claims['sub'] matches 'repo:o/*'", languageVersion: 1 } } } } },
    ]);
    expect(meaning(input.bindings[0]!.claims['sub']![0]!)).toMatchObject({ syntax: 'azure-glob', values: ['repo:o/*'], key: "claims['sub']" });
  });
});

describe('terraform plan: application and service principal passwords', () => {
  it('become static credentials named by address, whatever module they sit in', async () => {
    const { input } = await loadPlan([
      { address: 'module.ci.azuread_application_password.ci', after: { display_name: 'ci' }, unknown: { value: true }, sensitive: { value: true } },
      { address: 'azuread_service_principal_password.sp', after: {}, unknown: { value: true } },
      { address: 'azuread_application_password.gone', after: {}, actions: ['delete'] },
    ]);
    expect(input.credentials).toEqual([
      { provider: 'azure', kind: 'azuread_application_password', resource: 'module.ci.azuread_application_password.ci', at: { file: 'plan.json', path: ['resource_changes', 0, 'change', 'after'] } },
      { provider: 'azure', kind: 'azuread_service_principal_password', resource: 'azuread_service_principal_password.sp', at: { file: 'plan.json', path: ['resource_changes', 1, 'change', 'after'] } },
    ]);
  });
});

describe('helpers', () => {
  it('parseIdentityId reads identity, credential, resource group and subscription, case-insensitively', () => {
    expect(parseIdentityId(identityId('id-a', 'fic-1'))).toEqual({ subscription: SUB, resourceGroup: 'rg-apps', identity: 'id-a', credential: 'fic-1' });
    expect(parseIdentityId('/subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/USERASSIGNEDIDENTITIES/id-b')).toEqual({ subscription: 's', resourceGroup: 'rg', identity: 'id-b' });
    expect(parseIdentityId('/subscriptions/s/resourceGroups/rg')).toBeUndefined();
  });

  it('environmentFromHints: the first hint that names an environment wins; a name mentioning two says nothing', () => {
    expect(environmentFromHints([{ what: 'identity', name: 'id-dev-to-prod' }, { what: 'credential', name: 'gh-staging' }])).toEqual({ environment: 'staging', source: 'credential name gh-staging' });
    expect(environmentFromHints([{ what: 'application', labels: ['HideApp', 'prod'] }])).toEqual({ environment: 'production', source: 'application tag prod' });
    expect(environmentFromHints([{ what: 'application', labels: ['env=qa'] }])).toEqual({ environment: 'test', source: 'application tag env=qa' });
    expect(environmentFromHints([{ what: 'x', name: 'github' }])).toBeUndefined();
  });
});
