import { defineRule } from '../src/engine/rule.js';
import { analyse, keyFor } from '../src/engine/analysis.js';
import { isPin } from '../src/match/scope.js';

export default defineRule({
  meta: {
    id: 'audience-missing',
    title: 'Federated trust does not pin the token audience',
    level: 'error',
    providers: ['aws'],
    precision: 'high',
    securitySeverity: '8.0',
    tags: ['security', 'oidc', 'external/cwe/cwe-284'],
    defaults: {},
    docs: {
      description:
        'The trust has no limit on the token audience (aud), or only a wildcard one. For Amazon Cognito identity pools the audience is the identity pool and its absence is an error; for AWS OIDC providers, whose client-ID list already checks aud, it is a note (defence in depth).',
      why:
        'For Cognito, `cognito-identity.amazonaws.com:aud` is the only thing that ties the role to your identity pool: without it an identity from any pool in any AWS account can assume the role. For other OIDC providers the provider object\'s client-ID list limits audiences for every role that trusts it, so a per-role pin matters when the list holds an audience anyone can request (`https://github.com/OWNER`, `https://gitlab.com`).',
      fix:
        'Add StringEquals on the issuer\'s aud key: the identity pool id for Cognito, `sts.amazonaws.com` for GitHub Actions with aws-actions/configure-aws-credentials, the audience your pipeline requests otherwise.',
      references: [
        'https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html',
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html',
        'reference/aws.md §5.3, §8',
      ],
      examples: {
        bad: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Federated": "cognito-identity.amazonaws.com" },
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": { "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" } }
  }]
}`,
        good: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "Federated": "cognito-identity.amazonaws.com" },
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
      "StringEquals": { "cognito-identity.amazonaws.com:aud": "us-east-1:12345678-abcd-4321-abcd-123456789012" },
      "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" }
    }
  }]
}`,
      },
    },
  },
  check(binding, ctx) {
    const a = analyse(binding);
    if (!a.profile || a.admitsNothing) return;
    // For accounts.google.com IAM maps aud to the service account (azp); the requested audience is oaud.
    const claims = a.profile.id === 'google' ? ['oaud', 'aud'] : ['aud'];
    const tests = claims.flatMap((c) => binding.claims[c] ?? []);
    const pins = tests.filter(isPin);
    if (tests.some((c) => c.kind === 'unknown' || c.kind === 'cel')) return;
    // A vacuous test (IfExists, negated, ForAllValues) is condition-bypass's finding, not this one.
    if (pins.length === 0 && tests.some((c) => c.kind === 'patterns')) return;
    const level = a.profile.audienceIsIdentity ? 'error' : 'note';
    const key = keyFor(binding, claims[0]!);
    if (pins.length === 0) {
      const why = a.profile.audienceIsIdentity
        ? `an identity from ${a.profile.audienceOfAnyone} can assume it`
        : binding.mechanism === 'saml'
          ? 'the SAML recipient is not checked'
          : "only the provider's client-ID list limits the audience";
      ctx.report(binding, {
        at: binding.principalAt,
        level,
        message: `Trust in ${binding.target.name} does not limit ${key}: ${why}. Add a StringEquals condition on ${key}.`,
      });
      return;
    }
    for (const pin of pins) {
      if (pin.kind !== 'patterns' || pin.syntax === 'exact') continue;
      pin.values.forEach((value, i) => {
        if (/^[*?]*\*[*?]*$/.test(value)) {
          ctx.report(binding, {
            at: pin.valueAt[i] ?? pin.at,
            level,
            message: `${key} is the wildcard ${JSON.stringify(value)}, which admits any audience. Pin the audience exactly.`,
          });
        }
      });
    }
  },
});
