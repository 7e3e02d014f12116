/**
 * unreviewed-context beyond its fixtures: what it deliberately leaves alone (precision), how it picks the
 * level, that every witness it names is a token the trust admits, and how GCP members and providers are
 * judged together. The fixtures (fixtures/unreviewed-context) cover each issuer and input format.
 */
import { describe, expect, it } from 'vitest';
import { globMatch } from '../src/match/glob.js';
import { perturb } from '../src/match/probe.js';
import { readGithubSubject, readGitlabSubject } from '../src/knowledge/unreviewed.js';
import { lintPaths, lintText, lintTextWith } from './helpers/lint.js';

const GH = 'token.actions.githubusercontent.com';

/** A get-role export of one web-identity statement; `condition` keys are claims of `host`. */
function role(condition: Record<string, Record<string, string | string[]>>, opts: { host?: string; name?: string; path?: string; tags?: Record<string, string> } = {}): string {
  const host = opts.host ?? GH;
  const keyed = Object.fromEntries(Object.entries(condition).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [`${host}:${k}`, v]))]));
  const path = opts.path ?? '/';
  const name = opts.name ?? 'ci-deploy';
  return JSON.stringify(
    {
      Role: {
        Path: path,
        RoleName: name,
        Arn: `arn:aws:iam::111122223333:role${path}${name}`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${host}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: keyed }],
        },
        ...(opts.tags ? { Tags: Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
      },
    },
    null,
    2,
  );
}

async function unreviewed(...texts: string[]) {
  const result = await lintText(...texts);
  expect(result.errors).toEqual([]);
  return result.findings.filter((f) => f.ruleId === 'unreviewed-context');
}

const AUD = { aud: 'sts.amazonaws.com' };

