/**
 * Detect an input's kind by content (never by extension) and load it.
 */
import type { InputError, JsonPath, StaticCredential, TrustBinding } from '../model/types.js';
import { getRoleLoader, listAccessKeysLoader, listRolesLoader, policyLoader } from './aws-iam-api.js';
import { azureFicLoader } from './azure-export.js';
import { gcpIamPolicyLoader, gcpProviderLoader } from './gcp-export.js';
import type { GcpFacts } from './gcp-trust.js';
import type { LoadProblem, Loader } from './loader.js';
import { parseJson, readText } from './read.js';
import { terraformPlanLoader } from './terraform-plan.js';

/** Most specific first: a get-role document also contains a policy. */
export const JSON_LOADERS: readonly Loader[] = [terraformPlanLoader, azureFicLoader, gcpProviderLoader, gcpIamPolicyLoader, getRoleLoader, listRolesLoader, listAccessKeysLoader, policyLoader];

export const INPUT_FORMATS = JSON_LOADERS.map((l) => l.kind);

/** Words whose presence makes an unparsable .json file in a directory walk look like one of ours. */
const MARKERS = /AssumeRolePolicyDocument|AccessKeyMetadata|"Statement"|sts:AssumeRole|"Version"\s*:\s*"20(08|12)|"format_version"|"resource_changes"|workloadIdentityPools|federatedIdentityCredentials|"issuer"\s*:/i;

export interface LoadedInput {
  file: string;
  displayName: string;
  text?: string;
  kind?: string;
  bindings: TrustBinding[];
  credentials: StaticCredential[];
  problems: LoadProblem[];
  gcp?: GcpFacts;
  addresses?: Array<{ path: JsonPath; address: string }>;
  /** Errors that need no position resolution (unreadable, unparsable). */
  errors: InputError[];
}

export interface LoadOptions {
  /** The user named this file: an unknown kind is an error, not a quiet skip. */
  explicit: boolean;
  inputFormat?: string;
}

export async function loadInput(file: string, displayName: string, options: LoadOptions): Promise<LoadedInput> {
  const out: LoadedInput = { file: displayName, displayName, bindings: [], credentials: [], problems: [], errors: [] };
  const read = await readText(file, displayName);
  if (!read.ok) {
    out.errors.push(read.error);
    return out;
  }
  out.text = read.text;
  const parsed = parseJson(displayName, read.text);
  if (!parsed.ok) {
    // In a directory walk a .json file that is not ours (a tsconfig with comments) is skipped quietly.
    if (options.explicit || MARKERS.test(read.text)) out.errors.push(parsed.error);
    return out;
  }
  const loader = options.inputFormat
    ? JSON_LOADERS.find((l) => l.kind === options.inputFormat)
    : JSON_LOADERS.find((l) => l.sniff(parsed.value));
  if (!loader) {
    if (options.explicit) {
      out.errors.push({
        file: displayName,
        line: 1,
        column: 1,
        message: `not a recognised input: expected one of ${JSON_LOADERS.map((l) => l.kind).join(', ')} (see --input-format)`,
      });
    }
    return out;
  }
  if (options.inputFormat && !loader.sniff(parsed.value)) {
    out.errors.push({ file: displayName, line: 1, column: 1, message: `does not have the shape of ${loader.description}` });
    return out;
  }
  out.kind = loader.kind;
  const result = loader.load(parsed.value, displayName, displayName);
  out.bindings = result.bindings;
  out.credentials = result.credentials ?? [];
  out.problems = result.problems;
  if (result.gcp) out.gcp = result.gcp;
  if (result.addresses) out.addresses = result.addresses;
  return out;
}
