/**
 * Azure resources of a Terraform plan (reference/terraform-plan.md §6.3, reference/azure.md §6):
 *
 * - `azuread_application_federated_identity_credential` (application_id, or the older application_object_id;
 *   display_name, issuer, subject, audiences list);
 * - `azuread_application_flexible_federated_identity_credential` (audience string, claims_matching_expression);
 * - `azurerm_federated_identity_credential` (name, parent_id, issuer, subject, audience list);
 * - `azapi_resource` of type `Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@…`
 *   (body.properties…, the body an object or a JSON string);
 * - `azuread_application_password`, `azuread_service_principal_password`: long-lived secrets (static-credential).
 *
 * The parent (application or user-assigned identity) is found in the same plan, by the configuration
 * reference of application_id / parent_id or by its id value, to name the environment (tags, names). A value
 * known only after apply (an AKS cluster's oidc_issuer_url) stays unknown; a sensitive one marks the binding.
 */
import type { JsonPath, Location, StaticCredential, Target, TrustBinding } from '../model/types.js';
import {
  environmentFromHints,
  lowerCredential,
  parseIdentityId,
  type AudienceValue,
  type CredentialInput,
  type EnvironmentHint,
  type Field,
} from './azure-trust.js';
import type { LoadProblem, LoadResult } from './loader.js';
import { at, isSensitive, isUnknown, referenced, referencesOf, resourcesOfTypes, valueAt, type PlanResource, type PlanView } from './plan-view.js';
import { isObject, stringMap, type Json } from './json.js';

const CLASSIC = 'azuread_application_federated_identity_credential';
const FLEXIBLE = 'azuread_application_flexible_federated_identity_credential';
const AZURERM = 'azurerm_federated_identity_credential';
const AZAPI = 'azapi_resource';
const AZAPI_FIC = /^microsoft\.managedidentity\/userassignedidentities\/federatedidentitycredentials@/i;
const AZAPI_IDENTITY = /^microsoft\.managedidentity\/userassignedidentities@/i;
const APPLICATIONS = new Set(['azuread_application', 'azuread_application_registration']);
const PASSWORDS = new Set(['azuread_application_password', 'azuread_service_principal_password']);

function str(v: Json): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Where the fields of a credential live: plain attributes of the resource, or inside an azapi body (an
 * object, or a JSON string whose inner paths the position resolver follows).
 */
interface Reader {
  resource: PlanResource;
  file: string;
  /** The value at a path, or undefined. */
  value(path: JsonPath): Json;
  unknown(path: JsonPath): boolean;
  sensitive(path: JsonPath): boolean;
  at(path: JsonPath): Location;
  /** Why a value is unknown, naming what the configuration builds it from. */
  unknownReason(path: JsonPath, what: string): string;
}

/** The plain attributes of a resource; a class, not closures: a plan has thousands of credentials. */
class AttributeReader implements Reader {
  constructor(
    readonly resource: PlanResource,
    readonly file: string,
  ) {}
  value(path: JsonPath): Json {
    return valueAt(this.resource, path);
  }
  unknown(path: JsonPath): boolean {
    return isUnknown(this.resource, path);
  }
  sensitive(path: JsonPath): boolean {
    return isSensitive(this.resource, path);
  }
  at(path: JsonPath): Location {
    return at(this.resource, this.file, path);
  }
  unknownReason(path: JsonPath, what: string): string {
    const r = this.resource;
    const first = path[0];
    const refs = typeof first === 'string' ? referencesOf(r.config?.expressions[first]) : [];
    const from = refs.length > 0 ? ` (it comes from ${refs[0]})` : '';
    return `the ${what} of ${r.address} is known only after apply${from}`;
  }
}

function attributeReader(r: PlanResource, file: string): Reader {
  return new AttributeReader(r, file);
}

/** A reader over an azapi body, or a problem when the body is a string that is not JSON. */
function bodyReader(r: PlanResource, file: string): Reader | { problem: string; at: Location } {
  const base = attributeReader(r, file);
  const body = valueAt(r, ['body']);
  if (typeof body !== 'string') {
    return {
      resource: r,
      file,
      value: (path) => valueAt(r, ['body', ...path]),
      unknown: (path) => isUnknown(r, ['body', ...path]),
      sensitive: (path) => isSensitive(r, ['body', ...path]),
      at: (path) => at(r, file, ['body', ...path]),
      unknownReason: (path, what) => base.unknownReason(['body', ...path], what),
    };
  }
  let doc: Json;
  try {
    doc = JSON.parse(body);
  } catch {
    return { problem: `body of ${r.address} is a string that is not JSON`, at: at(r, file, ['body']) };
  }
  const walk = (path: JsonPath): Json => {
    let cur = doc;
    for (const step of path) {
      if (Array.isArray(cur) && typeof step === 'number') cur = cur[step];
      else if (isObject(cur) && typeof step === 'string') cur = cur[step];
      else return undefined;
    }
    return cur;
  };
  return {
    resource: r,
    file,
    value: walk,
    // The string is known as a whole or not at all.
    unknown: () => false,
    sensitive: () => isSensitive(r, ['body']),
    at: (path) => at(r, file, ['body'], path),
    unknownReason: (path, what) => base.unknownReason(path, what),
  };
}