describe('unreviewed-context: what it does not report', () => {
  const quiet: Array<[string, string]> = [
    ['a pinned branch', role({ StringEquals: { ...AUD, sub: 'repo:octo-org/app:ref:refs/heads/main' } })],
    ['a pinned branch under StringLike', role({ StringEquals: AUD, StringLike: { sub: 'repo:octo-org/app:ref:refs/heads/main' } })],
    ['an environment (GitHub environments gate who deploys, reference/idps.md §1.2)', role({ StringEquals: { ...AUD, sub: 'repo:octo-org/app:environment:prod' } })],
    ['a pinned tag', role({ StringEquals: { ...AUD, sub: 'repo:octo-org/app:ref:refs/tags/v1.2.3' } })],
    ['release tags by prefix', role({ StringEquals: AUD, StringLike: { sub: 'repo:octo-org/app:ref:refs/tags/v*' } })],
    ['branches the trust names by prefix (a protection rule may cover them)', role({ StringEquals: AUD, StringLike: { sub: 'repo:octo-org/app:ref:refs/heads/release/*' } })],
    ['a branch name extended by a wildcard', role({ StringEquals: AUD, StringLike: { sub: 'repo:octo-org/app:ref:refs/heads/main*' } })],
    [
      'a reusable workflow pinned at a fixed ref, whoever calls it',
      role({ StringEquals: { ...AUD, job_workflow_ref: 'octo-org/workflows/.github/workflows/deploy.yml@refs/heads/main' }, StringLike: { sub: 'repo:octo-org/app:*' } }),
    ],
    ['a ref condition pinned to main beside a repository-wide subject', role({ StringEquals: { ...AUD, ref: 'refs/heads/main' }, StringLike: { sub: 'repo:octo-org/app:*' } })],
    [
      'pull requests and branches refused by a negated test',
      role({ StringEquals: AUD, StringLike: { sub: 'repo:octo-org/app:*' }, StringNotLike: { sub: ['repo:octo-org/app:pull_request', 'repo:octo-org/app:ref:refs/heads/*'] } }),
    ],
    ['GitLab: any branch, but protected refs only', role({ StringEquals: { aud: 'https://gitlab.com', ref_protected: 'true' }, StringLike: { sub: 'project_path:acme/infra:ref_type:branch:ref:*' } }, { host: 'gitlab.com' })],
    ['GitLab: an exact project_id branch pin', role({ StringEquals: { aud: 'https://gitlab.com', sub: 'project_id:20:ref_type:branch:ref:main' } }, { host: 'gitlab.com' })],
    ['GitLab: a pinned tag', role({ StringEquals: { aud: 'https://gitlab.com', sub: 'project_path:acme/infra:ref_type:tag:ref:v1.0.0' } }, { host: 'gitlab.com' })],
    ['HCP Terraform: an apply-only role', role({ StringEquals: { aud: 'aws.workload.identity', sub: 'organization:acme:project:p:workspace:w:run_phase:apply' } }, { host: 'app.terraform.io' })],
    ['HCP Terraform: a plan-only role', role({ StringEquals: { aud: 'aws.workload.identity', sub: 'organization:acme:project:p:workspace:w:run_phase:plan' } }, { host: 'app.terraform.io' })],
    ['Buildkite: the main branch', role({ StringEquals: AUD, StringLike: { sub: 'organization:acme:pipeline:deploy:ref:refs/heads/main:*' } }, { host: 'agent.buildkite.com' })],
    [
      'CircleCI on AWS: a V2 subject pinned to main (SSH re-runs cannot be refused there, aws.md §5.2)',
      role(
        { StringEquals: { aud: 'o1' }, StringLike: { sub: 'org/o1/project/p1/user/*/vcs-origin/github.com/acme/app/vcs-ref/refs/heads/main' } },
        { host: 'oidc.circleci.com/org/o1' },
      ),
    ],
    ['Spacelift: TRACKED runs only', role({ StringEquals: { aud: 'acme.app.spacelift.io' }, StringLike: { sub: 'space:prod:stack:infra:run_type:TRACKED:scope:*' } }, { host: 'acme.app.spacelift.io' })],
    ['Kubernetes service accounts (no unreviewed context)', role({ StringEquals: { aud: 'sts.amazonaws.com' }, StringLike: { sub: 'system:serviceaccount:ci:*' } }, { host: 'oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123456789' })],
    ['a trust open to every owner (subject-wildcard reports it)', role({ StringEquals: AUD, StringLike: { sub: 'repo:*' } })],
    ['a trust open to every repository of the owner (subject-wildcard reports it, and its fix closes this too)', role({ StringEquals: AUD, StringLike: { sub: 'repo:octo-org/*' } })],
  ];
  for (const [what, text] of quiet) {
    it(what, async () => {
      expect((await unreviewed(text)).map((f) => f.message)).toEqual([]);
    });
  }

  it('does not guess a trust known only after apply (a plan whose policy document is computed)', async () => {
    const result = await lintPaths(['fixtures/subject-missing/bad/plan-aws-deferred-document.json']);
    expect(result.errors).toEqual([]);
    expect(result.findings.filter((f) => f.ruleId === 'unreviewed-context')).toEqual([]);
  });

  it('says nothing when a test on the run context cannot be evaluated (a CEL ref test fedlint cannot lower)', async () => {
    const provider = JSON.stringify({
      attributeCondition: "assertion.repository_id == '260064828' && assertion.ref.matches('^refs/heads/(main|release-[0-9]+)$')",
      attributeMapping: { 'google.subject': 'assertion.sub' },
      name: 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github',
      oidc: { issuerUri: 'https://token.actions.githubusercontent.com' },
      state: 'ACTIVE',
    });
    expect(await unreviewed(provider)).toEqual([]);
  });
});

