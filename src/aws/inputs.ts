/**
 * A scan's roles as inputs of the linting pipeline. Each role becomes the document `aws iam get-role`
 * prints (`{"Role": {...}}`, its trust policy decoded to an object), read by the same loader as a saved
 * file, so a live scan and an offline lint of its `--save` directory see the same bindings. The document's
 * text is the file `--save` writes; findings point into it, at `<base>/<account>/role<path><name>.json`,
 * where `<base>` is the `--save` directory, or `aws` for a scan that saves nothing (a path that exists only
 * in the report, relative like every other SARIF location).
 */
import { normalizeIssuerHost } from '../knowledge/issuers.js';
import { getRoleLoader } from '../loaders/aws-iam-api.js';
import type { LoadedInput } from '../loaders/index.js';
import type { Json } from '../loaders/json.js';
import type { InputError, Location } from '../model/types.js';
import type { ScanResult, ScannedRole } from './scan.js';

/** The base of the virtual paths of a scan that saves nothing. */
export const VIRTUAL_BASE = 'aws';

/**
 * One path segment safe on every file system: characters other than letters, digits and `_+=,.@-` are
 * percent-encoded (UTF-8), and so are the dots of `.` and `..`. Role names need no encoding; role paths
 * may hold any printable ASCII character, `\`, `:` and `..` included.
 */
export function safeSegment(segment: string): string {
  const encoded = Array.from(new TextEncoder().encode(segment), (byte) => {
    const ch = String.fromCharCode(byte);
    return /[A-Za-z0-9_+=,.@-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
  return /^\.+$/.test(encoded) && encoded.length <= 2 ? encoded.replace(/\./g, '%2E') : encoded;
}

/** The 12-digit account of an IAM ARN. */
export function accountOf(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::([0-9]{12}):/.exec(arn)?.[1];
}

/** `<account>/role/<path segments>/<name>.json`, relative to the base: the ARN's resource, as a file. */
export function roleFile(role: Pick<ScannedRole, 'arn' | 'name' | 'path'>): string {
  const segments = role.path.split('/').filter((s) => s !== '');
  return [accountOf(role.arn) ?? 'unknown-account', 'role', ...segments, `${role.name}.json`].map(safeSegment).join('/');
}

/** `<account>/oidc-provider/<host and path>.json`, relative to the base. */
export function providerFile(arn: string): string {
  const issuer = /:oidc-provider\/(.+)$/.exec(arn)?.[1] ?? arn;
  const segments = issuer.split('/').filter((s) => s !== '');
  const last = segments.pop() ?? 'provider';
  return [accountOf(arn) ?? 'unknown-account', 'oidc-provider', ...segments, `${last}.json`].map(safeSegment).join('/');
}

export interface AwsInputs {
  inputs: LoadedInput[];
  /** Roles and providers that could not be read. */
  errors: InputError[];
  /** The get-role documents: what `--save` writes, at `rel` under its directory; `file` is how reports show it. */
  documents: Array<{ file: string; rel: string; text: string }>;
}

/** Lower a scan into inputs whose files are displayed under `base` (the `--save` directory as shown, or `aws`). */
export function toInputs(scan: ScanResult, base: string): AwsInputs {
  const under = (rel: string): string => (base === '' || base === '.' ? rel : `${base.replace(/\/+$/, '')}/${rel}`);
  const audiences = new Map<string, { values: string[]; at: Location }>();
  for (const p of scan.providers) {
    audiences.set(normalizeIssuerHost(p.url), { values: p.clientIds, at: { file: under(providerFile(p.arn)), path: ['ClientIDList'] } });
  }
  const out: AwsInputs = { inputs: [], errors: [], documents: [] };
  for (const scanned of scan.roles) {
    const rel = roleFile(scanned);
    const file = under(rel);
    const document = { Role: scanned.role } as Json;
    const text = `${JSON.stringify(document, null, 2)}\n`;
    const result = getRoleLoader.load(document, file, file);
    for (const b of result.bindings) {
      // STS checks aud against the client-ID list of the provider the role trusts (reference/aws.md §8).
      const provider = b.mechanism === 'oidc' && b.issuer.kind === 'exact' ? audiences.get(b.issuer.host) : undefined;
      if (provider) b.providerAudiences = provider;
    }
    out.inputs.push({
      file,
      displayName: file,
      text,
      kind: getRoleLoader.kind,
      bindings: result.bindings,
      credentials: result.credentials ?? [],
      problems: result.problems,
      errors: [],
    });
    out.documents.push({ file, rel, text });
  }
  const account = scan.roles.map((r) => accountOf(r.arn)).find((a) => a !== undefined) ?? 'unknown-account';
  for (const f of scan.failures) {
    const rel =
      f.kind === 'role' && f.arn
        ? roleFile({ arn: f.arn, ...nameAndPath(f.arn) })
        : f.kind === 'oidc-provider' && f.arn
          ? providerFile(f.arn)
          : `${account}/oidc-provider`;
    const message = f.kind === 'oidc-provider-list' ? `${f.message}; roles are linted without the providers' client-ID lists` : f.message;
    out.errors.push({ file: under(rel), line: 1, column: 1, message });
  }
  return out;
}

/** The name and path of a role from its ARN (`arn:aws:iam::ACCOUNT:role/PATH/NAME`). */
function nameAndPath(arn: string): { name: string; path: string } {
  const resource = /:role(\/.*)$/.exec(arn)?.[1] ?? `/${arn}`;
  const cut = resource.lastIndexOf('/');
  return { name: resource.slice(cut + 1), path: resource.slice(0, cut + 1) };
}