function stringField(reader: Reader, path: JsonPath, what: string): Field<string> {
  const v = reader.value(path);
  const where = reader.at(path);
  if (typeof v === 'string') return { state: 'set', value: v, at: where };
  if (reader.unknown(path)) return { state: 'unknown', reason: reader.unknownReason(path, what), at: where };
  return { state: 'absent', at: where };
}

/** An audience list (or a single audience string): unknown as a whole when any element is. */
function audienceField(reader: Reader, path: JsonPath, what: string): Field<AudienceValue[]> {
  const v = reader.value(path);
  // One location for the field, shared by what points at it (locations are never changed once made).
  const where = reader.at(path);
  if (typeof v === 'string') return { state: 'set', value: [{ value: v, at: where }], at: where };
  if (Array.isArray(v)) {
    const values: AudienceValue[] = [];
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      if (reader.unknown([...path, i])) return { state: 'unknown', reason: reader.unknownReason(path, what), at: where };
      // Anything but a string is no audience (Terraform's schema allows only strings here).
      if (typeof item === 'string') values.push({ value: item, at: reader.at([...path, i]) });
    }
    return values.length > 0 ? { state: 'set', value: values, at: where } : { state: 'absent', at: where };
  }
  if (reader.unknown(path)) return { state: 'unknown', reason: reader.unknownReason(path, what), at: where };
  return { state: 'absent', at: where };
}

/** The instance key of an address (`["prod"]`, `[0]`), or ''. */
function instanceKey(address: string): string {
  const m = /(\[[^\]]*\])$/.exec(address);
  return m ? m[1]! : '';
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase().replace(/\/+$/, '') === b.toLowerCase().replace(/\/+$/, '');
}

/**
 * Parents in the plan: through the configuration reference of the attribute (narrowed to the credential's
 * own instance key when the parent has several instances), else by the attribute's id value.
 */
function findParents(
  view: PlanView,
  r: PlanResource,
  attribute: string,
  idValue: string | undefined,
  isParent: (p: PlanResource) => boolean,
  idsOf: (p: PlanResource) => string[],
): PlanResource[] {
  let found: PlanResource[] = [];
  for (const ref of referencesOf(r.config?.expressions[attribute])) {
    for (const p of referenced(view, r, ref)) if (isParent(p) && !found.includes(p)) found.push(p);
  }
  if (found.length > 1) {
    const key = instanceKey(r.address);
    const same = found.filter((p) => instanceKey(p.address) === key);
    if (same.length > 0) found = same;
  }
  if (found.length > 1 && idValue) {
    const byId = found.filter((p) => idsOf(p).some((id) => sameId(id, idValue)));
    if (byId.length > 0) found = byId;
  }
  if (found.length === 0 && idValue) {
    found = view.resources.filter((p) => isParent(p) && idsOf(p).some((id) => sameId(id, idValue)));
  }
  return found;
}

const isApplication = (p: PlanResource): boolean => APPLICATIONS.has(p.type);
const applicationIds = (p: PlanResource): string[] => {
  const ids: string[] = [];
  const id = str(p.values['id']);
  const objectId = str(p.values['object_id']);
  if (id) ids.push(id);
  if (objectId) ids.push(objectId, `/applications/${objectId}`);
  return ids;
};
const isIdentity = (p: PlanResource): boolean =>
  p.type === 'azurerm_user_assigned_identity' || (p.type === AZAPI && AZAPI_IDENTITY.test(str(p.values['type']) ?? ''));
const identityIds = (p: PlanResource): string[] => {
  const id = str(p.values['id']);
  return id ? [id] : [];
};

