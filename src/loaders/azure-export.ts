/**
 * Exports of Entra federated identity credentials (reference/azure.md §2-§5), recognised by content:
 *
 * - `az ad app federated-credential list` (a JSON array of Graph objects: name, issuer, subject,
 *   audiences, description, id, sometimes `@odata.*` fields) and a single Graph object (§2, §5);
 * - Microsoft Graph list responses `{"@odata.context": …, "value": [...]}`, v1.0 and beta; beta objects may
 *   carry `claimsMatchingExpression: {value, languageVersion}` instead of a subject (§3);
 * - `az identity federated-credential list` and ARM GET/list responses: objects of type
 *   `Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials` with
 *   `properties.{issuer, subject, audiences, claimsMatchingExpression}`, or the CLI's flattened form with
 *   those fields at the top level beside `resourceGroup` and `systemData` (§4).
 *
 * The parent object is named when the input shows it (the application in `@odata.context`, the identity
 * in an ARM id); the environment comes from the parent's name, then the file name, then the credential's.
 */
import type { JsonPath, Location, Target } from '../model/types.js';
import {
  environmentFromHints,
  lowerCredential,
  parseIdentityId,
  type AudienceValue,
  type CredentialInput,
  type EnvironmentHint,
  type Field,
} from './azure-trust.js';
import type { LoadResult, Loader } from './loader.js';
import { isObject, type Json } from './json.js';

const FIC_TYPE = /^microsoft\.managedidentity\/userassignedidentities\/federatedidentitycredentials$/i;

/** Keys that belong to other input kinds (AWS policies, Terraform plans): an object holding them is not ours. */
const FOREIGN_KEYS = ['Statement', 'AssumeRolePolicyDocument', 'format_version', 'resource_changes', 'bindings'];

/** The object that holds issuer/subject/audiences: `properties` for ARM, the object itself otherwise. */
function fieldsOf(obj: Record<string, Json>): { fields: Record<string, Json>; path: JsonPath; arm: boolean } {
  const props = obj['properties'];
  if (isObject(props) && ('issuer' in props || 'subject' in props || 'audiences' in props || 'claimsMatchingExpression' in props)) {
    return { fields: props, path: ['properties'], arm: true };
  }
  const arm =
    (typeof obj['type'] === 'string' && FIC_TYPE.test(obj['type'])) ||
    'resourceGroup' in obj ||
    (typeof obj['id'] === 'string' && parseIdentityId(obj['id'])?.credential !== undefined);
  return { fields: obj, path: [], arm };
}

const FIC_FIELDS = ['issuer', 'subject', 'audiences', 'claimsMatchingExpression'];

/** A federated identity credential in any of the shapes above, recognisable on its own. */
export function isCredential(value: Json): value is Record<string, Json> {
  if (!isObject(value) || FOREIGN_KEYS.some((k) => k in value)) return false;
  if (typeof value['type'] === 'string' && FIC_TYPE.test(value['type'])) return true;
  const { fields } = fieldsOf(value);
  if (typeof fields['issuer'] !== 'string') return false;
  return Array.isArray(fields['audiences']) || 'subject' in fields || 'claimsMatchingExpression' in fields;
}

/** An element of a list of credentials that may be malformed (no issuer, say): loaded, with problems. */
function isCredentialLike(value: Json): value is Record<string, Json> {
  if (!isObject(value) || FOREIGN_KEYS.some((k) => k in value)) return false;
  const { fields } = fieldsOf(value);
  return isCredential(value) || FIC_FIELDS.some((k) => k in fields);
}

function looksLikeList(list: Json[]): boolean {
  return list.some(isCredential) && list.every(isCredentialLike);
}

function looksLikeExport(value: Json): boolean {
  if (Array.isArray(value)) return looksLikeList(value);
  if (!isObject(value)) return false;
  const list = value['value'];
  if (Array.isArray(list) && !('issuer' in value)) {
    if (list.length > 0) return looksLikeList(list);
    // An empty list is ours only when the response says what it lists.
    const context = value['@odata.context'];
    return typeof context === 'string' && /federatedIdentityCredentials/i.test(context);
  }
  return isCredential(value);
}

/** The parent named by a Graph `@odata.context` (`…$metadata#applications('ID')/federatedIdentityCredentials…`). */
function parentFromContext(context: Json): string | undefined {
  if (typeof context !== 'string') return undefined;
  const m = /#([A-Za-z]+)\(([^)]*)\)\/federatedIdentityCredentials/i.exec(context);
  if (!m) return undefined;
  const key = m[2]!.replace(/^[A-Za-z]+=/, '').replace(/^'(.*)'$/, '$1');
  return key === '' ? undefined : key;
}

interface Context {
  file: string;
  displayName: string;
  /** Parent object id from the response's @odata.context (Graph). */
  graphParent?: string;
}

