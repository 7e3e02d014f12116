/**
 * Terraform source → plan view: addresses, values, unknown and sensitive mirrors, configuration
 * references, and the `.tf` line and column of every located value (through locate()), including
 * inside JSON documents built by jsonencode(), heredocs, file(), templatefile() and policy documents.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonPath, Location } from '../src/model/types.js';
import { loadTerraformSources, locateBlocks, type SourceLoad } from '../src/loaders/hcl/index.js';
import { lowerAwsPlan } from '../src/loaders/plan-aws.js';
import { lowerAzurePlan } from '../src/loaders/plan-azure.js';
import { lowerGcpPlan } from '../src/loaders/plan-gcp.js';
import { assembleGcp } from '../src/loaders/gcp-trust.js';
import type { PlanResource } from '../src/loaders/plan-view.js';

const GH = 'token.actions.githubusercontent.com';

/** Write files under a new temporary directory; returns it. */
function tree(files: Record<string, string>): string {
  const base = mkdtempSync(path.join(tmpdir(), 'fedlint-hcl-'));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(base, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return base;
}

/** Load `infra/` of a tree (display path `infra`, working directory the tree). */
async function load(files: Record<string, string>, options: { roots?: string[]; varFiles?: string[] } = {}): Promise<{ base: string; loads: SourceLoad[]; one: SourceLoad }> {
  const base = tree(files);
  const roots = (options.roots ?? ['infra']).map((r) => ({ absolute: path.join(base, r), display: r }));
  const loads = await loadTerraformSources(roots, { varFiles: options.varFiles ?? [], cwd: base });
  return { base, loads, one: loads[0]! };
}

function resource(l: SourceLoad, address: string): PlanResource {
  const r = l.view.resources.find((x) => x.address === address);
  if (!r) throw new Error(`no ${address} in ${l.view.resources.map((x) => x.address).join(', ')}`);
  return r;
}

/** 1-based range of the nth occurrence of `needle` in `text`. */
function rangeOf(text: string, needle: string, nth = 0): Location['range'] {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`${needle} not found ${nth + 1} times`);
  }
  const pos = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: before[before.length - 1]!.length + 1 };
  };
  const a = pos(at);
  const b = pos(at + needle.length);
  return { startLine: a.line, startColumn: a.column, endLine: b.line, endColumn: b.column };
}

function locate(r: PlanResource, attribute: JsonPath, inner?: JsonPath): Location {
  return r.locate!(attribute, inner);
}

