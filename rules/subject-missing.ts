import { defineRule } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { analyse, keyFor, type TrustAnalysis } from '../src/engine/analysis.js';
import type { RuleContext } from '../src/engine/rule.js';
import type { IssuerProfile } from '../src/knowledge/issuers.js';
import type { TrustBinding } from '../src/model/types.js';

export default defineRule({
  meta: {
    id: 'subject-missing',
    title: 'Federated trust puts no limit on the token subject',
    level: 'error',
    providers: ['aws', 'gcp', 'azure'],
    precision: 'very-high',
    securitySeverity: '9.5',
    tags: ['security', 'oidc', 'external/cwe/cwe-284'],
    defaults: {},
    docs: {
      description:
        'An OIDC or web-identity trust does not limit the subject of the token (no sub, job_workflow_ref, repository_id or similar pin), so every workload the issuer serves can assume the identity. For GCP: a workload identity provider of a multi-tenant issuer whose attribute_condition is missing, constant or only requires a claim to exist, and an IAM grant to a whole pool (`principalSet://…/*`; a warning when every provider of the pool pins one workload). A trust that cannot be judged because a value is known only after apply is reported as a note.',
      why:
        'A multi-tenant issuer such as GitHub Actions, GitLab.com, HCP Terraform or Buildkite signs tokens for anyone who signs up. Without a subject limit, a workflow in any repository on the internet can exchange its token for these cloud credentials. Per-tenant issuers (an EKS cluster, a CircleCI organization) are bounded by the tenant, but every workload in it gets in. AWS rejects new GitHub trusts without a sub condition, but roles created before that guardrail are not re-checked.',
      fix:
        'Add a StringEquals condition on the issuer\'s sub key (for GitHub, `repo:OWNER/REPO:environment:NAME` or `repo:OWNER/REPO:ref:refs/heads/main`), or pin immutable ids such as repository_id.',
      references: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc_secure-by-default.html',
        'https://docs.github.com/en/actions/reference/security/oidc',
        'reference/aws.md §4.3, §7; reference/idps.md §0, §11',
      ],
      examples: {
        bad: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com' }) })),
        good: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:environment:production' }) })),
      },
    },
  },
  check(binding, ctx) {
    if (binding.undetermined) {
      ctx.report(binding, {
        at: binding.undetermined.at,
        level: 'note',
        message: `The trust in ${binding.target.name} could not be judged: ${binding.undetermined.reason}. fedlint judges it once the value is known (lint the next plan, or the deployed configuration).`,
      });
      return;
    }
    if (binding.member) {
      // A member names one identity, an attribute value or a group; only a whole-pool member is this rule's.
      // What the pool's providers admit is judged on the provider bindings.
      if (binding.member.scope === 'pool') poolWide(binding, ctx);
      return;
    }
    const a = analyse(binding);
    if (!a.profile || !a.profile.subjectRequired || a.admitsNothing) return;
    // A type-confused comparison that leaves the trust open is condition-bypass's finding: one mistake, one finding.
    if (binding.conditionFlaws?.some((f) => f.kind === 'type-confused')) return;
    if (a.pins.length > 0 || a.vacuous.length > 0) return;
    if (a.unknown.length > 0) {
      unknownUntilApply(binding, a, ctx);
      return;
    }
    if (binding.provider === 'gcp') {
      gcpProvider(binding, a, a.profile, ctx);
      return;
    }
    const presence = a.presenceOnly.length > 0 ? ` (${a.presenceOnly.map((c) => keyFor(binding, c)).join(', ')} is only required to exist)` : '';
    const who = a.profile.audienceOfAnyone;
    ctx.report(binding, {
      at: binding.claims[a.presenceOnly[0] ?? '']?.[0]?.at ?? binding.principalAt,
      message: `Trust in ${binding.target.name} accepts tokens from ${a.profile.name} without any limit on the subject${presence}: ${who} can assume it. Pin ${keyFor(binding, 'sub')} to the ${a.profile.subject?.unitNoun ?? 'workload'} that needs it.`,
    });
  },
});

/**
 * The subject limit is unknown because a value is known only after apply (a Terraform plan): say that the
 * trust could not be judged rather than pass it silently (reference/terraform-plan.md §3.1).
 */
