/**
 * Realistic inputs for `npm run bench` (and for its test): Terraform plans across AWS, GCP and Azure, a tree
 * of small AWS policy files, and a Terraform module of `.tf` files. Everything is deterministic for a seed,
 * and every input records the mistakes planted in it (`planted`: rule id + resource), so a test can check
 * that fedlint reads the inputs and finds exactly what was meant to be found.
 *
 * The shapes follow what the tools write: `terraform show -json` prints one line (planned_values,
 * resource_changes with after/after_unknown/after_sensitive, configuration, prior_state); `aws iam get-role`
 * prints 4-space indented JSON. Most resources are clean (pinned to one repository and environment), a few
 * percent carry one mistake each, and dev/prod pairs that share a subject exercise the cross-binding rule.
 *
 * Usage: node bench/generate.mjs [DIR]   writes the full-size inputs under DIR (default: a new temp folder).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const GITHUB = 'token.actions.githubusercontent.com';
const GITHUB_ISSUER = `https://${GITHUB}`;
const ACCOUNT = { dev: '444455556666', prod: '111122223333' };
const ENVS = ['dev', 'prod'];
/**
 * The owner-wide wildcard mistake. It names the sandbox organisation, whose repositories no clean trust
 * pins, so it adds one finding of its own rather than a cross-environment finding on every other role
 * (yet cross-environment-trust still compares it with every exact subject of the issuer).
 */
const WILDCARD = 'repo:acme-sandbox/*';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same inputs on every machine. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Which mistake (if any) a service carries. About one service in six has one, so a large input has
 * hundreds of findings spread over every file and cloud, as an estate under review does.
 */
function flawFor(rand, kinds) {
  const r = rand();
  if (r >= 0.18) return undefined;
  return kinds[Math.floor((r / 0.18) * kinds.length)];
}

const pad = (n) => String(n).padStart(5, '0');

// ---------------------------------------------------------------------------------------------------------
// Trust documents shared by the plan and the policy files
// ---------------------------------------------------------------------------------------------------------

function githubTrust(account, sub, { audience = true, subOperator = 'StringEquals' } = {}) {
  const condition = { StringEquals: {} };
  if (audience) condition.StringEquals[`${GITHUB}:aud`] = 'sts.amazonaws.com';
  if (subOperator === 'StringEquals') condition.StringEquals[`${GITHUB}:sub`] = sub;
  else if (subOperator !== 'none') condition[subOperator] = { [`${GITHUB}:sub`]: sub };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActions',
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${GITHUB}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ],
  };
}

/** A Cognito identity-pool trust; without an `aud` test any pool in any account can assume the role. */
function cognitoTrust(poolId) {
  const condition = { 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } };
  if (poolId) condition.StringEquals = { 'cognito-identity.amazonaws.com:aud': poolId };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ],
  };
}

/** A service trust (no federation): clean noise that every loader still reads. */
function serviceTrust(service) {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] };
}

// ---------------------------------------------------------------------------------------------------------
// Terraform plan (`terraform show -json`)
// ---------------------------------------------------------------------------------------------------------

/** The pieces of one resource instance, written into planned_values and resource_changes. */
function instance(module, type, name, index, values, { unknown = {}, sensitive = {}, provider }) {
  const local = `${type}.${name}${index === undefined ? '' : `["${index}"]`}`;
  const address = module ? `${module}.${local}` : local;
  return { address, module, type, name, index, values, unknown, sensitive, provider };
}

const PROVIDERS = {
  aws: 'registry.terraform.io/hashicorp/aws',
  google: 'registry.terraform.io/hashicorp/google',
  azurerm: 'registry.terraform.io/hashicorp/azurerm',
};

