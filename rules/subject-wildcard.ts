import { defineRule, type RuleContext } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { analyse, keyFor } from '../src/engine/analysis.js';
import type { TrustBinding } from '../src/model/types.js';

export default defineRule({
  meta: {
    id: 'subject-wildcard',
    title: 'Subject limit admits identities outside one repository, project or service account',
    level: 'error',
    providers: ['aws', 'gcp', 'azure'],
    precision: 'high',
    securitySeverity: '9.5',
    tags: ['security', 'oidc', 'external/cwe/cwe-284'],
    defaults: {},
    docs: {
      description:
        'A subject limit uses a wildcard (or pins only an owner) so that it admits identities outside one repository, project, workspace or service account. The message names a concrete admitted subject. Error when anyone on the internet can mint such a token, warning when only insiders of the organization can. A `*` in the subject of a classic Entra federated credential (or in a flexible `eq`), which Entra compares exactly, is a literal that matches no token: a note, because it is almost surely a mistake.',
      why:
        'In IAM StringLike and Azure `matches`, `*` spans `/` and `:`. `repo:octo-org*` admits `repo:octo-org-evil/x:…`, an organization anyone can register; `repo:octo-org/*` admits every repository of the organization, including ones any member can create, and their pull requests.',
      fix:
        'Replace the wildcard by the exact repository (and branch or environment): `repo:OWNER/REPO:environment:production`. If several repositories need the role, list each one; pin `repository_id` / `repository_owner_id` where the issuer supports them.',
      references: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html',
        'https://docs.github.com/en/actions/reference/security/oidc',
        'reference/aws.md §4.3; reference/idps.md §1.2, §2, §5; reference/azure.md §1, §3',
      ],
      examples: {
        bad: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com' }), StringLike: githubKeys({ sub: 'repo:octo-org*' }) })),
        good: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com' }), StringLike: githubKeys({ sub: 'repo:octo-org/octo-repo:ref:refs/heads/main' }) })),
      },
    },
  },
  check(binding, ctx) {
    if (binding.provider === 'azure') literalStars(binding, ctx);
    if (binding.member?.providersUnseen) ownerAttributeMember(binding, ctx);
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

/**
 * Entra compares a classic credential's subject with the token's sub exactly, and `eq` in a flexible
 * expression is exact equality too (reference/azure.md §1, §3; Entra: "Wildcard characters aren't supported
 * in any federated identity credential property value"). A `*` there is a literal character: the credential
 * matches no real token, so it fails closed, but it is almost surely a wildcard written where none works.
 */
function literalStars(binding: TrustBinding, ctx: RuleContext): void {
  for (const claim of Object.keys(binding.claims)) {
    if (claim === 'aud') continue;
    for (const c of binding.claims[claim]!) {
      if (c.kind !== 'patterns' || c.syntax !== 'exact') continue;
      for (let i = 0; i < c.values.length; i++) {
        const value = c.values[i]!;
        if (!value.includes('*')) continue;
        const flexible = c.operator === 'eq';
        ctx.report(binding, {
          at: c.valueAt[i] ?? c.at,
          level: 'note',
          message: flexible
            ? `${c.key} eq ${JSON.stringify(value)} compares exactly, so the "*" is a literal character and no real token matches: almost surely a mistake. A wildcard needs matches, pinned to one repository or workload.`
            : `${c.key} ${JSON.stringify(value)} of ${binding.target.name} contains "*", but Entra compares a classic credential's subject exactly: the "*" is a literal character and no real token matches, so this is almost surely a mistake. A wildcard needs a flexible credential (claimsMatchingExpression with matches), pinned to one repository or workload.`,
        });
      }
    }
  }
}

/**
 * Owner attributes by the names Google's and the issuers' guides give them (reference/gcp.md §2.1, §4, §7):
 * `attribute.repository_owner = assertion.repository_owner` and the like.
 */
const OWNER_ATTRIBUTES: Record<string, string> = {
  repository_owner: 'repository',
  repository_owner_id: 'repository',
  namespace_path: 'project',
  namespace_id: 'project',
  terraform_organization_name: 'workspace',
  terraform_organization_id: 'workspace',
};

/**
 * A GCP member on an owner attribute of a pool whose providers are not among the inputs: what the attribute
 * maps from is not known, but these names are the documented mappings of owner claims, so the member most
 * likely admits every repository (project, workspace) of the owner. Said with that caveat.
 */
function ownerAttributeMember(binding: TrustBinding, ctx: RuleContext): void {
  const member = binding.member!;
  const unit = member.scope === 'attribute' && member.attribute ? OWNER_ATTRIBUTES[member.attribute.toLowerCase()] : undefined;
  if (!unit) return;
  ctx.report(binding, {
    at: member.at,
    level: 'warning',
    message: `${JSON.stringify(member.value)} grants ${binding.target.name} to every identity whose attribute.${member.attribute} matches: by that attribute's usual mapping, every ${unit} of the owner (the pool's providers are not among the inputs, so the mapping was not seen). Bind one ${unit} (a subject or an immutable id attribute).`,
  });
}
