/**
 * The normalized trust model. Every loader lowers its input format into TrustBindings, so rules never
 * see the shape of a policy document, a plan or an API response. Nothing here does I/O.
 */

export type Level = 'error' | 'warning' | 'note';
export type Provider = 'aws' | 'gcp' | 'azure';

/** A path into a JSON document (object keys and array indexes), as a JSON pointer would spell it. */
export type JsonPath = ReadonlyArray<string | number>;

/**
 * Where a value sits in an input file. Positions are resolved to line and column only when a finding
 * needs them (see src/loaders/positions.ts), so linting a large file costs one JSON.parse.
 */
export interface Location {
  file: string;
  /** Path to the value in the file's JSON. */
  path: JsonPath;
  /**
   * When the value lives in a JSON document embedded as a string (a plan's assume_role_policy, a
   * get-role document returned as a string), the path inside that embedded document.
   */
  inner?: JsonPath;
  /** Point at the property key rather than its value (for "this key is missing its sibling" findings). */
  key?: boolean;
  /**
   * The range, when the input is not JSON and the loader knows it already (Terraform source: the
   * tree-sitter node of the value). `path` then names the value for fingerprints only.
   */
  range?: ResolvedRange;
}

export interface ResolvedRange {
  startLine: number;
  startColumn: number;
  endLine: number;
  /** Column just after the last character, as SARIF wants. */
  endColumn: number;
}

/**
 * One test a trust applies to a claim of the incoming token. The tests on one claim are ANDed; the
 * values inside a test are ORed (or, when negated, must all fail), as IAM evaluates them
 * (reference/aws.md §4.1).
 */
export type Constraint =
  | {
      kind: 'patterns';
      /** exact: literal comparison; iam-glob / azure-glob: `*` any run (including `/` and `:`), `?` one char. */
      syntax: 'exact' | 'iam-glob' | 'azure-glob';
      values: string[];
      caseInsensitive?: boolean;
      negated?: boolean;
      /** `…IfExists`: an absent claim satisfies the test. */
      ifExists?: boolean;
      setOperator?: 'ForAnyValue' | 'ForAllValues';
      /** The operator and key as written, for messages (`StringLike token.actions.githubusercontent.com:sub`). */
      operator: string;
      key: string;
      /** True when this test comes from a Deny statement that narrows the Allow. */
      fromDeny?: boolean;
      at: Location;
      /** Locations of the individual values, parallel to `values`. */
      valueAt: Location[];
    }
  | {
      /** IAM `Null`: `present: false` admits only tokens without the claim, `present: true` only tokens with it. */
      kind: 'presence';
      present: boolean;
      operator: string;
      key: string;
      at: Location;
    }
  | { kind: 'cel'; expression: string; at: Location }
  | { kind: 'unknown'; reason: string; operator: string; key: string; at: Location };

export type PatternConstraint = Extract<Constraint, { kind: 'patterns' }>;

/** What the token's issuer must be. */
export type IssuerRef =
  | {
      kind: 'exact';
      /** Issuer host and path without scheme, e.g. token.actions.githubusercontent.com. */
      host: string;
      /**
       * The issuer as the input writes it, when that differs from `host` (letter case, a trailing slash, the
       * scheme of an issuer URL): `fedlint simulate` compares a token's iss with it as the cloud does.
       */
      written?: string;
      at: Location;
      /** The issuer URL is written with a scheme other than https:// (an issuer URL must be https). */
      insecure?: boolean;
    }
  | { kind: 'wildcard'; written: string; at: Location }
  | { kind: 'unknown'; reason: string; at: Location };

export interface Target {
  /** aws-iam-role, gcp-service-account, azure-application, ... */
  kind: string;
  /** The resource as users name it: a role ARN or name, a Terraform address, a file name. */
  name: string;
  address?: string;
  account?: string;
  environment?: string;
  /** Why the environment is what it is ("role path /prod/", "tag Environment=prod"). */
  environmentSource?: string;
  /** The configuration's name for the environment (a key of `environments:`), when the configuration set it. */
  environmentName?: string;
  /** Where the target is declared (the role object, the file). */
  at: Location;
}

export type Mechanism = 'oidc' | 'saml' | 'aws-principal' | 'service' | 'x509';