function awsService(i, flaw) {
  const module = `module.svc_${pad(i)}`;
  const repo = `acme/svc-${pad(i)}`;
  const out = [];
  const planted = [];
  for (const env of ENVS) {
    let sub = `repo:${repo}:environment:${env}`;
    // The dev role of a shared pair trusts the prod subject: one workflow reaches both environments.
    if (flaw === 'shared-subject' && env === 'dev') sub = `repo:${repo}:environment:prod`;
    let ttl = 3600;
    if (flaw === 'session-ttl' && env === 'prod') ttl = 43200;
    let policy = githubTrust(ACCOUNT[env], sub);
    if (flaw === 'owner-wildcard' && env === 'dev') policy = githubTrust(ACCOUNT[env], WILDCARD, { subOperator: 'StringLike' });
    if (flaw === 'no-subject' && env === 'dev') policy = githubTrust(ACCOUNT[env], undefined, { subOperator: 'none' });
    const role = instance(module, 'aws_iam_role', 'deploy', env, {
      arn: undefined,
      assume_role_policy: JSON.stringify(policy),
      force_detach_policies: false,
      max_session_duration: ttl,
      name: `svc-${pad(i)}-deploy-${env}`,
      path: `/ci/${env}/`,
      permissions_boundary: null,
      tags: { Environment: env, Service: `svc-${pad(i)}`, Team: `team-${i % 37}` },
      tags_all: { Environment: env, Service: `svc-${pad(i)}`, Team: `team-${i % 37}`, ManagedBy: 'terraform' },
    }, {
      unknown: { arn: true, create_date: true, id: true, inline_policy: true, managed_policy_arns: true, name_prefix: true, tags: {}, tags_all: {}, unique_id: true },
      sensitive: { inline_policy: [], managed_policy_arns: [], tags: {}, tags_all: {} },
      provider: PROVIDERS.aws,
    });
    delete role.values.arn;
    out.push(role);
    out.push(
      instance(module, 'aws_iam_role_policy_attachment', 'deploy', env, {
        policy_arn: `arn:aws:iam::${ACCOUNT[env]}:policy/svc-${pad(i)}-deploy`,
        role: `svc-${pad(i)}-deploy-${env}`,
      }, { unknown: { id: true }, provider: PROVIDERS.aws }),
    );
    if (flaw === 'shared-subject') planted.push({ ruleId: 'cross-environment-trust', resource: role.address });
    if (flaw === 'session-ttl' && env === 'prod') planted.push({ ruleId: 'session-ttl-excessive', resource: role.address });
    if (flaw === 'owner-wildcard' && env === 'dev') planted.push({ ruleId: 'subject-wildcard', resource: role.address });
    if (flaw === 'no-subject' && env === 'dev') planted.push({ ruleId: 'subject-missing', resource: role.address });
  }
  out.push(
    instance(module, 'aws_s3_bucket', 'artifacts', undefined, {
      bucket: `acme-svc-${pad(i)}-artifacts`,
      force_destroy: false,
      object_lock_enabled: false,
      tags: { Service: `svc-${pad(i)}` },
      tags_all: { Service: `svc-${pad(i)}`, ManagedBy: 'terraform' },
      timeouts: null,
    }, { unknown: { acceleration_status: true, acl: true, arn: true, bucket_domain_name: true, id: true, policy: true, region: true, versioning: true, website: true }, sensitive: { tags: {}, tags_all: {} }, provider: PROVIDERS.aws }),
  );
  out.push(
    instance(module, 'aws_cloudwatch_log_group', 'deploy', undefined, {
      kms_key_id: null,
      name: `/ci/svc-${pad(i)}/deploy`,
      retention_in_days: 30,
      skip_destroy: false,
      tags: null,
    }, { unknown: { arn: true, id: true, tags_all: true }, provider: PROVIDERS.aws }),
  );
  if (flaw === 'access-key') {
    const key = instance(module, 'aws_iam_access_key', 'ci', undefined, { pgp_key: null, status: 'Active', user: `svc-${pad(i)}-ci` }, { unknown: { id: true, secret: true, ses_smtp_password_v4: true }, sensitive: { secret: true, ses_smtp_password_v4: true }, provider: PROVIDERS.aws });
    out.push(key);
    planted.push({ ruleId: 'static-credential', resource: key.address });
  }
  return { resources: out, planted };
}

