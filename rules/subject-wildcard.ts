import { defineRule } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { analyse, keyFor } from '../src/engine/analysis.js';

export default defineRule({
  meta: {
    id: 'subject-wildcard',
    title: 'Subject limit admits identities outside one repository, project or service account',
    level: 'error',
    providers: ['aws'],
    precision: 'high',
    securitySeverity: '9.5',
    tags: ['security', 'oidc', 'external/cwe/cwe-284'],
    defaults: {},
    docs: {
      description:
        'A subject limit uses a wildcard (or pins only an owner) so that it admits identities outside one repository, project, workspace or service account. The message names a concrete admitted subject. Error when anyone on the internet can mint such a token, warning when only insiders of the organization can.',
      why:
        'In IAM StringLike and Azure `matches`, `*` spans `/` and `:`. `repo:octo-org*` admits `repo:octo-org-evil/x:…`, an organization anyone can register; `repo:octo-org/*` admits every repository of the organization, including ones any member can create, and their pull requests.',
      fix:
        'Replace the wildcard by the exact repository (and branch or environment): `repo:OWNER/REPO:environment:production`. If several repositories need the role, list each one; pin `repository_id` / `repository_owner_id` where the issuer supports them.',
      references: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html',
        'https://docs.github.com/en/actions/reference/security/oidc',
        'reference/aws.md §4.3; reference/idps.md §1.2, §2, §5',
      ],
      examples: {
        bad: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com' }), StringLike: githubKeys({ sub: 'repo:octo-org*' }) })),
        good: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com' }), StringLike: githubKeys({ sub: 'repo:octo-org/octo-repo:ref:refs/heads/main' }) })),
      },
    },
  },
  check(binding, ctx) {
    const a = analyse(binding);
    const pin = a.decisive;
    if (!a.profile || a.admitsNothing || !pin || pin.breadth === 'pinned') return;
    const key = keyFor(binding, pin.identity.claim);
    const witness = pin.analysis.witness;
    const outsider = pin.breadth === 'open' && a.profile.tenancy === 'multi-tenant';
    // Nouns from the issuer's subject grammar: a repository_owner_id pin admits every *repository* of the *owner*.
    const grammar = a.profile.subject ?? pin.identity.grammar;
    const unit = grammar?.unitNoun ?? 'identity';
    const tenant = grammar?.tenantNoun ?? 'tenant';
    const scope =
      pin.breadth === 'open'
        ? outsider
          ? `identities outside your ${tenant}, which ${a.profile.audienceOfAnyone.replace(/^any /, 'anyone with a ')} can mint`
          : `every ${unit} of every ${tenant} on this issuer`
        : `every ${unit} of the ${tenant}`;
    const example = witness
      ? witness.value === witness.pattern
        ? ` (${JSON.stringify(witness.value)} names only the ${tenant})`
        : `, for example ${JSON.stringify(witness.value)} through ${JSON.stringify(witness.pattern)}`
      : pin.identity.scope === 'tenant'
        ? ` (${pin.identity.claim} names only the ${tenant})`
        : '';
    ctx.report(binding, {
      at: witness?.at ?? pin.constraints[0]!.at,
      level: outsider ? 'error' : 'warning',
      message: `${key} admits ${scope}${example}. Pin it to one ${unit}.`,
    });
  },
});
