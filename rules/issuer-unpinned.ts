import { defineRule } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { allowsAction } from '../src/loaders/aws-policy.js';

export default defineRule({
  meta: {
    id: 'issuer-unpinned',
    title: 'Token issuer is not pinned exactly',
    level: 'error',
    providers: ['aws', 'gcp', 'azure'],
    precision: 'high',
    securitySeverity: '9.5',
    tags: ['security', 'oidc', 'external/cwe/cwe-346'],
    defaults: {},
    docs: {
      description:
        'The trust does not pin the token issuer: a wildcard federated principal, `Principal: "*"` for web identity, a non-https issuer, or condition keys that name another issuer than the principal, so the conditions never apply to the tokens that are accepted.',
      why:
        'Subject and audience limits mean something only for one issuer. A condition on `token.actions.githubusercontent.com:sub` says nothing about tokens of `gitlab.com`: for them the key is absent, so the test is skipped (IfExists, negated operators) or the trust is dead. A wildcard principal accepts every identity provider of the account.',
      fix:
        'Name one provider per statement (`arn:aws:iam::ACCOUNT:oidc-provider/HOST`) and write its conditions with the same HOST prefix.',
      references: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html',
        'reference/aws.md §2, §4.3',
      ],
      examples: {
        bad: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:ref:refs/heads/main' }) }, 'arn:aws:iam::111122223333:oidc-provider/gitlab.com')),
        good: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:ref:refs/heads/main' }) })),
      },
    },
  },
  check(binding, ctx) {
    if (binding.issuer.kind === 'wildcard' && binding.mechanism === 'oidc') {
      ctx.report(binding, {
        at: binding.issuer.at,
        message: `Federated principal ${JSON.stringify(binding.issuer.written)} accepts tokens of every identity provider in the account. Name one provider ARN.`,
      });
      return;
    }
    if (
      binding.mechanism === 'aws-principal' &&
      binding.issuer.kind === 'wildcard' &&
      allowsAction(binding.actions, 'sts:assumerolewithwebidentity') &&
      !allowsAction(binding.actions, 'sts:assumerole')
    ) {
      ctx.report(binding, {
        at: binding.issuer.at,
        message: 'Principal "*" with sts:AssumeRoleWithWebIdentity accepts web-identity tokens of any provider. Use a Federated principal naming one provider ARN.',
      });
      return;
    }
    if (binding.mechanism !== 'oidc' && binding.mechanism !== 'saml') return;
    if (binding.issuer.kind !== 'exact') return;
    if (binding.issuer.insecure && binding.mechanism === 'oidc') {
      // OpenID Connect issuers are https URLs (OIDC Discovery §3; reference/azure.md §1 compares iss exactly).
      ctx.report(binding, {
        at: binding.issuer.at,
        message: `The issuer ${JSON.stringify(binding.issuer.host)} of ${binding.target.name} is not an https URL: the signing keys fetched from it can be swapped by anyone on the network path, and a real issuer's tokens carry an https iss. Use the issuer's https URL, spelled exactly as its tokens' iss.`,
      });
    }
    for (const foreign of binding.foreignKeys) {
      if (foreign.sibling) continue;
      const c = foreign.constraint;
      const skipped = c.kind === 'patterns' && (c.negated || c.ifExists || c.setOperator === 'ForAllValues');
      const effect = skipped
        ? `the ${foreign.operator} test passes for every one of them`
        : `the ${foreign.operator} test fails for every one of them and the trust cannot be used`;
      ctx.report(binding, {
        at: foreign.at,
        message: `Condition key ${foreign.key} names another issuer than the principal ${binding.issuer.host}: tokens of ${binding.issuer.host} never carry it, so ${effect}. Write the conditions with the principal's prefix.`,
      });
    }
  },
});