function gcpService(i, flaw) {
  const module = `module.svc_${pad(i)}`;
  const repo = `acme/svc-${pad(i)}`;
  // Each service has its own pool, whose provider admits only the service's repository (by immutable id).
  const pool = `projects/123456789012/locations/global/workloadIdentityPools/svc-${pad(i)}`;
  const out = [
    instance(module, 'google_iam_workload_identity_pool', 'ci', undefined, {
      description: `CI of svc-${pad(i)}`,
      disabled: false,
      display_name: `svc-${pad(i)}`,
      project: 'acme-ci',
      timeouts: null,
      workload_identity_pool_id: `svc-${pad(i)}`,
      id: `projects/acme-ci/locations/global/workloadIdentityPools/svc-${pad(i)}`,
      name: pool,
      state: 'ACTIVE',
    }, { provider: PROVIDERS.google }),
    instance(module, 'google_iam_workload_identity_pool_provider', 'github', undefined, {
      attribute_condition: `assertion.repository_owner_id == '1342004' && assertion.repository_id == '${260000000 + i}'`,
      attribute_mapping: { 'google.subject': 'assertion.sub', 'attribute.repository_id': 'assertion.repository_id' },
      aws: [],
      description: 'GitHub Actions',
      disabled: false,
      display_name: 'github',
      oidc: [{ allowed_audiences: [], issuer_uri: GITHUB_ISSUER, jwks_json: null }],
      project: 'acme-ci',
      saml: [],
      timeouts: null,
      workload_identity_pool_id: `svc-${pad(i)}`,
      workload_identity_pool_provider_id: 'github',
      x509: [],
      id: `projects/acme-ci/locations/global/workloadIdentityPools/svc-${pad(i)}/providers/github`,
      name: `${pool}/providers/github`,
      state: 'ACTIVE',
    }, { sensitive: { attribute_mapping: {}, aws: [], oidc: [{ allowed_audiences: [] }], saml: [], x509: [] }, provider: PROVIDERS.google }),
  ];
  out.push(
    instance(module, 'google_project_service', 'iamcredentials', undefined, {
      disable_dependent_services: null,
      disable_on_destroy: false,
      project: 'acme-ci',
      service: 'iamcredentials.googleapis.com',
      timeouts: null,
    }, { unknown: { id: true }, provider: PROVIDERS.google }),
  );
  const planted = [];
  for (const env of ENVS) {
    const account = `svc-${pad(i)}-${env}`;
    const email = `${account}@acme-${env}.iam.gserviceaccount.com`;
    out.push(
      instance(module, 'google_service_account', 'deployer', env, {
        account_id: account,
        create_ignore_already_exists: null,
        description: '',
        disabled: false,
        display_name: account,
        project: `acme-${env}`,
        timeouts: null,
      }, { unknown: { email: true, id: true, member: true, name: true, unique_id: true }, provider: PROVIDERS.google }),
    );
    let member = `principal://iam.googleapis.com/${pool}/subject/repo:${repo}:environment:${env}`;
    if (flaw === 'shared-subject' && env === 'dev') member = `principal://iam.googleapis.com/${pool}/subject/repo:${repo}:environment:prod`;
    out.push(
      instance(module, 'google_service_account_iam_member', 'wif', env, {
        condition: [],
        member,
        role: 'roles/iam.workloadIdentityUser',
        service_account_id: `projects/acme-${env}/serviceAccounts/${email}`,
      }, { unknown: { etag: true, id: true }, sensitive: { condition: [] }, provider: PROVIDERS.google }),
    );
    out.push(
      instance(module, 'google_project_iam_member', 'deployer', env, {
        condition: [],
        member: `serviceAccount:${email}`,
        project: `acme-${env}`,
        role: 'roles/run.developer',
      }, { unknown: { etag: true, id: true }, sensitive: { condition: [] }, provider: PROVIDERS.google }),
    );
    // GCP findings name the service account the member may act as.
    if (flaw === 'shared-subject') planted.push({ ruleId: 'cross-environment-trust', resource: email });
  }
  if (flaw === 'open-provider') {
    // The provider no longer limits the repository: any GitHub repository can get a token for the pool.
    out[1].values.attribute_condition = null;
    planted.push({ ruleId: 'subject-missing', resource: out[1].address });
  }
  return { resources: out, planted };
}

