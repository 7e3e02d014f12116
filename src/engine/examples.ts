/**
 * Builders for the trust policies shown in rule documentation, so that every rule's examples share one
 * skeleton and differ only in what the rule is about.
 */

export const GITHUB_PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';
export const GITHUB_KEY = 'token.actions.githubusercontent.com';

/** A one-statement web-identity trust policy for a provider (GitHub Actions by default). */
export function webIdentityTrust(condition: Record<string, Record<string, string | string[]>>, provider = GITHUB_PROVIDER): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }],
  };
}

/** GitHub condition keys from short claim names: { sub: 'repo:…' } → { 'token.actions…:sub': 'repo:…' }. */
export function githubKeys(claims: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(claims).map(([claim, value]) => [`${GITHUB_KEY}:${claim}`, value]));
}

/** `aws iam get-role` output around a trust policy. */
export function getRoleOutput(role: { name: string; path?: string; maxSessionDuration?: number }, policy: object): object {
  const path = role.path ?? '/';
  return {
    Role: {
      Path: path,
      RoleName: role.name,
      Arn: `arn:aws:iam::111122223333:role${path}${role.name}`,
      MaxSessionDuration: role.maxSessionDuration ?? 3600,
      AssumeRolePolicyDocument: policy,
    },
  };
}

export function show(value: object): string {
  return JSON.stringify(value, null, 2);
}
