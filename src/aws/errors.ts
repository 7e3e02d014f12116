/**
 * AWS SDK errors as one line for a user. Some errors end the whole scan (no credentials, credentials the
 * API rejects, an endpoint that cannot be reached): every later call would fail the same way, so they are
 * said once. Others (AccessDenied on one role, a role deleted while the scan runs) concern one resource.
 */

/** Error codes of the API that mean the credentials themselves are unusable, whatever the resource. */
const CREDENTIAL_CODES = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'IncompleteSignature',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
]);

/** Node socket and DNS error codes: the endpoint cannot be reached (after the SDK's own retries). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

export interface AwsFailure {
  /** One line, no trailing period. */
  message: string;
  /** Every other call of the scan would fail the same way. */
  fatal: boolean;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function describeAwsError(error: unknown): AwsFailure {
  if (!(error instanceof Error)) return { message: oneLine(String(error)), fatal: false };
  const e = error as Error & { Code?: unknown; code?: unknown };
  const text = oneLine(e.message);
  if (e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError') {
    return {
      message: `no usable AWS credentials (${text}); fedlint reads them as the AWS CLI does: environment variables, the shared config and credentials files (--profile, SSO), or a web identity token file`,
      fatal: true,
    };
  }
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return { message: `cannot reach the IAM API: ${text}`, fatal: true };
  if (e.name === 'TimeoutError') return { message: `the IAM API did not answer in time: ${text}`, fatal: true };
  const code = typeof e.Code === 'string' ? e.Code : e.name;
  if (CREDENTIAL_CODES.has(code)) return { message: `AWS rejected the credentials: ${code}: ${text}`, fatal: true };
  return { message: code && code !== 'Error' ? `${code}: ${text}` : text, fatal: false };
}