function azureService(i, flaw) {
  const module = `module.svc_${pad(i)}`;
  const repo = `acme/svc-${pad(i)}`;
  const out = [];
  const planted = [];
  for (const env of ENVS) {
    out.push(
      instance(module, 'azurerm_resource_group', 'svc', env, { location: 'westeurope', managed_by: null, name: `rg-svc-${pad(i)}-${env}`, tags: null, timeouts: null }, { unknown: { id: true }, provider: PROVIDERS.azurerm }),
    );
    const identity = instance(module, 'azurerm_user_assigned_identity', 'deploy', env, {
      location: 'westeurope',
      name: `id-svc-${pad(i)}-${env}`,
      resource_group_name: `rg-svc-${pad(i)}-${env}`,
      tags: { environment: env },
      timeouts: null,
    }, { unknown: { client_id: true, id: true, principal_id: true, tenant_id: true }, sensitive: { tags: {} }, provider: PROVIDERS.azurerm });
    out.push(identity);
    let subject = `repo:${repo}:environment:${env}`;
    if (flaw === 'shared-subject' && env === 'dev') subject = `repo:${repo}:environment:prod`;
    const credential = instance(module, 'azurerm_federated_identity_credential', 'github', env, {
      audience: ['api://AzureADTokenExchange'],
      issuer: GITHUB_ISSUER,
      name: `github-svc-${pad(i)}-${env}`,
      resource_group_name: `rg-svc-${pad(i)}-${env}`,
      subject,
      timeouts: null,
    }, { unknown: { id: true, parent_id: true }, sensitive: { audience: [false] }, provider: PROVIDERS.azurerm });
    out.push(credential);
    if (flaw === 'shared-subject') planted.push({ ruleId: 'cross-environment-trust', resource: credential.address });
  }
  out.push(
    instance(module, 'azurerm_role_assignment', 'deploy', 'prod', {
      condition: null,
      condition_version: null,
      role_definition_name: 'Contributor',
      scope: `/subscriptions/00000000-0000-0000-0000-00000000${String(i % 10000).padStart(4, '0')}/resourceGroups/rg-svc-${pad(i)}-prod`,
      skip_service_principal_aad_check: false,
    }, { unknown: { id: true, name: true, principal_id: true, principal_type: true, role_definition_id: true }, provider: PROVIDERS.azurerm }),
  );
  return { resources: out, planted };
}

/** Resources the root module declares once: the GitHub OIDC provider of the AWS accounts. */
function rootResources() {
  return [
    instance('', 'aws_iam_openid_connect_provider', 'github', undefined, {
      client_id_list: ['sts.amazonaws.com'],
      tags: null,
      thumbprint_list: ['6938fd4d98bab03faadb97b34396831e3780aea1'],
      url: GITHUB_ISSUER,
    }, { unknown: { arn: true, id: true, tags_all: true }, sensitive: { client_id_list: [false], thumbprint_list: [false] }, provider: PROVIDERS.aws }),
  ];
}

const SERVICE = {
  aws: { build: awsService, flaws: ['shared-subject', 'session-ttl', 'owner-wildcard', 'no-subject', 'access-key'] },
  gcp: { build: gcpService, flaws: ['shared-subject', 'open-provider'] },
  azure: { build: azureService, flaws: ['shared-subject'] },
};

/** Plan JSON of a resource instance in planned_values. */
function plannedValue(r) {
  const out = { address: r.address, mode: 'managed', type: r.type, name: r.name };
  if (r.index !== undefined) out.index = r.index;
  Object.assign(out, { provider_name: r.provider, schema_version: 0, values: r.values, sensitive_values: r.sensitive });
  return out;
}

/** Plan JSON of a resource instance in resource_changes: a creation. */
function resourceChange(r) {
  const out = { address: r.address };
  if (r.module) out.module_address = r.module;
  Object.assign(out, { mode: 'managed', type: r.type, name: r.name });
  if (r.index !== undefined) out.index = r.index;
  Object.assign(out, {
    provider_name: r.provider,
    change: { actions: ['create'], before: null, after: r.values, after_unknown: r.unknown, before_sensitive: false, after_sensitive: r.sensitive },
  });
  return out;
}