describe('unreviewed-context: what it reports, and at which level', () => {
  it('warns on a target of unknown environment and names the context and a witness subject', async () => {
    const [f, ...rest] = await unreviewed(role({ StringEquals: AUD, StringLike: { sub: 'repo:octo-org/app:*' } }));
    expect(rest).toEqual([]);
    expect(f!.level).toBe('warning');
    expect(f!.message).toContain('admits tokens of pull requests and any branch');
    expect(f!.message).toContain('"repo:octo-org/app:pull_request"');
  });

  it('is an error on production targets: by tag, by path, by name, by configuration, by the environment its subjects name', async () => {
    const trust = { StringEquals: AUD, StringLike: { sub: 'repo:octo-org/app:ref:refs/heads/*' } };
    for (const opts of [{ tags: { Environment: 'production' } }, { path: '/prod/' }, { name: 'app-deploy-prd' }]) {
      const [f] = await unreviewed(role(trust, opts));
      expect(f!.level).toBe('error');
      expect(f!.message).toMatch(/^Production target /);
    }
    const configured = await lintTextWith('environments:\n  prod:\n    names: ["*ci-deploy*"]\n', role(trust));
    expect(configured.findings.filter((f) => f.ruleId === 'unreviewed-context').map((f) => f.level)).toEqual(['error']);
    const [named] = await unreviewed(role({ StringEquals: { ...AUD, sub: ['repo:octo-org/app:environment:production', 'repo:octo-org/app:pull_request'] } }));
    expect(named!.level).toBe('error');
    expect(named!.message).toContain('its subject names environment production');
  });

  it('is one finding: cross-environment-trust no longer reports pull requests on production targets', async () => {
    const result = await lintText(role({ StringEquals: AUD, StringLike: { sub: 'repo:octo-org/app:*' } }, { path: '/prod/' }));
    expect(result.findings.map((f) => [f.ruleId, f.level])).toEqual([['unreviewed-context', 'error']]);
  });

  it('reports each value of a list that admits an unreviewed context, at that value', async () => {
    const text = role({ StringEquals: AUD, StringLike: { sub: ['repo:octo-org/app:ref:refs/heads/main', 'repo:octo-org/app:pull_request', 'repo:octo-org/app:ref:refs/heads/*'] } });
    const found = await unreviewed(text);
    const lines = text.split('\n');
    expect(found.map((f) => lines[f.range.startLine - 1]!.trim())).toEqual(['"repo:octo-org/app:pull_request",', '"repo:octo-org/app:ref:refs/heads/*"']);
  });

  it('names a witness the trust admits, whatever the wildcard', async () => {
    for (const pattern of ['repo:octo-org/app:*', 'repo:octo-org/app:ref:refs/heads/*', 'repo:octo-org/app:ref:refs/heads/????', 'repo:octo-org@1/app@2:*', 'repo:octo-org/app:ref:*', 'repository_owner_id:1:repository_id:2:*']) {
      const [f] = await unreviewed(role({ StringEquals: AUD, StringLike: { sub: pattern } }));
      const witness = /admits "([^"]+)"/.exec(f!.message)?.[1];
      expect(witness, pattern).toBeDefined();
      expect(globMatch(pattern, witness!), `${pattern} admits ${witness}`).toBe(true);
    }
  });

  it('HCP Terraform: a plan statement beside an apply statement of the same role', async () => {
    const doc = {
      Version: '2012-10-17',
      Statement: ['plan', 'apply'].map((phase) => ({
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/app.terraform.io' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'app.terraform.io:aud': 'aws.workload.identity', 'app.terraform.io:sub': `organization:acme:project:p:workspace:w:run_phase:${phase}` } },
      })),
    };
    const [f, ...rest] = await unreviewed(JSON.stringify(doc, null, 2));
    expect(rest).toEqual([]);
    expect(f!.message).toContain('"organization:acme:project:p:workspace:w:run_phase:plan"');
  });

  it('GCP: a member whose own subject names pull requests is reported on the member, and a provider whose members all pin the context is not', async () => {
    const provider = JSON.stringify(
      {
        attributeCondition: "assertion.repository_id == '260064828'",
        attributeMapping: { 'google.subject': 'assertion.sub' },
        name: 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github',
        oidc: { issuerUri: 'https://token.actions.githubusercontent.com' },
        state: 'ACTIVE',
      },
      null,
      2,
    );
    const member = (subject: string): string =>
      JSON.stringify({ bindings: [{ role: 'roles/iam.workloadIdentityUser', members: [`principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-pool/subject/${subject}`] }], etag: 'x' }, null, 2);
    const pinned = await unreviewed(provider, member('repo:octo-org/app:ref:refs/heads/main'));
    expect(pinned).toEqual([]);
    const pr = await unreviewed(provider, member('repo:octo-org/app:pull_request'));
    expect(pr.map((f) => f.at.file)).toEqual(['input-1.json']);
  });

  it('GCP: a member of the whole pool is judged through the condition, whose subject pin decides', async () => {
    const provider = (condition: string): string =>
      JSON.stringify(
        {
          attributeCondition: condition,
          attributeMapping: { 'google.subject': 'assertion.sub' },
          name: 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github',
          oidc: { issuerUri: 'https://token.actions.githubusercontent.com' },
          state: 'ACTIVE',
        },
        null,
        2,
      );
    const wholePool = JSON.stringify(
      { bindings: [{ role: 'roles/iam.workloadIdentityUser', members: ['principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-pool/*'] }], etag: 'x' },
      null,
      2,
    );
    // The member adds no subject: a condition naming only reviewed code leaves every path silent...
    expect(await unreviewed(provider("assertion.sub == 'repo:octo-org/app:ref:refs/heads/main'"), wholePool)).toEqual([]);
    // ...and one disjunct naming pull requests is a way in, though the other is reviewed.
    const found = await unreviewed(
      provider("assertion.sub == 'repo:octo-org/app:ref:refs/heads/main' || assertion.sub == 'repo:octo-org/app:pull_request'"),
      wholePool,
    );
    expect(found.map((f) => f.ruleId)).toEqual(['unreviewed-context']);
    expect(found[0]!.message).toContain('pull_request');
  });
});

