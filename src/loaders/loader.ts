import type { JsonPath, Location, StaticCredential, TrustBinding } from '../model/types.js';
import type { GcpFacts } from './gcp-trust.js';

export interface LoadProblem {
  at: Location;
  message: string;
}

export interface LoadResult {
  bindings: TrustBinding[];
  /** Long-lived keys the input shows (static-credential). */
  credentials?: StaticCredential[];
  /** Parts of an input that could not be understood; the rest of the input is still linted. */
  problems: LoadProblem[];
  /**
   * GCP pool providers and IAM members: they become bindings only once every input of the run is loaded,
   * because a member names a pool whose providers may sit in another file (see assembleGcp).
   */
  gcp?: GcpFacts;
  /** Terraform plans: where each resource instance's values sit, to place findings on its source block. */
  addresses?: Array<{ path: JsonPath; address: string }>;
}

/** One input format: recognise it by content, then lower it into TrustBindings. */
export interface Loader {
  /** The --input-format name. */
  kind: string;
  description: string;
  sniff(value: unknown): boolean;
  /** `file` is the path used in locations; `displayName` names the input in messages and resources. */
  load(value: unknown, file: string, displayName: string): LoadResult;
}