/**
 * The configuration of a service module: one block per resource (not per instance), with the expressions
 * of its name and trust attributes as Terraform records them.
 */
function moduleConfig(resources) {
  const seen = new Map();
  const recorded = new Set(['name', 'account_id', 'assume_role_policy', 'member', 'subject', 'attribute_condition']);
  for (const r of resources) {
    const key = `${r.type}.${r.name}`;
    if (seen.has(key)) continue;
    const expressions = {};
    for (const [k, v] of Object.entries(r.values)) {
      if (!recorded.has(k) || typeof v !== 'string') continue;
      expressions[k] = k === 'assume_role_policy' ? { references: ['data.aws_iam_policy_document.trust'] } : { references: ['each.key'] };
    }
    const block = { address: key, mode: 'managed', type: r.type, name: r.name, provider_config_key: r.provider.split('/').pop(), expressions, schema_version: 0 };
    if (r.index !== undefined) block.for_each_expression = { references: ['local.environments'] };
    seen.set(key, block);
  }
  return { resources: [...seen.values()] };
}

/**
 * A `terraform show -json` plan of exactly `resources` resource instances, services of the three clouds in
 * turn. Returns the JSON text (one line, as Terraform prints it) and the mistakes planted in it.
 */
export function generatePlan({ resources, seed = 1 }) {
  const rand = random(seed);
  const all = rootResources();
  const planted = [];
  const modules = [];
  const clouds = ['aws', 'gcp', 'azure'];
  for (let i = 0; all.length < resources; i++) {
    const cloud = clouds[i % 3];
    const { build, flaws } = SERVICE[cloud];
    const service = build(i, flawFor(rand, flaws));
    const room = resources - all.length;
    if (service.resources.length > room) {
      // The last service is cut to fit; its mistakes count only if the flagged resource made it in.
      service.resources.length = room;
      const kept = new Set(service.resources.map((r) => r.address));
      service.planted = service.planted.filter((p) => kept.has(p.resource) && !(p.ruleId === 'cross-environment-trust' && service.resources.filter((r) => /^(aws_iam_role|google_service_account|azurerm_federated_identity_credential)$/.test(r.type)).length < 2));
    }
    all.push(...service.resources);
    planted.push(...service.planted);
    modules.push({ name: `svc_${pad(i)}`, resources: service.resources });
  }
  const byModule = new Map();
  for (const r of all) {
    if (!r.module) continue;
    if (!byModule.has(r.module)) byModule.set(r.module, []);
    byModule.get(r.module).push(r);
  }
  const plan = {
    format_version: '1.2',
    terraform_version: '1.11.4',
    planned_values: {
      root_module: {
        resources: all.filter((r) => !r.module).map(plannedValue),
        child_modules: [...byModule].map(([address, rs]) => ({ resources: rs.map(plannedValue), address })),
      },
    },
    resource_changes: all.map(resourceChange),
    configuration: {
      provider_config: {
        aws: { name: 'aws', full_name: PROVIDERS.aws, version_constraint: '~> 5.0' },
        google: { name: 'google', full_name: PROVIDERS.google, version_constraint: '~> 6.0' },
        azurerm: { name: 'azurerm', full_name: PROVIDERS.azurerm, version_constraint: '~> 4.0' },
      },
      root_module: {
        resources: moduleConfig(all.filter((r) => !r.module)).resources,
        module_calls: Object.fromEntries(modules.map((m) => [m.name, { source: './modules/service', module: moduleConfig(m.resources) }])),
      },
    },
    timestamp: '2026-11-20T09:14:03Z',
    applyable: true,
    complete: true,
    errored: false,
  };
  return { text: JSON.stringify(plan), resources: all.length, planted };
}

// ---------------------------------------------------------------------------------------------------------
// Small AWS policy files
// ---------------------------------------------------------------------------------------------------------

/**
 * `count` small AWS inputs in folders of 100 (`accounts/ACCOUNT/NNN/`): `aws iam get-role` output for most
 * (so each role has a name, a path and tags), a bare trust policy for every fifth. Returns what was written.
 */
