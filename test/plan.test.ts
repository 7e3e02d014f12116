/**
 * Terraform plan and state JSON: the plan view (which instances count, where their values sit, what is
 * unknown or sensitive, which configuration block is behind them) and the AWS lowering end to end.
 */
import { describe, expect, it } from 'vitest';
import { moduleOf, planView, referenced } from '../src/loaders/plan-view.js';
import { dropUnreadPlanParts } from '../src/loaders/sniff.js';
import { lintText } from './helpers/lint.js';

const GH = 'token.actions.githubusercontent.com';
const ARN = `arn:aws:iam::111122223333:oidc-provider/${GH}`;

function trustText(sub?: string): string {
  const condition: Record<string, Record<string, string>> = { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' } };
  if (sub) condition['StringLike'] = { [`${GH}:sub`]: sub };
  return JSON.stringify({
    Statement: [{ Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition, Effect: 'Allow', Principal: { Federated: ARN } }],
    Version: '2012-10-17',
  });
}

function roleChange(address: string, policy: string | undefined, extra: Record<string, unknown> = {}) {
  const [, type, name] = /(?:^|\.)([a-z0-9_]+)\.([a-z0-9_-]+)(?:\[[^\]]*\])?$/.exec(address)!;
  const after: Record<string, unknown> = { name: name, max_session_duration: 3600, path: '/', ...extra };
  if (policy !== undefined) after['assume_role_policy'] = policy;
  return {
    address,
    mode: 'managed',
    type,
    name,
    provider_name: 'registry.terraform.io/hashicorp/aws',
    change: {
      actions: ['create'],
      before: null,
      after,
      after_unknown: policy === undefined ? { arn: true, assume_role_policy: true } : { arn: true },
      before_sensitive: false,
      after_sensitive: {},
    },
  };
}

function plan(changes: unknown[], rest: Record<string, unknown> = {}): string {
  return JSON.stringify({ format_version: '1.2', terraform_version: '1.11.4', resource_changes: changes, ...rest }, null, 2);
}

