import { defineRule, type RuleContext } from '../src/engine/rule.js';
import { analyse, keyFor } from '../src/engine/analysis.js';
import { isPin } from '../src/match/scope.js';
import { ENTRA_TOKEN_EXCHANGE_AUDIENCES } from '../src/knowledge/azure.js';
import type { Constraint, TrustBinding } from '../src/model/types.js';

export default defineRule({
  meta: {
    id: 'audience-missing',
    title: 'Federated trust does not pin the token audience',
    level: 'error',
    providers: ['aws', 'azure'],
    precision: 'high',
    securitySeverity: '8.0',
    tags: ['security', 'oidc', 'external/cwe/cwe-284'],
    defaults: {},
    docs: {
      description:
        'The trust has no limit on the token audience (aud), or only a wildcard one. For Amazon Cognito identity pools the audience is the identity pool and its absence is an error; for AWS OIDC providers, whose client-ID list already checks aud, it is a note (defence in depth). For an Entra federated identity credential, no audience or an audience other than Entra\'s token-exchange audience (`api://AzureADTokenExchange`, or its sovereign-cloud variant) is a warning.',
      why:
        'For Cognito, `cognito-identity.amazonaws.com:aud` is the only thing that ties the role to your identity pool: without it an identity from any pool in any AWS account can assume the role. For other OIDC providers the provider object\'s client-ID list limits audiences for every role that trusts it, so a per-role pin matters when the list holds an audience anyone can request (`https://github.com/OWNER`, `https://gitlab.com`).',
      fix:
        'Add StringEquals on the issuer\'s aud key: the identity pool id for Cognito, `sts.amazonaws.com` for GitHub Actions with aws-actions/configure-aws-credentials, the audience your pipeline requests otherwise.',
      references: [
        'https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html',
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html',
        'reference/aws.md §5.3, §8; reference/azure.md §1, §2',
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
    if (binding.provider === 'azure') {
      checkAzure(binding, ctx);
      return;
    }
    const a = analyse(binding);
    if (!a.profile || a.admitsNothing) return;
    // For accounts.google.com IAM maps aud to the service account (azp); the requested audience is oaud.
    const claims = a.profile.id === 'google' ? GOOGLE_AUDIENCE_CLAIMS : AUDIENCE_CLAIMS;
    const tests = claims.length === 1 ? (binding.claims[claims[0]!] ?? NO_TESTS) : claims.flatMap((c) => binding.claims[c] ?? []);
    // Counted in one pass rather than with a list of pins and closures: nearly every trust has one exact audience.
    let pinCount = 0;
    let patterns = false;
    for (const c of tests) {
      if (c.kind === 'unknown' || c.kind === 'cel') return;
      if (c.kind === 'patterns') patterns = true;
      if (isPin(c)) pinCount++;
    }
    // A vacuous test (IfExists, negated, ForAllValues) is condition-bypass's finding, not this one.
    if (pinCount === 0 && patterns) return;
    // The plan shows the OIDC provider's client-ID list, which STS checks aud against: the audience is pinned there.
    if (pinCount === 0 && !a.profile.audienceIsIdentity && binding.providerAudiences && binding.providerAudiences.values.length > 0) return;
    const level = a.profile.audienceIsIdentity ? 'error' : 'note';
    if (pinCount === 0) {
      const key = keyFor(binding, claims[0]!);
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
    for (const pin of tests) {
      if (!isPin(pin) || pin.syntax === 'exact') continue;
      pin.values.forEach((value, i) => {
        if (/^[*?]*\*[*?]*$/.test(value)) {
          const key = keyFor(binding, claims[0]!);
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

/** The claims that carry the audience, by issuer: made once, as the rule asks for every binding. */
const AUDIENCE_CLAIMS: readonly string[] = ['aud'];
const GOOGLE_AUDIENCE_CLAIMS: readonly string[] = ['oaud', 'aud'];
const NO_TESTS: readonly Constraint[] = [];

/**
 * Entra federated credentials (reference/azure.md §1, §2): the credential's audiences must contain the
 * token's aud. Entra's own token-exchange audience (`api://AzureADTokenExchange`, or its sovereign-cloud
 * twin) is a value no other relying party asks for; any other audience lets a token minted for someone
 * else be exchanged here, and a credential without an audience cannot be used at all.
 */
function checkAzure(binding: TrustBinding, ctx: RuleContext): void {
  if (binding.undetermined || binding.mechanism !== 'oidc') return;
  const tests = binding.claims['aud'] ?? [];
  if (tests.some((c) => c.kind === 'unknown' || c.kind === 'cel')) return;
  const pins = tests.filter(isPin);
  // Nearly every credential lists Entra's audience and nothing else: nothing to report, so nothing is built.
  if (pins.some((p) => p.values.length > 0) && pins.every((p) => p.values.every((v) => ENTRA_TOKEN_EXCHANGE_AUDIENCES.includes(v)))) return;
  const field = keyFor(binding, 'aud');
  const values = pins.flatMap((p) => p.values.map((value, i) => ({ value, at: p.valueAt[i] ?? p.at })));
  if (values.length === 0) {
    ctx.report(binding, {
      at: pins[0]?.at ?? binding.origin,
      level: 'warning',
      message: `${binding.target.name} has no ${field}: Entra requires one, so the credential cannot be used as written. Set ${field} to ["api://AzureADTokenExchange"].`,
    });
    return;
  }
  for (const { value, at } of values) {
    if (ENTRA_TOKEN_EXCHANGE_AUDIENCES.includes(value)) continue;
    const twin = ENTRA_TOKEN_EXCHANGE_AUDIENCES.find((a) => a.toLowerCase() === value.toLowerCase());
    if (twin) {
      // Not a foreign audience, but a misspelling: the documented value is case-exact (azure.md §2).
      ctx.report(binding, {
        at,
        level: 'warning',
        message: `${field} of ${binding.target.name} is ${JSON.stringify(value)}, which differs from Entra's token-exchange audience ${JSON.stringify(twin)} only in letter case: tokens requested for ${JSON.stringify(twin)} may not match it. Write ${JSON.stringify(twin)}.`,
      });
      continue;
    }
    ctx.report(binding, {
      at,
      level: 'warning',
      message: `${field} of ${binding.target.name} accepts ${JSON.stringify(value)}, not Entra's token-exchange audience: a token the issuer minted for another service with that audience can be exchanged for this identity. Use "api://AzureADTokenExchange".`,
    });
  }
}
