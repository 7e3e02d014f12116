import { defineRule } from '../src/engine/rule.js';
import { githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { normalizeIssuerHost } from '../src/knowledge/issuers.js';

export default defineRule<{ allow: string[] }>({
  meta: {
    id: 'issuer-untrusted',
    title: 'Trust names an issuer outside the configured allowlist',
    level: 'error',
    providers: ['aws', 'gcp', 'azure'],
    precision: 'very-high',
    securitySeverity: '8.0',
    tags: ['security', 'oidc', 'external/cwe/cwe-346'],
    defaults: { allow: [] },
    docs: {
      description:
        'The configuration lists the token issuers the organization uses (`issuers.allow` in .fedlint.yaml), and a trust accepts tokens from another one. Without an allowlist the rule is silent.',
      why:
        'Every issuer a trust names can mint identities for it. An issuer nobody chose (a personal GitLab instance, a CI vendor the team stopped using, a cluster in another account) is a way in that no review of the issuer itself covers.',
      fix: 'Trust only the issuers in the allowlist, or add the issuer to `issuers.allow` after review.',
      references: ['design.md §1 (configuration: issuers.allow)', 'reference/idps.md'],
      examples: {
        config: 'issuers:\n  allow: ["https://token.actions.githubusercontent.com"]\n',
        bad: show(
          webIdentityTrust(
            { StringEquals: { 'gitlab.example.com:aud': 'sts.amazonaws.com', 'gitlab.example.com:sub': 'project_path:infra/deploy:ref_type:branch:ref:main' } },
            'arn:aws:iam::111122223333:oidc-provider/gitlab.example.com',
          ),
        ),
        good: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:environment:production' }) })),
      },
    },
  },
  check(binding, ctx) {
    const allow = ctx.options.allow.map(normalizeIssuerHost);
    if (allow.length === 0 || binding.mechanism !== 'oidc' || binding.issuer.kind !== 'exact') return;
    // A GCP member whose pool's providers are not among the inputs names the pool, not an issuer.
    if (binding.member?.providersUnseen) return;
    const host = binding.issuer.host;
    if (allow.includes(host)) return;
    ctx.report(binding, {
      at: binding.issuer.at,
      message: `${binding.target.name} accepts tokens from ${host}, which is not among the allowed issuers (${ctx.options.allow.join(', ')}). Remove the trust or review the issuer and add it to issuers.allow.`,
    });
  },
});