describe('plan view', () => {
  it('drops planned_values before a large plan is lowered only when resource_changes are what the view reads', () => {
    const plan: Record<string, unknown> = { format_version: '1.2', planned_values: { root_module: {} }, resource_changes: [] };
    expect(dropUnreadPlanParts(plan)).toBe(true);
    expect(plan).toEqual({ format_version: '1.2', resource_changes: [] });
    expect(dropUnreadPlanParts(plan)).toBe(false);
    const noChanges: Record<string, unknown> = { format_version: '1.2', planned_values: { root_module: {} } };
    expect(dropUnreadPlanParts(noChanges)).toBe(false);
    expect(noChanges).toHaveProperty('planned_values');
  });
  it('module paths keep instance keys and skip the resource part', () => {
    expect(moduleOf('aws_iam_role.a')).toBe('');
    expect(moduleOf('module.ci.aws_iam_role.a["x.y"]')).toBe('module.ci');
    expect(moduleOf('module.a["k.1"].module.b[0].data.aws_iam_policy_document.t')).toBe('module.a["k.1"].module.b[0]');
  });

  it('skips deletions, forgets and deposed objects, keeps replacements and no-ops', () => {
    const change = (address: string, actions: string[], extra: Record<string, unknown> = {}) => ({
      address,
      mode: 'managed',
      type: 'aws_iam_role',
      name: address.split('.')[1],
      change: { actions, after: actions.includes('delete') && !actions.includes('create') ? null : { name: 'x' } },
      ...extra,
    });
    const view = planView(
      {
        format_version: '1.2',
        resource_changes: [
          change('aws_iam_role.gone', ['delete']),
          change('aws_iam_role.forgotten', ['forget']),
          change('aws_iam_role.replaced', ['delete', 'create']),
          change('aws_iam_role.kept', ['no-op']),
          change('aws_iam_role.old', ['delete'], { deposed: 'abc123' }),
        ],
      },
      'plan.json',
    );
    expect(view.resources.map((r) => r.address)).toEqual(['aws_iam_role.replaced', 'aws_iam_role.kept']);
    expect(view.resources[0]!.path).toEqual(['resource_changes', 2, 'change', 'after']);
  });

  it('reads resource changes that Terraform deferred to a later plan', () => {
    const rc = { address: 'aws_iam_role.later', mode: 'managed', type: 'aws_iam_role', name: 'later', change: { actions: ['create'], after: { name: 'later' } } };
    const view = planView({ format_version: '1.2', resource_changes: [], deferred_changes: [{ reason: 'instance_count_unknown', resource_change: rc }] }, 'p.json');
    expect(view.resources.map((r) => [r.address, r.path])).toEqual([['aws_iam_role.later', ['deferred_changes', 0, 'resource_change', 'change', 'after']]]);
  });

  it('reads data sources from prior_state at any module depth, and state JSON from values', () => {
    const data = { address: 'module.a.module.b.data.aws_iam_policy_document.t', mode: 'data', type: 'aws_iam_policy_document', name: 't', values: { json: '{}' } };
    const view = planView(
      {
        format_version: '1.2',
        resource_changes: [],
        prior_state: { values: { root_module: { child_modules: [{ address: 'module.a', child_modules: [{ address: 'module.a.module.b', resources: [data] }] }] } } },
      },
      'plan.json',
    );
    expect(view.resources.map((r) => [r.address, r.module, r.mode])).toEqual([[data.address, 'module.a.module.b', 'data']]);
    expect(view.resources[0]!.path).toEqual(['prior_state', 'values', 'root_module', 'child_modules', 0, 'child_modules', 0, 'resources', 0, 'values']);

    const state = planView({ format_version: '1.0', values: { root_module: { resources: [{ ...data, address: 'data.aws_iam_policy_document.t' }] } } }, 's.json');
    expect(state.resources.map((r) => r.path)).toEqual([['values', 'root_module', 'resources', 0, 'values']]);
  });

  it('finds the configuration block of an instance inside module calls, and resolves references in its module', () => {
    const view = planView(
      {
        format_version: '1.2',
        resource_changes: [
          { ...roleChange('module.ci.aws_iam_role.r["a"]', '{}'), module_address: 'module.ci' },
          { ...roleChange('aws_iam_role.r', '{}') },
          { address: 'module.ci.aws_iam_openid_connect_provider.gh', module_address: 'module.ci', mode: 'managed', type: 'aws_iam_openid_connect_provider', name: 'gh', change: { actions: ['create'], after: { url: 'https://x' } } },
        ],
        configuration: {
          root_module: {
            resources: [{ address: 'aws_iam_role.r', expressions: { name: { constant_value: 'root' } } }],
            module_calls: { ci: { source: './ci', module: { resources: [{ address: 'aws_iam_role.r', expressions: { name: { constant_value: 'in-module' } } }] } } },
          },
        },
      },
      'plan.json',
    );
    const [inModule, root] = view.resources;
    expect(inModule!.config?.expressions['name']).toEqual({ constant_value: 'in-module' });
    expect(inModule!.config?.path).toEqual(['configuration', 'root_module', 'module_calls', 'ci', 'module', 'resources', 0, 'expressions']);
    expect(root!.config?.expressions['name']).toEqual({ constant_value: 'root' });
    expect(referenced(view, inModule!, 'aws_iam_openid_connect_provider.gh.arn').map((r) => r.address)).toEqual(['module.ci.aws_iam_openid_connect_provider.gh']);
    expect(referenced(view, root!, 'aws_iam_openid_connect_provider.gh.arn')).toEqual([]);
  });
});