export function writePolicyFiles(dir, { count, seed = 2 }) {
  const rand = random(seed);
  const planted = [];
  let bytes = 0;
  const kinds = ['shared-subject', 'session-ttl', 'owner-wildcard', 'cognito-no-aud'];
  for (let i = 0; i < count; ) {
    let flaw = flawFor(rand, kinds);
    // A shared pair needs two files; the last file of the tree gets no mistake instead.
    if (flaw === 'shared-subject' && i + 1 >= count) flaw = undefined;
    // A wildcard goes on a dev role: on a production role it would also be a cross-environment finding.
    const envs = flaw === 'shared-subject' ? ENVS : flaw === 'owner-wildcard' ? ['dev'] : [ENVS[i % 2]];
    for (const env of envs) {
      const account = ACCOUNT[env];
      const folder = path.join(dir, 'accounts', account, String(Math.floor(i / 100)).padStart(3, '0'));
      mkdirSync(folder, { recursive: true });
      const name = `svc-${pad(i)}-deploy-${env}`;
      const repo = `acme/svc-${pad(i)}`;
      let sub = `repo:${repo}:environment:${env}`;
      if (flaw === 'shared-subject') sub = `repo:acme/svc-${pad(i - (env === 'prod' ? 1 : 0))}:environment:prod`;
      let policy = githubTrust(account, sub);
      if (flaw === 'owner-wildcard') policy = githubTrust(account, WILDCARD, { subOperator: 'StringLike' });
      if (flaw === 'cognito-no-aud') policy = cognitoTrust(undefined);
      else if (flaw !== undefined) {
        // keep the flawed GitHub trust
      } else if (i % 23 === 7) policy = cognitoTrust(`us-east-1:0000${pad(i)}-aaaa-bbbb-cccc-dddddddddddd`);
      else if (i % 17 === 3) policy = serviceTrust('lambda.amazonaws.com');
      const file = path.join(folder, `${name}.json`);
      const arn = `arn:aws:iam::${account}:role/ci/${env}/${name}`;
      // A bare policy has no name: its findings name the file. Shared pairs need a target environment, so they are roles.
      const bare = i % 5 === 4 && flaw !== 'shared-subject' && flaw !== 'session-ttl';
      const doc = bare
        ? policy
        : {
            Role: {
              Path: `/ci/${env}/`,
              RoleName: name,
              RoleId: `AROA${String(i).padStart(17, '0')}`,
              Arn: arn,
              CreateDate: '2024-03-14T09:26:53+00:00',
              AssumeRolePolicyDocument: policy,
              Description: `Deploys svc-${pad(i)} to ${env}`,
              MaxSessionDuration: flaw === 'session-ttl' ? 43200 : 3600,
              Tags: [
                { Key: 'Environment', Value: env },
                { Key: 'Team', Value: `team-${i % 37}` },
              ],
              RoleLastUsed: { LastUsedDate: '2026-11-19T22:10:00+00:00', Region: 'us-east-1' },
            },
          };
      const text = `${JSON.stringify(doc, null, 4)}\n`;
      writeFileSync(file, text);
      bytes += Buffer.byteLength(text);
      const resource = bare ? path.relative(dir, file).split(path.sep).join('/') : arn;
      const rule = { 'shared-subject': 'cross-environment-trust', 'session-ttl': 'session-ttl-excessive', 'owner-wildcard': 'subject-wildcard', 'cognito-no-aud': 'audience-missing' }[flaw];
      if (rule) planted.push({ ruleId: rule, resource });
      i++;
    }
  }
  return { files: count, bytes, planted };
}

// ---------------------------------------------------------------------------------------------------------
// Terraform module (.tf)
// ---------------------------------------------------------------------------------------------------------