/** One "who may become what" edge. */
export interface TrustBinding {
  provider: Provider;
  target: Target;
  mechanism: Mechanism;
  issuer: IssuerRef;
  /** Tests on claims of the token, by claim name in lower case (`sub`, `aud`, `repository_id`, ...). */
  claims: Record<string, Constraint[]>;
  /**
   * Condition keys that name a different issuer than this binding's principal: for this issuer's tokens
   * the key is absent, so such a test never narrows anything (reference/aws.md §2).
   */
  foreignKeys: Array<{ key: string; operator: string; at: Location; constraint: Constraint; /** The key names another issuer of the same statement. */ sibling: boolean }>;
  /** Tests on context keys that are not token claims (aws:PrincipalOrgID, sts:ExternalId, ...), by key in lower case. */
  context: Record<string, Constraint[]>;
  /** Actions the statement allows, as written (lower-cased). */
  actions: string[];
  sessionTtl?: { seconds: number; at: Location };
  /** The statement (or equivalent) this binding comes from. */
  origin: Location;
  /** The principal value that produced the binding. */
  principalAt: Location;
  /** Input kind the binding came from, for messages and SARIF categories. */
  source: string;
  /** Tags of the target, used for environments. */
  tags?: Record<string, string>;
  /**
   * The audiences the issuer's provider object itself accepts, when the input shows it (an AWS
   * `aws_iam_openid_connect_provider`'s client_id_list: STS rejects tokens whose aud is not listed).
   */
  providerAudiences?: { values: string[]; at: Location };
  /**
   * Some of the trust's values are marked sensitive in the input (a Terraform plan's after_sensitive):
   * findings about it must not quote them (reference/terraform-plan.md §8.7).
   */
  sensitive?: boolean;
  /**
   * The trust itself cannot be known from the input (a Terraform value known only after apply with no
   * literal fallback): rules must not judge it, only say that it could not be judged.
   */
  undetermined?: { reason: string; at: Location };
  /**
   * AWS: Deny statements that cover this trust but could not be folded into its claim tests (several
   * conditions, a condition on another key, an operator that has no negation in the model, a NotPrincipal
   * that does not list this principal). The rules do not read them; `fedlint simulate` evaluates them on
   * the token, since such a Deny may still refuse it (reference/aws.md §1).
   */
  unappliedDenies?: Array<{
    at: Location;
    /** ANDed: the Deny applies when every one holds. Empty: it applies to every request. */
    conditions: Array<{ key: string; claim: string; bucket: 'claims' | 'context' | 'foreign'; constraint: Constraint }>;
  }>;
  /**
   * GCP: the IAM member (principal:// or principalSet://) that grants the target to federated identities
   * of a workload identity pool. `scope: 'pool'` is `principalSet://…/*`, every identity of the pool.
   */
  member?: {
    value: string;
    at: Location;
    scope: 'pool' | 'subject' | 'attribute' | 'group' | 'kubernetes' | 'other';
    /** For `attribute.NAME/VALUE` members. */
    attribute?: string;
    /** Every provider of the pool found in the run pins one unit (a subject-missing finding on a
     * pool-wide member is then a warning about providers added later, not an open door). */
    providersPinned?: boolean;
    /** No enabled provider of the pool is among the inputs: what the member's attribute means is not known. */
    providersUnseen?: boolean;
  };
  /**
   * Flaws found while lowering a condition written in a richer language than per-claim tests (a GCP CEL
   * attribute_condition): comparisons that are always true or never true because of a type mismatch,
   * or a condition that is constant.
   */
  conditionFlaws?: Array<{ kind: 'type-confused' | 'constant'; message: string; at: Location }>;
}

export interface RelatedLocation {
  at: Location;
  message: string;
}

export interface Finding {
  ruleId: string;
  level: Level;
  message: string;
  at: Location;
  /** The resource the finding is about (SARIF logicalLocations[0].fullyQualifiedName). */
  resource: string;
  related?: RelatedLocation[];
}

/** A long-lived credential (an access key, a service-account key, a client secret) found in the inputs. */
export interface StaticCredential {
  provider: Provider;
  /** aws_iam_access_key, google_service_account_key, azuread_application_password, ... */
  kind: string;
  resource: string;
  at: Location;
}

/** An input that could not be read or understood. Every other input is still linted. */
export interface InputError {
  file: string;
  line: number;
  column: number;
  message: string;
}
