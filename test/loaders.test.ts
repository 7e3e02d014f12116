/**
 * Loaders: the shape matrix of AWS trust policies (reference/aws.md §1, §4) and IAM API output (§12),
 * lowered into TrustBindings, plus the byte → text → JSON reading layer and its error positions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePolicyString } from '../src/loaders/aws-iam-api.js';
import { loadTrustPolicy } from '../src/loaders/aws-policy.js';
import { INPUT_FORMATS, loadInput, type LoadedInput, type LoadOptions } from '../src/loaders/index.js';
import { decodeText, parseJson } from '../src/loaders/read.js';
import type { Constraint, JsonPath, Location, TrustBinding } from '../src/model/types.js';

const GITHUB_ARN = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';
const GITLAB_ARN = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';
const GH = 'token.actions.githubusercontent.com';
const WEB = 'sts:AssumeRoleWithWebIdentity';

type Json = unknown;

function policy(...statements: Json[]): Json {
  return { Version: '2012-10-17', Statement: statements };
}

function githubStatement(condition: Json = { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com', [`${GH}:sub`]: 'repo:o/r:ref:refs/heads/main' } }): Record<string, Json> {
  return { Effect: 'Allow', Principal: { Federated: GITHUB_ARN }, Action: WEB, Condition: condition };
}

/** loadTrustPolicy with locations that are the raw paths of the document, as the plain-policy loader gives. */
function load(doc: Json) {
  const file = 'policy.json';
  return loadTrustPolicy(doc, {
    file,
    locate: (p: JsonPath, key?: boolean): Location => (key ? { file, path: p, key } : { file, path: p }),
    target: { kind: 'aws-iam-role', name: 'policy.json', at: { file, path: [] } },
    source: 'aws-policy',
  });
}

/** Only the meaning of a constraint, without where it was written. */
function meaning(c: Constraint): Record<string, unknown> {
  switch (c.kind) {
    case 'patterns': {
      const out: Record<string, unknown> = { kind: c.kind, syntax: c.syntax, values: c.values, operator: c.operator, key: c.key };
      for (const flag of ['negated', 'caseInsensitive', 'ifExists', 'setOperator', 'fromDeny'] as const) if (c[flag] !== undefined) out[flag] = c[flag];
      return out;
    }
    case 'presence':
      return { kind: c.kind, present: c.present, operator: c.operator, key: c.key };
    case 'unknown':
      return { kind: c.kind, reason: c.reason, operator: c.operator, key: c.key };
    case 'cel':
      return { kind: c.kind, expression: c.expression };
  }
}

/** A binding without its locations: what rules see of it. */
function summary(b: TrustBinding): Record<string, unknown> {
  const issuer = b.issuer.kind === 'exact' ? { exact: b.issuer.host } : b.issuer.kind === 'wildcard' ? { wildcard: b.issuer.written } : { unknown: b.issuer.reason };
  const map = (m: Record<string, Constraint[]>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.map(meaning)]));
  const out: Record<string, unknown> = {
    mechanism: b.mechanism,
    issuer,
    claims: map(b.claims),
    context: map(b.context),
    foreignKeys: b.foreignKeys.map((f) => ({ key: f.key, operator: f.operator, sibling: f.sibling, constraint: meaning(f.constraint) })),
    actions: b.actions,
    target: { ...b.target, at: undefined },
  };
  if (b.sessionTtl) out['sessionTtl'] = b.sessionTtl.seconds;
  if (b.tags) out['tags'] = b.tags;
  return out;
}