describe('jsonencode, heredoc, file() and templatefile()', () => {
  const main = `resource "aws_iam_openid_connect_provider" "gh" {
  url            = "https://${GH}"
  client_id_list = ["sts.amazonaws.com"]
}

resource "aws_iam_role" "encoded" {
  name = "encoded"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.gh.arn }
      Condition = {
        StringLike = { "${GH}:sub" = "repo:octo-org/*" }
      }
    }]
  })
}

resource "aws_iam_role" "heredoc" {
  name               = "heredoc"
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "\${aws_iam_openid_connect_provider.gh.arn}"},
        "Condition": {"StringLike": {"${GH}:sub": "repo:heredoc/*"}}}]
    }
    EOT
}

resource "aws_iam_role" "filed" {
  name               = "filed"
  assume_role_policy = file("\${path.module}/policies/trust.json")
}

resource "aws_iam_role" "outside" {
  name               = "outside"
  assume_role_policy = file("../elsewhere.json")
}
`;
  const trust = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Principal": { "Federated": "arn:aws:iam::111122223333:oidc-provider/${GH}" },
      "Condition": { "StringLike": { "${GH}:sub": "repo:filed/*" } }
    }
  ]
}
`;
  const files = { 'infra/main.tf': main, 'infra/policies/trust.json': trust, 'elsewhere.json': trust };
  const sub = ['Statement', 0, 'Condition', 'StringLike', `${GH}:sub`];

  it('jsonencode(): the value is Terraform minified JSON with sorted keys; a path inside it lands on the literal', async () => {
    const { one } = await load(files);
    const r = resource(one, 'aws_iam_role.encoded');
    expect(JSON.parse(r.values['assume_role_policy'] as string)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: `arn:aws:iam::000000000000:oidc-provider/${GH}` },
          Condition: { StringLike: { [`${GH}:sub`]: 'repo:octo-org/*' } },
        },
      ],
    });
    expect((r.values['assume_role_policy'] as string).startsWith('{"Statement":[{"Action":')).toBe(true);
    const loc = locate(r, ['assume_role_policy'], sub);
    expect(loc.file).toBe('infra/main.tf');
    expect(loc.range).toEqual(rangeOf(main, '"repo:octo-org/*"'));
    expect(loc.path).toEqual(['aws_iam_role.encoded', 'assume_role_policy', ...sub]);
    // The principal comes from a reference: it lands on the reference.
    expect(locate(r, ['assume_role_policy'], ['Statement', 0, 'Principal', 'Federated']).range).toEqual(rangeOf(main, 'aws_iam_openid_connect_provider.gh.arn'));
    // The attribute itself: the jsonencode() call.
    expect(locate(r, ['assume_role_policy']).range?.startLine).toBe(rangeOf(main, 'jsonencode(')!.startLine);
  });

  it('heredoc: `<<-` indentation is removed; a path inside lands on the characters in the heredoc', async () => {
    const { one } = await load(files);
    const r = resource(one, 'aws_iam_role.heredoc');
    const text = r.values['assume_role_policy'] as string;
    expect(text.startsWith('{\n  "Version"')).toBe(true);
    expect(JSON.parse(text).Statement[0].Principal.Federated).toBe(`arn:aws:iam::000000000000:oidc-provider/${GH}`);
    expect(locate(r, ['assume_role_policy'], sub).range).toEqual(rangeOf(main, '"repo:heredoc/*"'));
    // A string that is exactly one interpolated value lands where that value comes from: the reference.
    expect(locate(r, ['assume_role_policy'], ['Statement', 0, 'Principal', 'Federated']).range).toEqual(rangeOf(main, 'aws_iam_openid_connect_provider.gh.arn', 1));
    // A path the document does not have: the closest enclosing value (the condition's operator object).
    expect(locate(r, ['assume_role_policy'], [...sub.slice(0, 4), 'no-such-key']).range).toEqual(rangeOf(main, `{"${GH}:sub": "repo:heredoc/*"}`));
  });

  it('file(): the document is read from the module tree and located in that file', async () => {
    const { one } = await load(files);
    const r = resource(one, 'aws_iam_role.filed');
    const loc = locate(r, ['assume_role_policy'], sub);
    expect(loc.file).toBe('infra/policies/trust.json');
    expect(loc.range).toEqual(rangeOf(trust, '"repo:filed/*"'));
    expect(one.files.map((f) => f.display)).toContain('infra/policies/trust.json');
  });

  it('file() outside the module tree is not read: unknown, and said so', async () => {
    const { one } = await load(files);
    const r = resource(one, 'aws_iam_role.outside');
    expect(r.values['assume_role_policy']).toBeUndefined();
    expect(r.unknown).toMatchObject({ assume_role_policy: true });
    expect(one.unresolved.some((u) => u.message.includes('"../elsewhere.json" is not read (it is outside the module tree)'))).toBe(true);
    expect(one.files.map((f) => f.display)).not.toContain('elsewhere.json');
  });

  it('file() of a link inside the tree that points outside it is not read', async () => {
    const base = tree({
      'infra/main.tf': 'resource "aws_iam_role" "linked" {\n  name = "linked"\n  assume_role_policy = file("trust.json")\n}\n',
      'secret.json': '{"Statement": []}',
    });
    symlinkSync(path.join(base, 'secret.json'), path.join(base, 'infra', 'trust.json'));
    const [one] = await loadTerraformSources([{ absolute: path.join(base, 'infra'), display: 'infra' }], { varFiles: [], cwd: base });
    expect(resource(one!, 'aws_iam_role.linked').unknown).toMatchObject({ assume_role_policy: true });
    expect(one!.unresolved.map((u) => u.message)).toContain('"trust.json" is not read (it links outside the module tree); values built from it are unknown');
  });

  it('templatefile(): literal parts land in the template, interpolated values where they were written', async () => {
    const template = `{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
  "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/${GH}"},
  "Condition": {"StringLike": {"${GH}:sub": %{ for i, s in subjects ~}
\${i > 0 ? ", " : "["}"\${s}"%{ endfor ~}
]}}}]}
`;
    const mainTf = `resource "aws_iam_role" "t" {
  name               = "t"
  assume_role_policy = templatefile("\${path.module}/trust.tftpl", { subjects = ["repo:a/*", "repo:b/*"] })
}
`;
    const { one } = await load({ 'infra/main.tf': mainTf, 'infra/trust.tftpl': template });
    const r = resource(one, 'aws_iam_role.t');
    const doc = JSON.parse(r.values['assume_role_policy'] as string);
    expect(doc.Statement[0].Condition.StringLike[`${GH}:sub`]).toEqual(['repo:a/*', 'repo:b/*']);
    const second = locate(r, ['assume_role_policy'], [...sub, 1]);
    expect(second.file).toBe('infra/main.tf');
    expect(second.range).toEqual(rangeOf(mainTf, '"repo:b/*"'));
    const action = locate(r, ['assume_role_policy'], ['Statement', 0, 'Action']);
    expect(action.file).toBe('infra/trust.tftpl');
    expect(action.range).toEqual(rangeOf(template, '"sts:AssumeRoleWithWebIdentity"'));
  });
});

describe('aws_iam_policy_document', () => {
  const main = `variable "repos" {
  default = ["app", "infra"]
}