describe('AWS resources of a plan', () => {
  it('points a finding inside the embedded policy string, with the Terraform address as the resource', async () => {
    const result = await lintText(plan([roleChange('module.ci.aws_iam_role.deploy["sandbox"]', trustText('repo:octo-org/*'))]));
    expect(result.errors).toEqual([]);
    const [f] = result.findings;
    expect(f).toMatchObject({ ruleId: 'subject-wildcard', resource: 'module.ci.aws_iam_role.deploy["sandbox"]' });
    expect(f!.at.inner).toEqual(['Statement', 0, 'Condition', 'StringLike', `${GH}:sub`]);
    const line = result.inputs[0]!.text!.split('\n')[f!.range.startLine - 1]!;
    expect(line.slice(f!.range.startColumn - 1, f!.range.endColumn - 1)).toBe('\\"repo:octo-org/*\\"');
  });

  it('says when a trust policy is known only after apply and cannot be rebuilt, and never guesses', async () => {
    const result = await lintText(plan([roleChange('aws_iam_role.deploy', undefined)]));
    expect(result.errors).toEqual([]);
    expect(result.findings.map((f) => [f.ruleId, f.level, f.resource, f.at.path.at(-1)])).toEqual([
      ['subject-missing', 'note', 'aws_iam_role.deploy', 'assume_role_policy'],
    ]);
    expect(result.findings[0]!.message).toMatch(/known only after apply/);
  });

  it('evaluates a trust known only after apply from the policy document it references, read at plan time', async () => {
    const role = roleChange('module.ci.aws_iam_role.deploy', undefined);
    const text = plan([{ ...role, module_address: 'module.ci' }], {
      prior_state: {
        values: {
          root_module: {
            child_modules: [
              {
                address: 'module.ci',
                resources: [
                  { address: 'module.ci.data.aws_iam_policy_document.trust', mode: 'data', type: 'aws_iam_policy_document', name: 'trust', values: { json: JSON.stringify(JSON.parse(trustText('repo:octo-org*')), null, 2) } },
                ],
              },
            ],
          },
        },
      },
      configuration: {
        root_module: {
          module_calls: {
            ci: {
              source: './ci',
              module: { resources: [{ address: 'aws_iam_role.deploy', mode: 'managed', type: 'aws_iam_role', name: 'deploy', expressions: { assume_role_policy: { references: ['data.aws_iam_policy_document.trust.json', 'data.aws_iam_policy_document.trust'] } } }] },
            },
          },
        },
      },
    });
    const result = await lintText(text);
    expect(result.errors).toEqual([]);
    expect(result.findings.map((f) => [f.ruleId, f.level, f.resource, f.at.path[0], f.at.inner?.at(-1)])).toEqual([
      ['subject-wildcard', 'error', 'module.ci.aws_iam_role.deploy', 'prior_state', `${GH}:sub`],
    ]);
  });

  it("reads the audience limit from the plan's OIDC provider client-ID list", async () => {
    const doc = JSON.parse(trustText('repo:octo-org/octo-repo:ref:refs/heads/main'));
    delete doc.Statement[0].Condition.StringEquals;
    const role = roleChange('aws_iam_role.deploy', JSON.stringify(doc));
    const provider = {
      address: 'aws_iam_openid_connect_provider.github',
      mode: 'managed',
      type: 'aws_iam_openid_connect_provider',
      name: 'github',
      change: { actions: ['no-op'], after: { url: `https://${GH}`, client_id_list: ['sts.amazonaws.com'] }, after_unknown: {} },
    };
    const alone = await lintText(plan([role]));
    expect(alone.findings.map((f) => [f.ruleId, f.level])).toEqual([['audience-missing', 'note']]);
    const withProvider = await lintText(plan([role, provider]));
    expect(withProvider.findings).toEqual([]);
  });

  it('reports a policy string that is not JSON as an input error and lints the rest', async () => {
    const result = await lintText(plan([roleChange('aws_iam_role.broken', '{"Statement": ['), roleChange('aws_iam_role.open', trustText())]));
    expect(result.errors.map((e) => `${e.line}:${e.column}: ${e.message}`)).toEqual([
      expect.stringMatching(/^\d+:\d+: assume_role_policy of aws_iam_role.broken is not a JSON policy document$/),
    ]);
    expect(result.findings.map((f) => [f.ruleId, f.resource])).toEqual([['subject-missing', 'aws_iam_role.open']]);
  });

  it('rejects a plan of another major format version with a one-line error', async () => {
    const result = await lintText(JSON.stringify({ format_version: '2.0', resource_changes: [] }));
    expect(result.errors.map((e) => e.message)).toEqual(['unsupported plan format_version "2.0" (fedlint reads 1.x)']);
  });

  it('withholds sensitive values from messages', async () => {
    const change = roleChange('aws_iam_role.deploy', trustText('repo:octo-org/*'));
    change.change.after_sensitive = { assume_role_policy: true } as never;
    const result = await lintText(plan([change]));
    const [f] = result.findings;
    expect(f!.ruleId).toBe('subject-wildcard');
    expect(f!.message).not.toContain('octo-org');
    expect(f!.message).toContain('(sensitive value)');
  });

  it('lints a state (terraform show -json without a plan) like planned values', async () => {
    const state = {
      format_version: '1.0',
      terraform_version: '1.11.4',
      values: {
        root_module: {
          resources: [
            { address: 'aws_iam_role.deploy', mode: 'managed', type: 'aws_iam_role', name: 'deploy', values: { name: 'deploy', assume_role_policy: trustText() }, sensitive_values: {} },
          ],
        },
      },
    };
    const result = await lintText(JSON.stringify(state));
    expect(result.findings.map((f) => [f.ruleId, f.resource])).toEqual([['subject-missing', 'aws_iam_role.deploy']]);
  });
});
