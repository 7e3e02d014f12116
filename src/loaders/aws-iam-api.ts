/**
 * `aws iam get-role` and `aws iam list-roles` output (and the same shapes from the SDK or
 * GetAccountAuthorizationDetails-style exports). AssumeRolePolicyDocument arrives as an object
 * (the CLI decodes it), a JSON string, or a URL-encoded JSON string (the raw API and SDK v3,
 * reference/aws.md §12).
 */
import type { JsonPath, Location, StaticCredential, Target } from '../model/types.js';
import { environmentOf } from '../knowledge/environments.js';
import { loadTrustPolicy, looksLikePolicy, type PolicyContext } from './aws-policy.js';
import type { LoadResult, Loader } from './loader.js';
import { isObject, type Json } from './json.js';

function isRole(value: Json): value is Record<string, Json> {
  return isObject(value) && 'AssumeRolePolicyDocument' in value;
}

/** Decode a policy document given as a string: plain JSON, or URL-encoded JSON. */
export function decodePolicyString(text: string): { ok: true; value: Json; urlEncoded: boolean } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return { ok: true, value: JSON.parse(trimmed), urlEncoded: false };
    } catch {
      return { ok: false, message: 'AssumeRolePolicyDocument is a string that is not valid JSON' };
    }
  }
  try {
    return { ok: true, value: JSON.parse(decodeURIComponent(trimmed)), urlEncoded: true };
  } catch {
    return { ok: false, message: 'AssumeRolePolicyDocument is neither JSON nor URL-encoded JSON' };
  }
}

function tagsOf(role: Record<string, Json>): Record<string, string> | undefined {
  const tags = role['Tags'];
  if (!Array.isArray(tags)) return undefined;
  const out: Record<string, string> = {};
  for (const t of tags) {
    if (isObject(t) && typeof t['Key'] === 'string' && typeof t['Value'] === 'string') out[t['Key']] = t['Value'];
  }
  return out;
}

function loadRole(role: Record<string, Json>, rolePath: JsonPath, file: string, source: string): LoadResult {
  const here = (path: JsonPath): Location => ({ file, path: rolePath.concat(path) });
  const name = typeof role['RoleName'] === 'string' ? role['RoleName'] : undefined;
  const arn = typeof role['Arn'] === 'string' ? role['Arn'] : undefined;
  const rolePathValue = typeof role['Path'] === 'string' ? role['Path'] : undefined;
  const tags = tagsOf(role);
  const target: Target = { kind: 'aws-iam-role', name: arn ?? name ?? file, at: { file, path: rolePath } };
  if (name) target.address = name;
  const account = arn ? /^arn:aws[a-z-]*:iam::([0-9]{12}):/.exec(arn)?.[1] : undefined;
  if (account) target.account = account;
  const env = environmentOf({ tags, path: rolePathValue, name });
  if (env) {
    target.environment = env.environment;
    target.environmentSource = env.source;
  }
  const docPath: JsonPath = ['AssumeRolePolicyDocument'];
  // The document's own path, made once: every place in the policy is located under it.
  const docBase = rolePath.concat(docPath);
  let doc = role['AssumeRolePolicyDocument'];
  let locate = (path: JsonPath, key?: boolean): Location => (key ? { file, path: docBase.concat(path), key } : { file, path: docBase.concat(path) });
  if (typeof doc === 'string') {
    const decoded = decodePolicyString(doc);
    if (!decoded.ok) return { bindings: [], problems: [{ at: here(docPath), message: decoded.message }] };
    doc = decoded.value;
    // Inside a plain JSON string a finding can point at the exact value; inside a URL-encoded one it
    // points at the string as a whole.
    locate = decoded.urlEncoded
      ? () => here(docPath)
      : (path, key) => (key ? { ...here(docPath), inner: path, key } : { ...here(docPath), inner: path });
  }
  const ctx: PolicyContext = { file, locate, target, source };
  const ttl = role['MaxSessionDuration'];
  if (typeof ttl === 'number') ctx.sessionTtl = { seconds: ttl, at: here(['MaxSessionDuration']) };
  if (tags) ctx.tags = tags;
  return loadTrustPolicy(doc, ctx);
}

export const getRoleLoader: Loader = {
  kind: 'aws-get-role',
  description: '`aws iam get-role` output ({"Role": {...}})',
  sniff: (value) => isObject(value) && isRole(value['Role']),
  load(value, file) {
    return loadRole((value as Record<string, Record<string, Json>>)['Role']!, ['Role'], file, 'aws-get-role');
  },
};

export const listRolesLoader: Loader = {
  kind: 'aws-list-roles',
  description: '`aws iam list-roles` output ({"Roles": [...]})',
  sniff: (value) => isObject(value) && Array.isArray(value['Roles']) && (value['Roles'] as Json[]).every((r) => isRole(r)),
  load(value, file) {
    const roles = (value as Record<string, Json[]>)['Roles']!;
    const out: LoadResult = { bindings: [], problems: [] };
    roles.forEach((role, i) => {
      const r = loadRole(role as Record<string, Json>, ['Roles', i], file, 'aws-list-roles');
      out.bindings.push(...r.bindings);
      out.problems.push(...r.problems);
    });
    return out;
  },
};

export const policyLoader: Loader = {
  kind: 'aws-policy',
  description: 'an IAM role trust policy document ({"Version": ..., "Statement": [...]})',
  sniff: looksLikePolicy,
  load(value, file, displayName) {
    const target: Target = { kind: 'aws-iam-role', name: displayName, at: { file, path: [] } };
    const env = environmentOf({ name: displayName.replace(/\.json$/i, '') });
    if (env) {
      target.environment = env.environment;
      target.environmentSource = `file ${displayName}`;
    }
    return loadTrustPolicy(value, {
      file,
      locate: (path, key) => (key ? { file, path, key } : { file, path }),
      target,
      source: 'aws-policy',
    });
  },
};

/**
 * `aws iam list-access-keys` output: long-lived access keys of IAM users. Only active keys count; they
 * feed static-credential when the same run also shows federated trust.
 */
export const listAccessKeysLoader: Loader = {
  kind: 'aws-list-access-keys',
  description: '`aws iam list-access-keys` output ({"AccessKeyMetadata": [...]})',
  sniff: (value) =>
    isObject(value) &&
    Array.isArray(value['AccessKeyMetadata']) &&
    (value['AccessKeyMetadata'] as Json[]).every((k) => isObject(k) && typeof k['AccessKeyId'] === 'string'),
  load(value, file) {
    const keys = (value as Record<string, Array<Record<string, Json>>>)['AccessKeyMetadata']!;
    const credentials: StaticCredential[] = [];
    keys.forEach((k, i) => {
      if (String(k['Status']).toLowerCase() !== 'active') return;
      const user = typeof k['UserName'] === 'string' ? k['UserName'] : 'unknown user';
      credentials.push({
        provider: 'aws',
        kind: 'IAM access key',
        resource: `${user}/${String(k['AccessKeyId'])}`,
        at: { file, path: ['AccessKeyMetadata', i, 'AccessKeyId'] },
      });
    });
    return { bindings: [], credentials, problems: [] };
  },
};