resource "aws_iam_openid_connect_provider" "github" {
  url             = "https://${GH}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = []
}

data "aws_iam_policy_document" "base" {
  statement {
    sid     = "Base"
    actions = ["sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "trust" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    sid     = "GitHub"
    actions = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${GH}:aud"
      values   = ["sts.amazonaws.com"]
    }
    dynamic "condition" {
      for_each = var.repos
      iterator = repo
      content {
        test     = "StringLike"
        variable = "${GH}:sub"
        values   = ["repo:octo-org/\${repo.value}:ref:refs/heads/main"]
      }
    }
  }
}

data "aws_iam_policy_document" "override" {
  source_policy_documents   = [data.aws_iam_policy_document.trust.json]
  override_policy_documents = [jsonencode({ Statement = [{ Sid = "Base", Effect = "Deny", Action = "sts:TagSession", Principal = { Service = "ecs-tasks.amazonaws.com" } }] })]
}

resource "aws_iam_role" "deploy" {
  name               = "deploy"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
`;

  it('assembles json as the provider does: dynamic condition blocks merged under one key, sets in reverse order', async () => {
    const { one } = await load({ 'infra/main.tf': main });
    const doc = resource(one, 'data.aws_iam_policy_document.trust');
    const json = doc.values['json'] as string;
    expect(json.startsWith('{\n  "Version": "2012-10-17",\n  "Statement": [\n')).toBe(true);
    expect(JSON.parse(json)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Base', Effect: 'Allow', Action: 'sts:TagSession', Principal: { Service: 'ecs-tasks.amazonaws.com' } },
        {
          Sid: 'GitHub',
          Effect: 'Allow',
          Action: ['sts:TagSession', 'sts:AssumeRoleWithWebIdentity'],
          Principal: { Federated: `arn:aws:iam::000000000000:oidc-provider/${GH}` },
          Condition: {
            StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' },
            StringLike: { [`${GH}:sub`]: ['repo:octo-org/app:ref:refs/heads/main', 'repo:octo-org/infra:ref:refs/heads/main'] },
          },
        },
      ],
    });
    expect(doc.values['minified_json']).toBe(JSON.stringify(JSON.parse(json)));
    // The nested blocks are in plan shape: lists of objects, dynamic blocks expanded.
    expect((doc.values['statement'] as Array<Record<string, unknown>>)[0]!['condition']).toHaveLength(3);
  });

  it('a path inside the role trust lands on the values element of the condition block that produced it', async () => {
    const { one } = await load({ 'infra/main.tf': main });
    const role = resource(one, 'aws_iam_role.deploy');
    const sub = ['Statement', 1, 'Condition', 'StringLike', `${GH}:sub`];
    const loc = locate(role, ['assume_role_policy'], [...sub, 1]);
    expect(loc.file).toBe('infra/main.tf');
    // One template in a dynamic block produced both values: both land on it.
    expect(loc.range).toEqual(rangeOf(main, '"repo:octo-org/${repo.value}:ref:refs/heads/main"'));
    expect(locate(role, ['assume_role_policy'], ['Statement', 1, 'Condition', 'StringEquals', `${GH}:aud`]).range).toEqual(rangeOf(main, '"sts.amazonaws.com"', 1));
    expect(locate(role, ['assume_role_policy'], ['Statement', 1, 'Principal', 'Federated']).range).toEqual(rangeOf(main, 'aws_iam_openid_connect_provider.github.arn'));
    // The statement merged in from the source document keeps its own place.
    expect(locate(role, ['assume_role_policy'], ['Statement', 0, 'Principal', 'Service']).range).toEqual(rangeOf(main, '"ecs-tasks.amazonaws.com"'));
    // The role's configuration references the document, as a plan's configuration would.
    expect(role.config?.expressions['assume_role_policy']).toEqual({ references: ['data.aws_iam_policy_document.trust.json', 'data.aws_iam_policy_document.trust'] });
  });

  it('override_policy_documents replace the statement with the same Sid; source documents come first', async () => {
    const { one } = await load({ 'infra/main.tf': main });
    const doc = JSON.parse(resource(one, 'data.aws_iam_policy_document.override').values['json'] as string);
    expect(doc.Statement.map((s: { Sid: string; Effect: string }) => `${s.Sid}:${s.Effect}`)).toEqual(['Base:Deny', 'GitHub:Allow']);
  });

  it('lowerAwsPlan turns the source view into bindings whose locations carry .tf ranges', async () => {
    const { one } = await load({ 'infra/main.tf': main });
    const result = lowerAwsPlan(one.view);
    expect(result.problems).toEqual([]);
    const binding = result.bindings.find((b) => b.target.address === 'aws_iam_role.deploy' && b.mechanism === 'oidc');
    expect(binding).toBeDefined();
    expect(binding!.issuer).toMatchObject({ kind: 'exact', host: GH });
    const sub = binding!.claims['sub']![0]!;
    expect(sub).toMatchObject({ kind: 'patterns', values: ['repo:octo-org/app:ref:refs/heads/main', 'repo:octo-org/infra:ref:refs/heads/main'] });
    expect(sub.at.file).toBe('infra/main.tf');
    expect(sub.at.range).toBeDefined();
    if (sub.kind === 'patterns') expect(sub.valueAt[0]!.range).toEqual(rangeOf(main, '"repo:octo-org/${repo.value}:ref:refs/heads/main"'));
    expect(binding!.target.at.range).toEqual(rangeOf(main, 'resource "aws_iam_role" "deploy"'));
    // The provider's client-ID list pins the audience, from its .tf line.
    expect(binding!.providerAudiences?.at.range).toEqual(rangeOf(main, '["sts.amazonaws.com"]'));
  });
});

describe('count, for_each and local modules', () => {
  it('for_each roles: one instance per key, each.key and each.value evaluated, located per instance', async () => {
    const main = `locals {
  envs = {
    prod = "repo:octo-org/app:environment:prod"
    dev  = "repo:octo-org/app:*"
  }
}

resource "aws_iam_role" "ci" {
  for_each = local.envs
  name     = "ci-\${each.key}"
  path     = "/\${each.key}/"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/${GH}" }
      Condition = { StringLike = { "${GH}:sub" = each.value } }
    }]
  })
}