describe('unreviewed-context: subject readers and twins', () => {
  it('reads the contexts of GitHub subjects, default and custom templates (reference/idps.md §1.2, §1.3)', () => {
    expect(readGithubSubject('repo:o/r:pull_request')?.context.kind).toBe('pull_request');
    expect(readGithubSubject('repo:o@1/r@2:ref:refs/heads/feature-x')).toMatchObject({ who: { owner: 'o', ownerId: '1', repo: 'r', repoId: '2' }, context: { kind: 'branch' } });
    expect(readGithubSubject('repo:o/r:environment:prod')?.context.kind).toBe('fixed');
    expect(readGithubSubject('repository_owner_id:1:repository_id:2')?.context.kind).toBe('none');
    // A reusable workflow's ref decides what code runs, whoever calls it: here the branch it names (main).
    expect(readGithubSubject('repo:o/r:pull_request:job_workflow_ref:o/w/.github/workflows/d.yml@refs/heads/main')?.context.kind).toBe('branch');
    expect(readGithubSubject('repo:o/r:pull_request:job_workflow_ref:o/w/.github/workflows/d.yml@refs/tags/v1')?.context.kind).toBe('fixed');
    expect(readGithubSubject('job_workflow_ref:o/w/.github/workflows/d.yml@refs/pull/1/merge')?.context.kind).toBe('pull_request');
    // Git refuses ':' in ref names; a template renders its context once.
    expect(readGithubSubject('repo:o/r:ref:refs/heads/x:pull_request')).toBeUndefined();
    expect(readGithubSubject('repository_id:2:ref:refs/heads/x:pull_request')).toBeUndefined();
  });

  it('reads GitLab subjects, with the ref where the default template has it (reference/idps.md §2)', () => {
    expect(readGitlabSubject('project_path:g/p:ref_type:branch:ref:main')).toMatchObject({ path: 'g/p', ref: { type: 'branch' } });
    expect(readGitlabSubject('project_id:20')).toEqual({ projectId: '20' });
    expect(readGitlabSubject('project_path:g/p')).toBeUndefined();
  });

  it('a twin changes every letter and digit and keeps the rest', () => {
    expect(perturb('feature-x/Z9')).toBe('gfbuvsf-y/A0');
    const name = 'release-2024.10';
    const twin = perturb(name);
    expect(twin).toHaveLength(name.length);
    for (let i = 0; i < name.length; i++) if (/[A-Za-z0-9]/.test(name[i]!)) expect(twin[i]).not.toBe(name[i]);
  });
});