/** Environment hints of one parent resource: its tags, its name, its address, its resource group. */
function parentHints(p: PlanResource, noun: string): { hints: EnvironmentHint[]; tags?: Record<string, string> } {
  const raw = p.values['tags'];
  const tags = stringMap(raw) ?? (p.type === AZAPI && isObject(p.values['body']) ? stringMap(p.values['body']['tags']) : undefined);
  const labels = Array.isArray(raw) ? raw.filter((t): t is string => typeof t === 'string') : undefined;
  const name = str(p.values['display_name']) ?? str(p.values['name']);
  const hints: EnvironmentHint[] = [{ what: `${noun} ${p.address}`, name, tags, labels }];
  hints.push({ what: noun, name: p.address });
  const rg = str(p.values['resource_group_name']);
  if (rg) hints.push({ what: 'resource group', name: rg });
  return tags ? { hints, tags } : { hints };
}

/** The target of a credential: named by its address, with the environment of its parent when found. */
function targetOf(
  r: PlanResource,
  file: string,
  kind: 'azure-application' | 'azure-managed-identity',
  parents: PlanResource[],
  parentIdValue: string | undefined,
  credentialName: string | undefined,
): { target: Target; tags?: Record<string, string> } {
  const target: Target = { kind, name: r.address, address: r.address, at: at(r, file, []) };
  const noun = kind === 'azure-application' ? 'application' : 'identity';
  let tags: Record<string, string> | undefined;
  let hints: EnvironmentHint[] = [];
  if (parents.length === 1) {
    const p = parentHints(parents[0]!, noun);
    hints = p.hints;
    tags = p.tags;
  } else if (parents.length > 1) {
    // Several instances could be the parent: use their environment only when they all agree.
    const guesses = parents.map((p) => environmentFromHints(parentHints(p, noun).hints));
    const first = guesses[0];
    if (first && guesses.every((g) => g?.environment === first.environment)) {
      target.environment = first.environment;
      target.environmentSource = first.source;
    }
  } else if (parentIdValue) {
    const parsed = parseIdentityId(parentIdValue);
    if (parsed) {
      hints.push({ what: 'identity', name: parsed.identity });
      if (parsed.resourceGroup) hints.push({ what: 'resource group', name: parsed.resourceGroup });
      if (parsed.subscription) target.account = parsed.subscription;
    }
  }
  if (parents.length <= 1) {
    if (credentialName) hints.push({ what: 'credential', name: credentialName });
    hints.push({ what: 'credential', name: r.address });
    const env = environmentFromHints(hints);
    if (env) {
      target.environment = env.environment;
      target.environmentSource = env.source;
    }
  }
  return tags ? { target, tags } : { target };
}

function sensitiveAny(reader: Reader, paths: JsonPath[]): boolean {
  return paths.some((p) => reader.sensitive(p));
}

/** Where a kind of credential keeps its fields, and how messages name them. */
interface Shape {
  fields: { name: JsonPath; issuer: JsonPath; subject?: JsonPath; expression?: JsonPath; languageVersion?: JsonPath; audiences: JsonPath };
  names: CredentialInput['names'];
  /** The fields whose sensitivity marks the credential. */
  watched: JsonPath[];
}

function shape(fields: Shape['fields'], names: Shape['names']): Shape {
  const watched = [fields.issuer, fields.audiences, ...(fields.subject ? [fields.subject] : []), ...(fields.expression ? [fields.expression] : [])];
  return { fields, names, watched };
}

// Made once, not for each of the thousands of credentials of a plan (they are only read).
const CLASSIC_SHAPE = shape(
  { name: ['display_name'], issuer: ['issuer'], subject: ['subject'], audiences: ['audiences'] },
  { subject: 'subject', audiences: 'audiences', expression: 'claims_matching_expression' },
);
const FLEXIBLE_SHAPE = shape(
  { name: ['display_name'], issuer: ['issuer'], expression: ['claims_matching_expression'], audiences: ['audience'] },
  { subject: 'subject', audiences: 'audience', expression: 'claims_matching_expression' },
);
const AZURERM_SHAPE = shape(
  { name: ['name'], issuer: ['issuer'], subject: ['subject'], audiences: ['audience'] },
  { subject: 'subject', audiences: 'audience', expression: 'claimsMatchingExpression' },
);
const AZAPI_SHAPE = shape(
  {
    name: ['name'],
    issuer: ['properties', 'issuer'],
    subject: ['properties', 'subject'],
    expression: ['properties', 'claimsMatchingExpression', 'value'],
    languageVersion: ['properties', 'claimsMatchingExpression', 'languageVersion'],
    audiences: ['properties', 'audiences'],
  },
  { subject: 'properties.subject', audiences: 'properties.audiences', expression: 'properties.claimsMatchingExpression' },
);