resource "aws_iam_role" "numbered" {
  count = 2
  name  = "n-\${count.index}"
  assume_role_policy = "{}"
}
`;
    const { one } = await load({ 'infra/main.tf': main });
    expect(one.view.resources.map((r) => r.address)).toEqual(['aws_iam_role.ci["dev"]', 'aws_iam_role.ci["prod"]', 'aws_iam_role.numbered[0]', 'aws_iam_role.numbered[1]']);
    const prod = resource(one, 'aws_iam_role.ci["prod"]');
    expect(prod.values['name']).toBe('ci-prod');
    expect(prod.config?.expressions['name']).toEqual({ references: ['each.key'] });
    const sub = ['Statement', 0, 'Condition', 'StringLike', `${GH}:sub`];
    expect(locate(prod, ['assume_role_policy'], sub).range).toEqual(rangeOf(main, '"repo:octo-org/app:environment:prod"'));
    expect(locate(resource(one, 'aws_iam_role.ci["dev"]'), ['assume_role_policy'], sub).range).toEqual(rangeOf(main, '"repo:octo-org/app:*"'));
    expect(locate(prod, ['assume_role_policy'], sub).path).toEqual(['aws_iam_role.ci["prod"]', 'assume_role_policy', ...sub]);
    expect(resource(one, 'aws_iam_role.numbered[1]').values['name']).toBe('n-1');
    // lowerAwsPlan sees the environment from the path and names the instance.
    const bindings = lowerAwsPlan(one.view).bindings.filter((b) => b.target.address?.startsWith('aws_iam_role.ci'));
    expect(bindings.map((b) => `${b.target.name}:${b.target.environment}`).sort()).toEqual(['aws_iam_role.ci["dev"]:development', 'aws_iam_role.ci["prod"]:production']);
  });

  it('a local module with inputs: addresses under module.NAME, values from the call, located at the call argument', async () => {
    const main = `module "ci" {
  source   = "./modules/oidc-role"
  for_each = toset(["app", "web"])
  name     = "ci-\${each.key}"
  subjects = ["repo:octo-org/\${each.key}:*"]
}

module "registry" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "5.0.0"
}

output "arns" {
  value = module.ci["app"].role_name
}

resource "aws_iam_role" "uses_output" {
  name               = module.ci["web"].role_name
  assume_role_policy = module.registry.trust
}
`;
    const child = `variable "name" {}
