/**
 * The IAM client of `fedlint aws`. Credentials come from the SDK's default chain (environment variables,
 * the shared config and credentials files with SSO and `--profile`, a web identity token file, then the
 * container and instance metadata endpoints), as for the AWS CLI. Throttling is left to the SDK's adaptive
 * retry mode, which also slows the client down when IAM says it is throttled.
 */
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';

export interface ClientOptions {
  profile?: string | undefined;
  region?: string | undefined;
  endpointUrl?: string | undefined;
}

/** Attempts per call, the first included: adaptive retry spaces them out when IAM throttles. */
export const MAX_ATTEMPTS = 6;

/**
 * IAM is a global service: its region only picks the partition (aws, aws-cn, aws-us-gov). When neither
 * --region nor the environment, the profile or (on EC2) the instance metadata names one, the commercial
 * partition's us-east-1 is used.
 */
export const DEFAULT_REGION = 'us-east-1';

export async function createIamClient(options: ClientOptions): Promise<IAMClient> {
  const config: IAMClientConfig = {
    retryMode: 'adaptive',
    maxAttempts: MAX_ATTEMPTS,
    // Without timeouts a silently dropped connection would hang the scan forever.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
  };
  if (options.profile) config.profile = options.profile;
  if (options.endpointUrl) config.endpoint = options.endpointUrl;
  if (options.region) return new IAMClient({ ...config, region: options.region });
  const client = new IAMClient(config);
  try {
    await client.config.region();
    return client;
  } catch {
    client.destroy();
    return new IAMClient({ ...config, region: DEFAULT_REGION });
  }
}
