/**
 * Detect an input's kind by content (never by extension) and load it.
 */
import type { InputError, JsonPath, StaticCredential, TrustBinding } from '../model/types.js';
import { getRoleLoader, listAccessKeysLoader, listRolesLoader, policyLoader } from './aws-iam-api.js';
import { azureFicLoader } from './azure-export.js';
import type { GcpFacts } from './gcp-trust.js';
import type { LoadProblem, Loader } from './loader.js';
import type { JsonIndex } from './positions.js';
import { parseJson, readText } from './read.js';
import { dropUnreadPlanParts, isIamPolicy, looksLikePlan, looksLikeGcpProviders } from './sniff.js';

/** A loader as JSON_LOADERS lists it; `prepare` first imports the code that lowers its inputs. */
export interface JsonLoader extends Loader {
  prepare?: () => Promise<void>;
}

/**
 * A loader recognised here but imported the first time an input of its kind is seen: the Terraform plan
 * loaders and the GCP ones (with the CEL engine) are a third of the code fedlint would otherwise compile at
 * every start, for a pre-commit hook that lints one AWS policy (npm run bench, "one small policy file").
 * `load` may be called once `prepare` has resolved.
 */
function lazyLoader(kind: string, description: string, sniff: (value: unknown) => boolean, module: () => Promise<Loader>): JsonLoader {
  let loaded: Loader | undefined;
  return {
    kind,
    description,
    sniff,
    async prepare() {
      loaded ??= await module();
    },
    load(value, file, displayName) {
      if (!loaded) throw new Error(`the ${kind} loader is used before it is prepared`);
      return loaded.load(value, file, displayName);
    },
  };
}

const terraformPlanLoader = lazyLoader('terraform-plan', '`terraform show -json` output (a plan or a state)', looksLikePlan, async () => (await import('./terraform-plan.js')).terraformPlanLoader);
const gcpProviderLoader = lazyLoader(
  'gcp-provider',
  'a GCP workload identity pool provider (`gcloud iam workload-identity-pools providers describe|list --format=json`, or the REST list)',
  looksLikeGcpProviders,
  async () => (await import('./gcp-export.js')).gcpProviderLoader,
);
const gcpIamPolicyLoader = lazyLoader(
  'gcp-iam-policy',
  'a GCP IAM policy (`gcloud … get-iam-policy --format=json`: {"bindings": [...], "etag": ...})',
  isIamPolicy,
  async () => (await import('./gcp-export.js')).gcpIamPolicyLoader,
);

/** Most specific first: a get-role document also contains a policy. */
export const JSON_LOADERS: readonly JsonLoader[] = [terraformPlanLoader, azureFicLoader, gcpProviderLoader, gcpIamPolicyLoader, getRoleLoader, listRolesLoader, listAccessKeysLoader, policyLoader];

/** Import every loader's code (for callers of JsonLoader.load outside loadInput, such as tests). */
export async function prepareLoaders(): Promise<void> {
  await Promise.all(JSON_LOADERS.map((l) => l.prepare?.()));
}

export const INPUT_FORMATS = JSON_LOADERS.map((l) => l.kind);

/** Words whose presence makes an unparsable .json file in a directory walk look like one of ours. */
const MARKERS = /AssumeRolePolicyDocument|AccessKeyMetadata|"Statement"|sts:AssumeRole|"Version"\s*:\s*"20(08|12)|"format_version"|"resource_changes"|workloadIdentityPools|federatedIdentityCredentials|"issuer"\s*:/i;

export interface LoadedInput {
  file: string;
  displayName: string;
  text?: string;
  /** Where the first levels of the JSON text are (large files), for PositionResolver. */
  jsonIndex?: JsonIndex;
  kind?: string;
  bindings: readonly TrustBinding[];
  credentials: readonly StaticCredential[];
  problems: readonly LoadProblem[];
  gcp?: GcpFacts;
  addresses?: Array<{ path: JsonPath; address: string }>;
  /** Errors that need no position resolution (unreadable, unparsable). */
  errors: readonly InputError[];
}