function str(v: Json): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function loadCredential(obj: Record<string, Json>, objPath: JsonPath, ctx: Context, out: LoadResult): void {
  const { file } = ctx;
  const here = (path: JsonPath): Location => ({ file, path: objPath.concat(path) });
  const { fields, path: fieldsPath, arm } = fieldsOf(obj);
  const field = (name: string): Location => here([...fieldsPath, name]);
  const name = str(obj['name']) ?? str(fields['name']);
  const id = str(obj['id']);
  const armId = id ? parseIdentityId(id) : undefined;
  const identityName = armId?.identity;
  const resourceGroup = str(obj['resourceGroup']) ?? armId?.resourceGroup;
  const parent = arm ? identityName : ctx.graphParent;
  const credentialName = name ?? armId?.credential;
  const label = credentialName ? `credential ${credentialName}` : `credential ${JSON.stringify(objPath)} of ${ctx.displayName}`;

  const hints: EnvironmentHint[] = [];
  if (arm && identityName) hints.push({ what: 'identity', name: identityName });
  if (arm && resourceGroup) hints.push({ what: 'resource group', name: resourceGroup });
  hints.push({ what: 'file', name: ctx.displayName.replace(/\.json$/i, '') });
  if (credentialName) hints.push({ what: 'credential', name: credentialName });
  const targetName = credentialName ? (parent ? `${parent}/${credentialName}` : credentialName) : `${ctx.displayName}${objPath.map((p) => `[${JSON.stringify(p)}]`).join('')}`;
  const target: Target = { kind: arm ? 'azure-managed-identity' : 'azure-application', name: targetName, at: here([]) };
  if (id) target.address = id;
  if (armId?.subscription) target.account = armId.subscription;
  const env = environmentFromHints(hints);
  if (env) {
    target.environment = env.environment;
    target.environmentSource = env.source;
  }

  const issuer: Field<string> =
    typeof fields['issuer'] === 'string' ? { state: 'set', value: fields['issuer'], at: field('issuer') } : { state: 'absent', at: 'issuer' in fields ? field('issuer') : here([]) };
  if (fields['issuer'] !== undefined && fields['issuer'] !== null && typeof fields['issuer'] !== 'string') {
    out.problems.push({ at: field('issuer'), message: `issuer of ${label} is not a string` });
  }

  let subject: Field<string> = { state: 'absent', at: 'subject' in fields ? field('subject') : here([]) };
  if (typeof fields['subject'] === 'string') subject = { state: 'set', value: fields['subject'], at: field('subject') };
  else if (fields['subject'] !== undefined && fields['subject'] !== null) {
    out.problems.push({ at: field('subject'), message: `subject of ${label} is not a string` });
  }

  const rawExpression = fields['claimsMatchingExpression'];
  let expression: Field<string> = { state: 'absent', at: here([]) };
  let languageVersion: CredentialInput['languageVersion'];
  if (typeof rawExpression === 'string') {
    expression = { state: 'set', value: rawExpression, at: field('claimsMatchingExpression') };
  } else if (isObject(rawExpression)) {
    const value = rawExpression['value'];
    const valueAt = here([...fieldsPath, 'claimsMatchingExpression', 'value']);
    if (typeof value === 'string') expression = { state: 'set', value, at: valueAt };
    else out.problems.push({ at: 'value' in rawExpression ? valueAt : field('claimsMatchingExpression'), message: `claimsMatchingExpression of ${label} has no string value` });
    if ('languageVersion' in rawExpression) {
      languageVersion = { value: rawExpression['languageVersion'], at: here([...fieldsPath, 'claimsMatchingExpression', 'languageVersion']) };
    }
  } else if (rawExpression !== undefined && rawExpression !== null) {
    out.problems.push({ at: field('claimsMatchingExpression'), message: `claimsMatchingExpression of ${label} is neither an object nor a string` });
  }

  const rawAudiences = fields['audiences'];
  let audiences: Field<AudienceValue[]> = { state: 'absent', at: 'audiences' in fields ? field('audiences') : here([]) };
  if (Array.isArray(rawAudiences)) {
    const values: AudienceValue[] = [];
    rawAudiences.forEach((a, i) => {
      const at = here([...fieldsPath, 'audiences', i]);
      if (typeof a === 'string') values.push({ value: a, at });
      else out.problems.push({ at, message: `audience ${i + 1} of ${label} is not a string` });
    });
    audiences = values.length > 0 ? { state: 'set', value: values, at: field('audiences') } : { state: 'absent', at: field('audiences') };
  } else if (typeof rawAudiences === 'string') {
    // Tolerated: one audience written as a string.
    audiences = { state: 'set', value: [{ value: rawAudiences, at: field('audiences') }], at: field('audiences') };
  } else if (rawAudiences !== undefined && rawAudiences !== null) {
    out.problems.push({ at: field('audiences'), message: `audiences of ${label} is not a list of strings` });
  }

  const input: CredentialInput = {
    file,
    source: 'azure-fic',
    target,
    origin: here([]),
    label,
    issuer,
    subject,
    expression,
    audiences,
    names: { subject: 'subject', audiences: 'audiences', expression: 'claimsMatchingExpression' },
  };
  if (languageVersion) input.languageVersion = languageVersion;
  const lowered = lowerCredential(input);
  out.bindings.push(lowered.binding);
  out.problems.push(...lowered.problems);
}

export const azureFicLoader: Loader = {
  kind: 'azure-fic',
  description:
    'Entra federated identity credentials: `az ad app federated-credential list`, `az identity federated-credential list`, a Graph or ARM credential object or list response',
  sniff: looksLikeExport,
  load(value, file, displayName) {
    const out: LoadResult = { bindings: [], problems: [] };
    const ctx: Context = { file, displayName };
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        if (isCredentialLike(v)) loadCredential(v, [i], ctx, out);
        else out.problems.push({ at: { file, path: [i] }, message: `element ${i} is not a federated identity credential` });
      });
      return out;
    }
    if (!isObject(value)) return out;
    const list = value['value'];
    if (Array.isArray(list) && !('issuer' in value)) {
      const parent = parentFromContext(value['@odata.context']);
      if (parent) ctx.graphParent = parent;
      list.forEach((v, i) => {
        if (isCredentialLike(v)) loadCredential(v, ['value', i], ctx, out);
        else out.problems.push({ at: { file, path: ['value', i] }, message: `value[${i}] is not a federated identity credential` });
      });
      return out;
    }
    const parent = parentFromContext(value['@odata.context']);
    if (parent) ctx.graphParent = parent;
    loadCredential(value, [], ctx, out);
    return out;
  },
};