function unknownUntilApply(binding: TrustBinding, a: TrustAnalysis, ctx: RuleContext): void {
  const unknown = a.unknown.flatMap((claim) => binding.claims[claim] ?? []).filter((c) => c.kind === 'unknown');
  const untilApply = unknown.filter((c) => /\bafter apply\b/i.test(c.reason));
  if (untilApply.length === 0 || untilApply.length !== unknown.length) return;
  const first = untilApply[0]!;
  ctx.report(binding, {
    at: first.at,
    level: 'note',
    message: `The subject limit of ${binding.target.name} could not be judged: ${first.reason}. fedlint judges it once the value is known (lint the next plan, or the deployed configuration).`,
  });
}

/** The immutable claim to pin for an issuer: its first unit-wide `…_id` identity claim, else `sub`. */
function pinFor(profile: IssuerProfile): string {
  return profile.identityClaims.find((c) => c.scope === 'unit' && c.claim.endsWith('_id'))?.claim ?? 'sub';
}

/**
 * A GCP provider of a multi-tenant issuer whose attribute_condition is missing, constant, or does not limit
 * who the token belongs to (reference/gcp.md §7). Per-tenant issuers are left to their members: a pool's
 * principal:// and principalSet:// bindings are what narrows them.
 */
function gcpProvider(binding: TrustBinding, a: TrustAnalysis, profile: IssuerProfile, ctx: RuleContext): void {
  if (profile.tenancy !== 'multi-tenant') return;
  const pin = `assertion.${pinFor(profile)}`;
  const presenceTests = a.presenceOnly.flatMap((c) => binding.claims[c] ?? []).filter((c) => c.kind === 'presence');
  // Provider bindings point at their attribute_condition, or at the issuer when there is none (gcp-trust.ts).
  const conditioned = JSON.stringify(binding.principalAt) !== JSON.stringify(binding.issuer.at);
  const what = !conditioned
    ? 'has no attribute_condition'
    : presenceTests.length > 0
      ? `has an attribute_condition that only requires ${presenceTests.map((c) => (c.kind === 'presence' ? c.key : '')).join(', ')} to exist`
      : 'has an attribute_condition that puts no limit on who the token belongs to';
  ctx.report(binding, {
    at: presenceTests[0]?.at ?? binding.principalAt,
    message: `Workload identity provider ${binding.target.name} ${what}: it accepts tokens from ${profile.name}, so ${profile.audienceOfAnyone} can exchange one for this pool's identities. Add an attribute_condition that pins ${pin} to the ${profile.subject?.unitNoun ?? 'workload'} that needs it (reference/gcp.md §7).`,
  });
}

/**
 * `principalSet://…/*`: every identity of the pool, through every provider of the pool, including providers
 * added later (reference/gcp.md §1, §4). When every provider found pins one unit, the door is closed today
 * and the finding is a warning about tomorrow.
 */
function poolWide(binding: TrustBinding, ctx: RuleContext): void {
  const member = binding.member!;
  const written = binding.sensitive ? 'principalSet://…/*' : member.value;
  const project =
    binding.target.kind === 'gcp-project' && binding.actions.some((r) => r === 'roles/iam.workloadidentityuser' || r === 'roles/iam.serviceaccounttokencreator')
      ? ' Granted on the project, it lets them impersonate every service account of the project.'
      : '';
  const fix = 'Bind the identity that needs it instead: principal://…/subject/SUBJECT, or principalSet://…/attribute.NAME/VALUE on an immutable attribute such as repository_id.';
  if (member.providersPinned) {
    ctx.report(binding, {
      at: member.at,
      level: 'warning',
      message: `${written} grants ${binding.target.name} to every identity of the workload identity pool. Each provider of the pool found in the inputs pins one workload today, but the grant follows whatever any provider of the pool admits, including providers added later.${project} ${fix}`,
    });
    return;
  }
  ctx.report(binding, {
    at: member.at,
    message: `${written} grants ${binding.target.name} to every identity of the workload identity pool: whatever any provider of the pool admits, including providers added later${binding.member?.providersUnseen ? ' (no enabled provider of the pool is among the inputs)' : ', and not every provider of the pool pins one workload'}.${project} ${fix}`,
  });
}