function tfService(i, flaw) {
  const id = `svc_${pad(i)}`;
  const repo = `acme/svc-${pad(i)}`;
  const planted = [];
  const cloud = i % 3;
  let text;
  if (cloud === 0) {
    const sub = flaw === 'owner-wildcard' ? WILDCARD : `repo:${repo}:environment:\${each.key}`;
    const test = flaw === 'owner-wildcard' ? 'StringLike' : 'StringEquals';
    const ttl = flaw === 'session-ttl' ? 43200 : 3600;
    text = `
# svc-${pad(i)}: deploy roles, one per environment, trusted by the service's GitHub environments.
data "aws_iam_policy_document" "${id}_trust" {
  for_each = local.environments

  statement {
    sid     = "GitHubActions"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "${test}"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["${sub}"]
    }
  }
}

resource "aws_iam_role" "${id}" {
  for_each             = local.environments
  name                 = "svc-${pad(i)}-deploy-\${each.key}"
  path                 = "/ci/\${each.key}/"
  assume_role_policy   = data.aws_iam_policy_document.${id}_trust[each.key].json
  max_session_duration = ${ttl}
  tags                 = merge(local.tags, { Environment = each.key, Service = "svc-${pad(i)}" })
}

resource "aws_iam_role_policy_attachment" "${id}" {
  for_each   = local.environments
  role       = aws_iam_role.${id}[each.key].name
  policy_arn = "arn:aws:iam::\${each.value.account}:policy/svc-${pad(i)}-deploy"
}
`;
    // Every instance of the role carries the mistake: for_each over dev and prod.
    const rule = { 'owner-wildcard': 'subject-wildcard', 'session-ttl': 'session-ttl-excessive' }[flaw];
    if (rule) for (const env of ENVS) planted.push({ ruleId: rule, resource: `aws_iam_role.${id}["${env}"]` });
  } else if (cloud === 1) {
    text = `
# svc-${pad(i)}: a GitHub workflow of the service may act as its deployer, per environment.
resource "google_iam_workload_identity_pool" "${id}" {
  project                   = "acme-ci"
  workload_identity_pool_id = "svc-${pad(i)}"
}

resource "google_iam_workload_identity_pool_provider" "${id}" {
  project                            = "acme-ci"
  workload_identity_pool_id          = google_iam_workload_identity_pool.${id}.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_condition                = "assertion.repository_owner_id == '1342004' && assertion.repository_id == '${260000000 + i}'"
  attribute_mapping = {
    "google.subject"          = "assertion.sub"
    "attribute.repository_id" = "assertion.repository_id"
  }
  oidc {
    issuer_uri = "${GITHUB_ISSUER}"
  }
}

resource "google_service_account" "${id}" {
  for_each     = local.environments
  account_id   = "svc-${pad(i)}-\${each.key}"
  display_name = "svc-${pad(i)} deployer (\${each.key})"
  project      = "acme-\${each.key}"
}

resource "google_service_account_iam_member" "${id}_wif" {
  for_each           = local.environments
  service_account_id = google_service_account.${id}[each.key].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/\${google_iam_workload_identity_pool.${id}.name}/subject/repo:${repo}:environment:\${each.key}"
}

resource "google_project_iam_member" "${id}_run" {
  for_each = local.environments
  project  = "acme-\${each.key}"
  role     = "roles/run.developer"
  member   = "serviceAccount:\${google_service_account.${id}[each.key].email}"
}
`;
  } else {
    const subject = flaw === 'shared-subject' ? `repo:${repo}:environment:prod` : `repo:${repo}:environment:\${each.key}`;
    text = `
# svc-${pad(i)}: managed identities federated with the service's GitHub environments.
resource "azurerm_user_assigned_identity" "${id}" {
  for_each            = local.environments
  name                = "id-svc-${pad(i)}-\${each.key}"
  location            = var.location
  resource_group_name = "rg-svc-${pad(i)}-\${each.key}"
  tags                = { environment = each.key }
}

resource "azurerm_federated_identity_credential" "${id}" {
  for_each            = local.environments
  name                = "github-svc-${pad(i)}-\${each.key}"
  resource_group_name = "rg-svc-${pad(i)}-\${each.key}"
  parent_id           = azurerm_user_assigned_identity.${id}[each.key].id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "${GITHUB_ISSUER}"
  subject             = "${subject}"
}
`;
    if (flaw === 'shared-subject') for (const env of ENVS) planted.push({ ruleId: 'cross-environment-trust', resource: `azurerm_federated_identity_credential.${id}["${env}"]` });
  }
  return { text, planted };
}