function lowerOne(view: PlanView, r: PlanResource, out: { bindings: TrustBinding[]; problems: LoadProblem[] }): void {
  const file = view.file;
  let reader: Reader = attributeReader(r, file);
  let kind: 'azure-application' | 'azure-managed-identity';
  let parentAttribute: string;
  let isParent: (p: PlanResource) => boolean;
  let idsOf: (p: PlanResource) => string[];
  let credential: Shape;
  if (r.type === CLASSIC || r.type === FLEXIBLE) {
    kind = 'azure-application';
    parentAttribute = r.values['application_id'] !== undefined || isUnknown(r, ['application_id']) || r.config?.expressions['application_id'] ? 'application_id' : 'application_object_id';
    isParent = isApplication;
    idsOf = applicationIds;
    credential = r.type === CLASSIC ? CLASSIC_SHAPE : FLEXIBLE_SHAPE;
  } else if (r.type === AZURERM) {
    kind = 'azure-managed-identity';
    parentAttribute = 'parent_id';
    isParent = isIdentity;
    idsOf = identityIds;
    credential = AZURERM_SHAPE;
  } else {
    kind = 'azure-managed-identity';
    parentAttribute = 'parent_id';
    isParent = isIdentity;
    idsOf = identityIds;
    const body = bodyReader(r, file);
    if ('problem' in body) {
      out.problems.push({ at: body.at, message: body.problem });
      return;
    }
    if (isUnknown(r, ['body'])) {
      // The whole body is known only after apply: every field is unknown, said once.
      const reason = attributeReader(r, file).unknownReason(['body'], 'body');
      reader = { ...body, value: () => undefined, unknown: () => true, unknownReason: () => reason, at: () => at(r, file, ['body']) };
    } else reader = body;
    credential = AZAPI_SHAPE;
  }
  const { fields, names } = credential;

  const parentIdValue = str(r.values[parentAttribute]);
  const parents = findParents(view, r, parentAttribute, parentIdValue, isParent, idsOf);
  const credentialName = r.type === AZAPI ? str(r.values['name']) : str(reader.value(fields.name));
  const { target, tags } = targetOf(r, file, kind, parents, parentIdValue, credentialName);

  const whole = at(r, file, []);
  let expression: Field<string> = { state: 'absent', at: whole };
  if (fields.expression) {
    expression = stringField(reader, fields.expression, names.expression);
    // An azapi body whose claimsMatchingExpression is a bare string rather than {value, languageVersion}.
    if (expression.state === 'absent' && r.type === AZAPI && typeof reader.value(['properties', 'claimsMatchingExpression']) === 'string') {
      expression = stringField(reader, ['properties', 'claimsMatchingExpression'], names.expression);
    }
  }
  const input: CredentialInput = {
    file,
    source: 'terraform-plan',
    target,
    origin: whole,
    label: r.address,
    issuer: stringField(reader, fields.issuer, 'issuer'),
    subject: fields.subject ? stringField(reader, fields.subject, names.subject) : { state: 'absent', at: whole },
    expression,
    audiences: audienceField(reader, fields.audiences, names.audiences),
    names,
  };
  if (tags) input.tags = tags;
  if (fields.languageVersion) {
    const v = reader.value(fields.languageVersion);
    if (v !== undefined) input.languageVersion = { value: v, at: reader.at(fields.languageVersion) };
  }
  if (sensitiveAny(reader, credential.watched)) input.sensitive = true;
  const lowered = lowerCredential(input);
  out.bindings.push(lowered.binding);
  out.problems.push(...lowered.problems);
}

export function lowerAzurePlan(view: PlanView): LoadResult {
  const bindings: TrustBinding[] = [];
  const credentials: StaticCredential[] = [];
  const problems: LoadProblem[] = [];
  const read = (type: string): boolean => PASSWORDS.has(type) || type === CLASSIC || type === FLEXIBLE || type === AZURERM || type === AZAPI;
  for (const r of resourcesOfTypes(view, read)) {
    if (r.mode !== 'managed') continue;
    if (PASSWORDS.has(r.type)) {
      credentials.push({ provider: 'azure', kind: r.type, resource: r.address, at: at(r, view.file, []) });
      continue;
    }
    const fic = r.type === CLASSIC || r.type === FLEXIBLE || r.type === AZURERM || (r.type === AZAPI && AZAPI_FIC.test(str(r.values['type']) ?? ''));
    if (!fic) continue;
    lowerOne(view, r, { bindings, problems });
  }
  return { bindings, credentials, problems };
}
