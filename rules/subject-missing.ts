import { defineRule } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { analyse, keyFor } from '../src/engine/analysis.js';

export default defineRule({
  meta: {
    id: 'subject-missing',
    title: 'Federated trust puts no limit on the token subject',
    level: 'error',
    providers: ['aws'],
    precision: 'very-high',
    securitySeverity: '9.5',
    tags: ['security', 'oidc', 'external/cwe/cwe-284'],
    defaults: {},
    docs: {
      description:
        'An OIDC or web-identity trust does not limit the subject of the token (no sub, job_workflow_ref, repository_id or similar pin), so every workload the issuer serves can assume the identity.',
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
    const a = analyse(binding);
    if (!a.profile || !a.profile.subjectRequired || a.admitsNothing) return;
    if (a.pins.length > 0 || a.vacuous.length > 0 || a.unknown.length > 0) return;
    const presence = a.presenceOnly.length > 0 ? ` (${a.presenceOnly.map((c) => keyFor(binding, c)).join(', ')} is only required to exist)` : '';
    const who = a.profile.audienceOfAnyone;
    ctx.report(binding, {
      at: binding.claims[a.presenceOnly[0] ?? '']?.[0]?.at ?? binding.principalAt,
      message: `Trust in ${binding.target.name} accepts tokens from ${a.profile.name} without any limit on the subject${presence}: ${who} can assume it. Pin ${keyFor(binding, 'sub')} to the ${a.profile.subject?.unitNoun ?? 'workload'} that needs it.`,
    });
  },
});
