import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  meta: {
    id: 'static-credential',
    title: 'Long-lived keys beside federation',
    level: 'warning',
    providers: ['aws', 'gcp', 'azure'],
    precision: 'high',
    securitySeverity: '5.5',
    tags: ['security', 'credentials', 'external/cwe/cwe-798'],
    defaults: {},
    docs: {
      description:
        'A configuration that sets up workload identity federation also holds long-lived credentials: active IAM user access keys (`aws iam list-access-keys` output beside federated roles), and in Terraform `aws_iam_access_key`, `google_service_account_key`, `azuread_application_password`, `azuread_service_principal_password`.',
      why:
        'Federation is there so that no secret has to be stored in CI. A key created beside it is a secret that never expires, usually ends up in a CI variable, and bypasses every subject and audience limit the federated trust enforces.',
      fix: 'Delete the key and let the workload authenticate through the federated trust; if a key is truly needed, give it an owner and a rotation date outside this configuration.',
      references: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles',
        'https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys',
      ],
      examples: {
        alongside: `{ "Roles": [{ "RoleName": "gha-deploy", "Arn": "arn:aws:iam::111122223333:role/gha-deploy",
  "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [{ "Effect": "Allow",
    "Principal": { "Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" },
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": { "StringEquals": { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:environment:production" } } }] } }] }`,
        bad: `{ "AccessKeyMetadata": [
  { "UserName": "ci-deployer", "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Active", "CreateDate": "2021-03-04T10:00:00Z" }
] }`,
        good: `{ "AccessKeyMetadata": [
  { "UserName": "ci-deployer", "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Inactive", "CreateDate": "2021-03-04T10:00:00Z" }
] }`,
      },
    },
  },
  checkAll(bindings, ctx) {
    if (ctx.credentials.length === 0) return;
    const federated = bindings.some((b) => (b.mechanism === 'oidc' || b.mechanism === 'saml') && !b.undetermined);
    if (!federated) return;
    for (const credential of ctx.credentials) {
      ctx.report(undefined, {
        at: credential.at,
        resource: credential.resource,
        message: `${credential.resource} is a long-lived ${credential.kind} beside workload identity federation in the same configuration. Remove the key and authenticate through the federated trust.`,
      });
    }
  },
});