function patterns(c: Constraint | undefined): Extract<Constraint, { kind: 'patterns' }> {
  expect(c?.kind).toBe('patterns');
  return c as Extract<Constraint, { kind: 'patterns' }>;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** loadInput on a temporary file holding `content` (a value is written as pretty JSON). */
async function loadFile(content: Json | Uint8Array, name = 'input.json', options: LoadOptions = { explicit: true }): Promise<LoadedInput> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-loaders-'));
  dirs.push(dir);
  const file = path.join(dir, name);
  writeFileSync(file, content instanceof Uint8Array ? content : typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return loadInput(file, name, options);
}

describe('aws-policy: Statement, Principal and Action shapes', () => {
  it('Statement as an object and as a one-element array give the same binding', () => {
    const single = load({ Version: '2012-10-17', Statement: githubStatement() });
    const list = load(policy(githubStatement()));
    expect(single.problems).toEqual([]);
    expect(list.problems).toEqual([]);
    expect(single.bindings).toHaveLength(1);
    expect(single.bindings.map(summary)).toEqual(list.bindings.map(summary));
    expect(single.bindings[0]!.origin.path).toEqual(['Statement']);
    expect(list.bindings[0]!.origin.path).toEqual(['Statement', 0]);
    expect(patterns(single.bindings[0]!.claims['sub']?.[0]).valueAt[0]!.path).toEqual(['Statement', 'Condition', 'StringEquals', `${GH}:sub`]);
  });

  it('a single GitHub statement: issuer, mechanism, claims and actions', () => {
    const [b, ...rest] = load(policy(githubStatement())).bindings;
    expect(rest).toEqual([]);
    expect(b!.provider).toBe('aws');
    expect(b!.mechanism).toBe('oidc');
    expect(b!.issuer).toEqual({ kind: 'exact', host: GH, at: { file: 'policy.json', path: ['Statement', 0, 'Principal', 'Federated'] } });
    expect(b!.principalAt.path).toEqual(['Statement', 0, 'Principal', 'Federated']);
    expect(Object.keys(b!.claims).sort()).toEqual(['aud', 'sub']);
    expect(patterns(b!.claims['aud']![0]).values).toEqual(['sts.amazonaws.com']);
    expect(meaning(b!.claims['sub']![0]!)).toEqual({ kind: 'patterns', syntax: 'exact', values: ['repo:o/r:ref:refs/heads/main'], operator: 'StringEquals', key: `${GH}:sub` });
    expect(b!.foreignKeys).toEqual([]);
    expect(b!.context).toEqual({});
    expect(b!.actions).toEqual(['sts:assumerolewithwebidentity']);
    expect(b!.source).toBe('aws-policy');
  });

  it.each([
    { name: 'Principal "*"', principal: '*', written: '*', path: ['Statement', 0, 'Principal'] },
    { name: 'Principal {"AWS": "*"}', principal: { AWS: '*' }, written: '*', path: ['Statement', 0, 'Principal', 'AWS'] },
    { name: 'Principal {"AWS": ["*"]}', principal: { AWS: ['*'] }, written: '*', path: ['Statement', 0, 'Principal', 'AWS', 0] },
  ])('$name is one wildcard aws-principal binding', ({ principal, written, path: p }) => {
    const { bindings, problems } = load(policy({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }));
    expect(problems).toEqual([]);
    expect(bindings).toHaveLength(1);
    expect(bindings[0]!.mechanism).toBe('aws-principal');
    expect(bindings[0]!.issuer).toEqual({ kind: 'wildcard', written, at: { file: 'policy.json', path: p } });
    expect(bindings[0]!.actions).toEqual(['sts:assumerole']);
  });

  it('specific AWS principals are not federation; service principals are', () => {
    const { bindings } = load(
      policy(
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { Service: ['Pods.EKS.amazonaws.com', 'lambda.amazonaws.com'] }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
      ),
    );
    expect(bindings.map((b) => [b.mechanism, b.issuer.kind === 'exact' ? b.issuer.host : b.issuer.kind, b.actions])).toEqual([
      ['service', 'pods.eks.amazonaws.com', ['sts:assumerole', 'sts:tagsession']],
      ['service', 'lambda.amazonaws.com', ['sts:assumerole', 'sts:tagsession']],
    ]);
  });

  it('Federated as a list of two providers gives one binding each, with its own conditions', () => {
    const { bindings, problems } = load(
      policy({
        Effect: 'Allow',
        Principal: { Federated: [GITHUB_ARN, GITLAB_ARN] },
        Action: WEB,
        Condition: {
          StringEquals: {
            [`${GH}:aud`]: 'sts.amazonaws.com',
            [`${GH}:sub`]: 'repo:o/r:ref:refs/heads/main',
            'gitlab.com:aud': 'https://gitlab.com',
            'aws:PrincipalOrgID': 'o-abc',
          },
          StringLike: { 'gitlab.com:sub': 'project_path:g/p:ref_type:branch:ref:main', 'accounts.google.com:sub': '1234' },
        },
      }),
    );
    expect(problems).toEqual([]);
    expect(bindings.map((b) => (b.issuer.kind === 'exact' ? b.issuer.host : b.issuer.kind))).toEqual([GH, 'gitlab.com']);
    const [github, gitlab] = bindings;
    expect(github!.principalAt.path).toEqual(['Statement', 0, 'Principal', 'Federated', 0]);
    expect(gitlab!.principalAt.path).toEqual(['Statement', 0, 'Principal', 'Federated', 1]);

    expect(Object.keys(github!.claims).sort()).toEqual(['aud', 'sub']);
    expect(patterns(github!.claims['sub']![0]).values).toEqual(['repo:o/r:ref:refs/heads/main']);
    expect(github!.foreignKeys.map((f) => [f.key, f.operator, f.sibling])).toEqual([
      ['gitlab.com:aud', 'StringEquals', true],
      ['gitlab.com:sub', 'StringLike', true],
      ['accounts.google.com:sub', 'StringLike', false],
    ]);

    expect(Object.keys(gitlab!.claims).sort()).toEqual(['aud', 'sub']);
    expect(patterns(gitlab!.claims['sub']![0]).values).toEqual(['project_path:g/p:ref_type:branch:ref:main']);
    expect(patterns(gitlab!.claims['aud']![0]).values).toEqual(['https://gitlab.com']);
    expect(gitlab!.foreignKeys.map((f) => [f.key, f.operator, f.sibling])).toEqual([
      [`${GH}:aud`, 'StringEquals', true],
      [`${GH}:sub`, 'StringEquals', true],
      ['accounts.google.com:sub', 'StringLike', false],
    ]);
    // Request-context keys apply to every principal of the statement.
    for (const b of bindings) expect(Object.keys(b.context)).toEqual(['aws:principalorgid']);
  });

  it('Federated as a string and as a one-element list give the same binding', () => {
    const a = load(policy(githubStatement()));
    const b = load(policy({ ...githubStatement(), Principal: { Federated: [GITHUB_ARN] } }));
    expect(a.bindings.map(summary)).toEqual(b.bindings.map(summary));
  });

  it('issuer forms: OIDC provider with a path, built-in web IdPs, SAML, a wildcard and something else', () => {
    const { bindings } = load(
      policy(
        {
          Effect: 'Allow',
          Principal: {
            Federated: [
              'arn:aws-us-gov:iam::111122223333:oidc-provider/OIDC.EKS.us-west-2.amazonaws.com/id/ABC',
              'Cognito-Identity.amazonaws.com',
              'arn:aws:iam::111122223333:saml-provider/Okta',
              'arn:aws:iam::*:oidc-provider/*',
              'example.com',
            ],
          },
          Action: [WEB, 'sts:AssumeRoleWithSAML'],
        },
      ),
    );
    expect(bindings.map((b) => [b.mechanism, b.issuer.kind, b.issuer.kind === 'exact' ? b.issuer.host : b.issuer.kind === 'wildcard' ? b.issuer.written : b.issuer.reason])).toEqual([
      ['oidc', 'exact', 'oidc.eks.us-west-2.amazonaws.com/id/abc'],
      ['oidc', 'exact', 'cognito-identity.amazonaws.com'],
      ['saml', 'exact', 'saml-provider/Okta'],
      ['oidc', 'wildcard', 'arn:aws:iam::*:oidc-provider/*'],
      ['oidc', 'unknown', 'Federated principal example.com is not an OIDC or SAML provider ARN'],
    ]);
  });

  it('SAML keys belong to the SAML binding whatever their case', () => {
    const [b] = load(
      policy({
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::111122223333:saml-provider/Okta' },
        Action: 'sts:AssumeRoleWithSAML',
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      }),
    ).bindings;
    expect(b!.mechanism).toBe('saml');
    expect(Object.keys(b!.claims)).toEqual(['aud']);
    expect(b!.foreignKeys).toEqual([]);
  });

  it('Action as a string, as a list, and NotAction', () => {
    const actionsOf = (statement: Record<string, Json>) => load(policy(statement)).bindings[0]!.actions;
    const base = githubStatement();
    expect(actionsOf(base)).toEqual(['sts:assumerolewithwebidentity']);
    expect(actionsOf({ ...base, Action: ['sts:AssumeRoleWithWebIdentity', 'STS:TagSession'] })).toEqual(['sts:assumerolewithwebidentity', 'sts:tagsession']);
    const { Action: _, ...withoutAction } = base;
    expect(actionsOf({ ...withoutAction, NotAction: 'iam:*' })).toEqual(['*']);
  });

  it('policy element names are matched in any case', () => {
    const lower = load({
      version: '2012-10-17',
      statement: [{ effect: 'allow', principal: { federated: GITHUB_ARN }, action: WEB, condition: { stringequals: { [`${GH}:sub`]: 'repo:o/r:ref:refs/heads/main' } } }],
    });
    expect(lower.problems).toEqual([]);
    expect(lower.bindings).toHaveLength(1);
    expect(meaning(lower.bindings[0]!.claims['sub']![0]!)).toMatchObject({ syntax: 'exact', values: ['repo:o/r:ref:refs/heads/main'], operator: 'stringequals' });
  });
});

describe('aws-policy: conditions', () => {
  const claimsOf = (condition: Json) => {
    const { bindings, problems } = load(policy(githubStatement(condition)));
    expect(problems).toEqual([]);
    return bindings[0]!;
  };

  it('condition values as string, list, number and boolean', () => {
    const b = claimsOf({
      StringEquals: { [`${GH}:sub`]: 'repo:o/r:ref:refs/heads/main', [`${GH}:aud`]: ['sts.amazonaws.com', 'other'], [`${GH}:repository_id`]: 123456 },
      Bool: { [`${GH}:runner_environment_hosted`]: true },
    });
    expect(patterns(b.claims['sub']![0]).values).toEqual(['repo:o/r:ref:refs/heads/main']);
    const aud = patterns(b.claims['aud']![0]);
    expect(aud.values).toEqual(['sts.amazonaws.com', 'other']);
    expect(aud.valueAt.map((l) => l.path)).toEqual([
      ['Statement', 0, 'Condition', 'StringEquals', `${GH}:aud`, 0],
      ['Statement', 0, 'Condition', 'StringEquals', `${GH}:aud`, 1],
    ]);
    expect(aud.at.path).toEqual(['Statement', 0, 'Condition', 'StringEquals', `${GH}:aud`]);
    expect(patterns(b.claims['repository_id']![0]).values).toEqual(['123456']);
    expect(meaning(b.claims['runner_environment_hosted']![0]!)).toEqual({
      kind: 'patterns',
      syntax: 'exact',
      values: ['true'],
      caseInsensitive: true,
      operator: 'Bool',
      key: `${GH}:runner_environment_hosted`,
    });
  });

  it('several operators on one claim are kept as separate ANDed tests; several values are ORed in one test', () => {
    const b = claimsOf({
      StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com', [`${GH}:sub`]: ['repo:o/a:ref:refs/heads/main', 'repo:o/b:ref:refs/heads/main'] },
      StringLike: { [`${GH}:sub`]: 'repo:o/*', [`${GH}:job_workflow_ref`]: 'o/wf/.github/workflows/deploy.yml@*' },
      StringNotEquals: { [`${GH}:sub`]: 'repo:o/a:pull_request' },
      StringEqualsIgnoreCase: { [`${GH}:repository_owner`]: 'O' },
      StringNotLike: { [`${GH}:ref`]: 'refs/heads/feature/*' },
      StringNotEqualsIgnoreCase: { [`${GH}:actor`]: 'bot' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:iam::111122223333:*' },
    });
    expect(b.claims['sub']!.map(meaning)).toEqual([
      { kind: 'patterns', syntax: 'exact', values: ['repo:o/a:ref:refs/heads/main', 'repo:o/b:ref:refs/heads/main'], operator: 'StringEquals', key: `${GH}:sub` },
      { kind: 'patterns', syntax: 'iam-glob', values: ['repo:o/*'], operator: 'StringLike', key: `${GH}:sub` },
      { kind: 'patterns', syntax: 'exact', values: ['repo:o/a:pull_request'], negated: true, operator: 'StringNotEquals', key: `${GH}:sub` },
    ]);
    expect(meaning(b.claims['job_workflow_ref']![0]!)).toMatchObject({ syntax: 'iam-glob', values: ['o/wf/.github/workflows/deploy.yml@*'] });
    expect(meaning(b.claims['repository_owner']![0]!)).toMatchObject({ syntax: 'exact', caseInsensitive: true });
    expect(meaning(b.claims['ref']![0]!)).toMatchObject({ syntax: 'iam-glob', negated: true });
    expect(meaning(b.claims['actor']![0]!)).toMatchObject({ syntax: 'exact', negated: true, caseInsensitive: true });
    expect(meaning(b.context['aws:sourcearn']![0]!)).toMatchObject({ syntax: 'iam-glob', operator: 'ArnLike' });
    expect(Object.keys(b.claims).sort()).toEqual(['actor', 'aud', 'job_workflow_ref', 'ref', 'repository_owner', 'sub']);
  });

  it('key names in any case land on the lower-case claim, keeping the key as written', () => {
    const b = claimsOf({ StringLike: { 'TOKEN.ACTIONS.GITHUBUSERCONTENT.COM:SUB': 'repo:o/r:*', 'Token.Actions.GitHubUserContent.com:Aud': 'sts.amazonaws.com' } });
    expect(Object.keys(b.claims).sort()).toEqual(['aud', 'sub']);
    const sub = patterns(b.claims['sub']![0]);
    expect(sub.key).toBe('TOKEN.ACTIONS.GITHUBUSERCONTENT.COM:SUB');
    expect(sub.at.path).toEqual(['Statement', 0, 'Condition', 'StringLike', 'TOKEN.ACTIONS.GITHUBUSERCONTENT.COM:SUB']);
    expect(b.foreignKeys).toEqual([]);
  });

  it('an issuer ARN in another case still owns its keys', () => {
    const { bindings } = load(
      policy({ ...githubStatement(), Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/Token.Actions.GitHubUserContent.com' } }),
    );
    expect(bindings[0]!.issuer).toMatchObject({ kind: 'exact', host: GH });
    expect(Object.keys(bindings[0]!.claims).sort()).toEqual(['aud', 'sub']);
  });

  it.each([
    { op: 'ForAnyValue:StringLike', setOperator: 'ForAnyValue', ifExists: undefined, syntax: 'iam-glob', negated: undefined },
    { op: 'ForAllValues:StringEquals', setOperator: 'ForAllValues', ifExists: undefined, syntax: 'exact', negated: undefined },
    { op: 'StringLikeIfExists', setOperator: undefined, ifExists: true, syntax: 'iam-glob', negated: undefined },
    { op: 'StringEqualsIfExists', setOperator: undefined, ifExists: true, syntax: 'exact', negated: undefined },
    { op: 'ForAllValues:StringNotLikeIfExists', setOperator: 'ForAllValues', ifExists: true, syntax: 'iam-glob', negated: true },
    { op: 'foranyvalue:stringequalsifexists', setOperator: 'ForAnyValue', ifExists: true, syntax: 'exact', negated: undefined },
  ])('$op is parsed into its set operator, IfExists and base operator', ({ op, setOperator, ifExists, syntax, negated }) => {
    const b = claimsOf({ [op]: { [`${GH}:sub`]: 'repo:o/r:ref:refs/heads/main' } });
    const sub = patterns(b.claims['sub']![0]);
    expect(sub.operator).toBe(op);
    expect(sub.setOperator).toBe(setOperator);
    expect(sub.ifExists).toBe(ifExists);
    expect(sub.syntax).toBe(syntax);
    expect(sub.negated).toBe(negated);
  });

  it('Null is a presence test; other Null values and unknown operators are unknown constraints', () => {
    const b = claimsOf({
      Null: { [`${GH}:sub`]: 'false', [`${GH}:aud`]: 'true', [`${GH}:actor`]: true, [`${GH}:ref`]: 'maybe' },
      DateGreaterThan: { [`${GH}:iat`]: '2025-01-01T00:00:00Z' },
      NumericLessThan: { [`${GH}:run_attempt`]: 3 },
      StringMatchesRegex: { [`${GH}:workflow`]: '.*' },
    });
    expect(b.claims['sub']!.map(meaning)).toEqual([{ kind: 'presence', present: true, operator: 'Null', key: `${GH}:sub` }]);
    expect(b.claims['aud']!.map(meaning)).toEqual([{ kind: 'presence', present: false, operator: 'Null', key: `${GH}:aud` }]);
    expect(b.claims['actor']!.map(meaning)).toEqual([{ kind: 'presence', present: false, operator: 'Null', key: `${GH}:actor` }]);
    expect(b.claims['ref']!.map(meaning)).toEqual([
      { kind: 'unknown', reason: 'Null condition with a value other than "true" or "false"', operator: 'Null', key: `${GH}:ref` },
    ]);
    expect(b.claims['iat']!.map(meaning)).toEqual([
      { kind: 'unknown', reason: 'operator DateGreaterThan is not evaluated by fedlint', operator: 'DateGreaterThan', key: `${GH}:iat` },
    ]);
    expect(b.claims['run_attempt']![0]).toMatchObject({ kind: 'unknown', reason: 'operator NumericLessThan is not evaluated by fedlint' });
    expect(b.claims['workflow']![0]).toMatchObject({ kind: 'unknown', operator: 'StringMatchesRegex' });
  });

  it('request-context keys go to context, unprefixed keys too', () => {
    const b = claimsOf({
      StringEquals: { [`${GH}:sub`]: 'repo:o/r:ref:refs/heads/main', 'aws:PrincipalOrgID': 'o-1', 'sts:ExternalId': 'x', SourceIdentity: 'y' },
    });
    expect(Object.keys(b.context).sort()).toEqual([':sourceidentity', 'aws:principalorgid', 'sts:externalid']);
    expect(Object.keys(b.claims)).toEqual(['sub']);
  });

  it('malformed conditions are problems, the rest is still loaded', () => {
    const r = load(
      policy(
        { ...githubStatement(), Condition: { StringEquals: 'repo:o/r' } },
        { ...githubStatement(), Condition: ['x'] },
        { ...githubStatement(), Effect: 'Permit' },
        { Principal: { Federated: GITHUB_ARN }, Action: WEB },
      ),
    );
    expect(r.problems.map((p) => [p.at.path, p.message])).toEqual([
      [['Statement', 0, 'Condition', 'StringEquals'], 'condition operator StringEquals must map keys to values'],
      [['Statement', 1, 'Condition'], 'Condition must be an object of operators'],
      [['Statement', 2, 'Effect'], 'statement Effect must be "Allow" or "Deny"'],
      [['Statement', 3], 'statement Effect must be "Allow" or "Deny"'],
    ]);
    // The first two statements still give bindings, without the malformed conditions.
    expect(r.bindings).toHaveLength(2);
    expect(r.bindings.map((b) => b.claims)).toEqual([{}, {}]);
  });

  it('a document without statements or not an object is a problem, not a crash', () => {
    expect(load([1, 2]).problems.map((p) => p.message)).toEqual(['trust policy must be a JSON object']);
    expect(load({ Version: '2012-10-17' }).problems.map((p) => p.message)).toEqual(['trust policy has no Statement object or array']);
    expect(load({ Statement: 'nope' }).problems.map((p) => p.message)).toEqual(['trust policy has no Statement object or array']);
    expect(load(policy('x', 3, null)).bindings).toEqual([]);
  });
});

describe('aws-policy: Deny and NotPrincipal', () => {
  const allowWildcard = githubStatement({ StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GH}:sub`]: 'repo:o/*' } });

  it.each([
    { name: 'Principal "*"', principal: '*' },
    { name: 'Principal {"AWS": "*"}', principal: { AWS: '*' } },
    { name: 'the same Federated provider', principal: { Federated: GITHUB_ARN } },
    { name: 'the same provider written in another case', principal: { Federated: GITHUB_ARN.toUpperCase().replace('ARN:AWS:IAM', 'arn:aws:iam').replace('OIDC-PROVIDER', 'oidc-provider') } },
  ])('a Deny without conditions covering the principal ($name) removes the binding', ({ principal }) => {
    const r = load(policy(allowWildcard, { Effect: 'Deny', Principal: principal, Action: WEB }));
    expect(r.problems).toEqual([]);
    expect(r.bindings).toEqual([]);
  });

  it('a Deny with Action "sts:*" or "*" covers web identity too', () => {
    expect(load(policy(allowWildcard, { Effect: 'Deny', Principal: '*', Action: 'sts:*' })).bindings).toEqual([]);
    expect(load(policy(allowWildcard, { Effect: 'Deny', Principal: '*', Action: ['*'] })).bindings).toEqual([]);
  });

  it('a Deny that does not cover the principal or the action leaves the binding alone', () => {
    const otherProvider = load(policy(allowWildcard, { Effect: 'Deny', Principal: { Federated: GITLAB_ARN }, Action: WEB }));
    expect(otherProvider.bindings).toHaveLength(1);
    const otherAction = load(policy(allowWildcard, { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' }));
    expect(otherAction.bindings).toHaveLength(1);
    expect(otherAction.bindings.map(summary)).toEqual(load(policy(allowWildcard)).bindings.map(summary));
    // Deny statements with NotPrincipal are not applied (they deny everyone else).
    expect(load(policy(allowWildcard, { Effect: 'Deny', NotPrincipal: { Federated: GITHUB_ARN }, Action: WEB })).bindings).toHaveLength(1);
  });

  // A Deny with NotAction listing sts:AssumeRoleWithWebIdentity denies every OTHER action, so it must not
  // remove the Allow's binding (a regression would hide the wildcard subject).
  it('a Deny with NotAction listing the web-identity action does not remove the binding', () => {
    const r = load(policy(allowWildcard, { Effect: 'Deny', Principal: '*', NotAction: WEB }));
    expect(r.bindings).toHaveLength(1);
  });

  it('a Deny StringNotLike on sub narrows the Allow with a positive test from the Deny', () => {
    const r = load(
      policy(allowWildcard, {
        Effect: 'Deny',
        Principal: '*',
        Action: WEB,
        Condition: { StringNotLike: { [`${GH}:sub`]: ['repo:o/app:ref:refs/heads/main', 'repo:o/app:environment:prod'] } },
      }),
    );
    expect(r.bindings).toHaveLength(1);
    expect(r.bindings[0]!.claims['sub']!.map(meaning)).toEqual([
      { kind: 'patterns', syntax: 'iam-glob', values: ['repo:o/*'], operator: 'StringLike', key: `${GH}:sub` },
      {
        kind: 'patterns',
        syntax: 'iam-glob',
        values: ['repo:o/app:ref:refs/heads/main', 'repo:o/app:environment:prod'],
        operator: 'StringNotLike',
        key: `${GH}:sub`,
        fromDeny: true,
      },
    ]);
    expect(patterns(r.bindings[0]!.claims['sub']![1]).at.path).toEqual(['Statement', 1, 'Condition', 'StringNotLike', `${GH}:sub`]);
  });

  it('a Deny StringEquals on sub narrows the Allow with a negated test; a Deny Null flips presence', () => {
    const negated = load(policy(allowWildcard, { Effect: 'Deny', Principal: '*', Action: WEB, Condition: { StringEquals: { [`${GH}:sub`]: 'repo:o/evil:ref:refs/heads/main' } } }));
    expect(meaning(negated.bindings[0]!.claims['sub']![1]!)).toEqual({
      kind: 'patterns',
      syntax: 'exact',
      values: ['repo:o/evil:ref:refs/heads/main'],
      negated: true,
      operator: 'StringEquals',
      key: `${GH}:sub`,
      fromDeny: true,
    });
    const presence = load(policy(allowWildcard, { Effect: 'Deny', Principal: { Federated: GITHUB_ARN }, Action: WEB, Condition: { Null: { [`${GH}:sub`]: 'true' } } }));
    expect(presence.bindings[0]!.claims['sub']![1]).toMatchObject({ kind: 'presence', present: true });
  });

  it('a Deny it cannot express (IfExists, set operators, several tests, another issuer) does not narrow', () => {
    const untouched = summary(load(policy(allowWildcard)).bindings[0]!);
    for (const condition of [
      { StringNotLikeIfExists: { [`${GH}:sub`]: 'repo:o/app:*' } },
      { 'ForAnyValue:StringNotLike': { [`${GH}:sub`]: 'repo:o/app:*' } },
      { StringNotLike: { [`${GH}:sub`]: 'repo:o/app:*', [`${GH}:aud`]: 'sts.amazonaws.com' } },
      { StringNotLike: { 'gitlab.com:sub': 'project_path:g/*' } },
      { StringNotEquals: { 'aws:PrincipalOrgID': 'o-1' } },
    ]) {
      const r = load(policy(allowWildcard, { Effect: 'Deny', Principal: '*', Action: WEB, Condition: condition }));
      expect(r.bindings.map(summary)).toEqual([untouched]);
    }
  });

  it('NotPrincipal with Allow grants everyone else: a wildcard aws-principal binding', () => {
    const r = load(policy({ Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::111122223333:role/x' }, Action: 'sts:AssumeRole' }));
    expect(r.bindings).toHaveLength(1);
    const [b] = r.bindings;
    expect(b!.mechanism).toBe('aws-principal');
    expect(b!.issuer).toEqual({
      kind: 'wildcard',
      written: 'NotPrincipal arn:aws:iam::111122223333:role/x',
      at: { file: 'policy.json', path: ['Statement', 0, 'NotPrincipal', 'AWS'] },
    });
  });
});

describe('IAM API output through loadInput', () => {
  const doc = policy(githubStatement({ StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GH}:sub`]: ['repo:o/r:ref:refs/heads/main', 'repo:o/*'] } }));
  const role = (document: Json, extra: Record<string, Json> = {}) => ({
    Path: '/',
    RoleName: 'gha-deploy',
    RoleId: 'AROAEXAMPLE',
    Arn: 'arn:aws:iam::111122223333:role/gha-deploy',
    CreateDate: '2025-01-01T00:00:00+00:00',
    MaxSessionDuration: 3600,
    AssumeRolePolicyDocument: document,
    ...extra,
  });

  it('get-role with the document as an object, a JSON string and URL-encoded gives the same bindings', async () => {
    const [asObject, asString, encoded] = await Promise.all([
      loadFile({ Role: role(doc) }),
      loadFile({ Role: role(JSON.stringify(doc)) }),
      loadFile({ Role: role(encodeURIComponent(JSON.stringify(doc))) }),
    ]);
    for (const input of [asObject, asString, encoded]) {
      expect(input.kind).toBe('aws-get-role');
      expect(input.errors).toEqual([]);
      expect(input.problems).toEqual([]);
      expect(input.bindings).toHaveLength(1);
      expect(input.bindings[0]!.source).toBe('aws-get-role');
    }
    expect(asString.bindings.map(summary)).toEqual(asObject.bindings.map(summary));
    expect(encoded.bindings.map(summary)).toEqual(asObject.bindings.map(summary));
    expect(summary(asObject.bindings[0]!)).toMatchObject({
      mechanism: 'oidc',
      issuer: { exact: GH },
      sessionTtl: 3600,
      target: { kind: 'aws-iam-role', name: 'arn:aws:iam::111122223333:role/gha-deploy', address: 'gha-deploy', account: '111122223333' },
    });
    // Locations differ: a path into the object, a path inside the string, or the encoded string as a whole.
    const subOf = (i: LoadedInput) => patterns(i.bindings[0]!.claims['sub']![0]).valueAt[1]!;
    expect(subOf(asObject)).toEqual({
      file: 'input.json',
      path: ['Role', 'AssumeRolePolicyDocument', 'Statement', 0, 'Condition', 'StringLike', `${GH}:sub`, 1],
    });
    expect(subOf(asString)).toEqual({
      file: 'input.json',
      path: ['Role', 'AssumeRolePolicyDocument'],
      inner: ['Statement', 0, 'Condition', 'StringLike', `${GH}:sub`, 1],
    });
    expect(subOf(encoded)).toEqual({ file: 'input.json', path: ['Role', 'AssumeRolePolicyDocument'] });
  });

  it('an AssumeRolePolicyDocument string that is neither JSON nor URL-encoded JSON is a problem', async () => {
    const [notJson, brokenJson] = await Promise.all([loadFile({ Role: role('%7B%22Version') }), loadFile({ Role: role('{"Version": ') })]);
    expect(notJson.problems).toEqual([{ at: { file: 'input.json', path: ['Role', 'AssumeRolePolicyDocument'] }, message: 'AssumeRolePolicyDocument is neither JSON nor URL-encoded JSON' }]);
    expect(brokenJson.problems.map((p) => p.message)).toEqual(['AssumeRolePolicyDocument is a string that is not valid JSON']);
    expect(notJson.bindings).toEqual([]);
  });

  it('list-roles with several roles: one target per role, paths under Roles[i]', async () => {
    const input = await loadFile({
      Roles: [
        role(doc, { RoleName: 'deploy-prod', Arn: 'arn:aws:iam::111122223333:role/deploy-prod', MaxSessionDuration: 43200 }),
        role(encodeURIComponent(JSON.stringify(doc)), { RoleName: 'ci', Path: '/dev/', Arn: 'arn:aws-cn:iam::444455556666:role/dev/ci' }),
        role(policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }), {
          RoleName: 'web',
          Arn: 'arn:aws:iam::111122223333:role/web',
          Tags: [{ Key: 'Environment', Value: 'Staging' }, { Key: 'team', Value: 'x' }],
        }),
      ],
    });
    expect(input.kind).toBe('aws-list-roles');
    expect(input.errors).toEqual([]);
    expect(input.bindings.map((b) => [b.target.name, b.target.address, b.target.account, b.target.environment, b.target.environmentSource, b.sessionTtl?.seconds, b.mechanism, b.source])).toEqual([
      ['arn:aws:iam::111122223333:role/deploy-prod', 'deploy-prod', '111122223333', 'production', 'name deploy-prod', 43200, 'oidc', 'aws-list-roles'],
      ['arn:aws-cn:iam::444455556666:role/dev/ci', 'ci', '444455556666', 'development', 'path /dev/', 3600, 'oidc', 'aws-list-roles'],
      ['arn:aws:iam::111122223333:role/web', 'web', '111122223333', 'staging', 'tag Environment=Staging', 3600, 'service', 'aws-list-roles'],
    ]);
    expect(input.bindings[0]!.sessionTtl!.at).toEqual({ file: 'input.json', path: ['Roles', 0, 'MaxSessionDuration'] });
    expect(input.bindings[0]!.origin.path).toEqual(['Roles', 0, 'AssumeRolePolicyDocument', 'Statement', 0]);
    expect(input.bindings[0]!.target.at.path).toEqual(['Roles', 0]);
    expect(input.bindings[2]!.tags).toEqual({ Environment: 'Staging', team: 'x' });
  });

  it('tags win over the path, and the path over the name', async () => {
    const input = await loadFile({
      Role: role(doc, { RoleName: 'deploy-dev', Path: '/prod/', Tags: [{ Key: 'env', Value: 'test' }] }),
    });
    expect(input.bindings[0]!.target).toMatchObject({ environment: 'test', environmentSource: 'tag env=test' });
    const noTags = await loadFile({ Role: role(doc, { RoleName: 'deploy-dev', Path: '/prod/' }) });
    expect(noTags.bindings[0]!.target).toMatchObject({ environment: 'production', environmentSource: 'path /prod/' });
    const nameOnly = await loadFile({ Role: role(doc, { RoleName: 'deploy-dev' }) });
    expect(nameOnly.bindings[0]!.target).toMatchObject({ environment: 'development', environmentSource: 'name deploy-dev' });
    const none = await loadFile({ Role: role(doc) });
    expect(none.bindings[0]!.target.environment).toBeUndefined();
  });

  it('a role without an ARN is named by RoleName and has no account', async () => {
    const input = await loadFile({ Role: { RoleName: 'bare', AssumeRolePolicyDocument: doc } });
    expect(input.bindings[0]!.target).toMatchObject({ name: 'bare', address: 'bare' });
    expect(input.bindings[0]!.target.account).toBeUndefined();
    expect(input.bindings[0]!.sessionTtl).toBeUndefined();
  });

  it('a plain policy file: the target is the file, its environment from the file name', async () => {
    const input = await loadFile(doc, 'deploy-prod.json');
    expect(input.kind).toBe('aws-policy');
    expect(input.bindings[0]!.target).toEqual({
      kind: 'aws-iam-role',
      name: 'deploy-prod.json',
      environment: 'production',
      environmentSource: 'file deploy-prod.json',
      at: { file: 'deploy-prod.json', path: [] },
    });
  });

  it('list-access-keys: active keys become credentials', async () => {
    const input = await loadFile({
      AccessKeyMetadata: [
        { UserName: 'ci', AccessKeyId: 'AKIAEXAMPLE1', Status: 'Active', CreateDate: '2025-01-01T00:00:00Z' },
        { UserName: 'ci', AccessKeyId: 'AKIAEXAMPLE2', Status: 'Inactive', CreateDate: '2025-01-01T00:00:00Z' },
      ],
    });
    expect(input.kind).toBe('aws-list-access-keys');
    expect(input.bindings).toEqual([]);
    expect(input.credentials).toEqual([
      { provider: 'aws', kind: 'IAM access key', resource: 'ci/AKIAEXAMPLE1', at: { file: 'input.json', path: ['AccessKeyMetadata', 0, 'AccessKeyId'] } },
    ]);
  });

  it('an unrecognised JSON document is an error when named and skipped quietly in a walk', async () => {
    const named = await loadFile({ compilerOptions: {} }, 'tsconfig.json', { explicit: true });
    expect(named.kind).toBeUndefined();
    expect(named.errors).toHaveLength(1);
    expect(named.errors[0]).toMatchObject({ file: 'tsconfig.json', line: 1, column: 1 });
    expect(named.errors[0]!.message).toBe(`not a recognised input: expected one of ${INPUT_FORMATS.join(', ')} (see --input-format)`);
    const walked = await loadFile({ compilerOptions: {} }, 'tsconfig.json', { explicit: false });
    expect(walked.errors).toEqual([]);
    expect(walked.bindings).toEqual([]);
  });

  it('unparsable JSON in a walk is skipped unless it looks like a trust policy', async () => {
    const comments = await loadFile('{\n  // comment\n  "compilerOptions": {}\n}\n', 'tsconfig.json', { explicit: false });
    expect(comments.errors).toEqual([]);
    const policyLike = await loadFile('{\n  "Statement": [\n', 'trust.json', { explicit: false });
    expect(policyLike.errors).toEqual([{ file: 'trust.json', line: 3, column: 1, message: "invalid JSON: ']' expected" }]);
  });

  it('--input-format overrides sniffing, and a mismatch is an error', async () => {
    const forced = await loadFile({ Role: role(doc) }, 'input.json', { explicit: true, inputFormat: 'aws-get-role' });
    expect(forced.kind).toBe('aws-get-role');
    expect(forced.bindings).toHaveLength(1);
    const mismatch = await loadFile(doc, 'input.json', { explicit: true, inputFormat: 'aws-list-roles' });
    expect(mismatch.errors).toEqual([
      { file: 'input.json', line: 1, column: 1, message: 'does not have the shape of `aws iam list-roles` output ({"Roles": [...]})' },
    ]);
    expect(mismatch.bindings).toEqual([]);
  });

  it('a get-role document is sniffed before the policy it contains', async () => {
    const input = await loadFile({ Role: role(doc), Statement: [] });
    expect(input.kind).toBe('aws-get-role');
  });

  it('reading failures are errors with positions; the text of a valid file is kept', async () => {
    const missing = await loadInput('/nonexistent/fedlint/x.json', 'x.json', { explicit: true });
    expect(missing.errors).toEqual([{ file: 'x.json', line: 1, column: 1, message: 'file not found' }]);
    const bom = await loadFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(doc))]));
    expect(bom.errors).toEqual([]);
    expect(bom.text?.startsWith('{')).toBe(true);
    expect(bom.bindings).toHaveLength(1);
  });
});

