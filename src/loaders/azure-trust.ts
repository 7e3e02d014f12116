/**
 * One Microsoft Entra federated identity credential (reference/azure.md), from whatever input it came
 * from (a Graph or ARM export, a Terraform plan), lowered into a TrustBinding. The export loaders
 * (azure-export.ts) and the plan lowering (plan-azure.ts) read their shapes into a CredentialInput; the
 * meaning is decided here, once:
 *
 * - Classic credential (azure.md §1, §2): Entra accepts a token when `iss` equals the issuer, `sub` equals
 *   the subject exactly (no wildcards, case-sensitive) and `aud` is one of the audiences. So the subject is
 *   one exact test on `sub` and the audiences one exact test on `aud` whose values are ORed.
 * - Flexible credential (azure.md §3): `claimsMatchingExpression` (languageVersion 1) is parsed with
 *   parseFlexibleExpression; each clause becomes a test on its claim (`eq` exact, `matches` an azure-glob,
 *   where `*` crosses `/` and `:`), and the clauses are ANDed like tests on IAM condition keys.
 *
 * Values known only after apply become `unknown` constraints or an `unknown` issuer, never a guess; a
 * credential whose trust cannot be read at all (an expression that does not parse, a flexible credential
 * exported without its expression) is marked `undetermined` so that no rule judges it.
 */
import type { Constraint, IssuerRef, Location, Target, TrustBinding } from '../model/types.js';
import { classifyEnvironmentName, environmentOf, type EnvironmentGuess } from '../knowledge/environments.js';
import { normalizeIssuerHost } from '../knowledge/issuers.js';
import { parseFlexibleExpression } from '../match/azure-flexible.js';
import type { LoadProblem } from './loader.js';

/** A field of a credential as the input shows it: a value, a value known only after apply, or nothing. */
export type Field<T> =
  | { state: 'set'; value: T; at: Location }
  | { state: 'unknown'; reason: string; at: Location }
  | { state: 'absent'; at: Location };

export interface AudienceValue {
  value: string;
  at: Location;
}

export interface CredentialInput {
  file: string;
  /** Input kind, for TrustBinding.source. */
  source: string;
  target: Target;
  tags?: Record<string, string>;
  /** The credential object (a Graph object, an ARM resource, a plan resource's values). */
  origin: Location;
  /** How the input names the credential, for messages ("credential github-prod", "azurerm_… .aks"). */
  label: string;
  issuer: Field<string>;
  /** Classic credentials; null and absent are both `absent`. */
  subject: Field<string>;
  /** Flexible credentials: the expression text. Absent for classic-only shapes. */
  expression: Field<string>;
  /** `claimsMatchingExpression.languageVersion`, when the input carries it. */
  languageVersion?: { value: unknown; at: Location };
  audiences: Field<AudienceValue[]>;
  /** How the input spells the subject and audience fields, for constraint keys in messages. */
  names: { subject: string; audiences: string; expression: string };
  /** Some value of the credential is marked sensitive (a plan's after_sensitive). */
  sensitive?: boolean;
}

export interface LoweredCredential {
  binding: TrustBinding;
  problems: LoadProblem[];
}

function unknownConstraint(reason: string, operator: string, key: string, at: Location): Constraint {
  return { kind: 'unknown', reason, operator, key, at };
}

function exact(values: string[], operator: string, key: string, at: Location, valueAt: Location[]): Constraint {
  return { kind: 'patterns', syntax: 'exact', values, operator, key, at, valueAt };
}