variable "subjects" { type = list(string) }

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::111122223333:oidc-provider/${GH}"]
    }
    condition {
      test     = "StringLike"
      variable = "${GH}:sub"
      values   = var.subjects
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

output "role_name" {
  value = aws_iam_role.this.name
}
`;
    const { one } = await load({ 'infra/main.tf': main, 'infra/modules/oidc-role/main.tf': child });
    const role = resource(one, 'module.ci["web"].aws_iam_role.this');
    expect(role.module).toBe('module.ci["web"]');
    expect(role.values['name']).toBe('ci-web');
    const loc = locate(role, ['assume_role_policy'], ['Statement', 0, 'Condition', 'StringLike', `${GH}:sub`]);
    expect(loc.file).toBe('infra/main.tf');
    expect(loc.range).toEqual(rangeOf(main, '"repo:octo-org/${each.key}:*"'));
    expect(JSON.parse(role.values['assume_role_policy'] as string).Statement[0].Condition.StringLike[`${GH}:sub`]).toBe('repo:octo-org/web:*');
    // The root reads the module's output; the remote module's outputs stay unknown.
    const user = resource(one, 'aws_iam_role.uses_output');
    expect(user.values['name']).toBe('ci-web');
    expect(user.unknown).toMatchObject({ assume_role_policy: true });
    expect(one.unresolved.map((u) => u.message)).toContain(
      'module.registry is not read: its source "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role" is not a local path, and fedlint reads only local modules; its outputs are unknown',
    );
    const note = one.unresolved.find((u) => u.message.startsWith('module.registry'))!;
    expect(note.at.range).toEqual(rangeOf(main, '"terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"'));
    // The module's data source is listed under the module instance too.
    expect(one.view.resources.map((r) => r.address)).toContain('module.ci["app"].data.aws_iam_policy_document.trust');
  });

  it('a root that another root calls as a local module is not returned on its own', async () => {
    const files = {
      'infra/main.tf': 'module "shared" {\n  source = "../shared"\n}\n',
      'shared/main.tf': 'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n}\n',
      'other/main.tf': 'resource "aws_iam_role" "o" {\n  name = "o"\n  assume_role_policy = "{}"\n}\n',
    };
    const { loads } = await load(files, { roots: ['shared', 'infra', 'other'] });
    expect(loads.map((l) => l.root.display)).toEqual(['infra', 'other']);
    expect(loads[0]!.view.resources.map((r) => r.address)).toEqual(['module.shared.aws_iam_role.r']);
    expect(resource(loads[0]!, 'module.shared.aws_iam_role.r').locate!(['name']).file).toBe('shared/main.tf');
  });

  it('locateBlocks maps configuration addresses to block headers', async () => {
    const base = tree({
      'infra/main.tf': 'module "ci" {\n  source = "./ci"\n  count  = 2\n}\ndata "aws_iam_policy_document" "t" {}\n',
      'infra/ci/role.tf': '\n\nresource "aws_iam_role" "deploy" {\n  name = "d"\n}\n',
    });
    const blocks = await locateBlocks({ absolute: path.join(base, 'infra'), display: 'infra' });
    expect([...blocks.keys()].sort()).toEqual(['data.aws_iam_policy_document.t', 'module.ci.aws_iam_role.deploy']);
    const deploy = blocks.get('module.ci.aws_iam_role.deploy')!;
    expect(deploy.file).toBe('infra/ci/role.tf');
    expect(deploy.range).toEqual({ startLine: 3, startColumn: 1, endLine: 3, endColumn: 33 });
  });
});

describe('unknown values, sensitive values, variables', () => {
  const main = `variable "org" {}
variable "audience" {
  default = "sts.amazonaws.com"
}
variable "token" {
  default   = "not-a-real-secret"
  sensitive = true
}

data "aws_ssm_parameter" "account" {
  name = "/org/account-id"
}

resource "aws_iam_role" "unknown_org" {
  name = "u"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::\${data.aws_ssm_parameter.account.value}:oidc-provider/${GH}" }
      Condition = { StringLike = { "${GH}:sub" = "repo:\${var.org}/*" } }
    }]
  })
  tags = {
    team  = "ci"
    owner = var.org
    token = var.token
  }
}