describe('decodePolicyString', () => {
  const text = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"x"},"Action":"sts:AssumeRoleWithWebIdentity"}]}';

  it('plain JSON, with surrounding white space', () => {
    expect(decodePolicyString(text)).toEqual({ ok: true, value: JSON.parse(text), urlEncoded: false });
    expect(decodePolicyString(`\n  ${text}\n`)).toEqual({ ok: true, value: JSON.parse(text), urlEncoded: false });
  });

  it('URL-encoded JSON (RFC 3986), as the IAM API returns it', () => {
    const encoded = encodeURIComponent(text);
    expect(encoded.startsWith('%7B%22Version%22%3A%222012-10-17%22')).toBe(true);
    expect(decodePolicyString(encoded)).toEqual({ ok: true, value: JSON.parse(text), urlEncoded: true });
    // Spaces and non-ASCII survive.
    const spaced = JSON.stringify({ Statement: [], Sid: 'a b é' }, null, 1);
    expect(decodePolicyString(encodeURIComponent(spaced))).toEqual({ ok: true, value: JSON.parse(spaced), urlEncoded: true });
  });

  it('failures say which decoding failed', () => {
    expect(decodePolicyString('{"Version": ')).toEqual({ ok: false, message: 'AssumeRolePolicyDocument is a string that is not valid JSON' });
    expect(decodePolicyString('%E0%A4%A')).toEqual({ ok: false, message: 'AssumeRolePolicyDocument is neither JSON nor URL-encoded JSON' });
    expect(decodePolicyString('%7Bnot json')).toEqual({ ok: false, message: 'AssumeRolePolicyDocument is neither JSON nor URL-encoded JSON' });
    expect(decodePolicyString('')).toEqual({ ok: false, message: 'AssumeRolePolicyDocument is neither JSON nor URL-encoded JSON' });
  });
});

