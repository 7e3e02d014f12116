/**
 * Read an AWS account's IAM roles and OIDC providers through the SDK.
 *
 * ListRoles (with the SDK's paginator) names the roles; GetRole then reads each one, because ListRoles
 * never returns tags (and, per the API reference, returns only a subset of a role's attributes), while
 * environments come from tags and session-ttl-excessive needs MaxSessionDuration. The OIDC providers'
 * client-ID lists are the audiences STS accepts for every role that trusts them. Calls run with bounded
 * concurrency. A failure on one role or provider is recorded for it and the scan goes on; a failure that
 * every later call would share (no credentials, an unreachable endpoint) ends the scan.
 */
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  ListOpenIDConnectProvidersCommand,
  paginateListRoles,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import { decodePolicyString } from '../loaders/aws-iam-api.js';
import { globMatch } from '../match/glob.js';
import { describeAwsError } from './errors.js';

export interface ScanOptions {
  /** Role-name globs (`*` any run, `?` one character), matched without regard to case as IAM names are; none: every role. */
  roleNames?: readonly string[];
  /** ListRoles' PathPrefix, e.g. `/ci/`. */
  pathPrefix?: string | undefined;
  /** Calls in flight at once. */
  concurrency: number;
  /** Called once the roles are listed (read 0) and after each role is read or has failed. */
  onProgress?: (progress: { read: number; total: number }) => void;
}

export interface ScannedRole {
  arn: string;
  name: string;
  path: string;
  /** GetRole's Role, with AssumeRolePolicyDocument URL-decoded and parsed when it could be (kept as given otherwise). */
  role: Record<string, unknown>;
}

export interface ScannedProvider {
  arn: string;
  /** The issuer, as IAM returns it (without `https://`). */
  url: string;
  clientIds: string[];
}

export interface ScanFailure {
  kind: 'role' | 'oidc-provider' | 'oidc-provider-list';
  /** The role or provider ARN; for the provider list, undefined. */
  arn?: string;
  message: string;
}

export interface ScanResult {
  roles: ScannedRole[];
  providers: ScannedProvider[];
  failures: ScanFailure[];
}

/** The scan cannot go on: listing the roles failed, or credentials or the network failed. */
export class FatalScanError extends Error {}

/** A policy document as IAM returns it (URL-encoded JSON, or plain JSON) parsed; kept as given when it is neither. */
export function decodeDocument(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const decoded = decodePolicyString(value);
  return decoded.ok ? decoded.value : value;
}

/** The SDK's Role as plain JSON data (dates as ISO strings), without fields it left undefined. */
function plain(role: Role): Record<string, unknown> {
  return JSON.parse(JSON.stringify(role)) as Record<string, unknown>;
}

function selected(name: string, globs: readonly string[] | undefined): boolean {
  if (!globs || globs.length === 0) return true;
  const lower = name.toLowerCase();
  return globs.some((g) => globMatch(g.toLowerCase(), lower));
}

/** Run `work` over `items` with at most `limit` in flight. The first error thrown stops new work and is rethrown. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let stopped: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!stopped && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        stopped ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (stopped) throw stopped.error;
}

async function listRoles(client: IAMClient, options: ScanOptions): Promise<Role[]> {
  const roles: Role[] = [];
  try {
    // 1,000 is ListRoles' largest page.
    const pages = paginateListRoles({ client, pageSize: 1000 }, options.pathPrefix ? { PathPrefix: options.pathPrefix } : {});
    for await (const page of pages) roles.push(...(page.Roles ?? []));
  } catch (error) {
    // Without the list there is nothing to scan; credentials and network failures say so on their own.
    const failure = describeAwsError(error);
    throw new FatalScanError(failure.fatal ? failure.message : `cannot list IAM roles: ${failure.message}`);
  }
  return roles.filter((r) => r.RoleName !== undefined && r.Arn !== undefined && selected(r.RoleName, options.roleNames));
}

async function listProviderArns(client: IAMClient): Promise<{ arns: string[] } | { failure: ScanFailure }> {
  try {
    const out = await client.send(new ListOpenIDConnectProvidersCommand({}));
    return { arns: (out.OpenIDConnectProviderList ?? []).flatMap((p) => (p.Arn ? [p.Arn] : [])) };
  } catch (error) {
    const failure = describeAwsError(error);
    if (failure.fatal) throw new FatalScanError(failure.message);
    return { failure: { kind: 'oidc-provider-list', message: `cannot list OIDC providers: ${failure.message}` } };
  }
}

export async function scanAccount(client: IAMClient, options: ScanOptions): Promise<ScanResult> {
  const [listed, providerList] = await Promise.all([listRoles(client, options), listProviderArns(client)]);
  listed.sort((a, b) => (a.Arn! < b.Arn! ? -1 : a.Arn! > b.Arn! ? 1 : 0));
  const result: ScanResult = { roles: [], providers: [], failures: [] };
  if ('failure' in providerList) result.failures.push(providerList.failure);
  const total = listed.length;
  let read = 0;
  options.onProgress?.({ read, total });
  const fail = (error: unknown, kind: ScanFailure['kind'], arn: string, what: string): void => {
    const failure = describeAwsError(error);
    if (failure.fatal) throw new FatalScanError(failure.message);
    result.failures.push({ kind, arn, message: `cannot read ${what}: ${failure.message}` });
  };
  type Task = { kind: 'role'; role: Role } | { kind: 'provider'; arn: string };
  const tasks: Task[] = [
    ...('arns' in providerList ? providerList.arns.map((arn): Task => ({ kind: 'provider', arn })) : []),
    ...listed.map((role): Task => ({ kind: 'role', role })),
  ];
  const roles = new Map<string, ScannedRole>();
  const providers = new Map<string, ScannedProvider>();
  await pool(tasks, options.concurrency, async (task) => {
    if (task.kind === 'provider') {
      try {
        const out = await client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: task.arn }));
        if (out.Url) providers.set(task.arn, { arn: task.arn, url: out.Url, clientIds: out.ClientIDList ?? [] });
      } catch (error) {
        fail(error, 'oidc-provider', task.arn, `OIDC provider ${task.arn}`);
      }
      return;
    }
    const { RoleName: name, Arn: arn } = task.role as Role & { RoleName: string; Arn: string };
    try {
      const out = await client.send(new GetRoleCommand({ RoleName: name }));
      if (!out.Role) throw new Error('GetRole returned no role');
      const role = plain(out.Role);
      role['AssumeRolePolicyDocument'] = decodeDocument(role['AssumeRolePolicyDocument']);
      roles.set(arn, { arn: out.Role.Arn ?? arn, name, path: out.Role.Path ?? task.role.Path ?? '/', role });
    } catch (error) {
      // A role deleted since it was listed has no trust left to lint.
      if ((error as { name?: unknown }).name !== 'NoSuchEntityException') fail(error, 'role', arn, `role ${arn}`);
    } finally {
      read++;
      options.onProgress?.({ read, total });
    }
  });
  // Results in listing order (by ARN), whatever order the calls finished in.
  for (const r of listed) {
    const scanned = roles.get(r.Arn!);
    if (scanned) result.roles.push(scanned);
  }
  if ('arns' in providerList) {
    for (const arn of [...providerList.arns].sort()) {
      const p = providers.get(arn);
      if (p) result.providers.push(p);
    }
  }
  result.failures.sort((a, b) => ((a.arn ?? '') < (b.arn ?? '') ? -1 : (a.arn ?? '') > (b.arn ?? '') ? 1 : 0));
  return result;
}