function lowerIssuer(field: Field<string>, label: string, problems: LoadProblem[]): IssuerRef {
  if (field.state === 'unknown') return { kind: 'unknown', reason: field.reason, at: field.at };
  if (field.state === 'absent' || field.value.trim() === '') {
    problems.push({ at: field.at, message: `${label} has no issuer` });
    return { kind: 'unknown', reason: `${label} has no issuer`, at: field.at };
  }
  // `written`: Entra compares iss with the issuer exactly as configured (azure.md §1, §8).
  const issuer: IssuerRef = { kind: 'exact', host: normalizeIssuerHost(field.value), written: field.value, at: field.at };
  // An OpenID Connect issuer is an https URL; anything else (http://, no scheme) is recorded as insecure.
  if (!/^https:\/\//i.test(field.value.trim())) issuer.insecure = true;
  return issuer;
}

/**
 * The audiences as one test on `aud`: the credential accepts a token whose aud is any of them (azure.md §1).
 * No audience at all is a test with no values, which no token passes: Entra requires one (azure.md §2) and a
 * credential without it cannot be used; audience-missing reports it.
 */
function lowerAudiences(field: Field<AudienceValue[]>, key: string): Constraint {
  if (field.state === 'unknown') return unknownConstraint(field.reason, key, key, field.at);
  if (field.state === 'absent') return exact([], key, key, field.at, []);
  return exact(
    field.value.map((a) => a.value),
    key,
    key,
    field.at,
    field.value.map((a) => a.at),
  );
}

function add(claims: Record<string, Constraint[]>, claim: string, c: Constraint): void {
  (claims[claim.toLowerCase()] ??= []).push(c);
}

/** Lower one credential. Never throws: what cannot be read is a problem, an unknown, or undetermined. */
export function lowerCredential(input: CredentialInput): LoweredCredential {
  const problems: LoadProblem[] = [];
  const claims: Record<string, Constraint[]> = {};
  let undetermined: { reason: string; at: Location } | undefined;
  const issuer = lowerIssuer(input.issuer, input.label, problems);
  add(claims, 'aud', lowerAudiences(input.audiences, input.names.audiences));

  const { subject, expression } = input;
  const subjectSet = subject.state === 'set';
  const expressionSet = expression.state === 'set' || expression.state === 'unknown';
  if (subjectSet && expressionSet) {
    // Graph and ARM accept one or the other, never both (azure.md §2, §4).
    const reason = `${input.label} has both ${input.names.subject} and ${input.names.expression}; Entra accepts only one of them`;
    problems.push({ at: expression.at, message: reason });
    undetermined = { reason, at: expression.at };
    add(claims, 'sub', unknownConstraint(reason, input.names.expression, input.names.expression, expression.at));
  } else if (expression.state === 'unknown') {
    add(claims, 'sub', unknownConstraint(expression.reason, input.names.expression, input.names.expression, expression.at));
  } else if (expression.state === 'set') {
    const flexible = lowerExpression(input, expression.value, expression.at);
    if ('reason' in flexible) {
      problems.push({ at: expression.at, message: flexible.reason });
      undetermined = { reason: flexible.reason, at: expression.at };
      add(claims, 'sub', unknownConstraint(flexible.reason, input.names.expression, input.names.expression, expression.at));
    } else {
      for (const { claim, constraint } of flexible.tests) add(claims, claim, constraint);
    }
  } else if (subject.state === 'set') {
    add(claims, 'sub', exact([subject.value], input.names.subject, input.names.subject, subject.at, [subject.at]));
  } else if (subject.state === 'unknown') {
    add(claims, 'sub', unknownConstraint(subject.reason, input.names.subject, input.names.subject, subject.at));
  } else {
    // A flexible credential read through Graph v1.0 or `az ad app federated-credential list` shows a null
    // subject and no expression (azure.md §5): what it admits is not in the input.
    const hint = input.source === 'azure-fic' ? ' (a flexible credential exported without its expression? Read it from Graph beta)' : '';
    const reason = `${input.label} has neither a ${input.names.subject} nor a ${input.names.expression}${hint}`;
    undetermined = { reason, at: subject.at };
    add(claims, 'sub', unknownConstraint(reason, input.names.subject, input.names.subject, subject.at));
  }

  const binding: TrustBinding = {
    provider: 'azure',
    target: input.target,
    mechanism: 'oidc',
    issuer,
    claims,
    foreignKeys: [],
    context: {},
    actions: [],
    origin: input.origin,
    principalAt: input.issuer.at,
    source: input.source,
  };
  if (input.tags && Object.keys(input.tags).length > 0) binding.tags = input.tags;
  if (input.sensitive) binding.sensitive = true;
  if (undetermined) binding.undetermined = undetermined;
  return { binding, problems };
}

function lowerExpression(
  input: CredentialInput,
  text: string,
  at: Location,
): { tests: Array<{ claim: string; constraint: Constraint }> } | { reason: string } {
  const version = input.languageVersion;
  if (version && version.value !== undefined && version.value !== null && version.value !== 1 && version.value !== '1') {
    return { reason: `${input.label}: ${input.names.expression} languageVersion ${JSON.stringify(version.value)} is not supported (fedlint reads languageVersion 1, azure.md §3)` };
  }
  const parsed = parseFlexibleExpression(text);
  if (!parsed.ok) {
    // Locations cannot point inside a plain string, so the message names the character offset.
    return { reason: `${input.names.expression} of ${input.label} does not parse at character ${parsed.offset + 1}: ${parsed.message}` };
  }
  return {
    tests: parsed.clauses.map((clause) => ({
      claim: clause.claim,
      constraint: {
        kind: 'patterns',
        syntax: clause.op === 'eq' ? 'exact' : 'azure-glob',
        values: [clause.value],
        operator: clause.op,
        key: `claims['${clause.claim}']`,
        at,
        valueAt: [at],
      },
    })),
  };
}

/** One place an environment may be read from: a parent identity, the input file, the credential itself. */
export interface EnvironmentHint {
  /** What the hint belongs to, for environmentSource: "credential" gives "credential name github-prod". */
  what: string;
  name?: string | undefined;
  tags?: Record<string, string> | undefined;
  /** azuread_application `tags` are a set of plain strings, not a map. */
  labels?: string[] | undefined;
}

/** The first hint that names an environment (design.md §1: tags, then names), or undefined. */
export function environmentFromHints(hints: readonly EnvironmentHint[]): EnvironmentGuess | undefined {
  for (const hint of hints) {
    let tags = hint.tags;
    if (hint.labels) {
      const labelTags: Record<string, string> = {};
      for (const label of hint.labels) {
        const pair = /^([^:=]+)[:=](.+)$/.exec(label);
        if (pair) labelTags[pair[1]!.trim()] = pair[2]!.trim();
        else {
          const cls = classifyEnvironmentName(label.trim());
          if (cls) return { environment: cls, source: `${hint.what} tag ${label}` };
        }
      }
      tags = { ...labelTags, ...tags };
    }
    const guess = environmentOf({ tags, name: hint.name });
    if (guess) return { environment: guess.environment, source: `${hint.what} ${guess.source}` };
  }
  return undefined;
}

/**
 * The parts of an ARM id of a user-assigned identity or one of its credentials:
 * `/subscriptions/S/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME[/federatedIdentityCredentials/CRED]`.
 * ARM ids are case-insensitive in their fixed segments.
 */
export function parseIdentityId(id: string): { subscription?: string; resourceGroup?: string; identity: string; credential?: string } | undefined {
  const m = /\/userAssignedIdentities\/([^/]+)(?:\/federatedIdentityCredentials\/([^/]+))?\/?$/i.exec(id);
  if (!m) return undefined;
  const out: { subscription?: string; resourceGroup?: string; identity: string; credential?: string } = { identity: m[1]! };
  const sub = /\/subscriptions\/([^/]+)/i.exec(id);
  const rg = /\/resourceGroups\/([^/]+)/i.exec(id);
  if (sub) out.subscription = sub[1]!;
  if (rg) out.resourceGroup = rg[1]!;
  if (m[2]) out.credential = m[2];
  return out;
}