resource "aws_iam_role" "counted" {
  count              = length(data.aws_ssm_parameter.account.value) > 0 ? 1 : 0
  name               = "c"
  assume_role_policy = "{}"
}
`;

  it('a variable without a value, a data source that reads the cloud: unknown, spread, and noted', async () => {
    const { one } = await load({ 'infra/main.tf': main });
    const r = resource(one, 'aws_iam_role.unknown_org');
    expect(r.values['assume_role_policy']).toBeUndefined();
    expect(r.unknown).toMatchObject({ assume_role_policy: true, tags: { owner: true } });
    expect(r.values['tags']).toEqual({ team: 'ci', token: 'not-a-real-secret' });
    expect(r.sensitive).toEqual({ tags: { token: true } });
    expect(r.config?.expressions['assume_role_policy']).toEqual({ references: ['data.aws_ssm_parameter.account.value', 'data.aws_ssm_parameter.account', 'var.org'] });
    const messages = one.unresolved.map((u) => u.message);
    expect(messages).toContain('var.org has no value (no default, not in terraform.tfvars, *.auto.tfvars or --var-file); values built from it are unknown');
    expect(messages).toContain('data.aws_ssm_parameter.account reads the cloud; its attributes are unknown');
    const varNote = one.unresolved.find((u) => u.message.startsWith('var.org'))!;
    expect(varNote.at).toMatchObject({ file: 'infra/main.tf', range: { startLine: 1, startColumn: 1 } });
    // The undetermined trust is said so, at the attribute, never guessed.
    const binding = lowerAwsPlan(one.view).bindings.find((b) => b.target.address === 'aws_iam_role.unknown_org');
    expect(binding?.undetermined).toBeDefined();
    expect(binding!.undetermined!.at.range?.startLine).toBe(rangeOf(main, 'jsonencode(')!.startLine);
  });

  it('an unknown count keeps one instance without a key, and says so', async () => {
    const { one } = await load({ 'infra/main.tf': main });
    expect(one.view.resources.map((r) => r.address)).toContain('aws_iam_role.counted');
    expect(one.unresolved.some((u) => u.message === 'the count of aws_iam_role.counted is not known statically; one instance is read, without an index')).toBe(true);
  });

  it('terraform.tfvars, *.auto.tfvars (by name) and --var-file, later ones winning; JSON variable files too', async () => {
    const files = {
      'infra/main.tf': `variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
resource "x_thing" "t" {
  a = var.a
  b = var.b
  c = var.c
  d = var.d
}
`,
      'infra/terraform.tfvars': 'a = "tfvars"\nb = "tfvars"\nc = "tfvars"\n',
      'infra/b.auto.tfvars': 'b = "b.auto"\nc = "b.auto"\n',
      'infra/a.auto.tfvars.json': '{"b": "a.auto", "c": "a.auto"}',
      'extra.tfvars': 'c = "extra"\n',
    };
    const { one } = await load(files, { varFiles: ['extra.tfvars'] });
    const t = resource(one, 'x_thing.t');
    expect(t.values).toEqual({ a: 'tfvars', b: 'b.auto', c: 'extra', d: 'default' });
    expect(t.locate!(['c']).file).toBe('extra.tfvars');
    expect(t.locate!(['c']).range).toEqual({ startLine: 1, startColumn: 5, endLine: 1, endColumn: 12 });
    expect(t.locate!(['b']).file).toBe('infra/b.auto.tfvars');
    expect(one.files.map((f) => f.display).sort()).toEqual(['extra.tfvars', 'infra/a.auto.tfvars.json', 'infra/b.auto.tfvars', 'infra/main.tf', 'infra/terraform.tfvars']);
  });
});

describe('bad HCL', () => {
  it('a syntax error is a problem with its position; the other files and blocks are still read', async () => {
    const broken = 'resource "aws_iam_role" "ok" {\n  name = "ok"\n}\n\nresource "aws_iam_role" "bad" {\n  name = "bad" +\n}\n';
    const { one } = await load({ 'infra/a.tf': broken, 'infra/b.tf': 'resource "aws_iam_role" "other" {\n  name = "other"\n}\n' });
    expect(one.problems).toHaveLength(1);
    const p = one.problems[0]!;
    expect(p.at.file).toBe('infra/a.tf');
    expect(p.at.range).toMatchObject({ startLine: 6, startColumn: 16 });
    expect(p.message).toBe('invalid HCL: unexpected "+"');
    const addresses = one.view.resources.map((r) => r.address);
    expect(addresses).toContain('aws_iam_role.ok');
    expect(addresses).toContain('aws_iam_role.other');
  });

  it('an unclosed block: the error points at the block, and the blocks after it are still read', async () => {
    const unclosed = 'resource "aws_iam_role" "open" {\n  name = "open"\n\nresource "aws_iam_role" "next" {\n  name = "next"\n}\n';
    const { one } = await load({ 'infra/main.tf': unclosed });
    expect(one.problems.map((p) => [p.message, p.at.range?.startLine, p.at.range?.startColumn])).toEqual([['invalid HCL: this block is not closed (missing "}")', 1, 1]]);
    expect(one.view.resources.map((r) => r.address)).toEqual(['aws_iam_role.open', 'aws_iam_role.next']);
    expect(resource(one, 'aws_iam_role.next').values['name']).toBe('next');
    // The brace added back at the end: valid HCL, but blocks nested where Terraform refuses them.
    const nested = `${unclosed}}\n`;
    const again = await load({ 'infra/main.tf': nested });
    expect(again.one.problems.map((p) => [p.message, p.at.range?.startLine, p.at.range?.startColumn])).toEqual([
      ['invalid HCL: a resource block cannot be inside another block (is a "}" missing before it?)', 4, 1],
    ]);
    expect(again.one.view.resources.map((r) => r.address)).toEqual(['aws_iam_role.open', 'aws_iam_role.next']);
    expect(resource(again.one, 'aws_iam_role.open').values).toEqual({ name: 'open' });
  });

  it('an unterminated string points at its opening quote', async () => {
    const { one } = await load({ 'infra/main.tf': 'locals {\n  a = "abc\n  b = 2\n}\n' });
    expect(one.problems.map((p) => [p.message, p.at.range?.startLine, p.at.range?.startColumn])).toEqual([['invalid HCL: unterminated string', 2, 7]]);
  });
});

describe('GCP and Azure from source', () => {
  it('a member built from the pool name matches the pool of a provider of the same module', async () => {
    const main = `resource "google_iam_workload_identity_pool" "ci" {
  project                   = "my-project"
  workload_identity_pool_id = "ci-pool"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  project                            = "my-project"
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = "assertion.repository_owner == 'octo-org'"
  oidc {
    issuer_uri = "https://${GH}"
  }
}