const TF_HEADER = `variable "location" {
  type    = string
  default = "westeurope"
}

locals {
  environments = {
    dev  = { account = "${ACCOUNT.dev}" }
    prod = { account = "${ACCOUNT.prod}" }
  }
  tags = { ManagedBy = "terraform", Repository = "acme/platform" }
}

resource "aws_iam_openid_connect_provider" "github" {
  url             = "${GITHUB_ISSUER}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}
`;

/**
 * One Terraform module of about `bytes` bytes of `.tf` in `dir`: main.tf with the shared resources, then
 * services in files of about 50 KB (`services-NNN.tf`), AWS, GCP and Azure in turn.
 */
export function writeModule(dir, { bytes, seed = 3 }) {
  const rand = random(seed);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'main.tf'), TF_HEADER);
  let total = Buffer.byteLength(TF_HEADER);
  let files = 1;
  const planted = [];
  let chunk = '';
  const flush = () => {
    if (chunk === '') return;
    writeFileSync(path.join(dir, `services-${String(files).padStart(3, '0')}.tf`), chunk);
    total += Buffer.byteLength(chunk);
    files++;
    chunk = '';
  };
  for (let i = 0; total + chunk.length < bytes; i++) {
    const kinds = [['owner-wildcard', 'session-ttl'], [], ['shared-subject']][i % 3];
    const service = tfService(i, kinds.length > 0 ? flawFor(rand, kinds) : undefined);
    chunk += service.text;
    planted.push(...service.planted);
    if (chunk.length >= 50_000) flush();
  }
  flush();
  return { files, bytes: total, planted };
}

// ---------------------------------------------------------------------------------------------------------
// Everything the benchmark reads
// ---------------------------------------------------------------------------------------------------------

/** Sizes of the benchmark's inputs; `scale` shrinks them all (the test uses a small scale). */
export function sizes(scale = 1) {
  return {
    planSmall: Math.round(4000 * scale),
    planLarge: Math.round(40000 * scale),
    filesSmall: Math.round(1000 * scale),
    filesLarge: Math.round(10000 * scale),
    moduleSmall: Math.round(500_000 * scale),
    moduleLarge: Math.round(5_000_000 * scale),
  };
}

/**
 * Write every benchmark input under `root` and return a manifest: for each input its path (relative to
 * root), its size and the mistakes planted in it.
 */
export function generateAll(root, scale = 1) {
  const s = sizes(scale);
  const manifest = {};
  mkdirSync(root, { recursive: true });
  for (const [key, count] of [['planSmall', s.planSmall], ['planLarge', s.planLarge]]) {
    const plan = generatePlan({ resources: count, seed: count });
    const file = `plan-${count}.json`;
    writeFileSync(path.join(root, file), plan.text);
    manifest[key] = { path: file, resources: plan.resources, bytes: Buffer.byteLength(plan.text), planted: plan.planted };
  }
  for (const [key, count] of [['filesSmall', s.filesSmall], ['filesLarge', s.filesLarge]]) {
    const dir = `policies-${count}`;
    manifest[key] = { path: dir, ...writePolicyFiles(path.join(root, dir), { count }) };
  }
  for (const [key, bytes] of [['moduleSmall', s.moduleSmall], ['moduleLarge', s.moduleLarge]]) {
    const dir = `module-${bytes}`;
    manifest[key] = { path: dir, ...writeModule(path.join(root, dir), { bytes }) };
  }
  const single = 'single-policy.json';
  writeFileSync(path.join(root, single), `${JSON.stringify(githubTrust(ACCOUNT.prod, 'repo:acme/svc-00001:environment:prod'), null, 4)}\n`);
  manifest.single = { path: single, planted: [] };
  writeFileSync(path.join(root, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ? path.resolve(process.argv[2]) : mkdtempSync(path.join(tmpdir(), 'fedlint-bench-'));
  const manifest = generateAll(root);
  for (const [key, m] of Object.entries(manifest)) console.log(`${key.padEnd(12)} ${m.path}  ${m.bytes ?? ''} bytes, ${m.planted.length} planted`);
  console.log(root);
}