describe('parseJson and decodeText', () => {
  const bytes = (...parts: Array<string | number[]>) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));

  it('valid JSON parses', () => {
    expect(parseJson('a.json', '{"a": [1, true, null]}')).toEqual({ ok: true, value: { a: [1, true, null] } });
  });

  it.each([
    { name: 'truncated on line 3', text: '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect"', line: 3, column: 26, message: "invalid JSON: ':' expected" },
    { name: 'truncated after a value', text: '{\n  "a": {\n    "b": tru', line: 3, column: 10, message: 'invalid JSON: invalid symbol' },
    // An unterminated string is reported where it opens.
    { name: 'truncated inside a string', text: '{\n  "a": "abc', line: 2, column: 8, message: 'invalid JSON: unterminated string' },
    { name: 'a trailing comma in an object', text: '{\n  "a": 1,\n}\n', line: 3, column: 1, message: 'invalid JSON: property name expected' },
    { name: 'a trailing comma in an array', text: '{\n  "a": [1, 2,]\n}\n', line: 2, column: 14, message: 'invalid JSON: value expected' },
    { name: 'a missing comma', text: '{\n  "a": 1\n  "b": 2\n}', line: 3, column: 3, message: "invalid JSON: ',' expected" },
    { name: 'a comment', text: '{"a": 1 // c\n}', line: 1, column: 9, message: 'invalid JSON: comments are not allowed in JSON' },
    { name: 'content after the document', text: '{"a": 1}\n{"b": 2}', line: 2, column: 1, message: 'invalid JSON: unexpected content after the end of the document' },
    { name: 'CRLF line endings', text: '{\r\n  "a": 1,\r\n  "b": \r\n}', line: 4, column: 1, message: 'invalid JSON: value expected' },
  ])('$name: $line:$column', ({ text, line, column, message }) => {
    expect(parseJson('f.json', text)).toEqual({ ok: false, error: { file: 'f.json', line, column, message } });
  });

  // JSON.parse reads any depth; the check runs after it, on a text long enough to be too deep (each level takes
  // two characters), and before the tolerant parse of a text it refused.
  it.each([
    { name: '1001 levels, valid (the shortest text too deep)', text: `${'['.repeat(1001)}${']'.repeat(1001)}`, column: 1001 },
    { name: '1001 levels, not closed (refused by JSON.parse)', text: '['.repeat(1001), column: 1001 },
    { name: '1001 levels of objects, valid, long', text: `${'{"a":'.repeat(1001)}1${'}'.repeat(1001)}`, column: 5001 },
    { name: '1001 levels with a comment', text: `[//x\n${'['.repeat(1000)}`, line: 2, column: 1000 },
  ])('too deep: $name', ({ text, line = 1, column }) => {
    expect(parseJson('f.json', text)).toEqual({ ok: false, error: { file: 'f.json', line, column, message: 'JSON nested more than 1000 levels deep; fedlint does not read it' } });
  });

  it('1000 levels are read, short or long', () => {
    expect(parseJson('f.json', `${'['.repeat(1000)}${']'.repeat(1000)}`).ok).toBe(true);
    expect(parseJson('f.json', `${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`).ok).toBe(true);
  });

  it('decodes UTF-8 and strips a byte-order mark', () => {
    expect(decodeText('f', bytes('{"é": 1}'))).toEqual({ ok: true, text: '{"é": 1}' });
    expect(decodeText('f', bytes([0xef, 0xbb, 0xbf], '{"a": 1}'))).toEqual({ ok: true, text: '{"a": 1}' });
    const withBom = decodeText('f', bytes([0xef, 0xbb, 0xbf], '{\n  "a": 1,\n}'));
    expect(withBom.ok && parseJson('f', withBom.text)).toEqual({ ok: false, error: { file: 'f', line: 3, column: 1, message: 'invalid JSON: property name expected' } });
  });

  it.each([
    { name: 'empty', input: [], error: { line: 1, column: 1, message: 'file is empty' } },
    { name: 'white space only', input: ['  \n\t\n'], error: { line: 1, column: 1, message: 'file is empty (only white space)' } },
    { name: 'a BOM only', input: [[0xef, 0xbb, 0xbf]], error: { line: 1, column: 1, message: 'file is empty (only white space)' } },
    { name: 'binary (NUL bytes)', input: ['{"a":', [0x00, 0x01], '}'], error: { line: 1, column: 1, message: 'file is binary (it contains NUL bytes), not JSON or text' } },
    { name: '0xff 0xfe in the middle of JSON', input: ['{\n  "Statement": "', [0xff, 0xfe], '"\n}'], error: { line: 2, column: 17, message: 'file is not valid UTF-8' } },
    { name: 'an invalid byte after multi-byte characters', input: ['{\n "é€😀": "', [0xff], '"}'], error: { line: 2, column: 11, message: 'file is not valid UTF-8' } },
    { name: 'an invalid byte on the first line after a BOM', input: [[0xef, 0xbb, 0xbf], '{"a":"', [0xff], '"}'], error: { line: 1, column: 7, message: 'file is not valid UTF-8' } },
    { name: 'an invalid byte after CRLF lines', input: ['{\r\n"a":\r\n"', [0xc0, 0x80], '"}'], error: { line: 3, column: 2, message: 'file is not valid UTF-8' } },
  ])('decodeText: $name', ({ input, error }) => {
    expect(decodeText('f.json', bytes(...(input as Array<string | number[]>)))).toEqual({ ok: false, error: { file: 'f.json', ...error } });
  });

  // A lead byte followed by a non-continuation byte (0xc3 then "A") is reported at the lead byte, not one
  // column past it.
  it('decodeText: a truncated multi-byte sequence is reported where it starts', () => {
    expect(decodeText('f.json', bytes('{"a":"', [0xc3], 'A"}'))).toEqual({ ok: false, error: { file: 'f.json', line: 1, column: 7, message: 'file is not valid UTF-8' } });
  });
});