resource "google_service_account_iam_member" "wif" {
  service_account_id = "projects/my-project/serviceAccounts/deploy@my-project.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/\${google_iam_workload_identity_pool.ci.name}/attribute.repository/octo-org/app"
}
`;
    const { one } = await load({ 'infra/main.tf': main });
    const member = resource(one, 'google_service_account_iam_member.wif');
    expect(member.values['member']).toBe('principalSet://iam.googleapis.com/projects/my-project/locations/global/workloadIdentityPools/ci-pool/attribute.repository/octo-org/app');
    const provider = resource(one, 'google_iam_workload_identity_pool_provider.github');
    expect(provider.values['oidc']).toEqual([{ issuer_uri: `https://${GH}` }]);
    expect(provider.locate!(['oidc', 0, 'issuer_uri']).range).toEqual(rangeOf(main, `"https://${GH}"`));
    const lowered = lowerGcpPlan(one.view);
    expect(lowered.gcp.providers).toHaveLength(1);
    expect(lowered.gcp.providers[0]!.pool).toEqual({ id: 'ci-pool' });
    const bindings = assembleGcp([lowered.gcp]).bindings.filter((b) => b.member);
    expect(bindings).toHaveLength(1);
    expect(bindings[0]!.member!.at.range).toEqual(rangeOf(main, '"principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.ci.name}/attribute.repository/octo-org/app"'));
  });

  it('data.google_iam_policy: policy_data is built from its bindings; each member lands on its list element', async () => {
    const main = `data "google_iam_policy" "wif" {
  binding {
    role = "roles/iam.workloadIdentityUser"
    members = [
      "principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/attribute.repository/octo-org/app",
      "principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/*",
    ]
  }
}

resource "google_service_account_iam_policy" "deploy" {
  service_account_id = "projects/p/serviceAccounts/deploy@p.iam.gserviceaccount.com"
  policy_data        = data.google_iam_policy.wif.policy_data
}
`;
    const { one } = await load({ 'infra/main.tf': main });
    const policy = JSON.parse(resource(one, 'google_service_account_iam_policy.deploy').values['policy_data'] as string);
    expect(policy.bindings[0].role).toBe('roles/iam.workloadIdentityUser');
    expect(policy.bindings[0].members).toHaveLength(2);
    const members = lowerGcpPlan(one.view).gcp.members;
    expect(members.map((m) => m.member?.endsWith('/*'))).toEqual([true, false]);
    expect(members[0]!.at.range).toEqual(rangeOf(main, '"principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/*"'));
    expect(members[1]!.at.range).toEqual(rangeOf(main, '"principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/attribute.repository/octo-org/app"'));
  });

  it('an AKS issuer is unknown until apply: the credential is undetermined, at its .tf line', async () => {
    const main = `resource "azurerm_user_assigned_identity" "app" {
  name                = "app-prod"
  resource_group_name = "rg"
  location            = "westeurope"
}

resource "azurerm_federated_identity_credential" "aks" {
  name      = "aks"
  parent_id = azurerm_user_assigned_identity.app.id
  issuer    = azurerm_kubernetes_cluster.main.oidc_issuer_url
  subject   = "system:serviceaccount:default:app"
  audience  = ["api://AzureADTokenExchange"]
}

resource "azurerm_kubernetes_cluster" "main" {
  name = "main"
}
`;
    const { one } = await load({ 'infra/main.tf': main });
    const fic = resource(one, 'azurerm_federated_identity_credential.aks');
    expect(fic.unknown).toMatchObject({ issuer: true });
    expect(fic.config?.expressions['issuer']).toEqual({ references: ['azurerm_kubernetes_cluster.main.oidc_issuer_url', 'azurerm_kubernetes_cluster.main'] });
    const binding = lowerAzurePlan(one.view).bindings[0]!;
    expect(binding.issuer.kind).toBe('unknown');
    expect(binding.issuer.at.range).toEqual(rangeOf(main, 'azurerm_kubernetes_cluster.main.oidc_issuer_url'));
    expect(binding.target.environment).toBe('production');
  });
});

