import { defineRule } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { analyse } from '../src/engine/analysis.js';
import { isPin } from '../src/match/scope.js';
import type { TrustBinding } from '../src/model/types.js';

export default defineRule({
  meta: {
    id: 'mutable-claim',
    title: 'Trust is bound to a mutable name where an immutable id exists',
    level: 'note',
    providers: ['aws', 'gcp'],
    precision: 'high',
    securitySeverity: '3.0',
    tags: ['security', 'oidc'],
    defaults: {},
    docs: {
      description:
        'A trust limits a mutable name claim (GitHub `repository`, `repository_owner`, `actor`; GitLab `project_path`, `namespace_path`) without also pinning its immutable twin (`repository_id`, `repository_owner_id`, `actor_id`, `project_id`, `namespace_id`): in an IAM condition, a GCP attribute_condition (`assertion.repository == …`), or a GCP member on a mapped name attribute (`principalSet://…/attribute.repository/OWNER/REPO`).',
      why:
        'Names change hands: after a rename, transfer or deletion, someone else can create a repository or organization with the old name and mint tokens that carry it. Numeric ids are never reused.',
      fix: 'Pin the id claim instead of, or beside, the name (for GitHub, `repository_id` and `repository_owner_id`, which AWS STS can check since 2026).',
      references: [
        'https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens/',
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html',
        'reference/aws.md §5.2; reference/idps.md §1.4, §2',
      ],
      examples: {
        bad: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:ref:refs/heads/main', repository: 'octo-org/octo-repo' }) })),
        good: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:ref:refs/heads/main', repository_id: '7891011' }) })),
      },
    },
  },
  check(binding, ctx) {
    const a = analyse(binding);
    const mutable = a.profile?.mutableClaims;
    if (!mutable || a.admitsNothing || binding.undetermined) return;
    for (const [claim, immutable] of entriesOf(mutable)) {
      // Most trusts test no mutable claim: nothing is listed for them.
      const claimTests = binding.claims[claim];
      if (!claimTests?.some(isPin)) continue;
      const tests = claimTests.filter(isPin);
      if ((binding.claims[immutable] ?? []).some(isPin)) continue;
      ctx.report(binding, {
        at: tests[0]!.at,
        message: `${tests[0]!.key} pins the mutable name claim ${claim}: after a rename or transfer another account can take the name. ${binding.provider === 'gcp' ? gcpFix(binding, immutable) : `Pin ${immutable} instead.`}`,
      });
    }
  },
});

/** The pairs of a profile's mutableClaims, listed once per table (issuers.ts has two) rather than once per binding. */
const entries = new Map<Record<string, string>, Array<[string, string]>>();

function entriesOf(mutable: Record<string, string>): Array<[string, string]> {
  let list = entries.get(mutable);
  if (!list) entries.set(mutable, (list = Object.entries(mutable)));
  return list;
}

/** GCP: a member binds an attribute the provider maps; a provider tests the claim in its attribute_condition. */
function gcpFix(binding: TrustBinding, immutable: string): string {
  return binding.member
    ? `Map attribute.${immutable} = assertion.${immutable} in the provider and bind principalSet://…/attribute.${immutable}/ID instead.`
    : `Test assertion.${immutable} in the attribute_condition instead.`;
}