export interface LoadOptions {
  /** The user named this file: an unknown kind is an error, not a quiet skip. */
  explicit: boolean;
  inputFormat?: string;
}

/**
 * After an input this large is loaded, the garbage collector runs once. The parsed document (a 50 MB plan
 * parses into about 70 MB of objects) is garbage as soon as it is lowered into bindings, but V8 leaves it in
 * the old generation until its next full collection, which a run of a few seconds only reaches at the end:
 * collecting it here keeps the peak memory of a large plan within the issue-8 budget (3x the file + 100 MB)
 * for about 0.05 s (npm run bench, "plan, 40000 resources").
 */
const COLLECT_AFTER_CHARS = 16 * 1024 * 1024;

let collect: (() => void) | undefined;

async function collectGarbage(): Promise<void> {
  if (!collect) {
    // Node has no API for a collection: --expose-gc set at run time gives new contexts a gc() function.
    const [{ setFlagsFromString }, { runInNewContext }] = await Promise.all([import('node:v8'), import('node:vm')]);
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

export async function loadInput(file: string, displayName: string, options: LoadOptions): Promise<LoadedInput> {
  const out = await loadJson(file, displayName, options);
  if ((out.text?.length ?? 0) >= COLLECT_AFTER_CHARS) await collectGarbage();
  return out;
}

const NONE: readonly never[] = [];

/** Read, parse, recognise and lower one JSON input (its parsed document is garbage on return). */
async function loadJson(file: string, displayName: string, options: LoadOptions): Promise<LoadedInput> {
  // The lists of an input are only read once it is loaded, and most are empty: they share one empty list (an
  // input is kept for the whole run, and what it holds is copied by every collection while it is young).
  const out: LoadedInput = { file: displayName, displayName, bindings: NONE, credentials: NONE, problems: NONE, errors: NONE };
  const read = readText(file, displayName);
  if (!read.ok) {
    out.errors = [read.error];
    return out;
  }
  out.text = read.text;
  const parsed = parseJson(displayName, read.text);
  if (!parsed.ok) {
    // In a directory walk a .json file that is not ours (a tsconfig with comments) is skipped quietly.
    if (options.explicit || MARKERS.test(read.text)) out.errors = [parsed.error];
    return out;
  }
  const { value, index } = parsed;
  const loader = options.inputFormat ? JSON_LOADERS.find((l) => l.kind === options.inputFormat) : JSON_LOADERS.find((l) => l.sniff(value));
  if (!loader) {
    if (options.explicit) {
      out.errors = [
        {
          file: displayName,
          line: 1,
          column: 1,
          message: `not a recognised input: expected one of ${JSON_LOADERS.map((l) => l.kind).join(', ')} (see --input-format)`,
        },
      ];
    }
    return out;
  }
  if (options.inputFormat && !loader.sniff(value)) {
    out.errors = [{ file: displayName, line: 1, column: 1, message: `does not have the shape of ${loader.description}` }];
    return out;
  }
  out.kind = loader.kind;
  if (index) out.jsonIndex = index;
  if (loader.prepare) await loader.prepare();
  // A plan's planned_values repeats its resource_changes (two fifths of a generated 50 MB plan) and is not
  // read when they are there. The peak memory of a large plan is reached while it is lowered, with the parsed
  // document still alive: dropped and collected first, planned_values is not part of it. That collection
  // costs about 0.03 s and took the peak from 260 to 236 MB (npm run bench, "plan, 40000 resources").
  if (read.text.length >= COLLECT_AFTER_CHARS && loader.kind === 'terraform-plan' && dropUnreadPlanParts(value as Record<string, unknown>)) await collectGarbage();
  const result = loader.load(value, displayName, displayName);
  out.bindings = result.bindings;
  if (result.credentials) out.credentials = result.credentials;
  if (result.problems.length > 0) out.problems = result.problems;
  if (result.gcp) out.gcp = result.gcp;
  if (result.addresses) out.addresses = result.addresses;
  return out;
}
