import { defineRule, type RuleContext } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { analyse, keyFor, profileOf } from '../src/engine/analysis.js';
import { classifyEnvironmentName } from '../src/knowledge/environments.js';
import { UNREVIEWED_KINDS, contextModel, describeKind, natural, type ContextModel, type Probe, type UnreviewedKind } from '../src/knowledge/unreviewed.js';
import { allAdmit, constraintAdmits } from '../src/match/iam.js';
import { tokenVerdict } from '../src/match/probe.js';
import { isPin } from '../src/match/scope.js';
import type { Constraint, Location, RelatedLocation, TrustBinding } from '../src/model/types.js';

export default defineRule({
  meta: {
    id: 'unreviewed-context',
    title: 'Trust admits tokens that unreviewed code can mint',
    level: 'error',
    providers: ['aws', 'gcp', 'azure'],
    precision: 'high',
    securitySeverity: '8.0',
    tags: ['security', 'oidc', 'external/cwe/cwe-284'],
    defaults: {},
    docs: {
      description:
        'The trust admits a token that code nobody has reviewed or merged can mint: GitHub `pull_request` subjects (written out, or through a wildcard that spans them such as `repo:OWNER/REPO:*`), any branch or any tag (`ref:refs/heads/*`, a `ref` or `job_workflow_ref` limit open to any ref), GitLab branches not limited to protected ones, HCP Terraform plan-phase tokens on the role that also applies, Spacelift PROPOSED runs on the role that writes, Buildkite, CircleCI and Bitbucket builds of any branch, and CircleCI SSH re-runs where a GCP condition could refuse them. The message names the context and a token the trust admits, checked with the matcher. Error on production targets (environments as for cross-environment-trust, including `environment:NAME` in the trust\'s subjects), warning elsewhere. A trust pinned to a branch it names, a tag, an environment, `ref_protected` "true" or a reusable workflow at a fixed ref is not reported; values known only after apply are not guessed.',
      why:
        'Anyone who can open a pull request or push a branch chooses the code that runs with such a token. A role that admits `pull_request` or any branch hands its permissions to that code before review, and a plan-phase token on the apply role does the same through a speculative plan: review and branch protection no longer stand between a contributor and the cloud.',
      fix:
        'Pin what only reviewed code reaches: a protected branch (`repo:OWNER/REPO:ref:refs/heads/main`), or a GitHub environment with required reviewers (`repo:OWNER/REPO:environment:production`); for GitLab require `ref_protected` "true"; for HCP Terraform pin `run_phase:apply` on the apply role and give plans a read-only role. Pull requests that need cloud access get a separate role that can only read.',
      references: [
        'https://docs.github.com/en/actions/reference/security/oidc',
        'https://docs.gitlab.com/ci/secrets/id_token_authentication/',
        'https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/workload-identity-tokens',
        'reference/idps.md §1.2, §2, §3, §4, §5, §6, §8',
      ],
      examples: {
        bad: show(getRoleOutput({ name: 'deploy-prod', path: '/prod/' }, webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com' }), StringLike: githubKeys({ sub: 'repo:octo-org/octo-repo:*' }) }))),
        good: show(getRoleOutput({ name: 'deploy-prod', path: '/prod/' }, webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:environment:production' }) }))),
      },
    },
  },
  checkAll(bindings, ctx) {
    // GCP (gcp-trust.ts): a provider's bindings hold its attribute_condition, a member's binding only the
    // member's own limit; the trust a service account really has is both. They are joined by the provider
    // they come from, which both name through the provider's issuer location.
    const providers = new Map<string, TrustBinding[]>();
    const members = new Map<string, TrustBinding[]>();
    // A provider's bindings and its members' share one Location object for its issuer (gcp-trust.ts): its key
    // is made once per object, a third as many on the bench's plan, and Map lookups reuse the string's hash.
    const keys = new Map<Location, string>();
    for (const b of bindings) {
      if (b.provider !== 'gcp' || b.issuer.kind !== 'exact') continue;
      if (b.member?.providersUnseen) continue;
      const at = b.issuer.at;
      let key = keys.get(at);
      if (key === undefined) keys.set(at, (key = locationKey(at)));
      push(b.member ? members : providers, key, b);
    }
    const alternatives = alternativesOf(bindings);
    for (const b of bindings) {
      if (b.provider === 'gcp') continue;
      for (const f of judge(b, alternatives)) report(ctx, b, f, f.at ?? fallbackAt(b), production(b));
    }
    for (const [key, disjuncts] of providers) gcpProvider(ctx, disjuncts, members.get(key) ?? []);
  },
});

/**
 * Every alternative of a binding's target (the statements of one role, the disjuncts of one GCP condition),
 * b among them: a plan-phase token counts only when the same target also admits the apply phase. The index
 * is built on the first question, by provider and then target name, so that a run without plan-phase or
 * PROPOSED probes (most) builds none; it was keyed by a string joined from both, two per binding. With the
 * changes to judge and the GitHub probes (unreviewed.ts reviewedOnly), lint() of this rule alone on the
 * bench's "10,000 files" went from 75-135 to 30-40 ms, cold. Each target is listed once: a policy file of
 * 100,000 statements is one target, and listing them again for every statement was quadratic.
 */
function alternativesOf(bindings: readonly TrustBinding[]): (b: TrustBinding) => readonly TrustBinding[] {
  let byTarget: Map<string, Map<string, TrustBinding[]>> | undefined;
  return (b) => {
    if (!byTarget) {
      byTarget = new Map();
      for (const x of bindings) {
        let targets = byTarget.get(x.provider);
        if (!targets) byTarget.set(x.provider, (targets = new Map()));
        push(targets, x.target.name, x);
      }
    }
    return byTarget.get(b.provider)!.get(b.target.name)!;
  };
}

interface Found {
  kinds: UnreviewedKind[];
  probe: Probe;
  model: ContextModel;
  /** Where the limit that lets the token through is written; undefined when no test on `sub` does. */
  at?: Location;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
}

function locationKey(at: Location): string {
  return `${at.file}\u0000${JSON.stringify(at.path)}\u0000${JSON.stringify(at.inner ?? null)}`;
}

/**
 * The unreviewed contexts a binding admits, one entry per subject value that lets them through (a list of
 * values can hold a pinned branch and `pull_request`: each value is its own mistake). `alternatives` gives
 * every alternative of b's target, b among them.
 */
function judge(b: TrustBinding, alternatives: (b: TrustBinding) => readonly TrustBinding[]): readonly Found[] {
  if (b.undetermined) return NONE;
  // The issuer's model and its subjects come before the analysis (whose profile is profileOf's): a trust
  // whose subjects all name reviewed code has no probe however it is pinned, and most trusts are such.
  const profile = profileOf(b);
  if (!profile) return NONE;
  const model = contextModel(profile.id, b.claims['sub']);
  if (!model || pinnedToReviewed(model, b.claims['sub'])) return NONE;
  const a = analyse(b);
  // Only a trust pinned to one repository (project, workspace, pipeline) is judged here. One with no identity
  // limit, or one a wildcard opens to other repositories, is subject-missing's or subject-wildcard's: that
  // finding names the wider door, and its fix (pin the repository and its branch or environment) closes
  // this one too. One mistake, one finding.
  if (a.admitsNothing || a.decisive?.breadth !== 'pinned') return NONE;
  let found: Map<string, Found> | undefined;
  for (const probe of model.probes(b.claims, b.provider)) {
    if (tokenVerdict(b.claims, probe.token, model.free) !== true) continue;
    if (probe.twin && tokenVerdict(b.claims, probe.twin, model.free) !== true) continue;
    // The twin must pass the same subject value: another value of the list may be what admits it.
    if (probe.twin && probe.via && constraintAdmits(probe.via.test, probe.twin['sub']) !== true) continue;
    if (probe.alsoAdmitted && !alternatives(b).some((g) => tokenVerdict(g.claims, probe.alsoAdmitted!, model.free) === true)) continue;
    const at = probe.via?.at ?? contextAt(b, model, probe);
    const key = at ? locationKey(at) : '';
    const entry = (found ??= new Map<string, Found>()).get(key);
    if (!entry) found.set(key, { kinds: [probe.kind], probe, model, ...(at ? { at } : {}) });
    else if (!entry.kinds.includes(probe.kind)) {
      entry.kinds.push(probe.kind);
      // The witness shows the first context in the order messages list them (a pull request before a branch).
      entry.kinds.sort((x, y) => UNREVIEWED_KINDS.indexOf(x) - UNREVIEWED_KINDS.indexOf(y));
      if (entry.kinds[0] === probe.kind) entry.probe = probe;
    } else if (entry.probe.kind === probe.kind && !natural(entry.probe) && natural(probe)) entry.probe = probe;
  }
  return found ? [...found.values()] : NONE;
}

/** What judge finds in most trusts, shared rather than made for each. */
const NONE: readonly Found[] = [];

/**
 * Where to point when no subject test lets the token through: the value of a test on a claim of the run's
 * context that admits it (a `ref` of `refs/heads/*`, a `job_workflow_ref` open to any ref), if any.
 */
function contextAt(b: TrustBinding, model: ContextModel, probe: Probe): Location | undefined {
  for (const [claim, tests] of Object.entries(b.claims)) {
    if (claim === 'sub' || model.free(claim)) continue;
    const value = probe.token[claim];
    for (const c of tests.filter(isPin)) {
      const i = c.values.findIndex((v) => allAdmit([{ ...c, values: [v] }], value) === true);
      if (i >= 0) return c.valueAt[i] ?? c.at;
    }
  }
  return undefined;
}

/** Where to point when no test on the run's context lets the token through: the identity limit the trust does have. */
function fallbackAt(b: TrustBinding): Location {
  const pin = analyse(b).decisive?.constraints.find(isPin) as Extract<Constraint, { kind: 'patterns' }> | undefined;
  return pin ? (pin.valueAt[0] ?? pin.at) : b.principalAt;
}

/**
 * Whether the target is production (design.md §1): its environment (configuration, tags, paths, names), or
 * a production environment its own subjects or `environment` limit name (`repo:o/r:environment:prod`
 * beside `repo:o/r:pull_request`). Returns why, or undefined.
 */
function production(b: TrustBinding): string | undefined {
  if (b.target.environment === 'production') return b.target.environmentSource ?? 'production';
  if (b.target.environment) return undefined;
  const sub = analyse(b).pins.find((p) => p.identity.claim === 'sub');
  const names = [...(sub?.analysis.environments.map((e) => e.name) ?? [])];
  for (const c of (b.claims['environment'] ?? []).filter(isPin)) if (c.syntax === 'exact' || !c.values.some((v) => v.includes('*') || v.includes('?'))) names.push(...c.values);
  const prod = names.find((n) => classifyEnvironmentName(n) === 'production');
  return prod !== undefined ? `its subject names environment ${prod}` : undefined;
}

function kindsText(kinds: readonly UnreviewedKind[]): string {
  const texts = kinds.map(describeKind);
  return texts.length === 1 ? texts[0]! : `${texts.slice(0, -1).join(', ')} and ${texts[texts.length - 1]!}`;
}

function message(b: TrustBinding, f: Found, prod: string | undefined, grantee?: TrustBinding): string {
  const who = prod !== undefined && !grantee ? `Production target ${b.target.name} (${prod})` : b.target.name;
  const sub = typeof f.probe.token['sub'] === 'string' ? f.probe.token['sub'] : undefined;
  const rerun = f.probe.kind === 'ssh-rerun' ? ' with oidc.circleci.com/ssh-rerun true' : '';
  const witness = f.probe.shown ?? `${JSON.stringify(sub)}${rerun}`;
  const via = f.probe.via;
  const how = !via
    ? `its limits on ${limitedClaims(b)} admit ${witness}`
    : via.pattern === sub
      ? `${keyFor(b, 'sub')} is ${witness}`
      : `${keyFor(b, 'sub')} ${JSON.stringify(via.pattern)} admits ${witness}`;
  const granted = grantee ? ` Production target ${grantee.target.name} (${prod}) is granted to such tokens through ${grantee.member!.value}.` : '';
  return `${who} admits tokens of ${kindsText(f.kinds)}: ${how}.${granted} Code that nobody has reviewed or merged can mint such a token (${f.model.reference}). ${f.model.fix}.`;
}

/** The claims a trust tests, as the input names them, for "its limits on X and Y admit …". */
function limitedClaims(b: TrustBinding): string {
  const claims = Object.keys(b.claims).filter((c) => c !== 'aud' && (b.claims[c] ?? []).some(isPin));
  const keys = claims.map((c) => keyFor(b, c));
  return keys.length > 1 ? `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]!}` : (keys[0] ?? 'who the token belongs to');
}

function report(ctx: RuleContext, b: TrustBinding, f: Found, at: Location, prod: string | undefined, related?: RelatedLocation[], grantee?: TrustBinding): void {
  ctx.report(b, { at, level: prod !== undefined ? 'error' : 'warning', message: message(b, f, prod, grantee), ...(related && related.length > 0 ? { related } : {}) });
}

/** A member's limit joined with one disjunct of its provider's condition: the trust one path really has. */
function joined(member: TrustBinding, disjunct: TrustBinding): TrustBinding {
  const claims: Record<string, Constraint[]> = {};
  for (const [claim, tests] of Object.entries(disjunct.claims)) claims[claim] = [...tests];
  for (const [claim, tests] of Object.entries(member.claims)) (claims[claim] ??= []).push(...tests);
  return { ...member, claims, foreignKeys: [...member.foreignKeys, ...disjunct.foreignKeys] };
}

/**
 * Whether `sub` is pinned and every subject value names reviewed code, for models that tell so from the
 * values (ContextModel.reviewedSubjects): then probes() gives none.
 */
function pinnedToReviewed(model: ContextModel, sub: readonly Constraint[] | undefined): boolean {
  return model.reviewedSubjects !== undefined && sub !== undefined && sub.some(isPin) && model.reviewedSubjects(sub);
}

/** What the subject tests of a provider's disjuncts say for one model (ContextModel.reviewedSubjects), read once per provider. */
type DisjunctSubjects = (model: ContextModel) => { reviewed: boolean; pinned: boolean };

function disjunctSubjects(disjuncts: readonly TrustBinding[]): DisjunctSubjects {
  const known = new Map<ContextModel, { reviewed: boolean; pinned: boolean }>();
  return (model) => {
    let facts = known.get(model);
    if (!facts) {
      facts = { reviewed: true, pinned: true };
      for (const d of disjuncts) {
        const sub = d.claims['sub'];
        if (sub && !model.reviewedSubjects!(sub)) facts.reviewed = false;
        if (!sub?.some(isPin)) facts.pinned = false;
      }
      known.set(model, facts);
    }
    return facts;
  };
}

/**
 * Whether judge() finds nothing on any path through member m (joined(m, d) for each disjunct d), decided from
 * the parts without joining them. A path has m's issuer and `undetermined`, so m's profile picks its model
 * (but for an unknown issuer, whose model the joined subjects pick); its subject tests are the disjunct's and
 * m's together, which name only reviewed code when each part's do (reviewedSubjects reads value by value),
 * and are pinned when either part's are. Every member of the bench's plan pins an environment: joining and
 * analysing its paths was most of this rule's time there (see gcpProvider).
 */
function silentPaths(m: TrustBinding, subjects: DisjunctSubjects): boolean {
  if (m.undetermined) return true;
  const profile = profileOf(m);
  if (!profile) return true;
  if (profile.id === 'unknown') return false;
  const model = contextModel(profile.id);
  if (!model) return true;
  if (!model.reviewedSubjects) return false;
  const sub = m.claims['sub'];
  if (sub && !model.reviewedSubjects(sub)) return false;
  const d = subjects(model);
  return d.reviewed && (d.pinned || (sub?.some(isPin) ?? false));
}

/** How many members a provider finding names. */
const MAX_NAMED = 3;

/**
 * One GCP provider and the members joined to it. Each mistake is reported once, where its fix goes:
 * - a member whose own limit names the run's context (`principal://…/subject/repo:o/r:pull_request`) is
 *   reported on the member, when the provider's condition lets that token through too;
 * - a condition that lets an unreviewed token through is reported on the provider when no member is among
 *   the inputs, or when some member passes the context on unchanged (an attribute such as
 *   `attribute.repository_id/ID`, or the whole pool); the level follows the most sensitive such target, and
 *   those members are named. The condition alone may pin only an owner (subject-wildcard's finding): a
 *   member on one repository then makes the path one repository wide, judged here. When every member pins
 *   the context itself, the condition is not a way in.
 */
function gcpProvider(ctx: RuleContext, disjuncts: readonly TrustBinding[], joinedMembers: readonly TrustBinding[]): void {
  const passing: Array<{ m: TrustBinding; prod: string | undefined; found: Array<{ d: TrustBinding; f: Found }> }> = [];
  const subjects = disjunctSubjects(disjuncts);
  for (const m of joinedMembers) {
    if (silentPaths(m, subjects)) continue;
    const paths = disjuncts.map((d) => ({ d, path: joined(m, d) }));
    const alternatives = paths.map((x) => x.path);
    const found = paths.flatMap(({ d, path }) => judge(path, () => alternatives).map((f) => ({ d, f })));
    if (found.length === 0) continue;
    const model = found[0]!.f.model;
    if (Object.keys(m.claims).some((c) => !model.free(c))) {
      for (const { f } of found) report(ctx, m, f, m.member!.at, production(m));
    } else {
      passing.push({ m, prod: production(m), found });
    }
  }
  if (joinedMembers.length > 0 && passing.length === 0) return;
  // The condition's own findings count only from here on: when every member pins the context itself (every
  // member of the bench's plan), the condition's probes are not built at all.
  const own = disjuncts.flatMap((d) => judge(d, () => disjuncts).map((f) => ({ d, f })));
  // Without members in the inputs the condition speaks for itself; with them, through the paths they open.
  const findings = joinedMembers.length === 0 ? own : own.length > 0 ? own : passing[0]!.found;
  if (findings.length === 0) return;
  // The provider's own environment, else the most sensitive target granted through it.
  const providerProd = production(disjuncts[0]!);
  const grantee = providerProd === undefined ? passing.find((p) => p.prod !== undefined) : undefined;
  const related = passing.slice(0, MAX_NAMED).map(({ m }) => ({ at: m.member!.at, message: `${m.target.name} is granted to this provider's identities through ${m.member!.value}` }));
  const seen = new Set<string>();
  for (const { d, f } of findings) {
    // Findings through a member point into the condition, where the provider's part of the fix goes.
    const fromOwn = own.some((o) => o.f === f);
    const at = fromOwn && f.at ? f.at : (contextAt(d, f.model, f.probe) ?? fallbackAt(d));
    const key = locationKey(at);
    if (seen.has(key)) continue;
    seen.add(key);
    report(ctx, d, f, at, providerProd ?? grantee?.prod, related, grantee?.m);
  }
}
