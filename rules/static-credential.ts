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
        'A configuration that sets up workload identity federation also creates long-lived credentials: `aws_iam_access_key`, `google_service_account_key`, `azuread_application_password`, `azuread_service_principal_password`. The inputs that carry them (Terraform plans and source) arrive with the plan and HCL loaders; AWS trust policy inputs never produce this finding.',
      why:
        'Federation is there so that no secret has to be stored in CI. A key created beside it is a secret that never expires, usually ends up in a CI variable, and bypasses every subject and audience limit the federated trust enforces.',
      fix: 'Delete the key and let the workload authenticate through the federated trust; if a key is truly needed, give it an owner and a rotation date outside this configuration.',
      references: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles',
        'https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys',
      ],
      examples: {
        bad: '',
        good: '',
      },
    },
  },
  checkAll(bindings, ctx) {
    if (ctx.credentials.length === 0) return;
    const federated = bindings.some((b) => b.mechanism === 'oidc' || b.mechanism === 'saml');
    if (!federated) return;
    for (const credential of ctx.credentials) {
      ctx.report(undefined, {
        at: credential.at,
        resource: credential.resource,
        message: `${credential.resource} creates a long-lived ${credential.kind} in a configuration that already uses workload identity federation. Remove the key and authenticate through the federated trust.`,
      });
    }
  },
});