describe('odd input never throws', () => {
  const sample = `variable "subjects" { default = ["repo:a/*"] }
locals { m = { for s in var.subjects : s => upper(s) } }
data "aws_iam_policy_document" "t" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    dynamic "condition" {
      for_each = local.m
      content {
        test     = "StringLike"
        variable = "${GH}:sub"
        values   = ["\${condition.key}", "%{ if true }x%{ endif }"]
      }
    }
  }
}
resource "aws_iam_role" "r" {
  count              = length(var.subjects)
  name               = format("r-%d", count.index)
  assume_role_policy = <<-EOT
    {"a": \${jsonencode(data.aws_iam_policy_document.t.json)}}
    EOT
}
module "m" {
  source = "./m"
  x      = aws_iam_role.r[0].name
}
`;

  it('mutated modules load: every problem and note has a position inside its file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(sample.length), fc.nat(8), fc.constantFrom('', '{', '}', '"', '${', '%{', '[', ']', '(', ')', '=', '\n', '<<EOT\n', '.', '*', '~', '#')), { minLength: 1, maxLength: 4 }),
        async (edits) => {
          let text = sample;
          for (const [at, cut, insert] of edits) text = text.slice(0, at) + insert + text.slice(at + cut);
          const { one } = await load({ 'infra/main.tf': text, 'infra/m/main.tf': 'variable "x" {}\noutput "y" { value = var.x }\n' });
          const lines = text.split('\n').length;
          for (const p of [...one.problems, ...one.unresolved]) {
            if (p.at.file !== 'infra/main.tf') continue;
            expect(p.at.range!.startLine).toBeLessThanOrEqual(lines);
            expect(p.at.range!.endLine).toBeGreaterThanOrEqual(p.at.range!.startLine);
          }
          for (const r of one.view.resources) r.locate!(['assume_role_policy'], ['Statement', 0]);
        },
      ),
      { numRuns: 150 },
    );
  }, 60000);
});

describe('stand-ins for data sources whose answer does not change a trust', () => {
  it('judges a trust whose provider ARN is built from the account, the partition, or a looked-up OIDC provider', async () => {
    const main = `data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_iam_openid_connect_provider" "github" {
  url = "https://${GH}"
}

resource "aws_iam_role" "built" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:\${data.aws_partition.current.partition}:iam::\${data.aws_caller_identity.current.account_id}:oidc-provider/${GH}" }
      Condition = { StringLike = { "${GH}:sub" = "repo:octo-org/*" } }
    }]
  })
}

resource "aws_iam_role" "looked_up" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = data.aws_iam_openid_connect_provider.github.arn }
      Condition = { StringLike = { "${GH}:sub" = "repo:octo-org/*" } }
    }]
  })
}
`;
    const { one } = await load({ 'infra/main.tf': main });
    expect(one.unresolved).toEqual([]);
    const bindings = lowerAwsPlan(one.view).bindings;
    expect(bindings.map((b) => [b.target.address, b.undetermined === undefined, b.issuer.kind === 'exact' ? b.issuer.host : b.issuer.kind])).toEqual([
      ['aws_iam_role.built', true, GH],
      ['aws_iam_role.looked_up', true, GH],
    ]);
  });
});
