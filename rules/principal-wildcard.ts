import { defineRule } from '../src/engine/rule.js';
import { allowsAction } from '../src/loaders/aws-policy.js';
import { isPin } from '../src/match/scope.js';

/** Request-context keys that limit who the caller is (reference/aws.md §9, §10; IAM global condition keys). */
const WHO_KEYS = [
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:userid',
];

export default defineRule({
  meta: {
    id: 'principal-wildcard',
    title: 'Trust statement allows any AWS principal',
    level: 'error',
    providers: ['aws'],
    precision: 'very-high',
    securitySeverity: '9.5',
    tags: ['security', 'aws', 'external/cwe/cwe-284'],
    defaults: {},
    docs: {
      description:
        'An Allow statement trusts `Principal: "*"`, `{"AWS": "*"}` or uses `NotPrincipal`, without a condition that restricts who the caller is (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn).',
      why: 'Any principal in any AWS account can then call sts:AssumeRole on the role.',
      fix: 'Name the accounts or roles that may assume the role, or add `StringEquals: {"aws:PrincipalOrgID": "o-…"}`.',
      references: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html',
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html',
      ],
      examples: {
        bad: `{
  "Version": "2012-10-17",
  "Statement": [{ "Effect": "Allow", "Principal": { "AWS": "*" }, "Action": "sts:AssumeRole" }]
}`,
        good: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": { "AWS": "*" },
    "Action": "sts:AssumeRole",
    "Condition": { "StringEquals": { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }
  }]
}`,
      },
    },
  },
  check(binding, ctx) {
    if (binding.mechanism !== 'aws-principal' || binding.issuer.kind !== 'wildcard') return;
    if (!allowsAction(binding.actions, 'sts:assumerole')) return;
    const restricted = WHO_KEYS.some((k) => (binding.context[k] ?? []).some((c) => isPin(c) && c.values.every((v) => v !== '*')));
    if (restricted) return;
    ctx.report(binding, {
      at: binding.issuer.at,
      message: `${binding.issuer.written.startsWith('NotPrincipal') ? `Allow with ${binding.issuer.written}` : `Principal ${JSON.stringify(binding.issuer.written)}`} lets any AWS principal in any account assume ${binding.target.name}. Name the trusted accounts or add an aws:PrincipalOrgID condition.`,
    });
  },
});
