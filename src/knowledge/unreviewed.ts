/**
 * Which tokens code that nobody has reviewed can mint, per issuer (reference/idps.md):
 *
 * - GitHub Actions (§1.2, §1.4): a `pull_request` run (the subject's context is `pull_request` when the job
 *   names no environment), and a run on a branch anyone with push access can create. The job's code comes
 *   from the pull request or the branch; a reusable workflow pinned by `job_workflow_ref` at a fixed ref runs
 *   that ref's code instead.
 * - GitLab CI (§2): a pipeline on a branch anyone with Developer access can push, including merge-request
 *   pipelines, whose subject carries the source branch; `ref_protected` is `"false"` there. A `ref_type:*`
 *   also admits a tag named like the pinned branch, which anyone allowed to push tags can create.
 * - HCP Terraform (§3): plan-phase tokens, which speculative plans of pull requests get, on a role that is
 *   also the apply role ("`run_phase:*` gives the plan phase … apply-level credentials").
 * - Buildkite (§5): builds of any branch (`…:ref:refs/heads/BRANCH:…`).
 * - CircleCI (§4): jobs of any branch (the V1 subject carries no ref at all; a V2 subject's `vcs-ref` left
 *   open), and SSH re-runs (`oidc.circleci.com/ssh-rerun`), where whoever re-runs the job types commands.
 * - Bitbucket Pipelines (§6): steps of any branch outside a deployment environment (`{REPO}:{STEP}`).
 * - Spacelift (§8): PROPOSED runs (pull-request previews) on the role TRACKED runs write with.
 *
 * A model builds probes for one set of claim tests: whole tokens of one such context, for the identity the
 * tests themselves name (their repository, project, workspace), with every value the author of the code
 * picks (a branch name, a user, a commit) filled in. A probe counts when the matcher admits it and its twin,
 * the same token with every picked character changed (probe.ts `perturb`): then no literal of the trust
 * chose those characters. A branch the trust spells out (`main`, `release/*`) is never "any branch", since
 * fedlint cannot see which branches are protected; neither is an environment (GitHub environments and
 * Bitbucket deployments gate who may deploy to them) or a tag the trust names.
 */
import type { Constraint, Location, PatternConstraint, Provider } from '../model/types.js';
import { admittedFills, chosenValue, perturb, type ClaimTests, type Token } from '../match/probe.js';
import { isPin } from '../match/scope.js';
import { GITHUB_CUSTOM_KEYS } from './subjects.js';

/** In the order messages list them. */
export const UNREVIEWED_KINDS = ['pull-request', 'any-branch', 'any-tag', 'tag-named-like-branch', 'plan-phase', 'proposed-run', 'ssh-rerun'] as const;
export type UnreviewedKind = (typeof UNREVIEWED_KINDS)[number];

export interface Probe {
  kind: UnreviewedKind;
  token: Token;
  /** The same context with every picked character changed; absent when nothing in it is picked. */
  twin?: Token;
  /** A token the same target must also admit for the probe to count (the apply token of a plan probe). */
  alsoAdmitted?: Token;
  /**
   * The subject value that admits `token.sub` (and must admit the twin's too: a list that pins `main` beside
   * `refs/heads/*` is reported at the wildcard, not at `main`), with where it is written; absent when `sub`
   * is not tested.
   */
  via?: { pattern: string; at: Location; test: PatternConstraint };
  /**
   * How a message shows the token when its subject is not the point: the trust does not test `sub` and does
   * not name the whole identity either, so the claims that make the context are shown instead.
   */
  shown?: string;
}

/** `a token with event_name "pull_request" and ref "refs/pull/1/merge"`. */
function shownClaims(token: Token, claims: readonly string[]): string {
  const parts = claims.filter((c) => typeof token[c] === 'string').map((c) => `${c} ${JSON.stringify(token[c])}`);
  return `a token with ${parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}` : parts[0]!}`;
}

export interface ContextModel {
  /** reference/idps.md section. */
  reference: string;
  /**
   * Claims that are the same for every run of the identity (repository, ids, audience), or that the author
   * of the run's code sets at will (a workflow's name, its runner): their tests do not tell a reviewed run
   * from an unreviewed one.
   */
  free(claim: string): boolean;
  probes(claims: ClaimTests, provider: Provider): Probe[];
  /**
   * Whether every value of these tests on `sub` names reviewed code, so that probes() gives none while `sub`
   * is pinned, whatever else is tested. It reads value by value: for lists that are ANDed (a GCP member's
   * limit and a disjunct of its provider's condition) it holds when it holds for each, which lets the rule
   * skip joining them. Absent where only the probes themselves tell.
   */
  reviewedSubjects?(tests: readonly Constraint[]): boolean;
  /** How to pin the trust to reviewed code, for messages. */
  fix: string;
}

/** Branch names, commits, users and steps the author of unreviewed code picks. Their twins differ in every letter. */
const BRANCH = 'feature-x';
const COMMIT = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const USER = '5f1f9c1e-7c11-4c5f-9f2a-8c6c1b0e4d21';
const STEP = '{9a3b1c2d-0e4f-4a5b-8c6d-7e8f9a0b1c2d}';
const PULL = 1;

/**
 * Whether a probe reads naturally as a witness: its subject holds the branch name or the pull request it was
 * built for, rather than a fragment meant for another place that a wildcard happened to admit (a branch
 * named `branch`). Among probes of one context, the rule shows a natural one when there is one.
 */
export function natural(probe: Probe): boolean {
  const sub = probe.token['sub'];
  return typeof sub === 'string' && (sub.includes(BRANCH) || sub.endsWith('pull_request') || probe.kind !== 'any-branch');
}

/** Probes per set of tests: a handful decide; the cap keeps a trust listing thousands of subjects linear. */
const MAX_PROBES = 24;

interface Span {
  start: number;
  end: number;
}

/** The text with each span (sorted, disjoint) replaced by `name`. */
function splice(text: string, spans: readonly Span[], name: string): string {
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + name;
    at = s.end;
  }
  return out + text.slice(at);
}

function wholly(span: Span, derived: Uint8Array): boolean {
  for (let i = span.start; i < span.end; i++) if (!derived[i]) return false;
  return span.end > span.start;
}

function touches(span: Span, derived: Uint8Array): boolean {
  for (let i = span.start; i < span.end; i++) if (derived[i]) return true;
  return false;
}

function pinned(tests: ClaimTests, claim: string): boolean {
  return (tests[claim] ?? []).some(isPin);
}

/** Values a claim's tests admit, for identities named outside the subject (GCP conditions, extra IAM keys). */
function admittedValues(tests: ClaimTests, claim: string, fills: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of admittedFills(tests[claim], fills)) {
    if (!out.includes(f.value)) out.push(f.value);
    if (out.length >= 4) break;
  }
  return out;
}

/** refValue answers by set of tests: a probe asks the same question for its token and its twin, per identity. */
const refValues = new WeakMap<ClaimTests, Map<string, string>>();

/** A value ending in `@REF` for a claim such as job_workflow_ref: one the tests admit, else `fallback`. */
function refValue(tests: ClaimTests, claim: string, ref: string, fills: readonly string[], fallback: string): string {
  if (!tests[claim]) return fallback;
  let cache = refValues.get(tests);
  if (!cache) refValues.set(tests, (cache = new Map()));
  const key = `${claim}\u0000${ref}\u0000${fallback}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  let value = fallback;
  for (const f of admittedFills(tests[claim], [ref, ...fills.map((x) => `${x}@${ref}`)])) {
    if (f.value.endsWith(`@${ref}`)) {
      value = f.value;
      break;
    }
  }
  cache.set(key, value);
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// GitHub Actions (reference/idps.md §1)
// ---------------------------------------------------------------------------------------------------------

interface GithubWho {
  owner?: string;
  ownerId?: string;
  repo?: string;
  repoId?: string;
}

type GithubContext =
  | { kind: 'pull_request' }
  /** A branch or tag: `spans` are where its name sits (the job's own ref, or a reusable workflow's). */
  | { kind: 'branch' | 'tag'; spans: Span[] }
  /** A subject template without context (`repository_owner_id:1:repository_id:2`): every run shares it. */
  | { kind: 'none' }
  /** An environment, or a reusable workflow at a tag or commit: reviewed code, as far as fedlint can tell. */
  | { kind: 'fixed' };

interface GithubSubject {
  who: GithubWho;
  context: GithubContext;
}

/** `refs/heads/X`, `refs/tags/X`, `refs/pull/N/merge`: the context a ref stands for, with where the name sits. */
function githubRef(ref: string, offset: number): GithubContext | undefined {
  // Git refuses `:` in ref names (git check-ref-format), so a ref holding one is not a real token's.
  if (ref.includes(':')) return undefined;
  const head = /^refs\/heads\/(.+)$/.exec(ref);
  if (head) return { kind: 'branch', spans: [{ start: offset + 11, end: offset + ref.length }] };
  const tag = /^refs\/tags\/(.+)$/.exec(ref);
  if (tag) return { kind: 'tag', spans: [{ start: offset + 10, end: offset + ref.length }] };
  if (/^refs\/pull\/[^/]+\/(merge|head)$/.test(ref)) return { kind: 'pull_request' };
  return { kind: 'fixed' };
}

/**
 * A GitHub subject: the default template `repo:OWNER/REPO:CONTEXT` (or `OWNER@ID/REPO@ID`), or a custom
 * template of `key:value` pairs (§1.3). When it carries a `job_workflow_ref`, the code that runs is that
 * workflow's, so its ref decides: a reusable workflow pinned at a fixed ref runs reviewed code whoever calls it.
 */
export function readGithubSubject(sub: string): GithubSubject | undefined {
  const who: GithubWho = {};
  let context: GithubContext | undefined;
  let jwr: { value: string; start: number } | undefined;
  const classic = /^repo:([^/:@]+)(?:@([0-9]+))?\/([^/:@]+)(?:@([0-9]+))?:(.+)$/.exec(sub);
  if (classic) {
    who.owner = classic[1]!;
    who.repo = classic[3]!;
    if (classic[2]) who.ownerId = classic[2];
    if (classic[4]) who.repoId = classic[4];
    const restStart = sub.length - classic[5]!.length;
    let rest = classic[5]!;
    const j = rest.startsWith('job_workflow_ref:') ? -1 : rest.indexOf(':job_workflow_ref:');
    if (j >= 0) {
      jwr = { value: rest.slice(j + 18), start: restStart + j + 18 };
      rest = rest.slice(0, j);
    }
    if (rest.startsWith('job_workflow_ref:')) {
      // A template of repo and job_workflow_ref without the context: the workflow's ref decides (below).
      jwr = { value: rest.slice(17), start: restStart + 17 };
      context = { kind: 'none' };
    } else if (rest === 'pull_request') context = { kind: 'pull_request' };
    else if (rest.startsWith('ref:')) context = githubRef(rest.slice(4), restStart + 4);
    else if (rest.startsWith('environment:') && rest.length > 12) context = { kind: 'fixed' };
    if (!context) return undefined;
  } else {
    const parts = sub.split(':');
    let offset = 0;
    let recognised = false;
    for (let i = 0; i < parts.length; ) {
      const key = parts[i]!;
      if (key === 'pull_request') {
        // A template renders its context once.
        if (context) return undefined;
        context = { kind: 'pull_request' };
        offset += key.length + 1;
        i += 1;
        continue;
      }
      const value = parts[i + 1];
      if (value === undefined || value === '' || !GITHUB_CUSTOM_KEYS.has(key)) return undefined;
      const valueStart = offset + key.length + 1;
      recognised = true;
      switch (key) {
        case 'repository_owner':
          who.owner = value;
          break;
        case 'repository_owner_id':
          who.ownerId = value;
          break;
        case 'repository': {
          const slash = value.indexOf('/');
          if (slash <= 0) return undefined;
          who.owner ??= value.slice(0, slash);
          who.repo = value.slice(slash + 1);
          break;
        }
        case 'repository_id':
          who.repoId = value;
          break;
        case 'ref': {
          const ref = githubRef(value, valueStart);
          if (!ref || context) return undefined;
          context = ref;
          break;
        }
        case 'environment':
          if (context) return undefined;
          context = { kind: 'fixed' };
          break;
        case 'job_workflow_ref':
          jwr = { value, start: valueStart };
          break;
        default:
          // Other claims of §1.3 (ref_type, repository_visibility, …) do not change the context.
          break;
      }
      offset = valueStart + value.length + 1;
      i += 2;
    }
    if (!recognised) return undefined;
    context ??= { kind: 'none' };
  }
  if (jwr && context.kind !== 'fixed') {
    const at = jwr.value.lastIndexOf('@');
    if (at < 0) return undefined;
    const ref = githubRef(jwr.value.slice(at + 1), jwr.start + at + 1);
    if (!ref) return undefined;
    // The reusable workflow's ref decides, unless the caller's own branch is open too (both spans are picked).
    if (ref.kind === 'branch' && context.kind === 'branch') context = { kind: 'branch', spans: [...context.spans, ...ref.spans] };
    else context = ref.kind === 'tag' ? { kind: 'fixed' } : ref;
  }
  return { who, context };
}

/**
 * Fragments for the wildcards of GitHub subjects: contexts of unreviewed runs, and a repository to hold
 * them. Branch fragments come first so that the first witness of a branch wildcard is a branch name, not a
 * fragment meant for another place.
 */
const GITHUB_FILLS = [
  `ref:refs/heads/${BRANCH}`,
  BRANCH,
  `heads/${BRANCH}`,
  `refs/heads/${BRANCH}`,
  'pull_request',
  `x:ref:refs/heads/${BRANCH}`,
  `x:pull_request`,
  `x/x:ref:refs/heads/${BRANCH}`,
  `x/x:pull_request`,
  `refs/pull/${PULL}/merge`,
  '',
];


type GithubRun = { pull: number; head: string } | { branch: string } | { tag: string };

function githubToken(tests: ClaimTests, sub: string, who: GithubWho, run: GithubRun): Token {
  const ref = 'pull' in run ? `refs/pull/${run.pull}/merge` : 'branch' in run ? `refs/heads/${run.branch}` : `refs/tags/${run.tag}`;
  const token: Token = { sub, ref };
  if ('pull' in run) {
    token['event_name'] = 'pull_request';
    token['head_ref'] = run.head;
    // A pull request may target any branch, the protected one included.
    token['base_ref'] = chosenValue(tests['base_ref'], ['main', 'master'], ['', 'main']);
  } else {
    token['event_name'] = chosenValue(tests['event_name'], ['push', 'workflow_dispatch']);
    token['ref_type'] = 'branch' in run ? 'branch' : 'tag';
    token['head_ref'] = '';
    token['base_ref'] = '';
  }
  if (who.owner !== undefined) token['repository_owner'] = who.owner;
  if (who.owner !== undefined && who.repo !== undefined) token['repository'] = `${who.owner}/${who.repo}`;
  if (who.ownerId !== undefined) token['repository_owner_id'] = who.ownerId;
  if (who.repoId !== undefined) token['repository_id'] = who.repoId;
  // The job's own workflow runs at the run's ref (§1.4); a reusable workflow open to any ref runs there too.
  const repo = `${who.owner ?? 'OWNER'}/${who.repo ?? 'REPO'}`;
  const workflow = `${repo}/.github/workflows/deploy.yml@${ref}`;
  const fills = ['deploy.yml', '.github/workflows/deploy.yml', `${repo}/.github/workflows/deploy.yml`, 'x/.github/workflows/deploy.yml'];
  token['job_workflow_ref'] = refValue(tests, 'job_workflow_ref', ref, fills, workflow);
  token['workflow_ref'] = refValue(tests, 'workflow_ref', ref, fills, workflow);
  return token;
}

/** Who the trust names when it does not test the subject: its repository and owner claims. */
function githubWho(tests: ClaimTests): GithubWho[] {
  const out: GithubWho[] = [];
  for (const r of admittedValues(tests, 'repository', ['', 'x'])) {
    const m = /^([^/]+)\/([^/]+)$/.exec(r);
    if (m) out.push({ owner: m[1]!, repo: m[2]! });
  }
  if (out.length === 0) {
    const owner = admittedValues(tests, 'repository_owner', ['', 'x'])[0];
    out.push(owner !== undefined ? { owner } : {});
  }
  return out;
}

const GITHUB_FREE = new Set([
  'aud',
  'iss',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'repository_visibility',
  'enterprise',
  'enterprise_id',
  'runner_environment',
  // The workflow's name is in the file the run's own code brings.
  'workflow',
]);

/**
 * Whether GitHub subject tests can give no probe: every value is exact (the only value admittedFills gives
 * for it is itself) and is no subject (readGithubSubject) or one of reviewed code (an environment, a reusable
 * workflow at a fixed ref). Read before the fills are built, which cost more than reading the values: every
 * exact subject of the bench inputs ("10,000 files", the 50 MB plan) names an environment.
 */
function reviewedOnly(tests: readonly Constraint[]): boolean {
  for (const t of tests) {
    if (!isPin(t)) continue;
    for (const v of t.values) {
      if (t.syntax !== 'exact' && (v.includes('*') || v.includes('?'))) return false;
      const s = readGithubSubject(v);
      if (s && s.context.kind !== 'fixed') return false;
    }
  }
  return true;
}

const github: ContextModel = {
  reference: 'reference/idps.md §1.2',
  free: (claim) => GITHUB_FREE.has(claim) || claim.startsWith('repo_property_'),
  fix: 'Pin a protected branch (`ref:refs/heads/main`) or an environment with required reviewers (`environment:production`)',
  reviewedSubjects: reviewedOnly,
  probes(tests) {
    // Most subjects of real trusts name reviewed code: they are answered before the closures below are made.
    if (pinned(tests, 'sub') && reviewedOnly(tests['sub']!)) return [];
    const probes: Probe[] = [];
    const pull = (sub: string, who: GithubWho, via?: Probe['via']): Probe => {
      const p: Probe = {
        kind: 'pull-request',
        token: githubToken(tests, sub, who, { pull: PULL, head: BRANCH }),
        twin: githubToken(tests, sub, who, { pull: PULL + 1, head: perturb(BRANCH) }),
      };
      if (via) p.via = via;
      return p;
    };
    const named = (kind: 'any-branch' | 'any-tag', sub: (name: string) => string, name: string, who: GithubWho, via?: Probe['via']): Probe => {
      const run = (n: string): GithubRun => (kind === 'any-branch' ? { branch: n } : { tag: n });
      const p: Probe = { kind, token: githubToken(tests, sub(name), who, run(name)), twin: githubToken(tests, sub(perturb(name)), who, run(perturb(name))) };
      if (via) p.via = via;
      return p;
    };
    if (pinned(tests, 'sub')) {
      for (const f of admittedFills(tests['sub'], GITHUB_FILLS)) {
        if (probes.length >= MAX_PROBES) break;
        const s = readGithubSubject(f.value);
        if (!s) continue;
        const via = { pattern: f.pattern, at: f.at, test: f.test };
        const c = s.context;
        if (c.kind === 'pull_request') probes.push(pull(f.value, s.who, via));
        else if (c.kind === 'none') {
          probes.push(pull(f.value, s.who, via), named('any-branch', () => f.value, BRANCH, s.who, via));
        } else if (c.kind === 'branch' || c.kind === 'tag') {
          const name = f.value.slice(c.spans[0]!.start, c.spans[0]!.end);
          probes.push(named(c.kind === 'branch' ? 'any-branch' : 'any-tag', (n) => splice(f.value, c.spans, n), name, s.who, via));
        }
      }
      return probes;
    }
    // No subject limit that names a context: the run's context is whatever the other claims let through.
    const branches = [BRANCH];
    for (const f of admittedFills(tests['ref'], [BRANCH, `heads/${BRANCH}`, `refs/heads/${BRANCH}`])) {
      const m = /^refs\/heads\/(.+)$/.exec(f.value);
      if (m && !branches.includes(m[1]!)) branches.push(m[1]!);
      if (branches.length >= 4) break;
    }
    for (const who of githubWho(tests)) {
      const repo = `repo:${who.owner ?? 'OWNER'}/${who.repo ?? 'REPO'}`;
      const known = who.owner !== undefined && who.repo !== undefined;
      const shown = (p: Probe, claims: string[]): Probe => (known ? p : { ...p, shown: shownClaims(p.token, claims) });
      probes.push(shown(pull(`${repo}:pull_request`, who), ['event_name', 'ref']));
      for (const b of branches) probes.push(shown(named('any-branch', (n) => `${repo}:ref:refs/heads/${n}`, b, who), ['ref']));
    }
    return probes.slice(0, MAX_PROBES);
  },
};

// ---------------------------------------------------------------------------------------------------------
// GitLab CI/CD (reference/idps.md §2)
// ---------------------------------------------------------------------------------------------------------

interface GitlabSubject {
  path?: string;
  projectId?: string;
  namespaceId?: string;
  /** The ref type and name, with where they sit; absent for a custom subject without them. */
  ref?: { type: string; typeSpan: Span; name: Span };
}

/**
 * A GitLab subject: the default `project_path:GROUP/PROJECT:ref_type:TYPE:ref:NAME`, or a custom one built
 * on `project_id` / `namespace_id` (§2), which may leave the ref out. Ref names hold no `:` (git refuses it).
 */
export function readGitlabSubject(sub: string): GitlabSubject | undefined {
  const m = /^(project_path|project_id|namespace_id):([^:]+)(?::ref_type:([^:]+):ref:([^:]+))?$/.exec(sub);
  if (!m) return undefined;
  const out: GitlabSubject = {};
  if (m[1] === 'project_path') {
    if (!m[2]!.includes('/') || m[3] === undefined) return undefined;
    out.path = m[2]!;
  } else if (m[1] === 'project_id') out.projectId = m[2]!;
  else out.namespaceId = m[2]!;
  if (m[3] !== undefined) {
    const typeStart = m[1]!.length + 1 + m[2]!.length + 10;
    out.ref = { type: m[3]!, typeSpan: { start: typeStart, end: typeStart + m[3]!.length }, name: { start: sub.length - m[4]!.length, end: sub.length } };
  }
  return out;
}

const GITLAB_FILLS = [
  BRANCH,
  `ref_type:branch:ref:${BRANCH}`,
  `branch:ref:${BRANCH}`,
  'branch',
  'tag',
  `x:ref_type:branch:ref:${BRANCH}`,
  `/x:ref_type:branch:ref:${BRANCH}`,
  '',
];

function gitlabToken(tests: ClaimTests, sub: string, s: GitlabSubject, type: 'branch' | 'tag', name: string): Token {
  const refPath = `refs/${type === 'branch' ? 'heads' : 'tags'}/${name}`;
  const token: Token = {
    sub,
    ref: name,
    ref_type: type,
    ref_path: refPath,
    // Branches and tags that no protection rule covers (§2: "true" if protected, "false" otherwise).
    ref_protected: 'false',
    // A push, a merge-request pipeline (whose subject carries the source branch), or one run by hand.
    pipeline_source: chosenValue(tests['pipeline_source'], ['push', 'merge_request_event', 'web', 'api']),
  };
  if (s.path !== undefined) {
    token['project_path'] = s.path;
    token['namespace_path'] = s.path.slice(0, s.path.lastIndexOf('/'));
  }
  if (s.projectId !== undefined) token['project_id'] = s.projectId;
  if (s.namespaceId !== undefined) token['namespace_id'] = s.namespaceId;
  const project = s.path ?? 'GROUP/PROJECT';
  token['ci_config_ref_uri'] = refValue(tests, 'ci_config_ref_uri', refPath, ['.gitlab-ci.yml', `gitlab.com/${project}//.gitlab-ci.yml`], `gitlab.com/${project}//.gitlab-ci.yml@${refPath}`);
  return token;
}

const GITLAB_FREE = new Set([
  'aud',
  'iss',
  'project_id',
  'project_path',
  'namespace_id',
  'namespace_path',
  'project_visibility',
  'runner_id',
  'runner_environment',
  'job_project_id',
  'job_project_path',
  'job_namespace_id',
  'job_namespace_path',
]);

const gitlab: ContextModel = {
  reference: 'reference/idps.md §2',
  free: (claim) => GITLAB_FREE.has(claim),
  fix: 'Pin the branch (`ref_type:branch:ref:main`), or require `ref_protected` "true" where the trust can test it',
  probes(tests) {
    const probes: Probe[] = [];
    const branch = (sub: (n: string) => string, s: GitlabSubject, name: string, type: 'branch' | 'tag', via?: Probe['via']): Probe => {
      const p: Probe = {
        kind: type === 'branch' ? 'any-branch' : 'any-tag',
        token: gitlabToken(tests, sub(name), s, type, name),
        twin: gitlabToken(tests, sub(perturb(name)), s, type, perturb(name)),
      };
      if (via) p.via = via;
      return p;
    };
    if (pinned(tests, 'sub')) {
      for (const f of admittedFills(tests['sub'], GITLAB_FILLS)) {
        if (probes.length >= MAX_PROBES) break;
        const s = readGitlabSubject(f.value);
        if (!s) continue;
        const via = { pattern: f.pattern, at: f.at, test: f.test };
        if (!s.ref) {
          // A custom subject without the ref (`project_id:N`): every pipeline of the project shares it.
          probes.push(branch(() => f.value, s, BRANCH, 'branch', via));
          continue;
        }
        const r = s.ref;
        const type = r.type === 'tag' ? 'tag' : r.type === 'branch' ? 'branch' : undefined;
        if (!type) continue;
        const name = f.value.slice(r.name.start, r.name.end);
        probes.push(branch((n) => splice(f.value, [r.name], n), s, name, type, via));
        if (type === 'tag' && wholly(r.typeSpan, f.derived) && !touches(r.name, f.derived)) {
          // `ref_type:*`: a tag with the very name the trust gives the branch (vector gitlab-aws-ref-type-confusion-wildcard).
          probes.push({ kind: 'tag-named-like-branch', token: gitlabToken(tests, f.value, s, 'tag', name), via });
        }
      }
      return probes;
    }
    const who: GitlabSubject[] = [];
    for (const p of admittedValues(tests, 'project_path', ['', 'x'])) if (p.includes('/')) who.push({ path: p });
    for (const id of admittedValues(tests, 'project_id', ['', '1'])) who.push({ projectId: id });
    if (who.length === 0) who.push({});
    for (const s of who) {
      const head = s.path !== undefined ? `project_path:${s.path}` : `project_id:${s.projectId ?? 'PROJECT_ID'}`;
      const p = branch((n) => `${head}:ref_type:branch:ref:${n}`, s, BRANCH, 'branch');
      probes.push(s.path === undefined && s.projectId === undefined ? { ...p, shown: shownClaims(p.token, ['ref', 'ref_protected']) } : p);
    }
    return probes.slice(0, MAX_PROBES);
  },
};

// ---------------------------------------------------------------------------------------------------------
// HCP Terraform / Terraform Enterprise (reference/idps.md §3)
// ---------------------------------------------------------------------------------------------------------

const TERRAFORM = /^organization:([^:]+):project:([^:]+):workspace:([^:]+):run_phase:([^:]+)$/;

function terraformToken(sub: string, phase: string, names: { org?: string; project?: string; workspace?: string }): Token {
  const token: Token = { sub, terraform_run_phase: phase };
  if (names.org !== undefined) token['terraform_organization_name'] = names.org;
  if (names.project !== undefined) token['terraform_project_name'] = names.project;
  if (names.workspace !== undefined) token['terraform_workspace_name'] = names.workspace;
  if (names.org !== undefined && names.project !== undefined && names.workspace !== undefined) {
    token['terraform_full_workspace'] = `organization:${names.org}:project:${names.project}:workspace:${names.workspace}`;
  }
  return token;
}

const terraform: ContextModel = {
  reference: 'reference/idps.md §3',
  free: (claim) => claim === 'aud' || claim === 'iss' || (claim.startsWith('terraform_') && claim !== 'terraform_run_phase' && claim !== 'terraform_run_id'),
  fix: 'Give plans their own role: pin `run_phase:apply` here, and trust `run_phase:plan` only on a role that can read, not change',
  probes(tests) {
    const probes: Probe[] = [];
    if (pinned(tests, 'sub')) {
      const fills = ['plan', 'run_phase:plan', 'x:run_phase:plan', 'workspace:x:run_phase:plan', 'x:workspace:x:run_phase:plan', ''];
      for (const f of admittedFills(tests['sub'], fills)) {
        if (probes.length >= MAX_PROBES) break;
        const m = TERRAFORM.exec(f.value);
        if (!m || m[4] !== 'plan') continue;
        const names = { org: m[1]!, project: m[2]!, workspace: m[3]! };
        const head = f.value.slice(0, f.value.length - 4);
        probes.push({
          kind: 'plan-phase',
          token: terraformToken(f.value, 'plan', names),
          alsoAdmitted: terraformToken(`${head}apply`, 'apply', names),
          via: { pattern: f.pattern, at: f.at, test: f.test },
        });
      }
      return probes;
    }
    const first = (claim: string): string | undefined => admittedValues(tests, claim, ['', 'x'])[0];
    const names = { org: first('terraform_organization_name'), project: first('terraform_project_name'), workspace: first('terraform_workspace_name') };
    const head = `organization:${names.org ?? 'ORG'}:project:${names.project ?? 'PROJECT'}:workspace:${names.workspace ?? 'WORKSPACE'}:run_phase:`;
    const known = Object.fromEntries(Object.entries(names).filter(([, v]) => v !== undefined));
    const token = terraformToken(`${head}plan`, 'plan', known);
    const p: Probe = { kind: 'plan-phase', token, alsoAdmitted: terraformToken(`${head}apply`, 'apply', known) };
    if (Object.keys(known).length < 3) p.shown = shownClaims(token, ['terraform_run_phase']);
    probes.push(p);
    return probes;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Buildkite (reference/idps.md §5)
// ---------------------------------------------------------------------------------------------------------

const BUILDKITE = /^organization:([^:]+):pipeline:([^:]+):ref:([^:]+):commit:([^:]+):step:(.*)$/;

const buildkite: ContextModel = {
  reference: 'reference/idps.md §5',
  free: (claim) => ['aud', 'iss', 'organization_slug', 'pipeline_slug', 'organization_id', 'pipeline_id', 'step_key', 'runner_environment', 'cluster_id', 'cluster_name', 'queue_id', 'queue_key'].includes(claim) || claim.startsWith('agent_tag:'),
  fix: 'Pin the ref of a protected branch (`…:ref:refs/heads/main:*`)',
  probes(tests) {
    const probes: Probe[] = [];
    // A bare UUID subject (`--subject-claim`) names a pipeline, a queue or one build: what it admits is not
    // known from the value, so it is not judged.
    const tail = `commit:${COMMIT}:step:deploy`;
    const fills = [`ref:refs/heads/${BRANCH}:${tail}`, `refs/heads/${BRANCH}:${tail}`, `${BRANCH}:${tail}`, BRANCH, `${COMMIT}:step:deploy`, COMMIT, 'deploy', `x:ref:refs/heads/${BRANCH}:${tail}`, ''];
    for (const f of pinned(tests, 'sub') ? admittedFills(tests['sub'], fills) : []) {
      if (probes.length >= MAX_PROBES) break;
      const m = BUILDKITE.exec(f.value);
      if (!m) continue;
      const ref = m[3]!;
      const head = /^refs\/heads\/(.+)$/.exec(ref);
      if (!head) continue;
      const refStart = 13 + m[1]!.length + 10 + m[2]!.length + 5;
      const spans = [{ start: refStart + 11, end: refStart + ref.length }];
      const commitStart = refStart + ref.length + 8;
      const commit = { start: commitStart, end: commitStart + m[4]!.length };
      const build = (name: string, sha: string): Token => {
        const sub = splice(splice(f.value, [commit], sha), spans, name);
        return {
          sub,
          build_branch: name,
          build_commit: sha,
          build_source: chosenValue(tests['build_source'], ['webhook', 'ui', 'api']),
          organization_slug: m[1]!,
          pipeline_slug: m[2]!,
          step_key: m[5]!,
        };
      };
      // Splice the commit first: it sits after the ref, so the ref's span is unchanged.
      probes.push({ kind: 'any-branch', token: build(head[1]!, m[4]!), twin: build(perturb(head[1]!), perturb(m[4]!)), via: { pattern: f.pattern, at: f.at, test: f.test } });
    }
    return probes;
  },
};

// ---------------------------------------------------------------------------------------------------------
// CircleCI (reference/idps.md §4)
// ---------------------------------------------------------------------------------------------------------

const CIRCLECI = /^org\/([^/]+)\/project\/([^/]+)\/user\/([^/]+)(?:\/vcs-origin\/(.+)\/vcs-ref\/(.+))?$/;
const CIRCLE = 'oidc.circleci.com/';

const circleci: ContextModel = {
  reference: 'reference/idps.md §4',
  free: (claim) => ['aud', 'iss', `${CIRCLE}org-id`, `${CIRCLE}project-id`, `${CIRCLE}vcs-origin`, `${CIRCLE}context-ids`].includes(claim),
  fix: 'Pin the branch in the V2 subject (`…/vcs-origin/ORIGIN/vcs-ref/refs/heads/main`)',
  probes(tests, provider) {
    const probes: Probe[] = [];
    const v2 = `${USER}/vcs-origin/github.com/acme/app/vcs-ref/refs/heads/${BRANCH}`;
    const fills = [USER, v2, `refs/heads/${BRANCH}`, BRANCH, `x/user/${v2}`, `x/project/x/user/${v2}`, ''];
    for (const f of pinned(tests, 'sub') ? admittedFills(tests['sub'], fills) : []) {
      if (probes.length >= MAX_PROBES) break;
      const m = CIRCLECI.exec(f.value);
      if (!m) continue;
      const userStart = 4 + m[1]!.length + 9 + m[2]!.length + 6;
      const user = { start: userStart, end: userStart + m[3]!.length };
      const via = { pattern: f.pattern, at: f.at, test: f.test };
      const ref = m[5];
      const base = { [`${CIRCLE}org-id`]: m[1]!, [`${CIRCLE}project-id`]: m[2]! };
      if (ref === undefined) {
        // V1 subjects carry no ref: every branch's job gets the same subject; the ref is only in its own claim.
        const build = (u: string, b: string): Token => ({ ...base, sub: splice(f.value, [user], u), [`${CIRCLE}vcs-ref`]: `refs/heads/${b}` });
        probes.push({ kind: 'any-branch', token: build(m[3]!, BRANCH), twin: build(perturb(m[3]!), perturb(BRANCH)), via });
      } else {
        const head = /^refs\/heads\/(.+)$/.exec(ref);
        if (head) {
          const name = { start: f.value.length - head[1]!.length, end: f.value.length };
          // The branch sits after the user, so splicing it first leaves the user's span where it was.
          const build = (u: string, b: string): Token => ({
            ...base,
            sub: splice(splice(f.value, [name], b), [user], u),
            [`${CIRCLE}vcs-ref`]: `refs/heads/${b}`,
            [`${CIRCLE}vcs-origin`]: m[4]!,
          });
          probes.push({ kind: 'any-branch', token: build(m[3]!, head[1]!), twin: build(perturb(m[3]!), perturb(head[1]!)), via });
        }
      }
      // SSH re-runs (§4): whoever re-runs a job with SSH types commands into it, on whatever branch the job
      // ran. Only a trust that can test `oidc.circleci.com/ssh-rerun` can refuse them: a GCP condition can;
      // for AWS the keys of CircleCI's claims are unverified (aws.md §5.2) and an Entra credential compares
      // the subject alone (azure.md §1), so there a branch pin is the most a trust can do.
      if (provider === 'gcp') {
        const refClaim = ref !== undefined ? ref : chosenValue(tests[`${CIRCLE}vcs-ref`], ['refs/heads/main'], ['', 'main']);
        const build = (u: string): Token => ({ ...base, sub: splice(f.value, [user], u), [`${CIRCLE}vcs-ref`]: refClaim, [`${CIRCLE}ssh-rerun`]: 'true' });
        probes.push({ kind: 'ssh-rerun', token: build(m[3]!), twin: build(perturb(m[3]!)), via });
      }
    }
    return probes;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Bitbucket Pipelines (reference/idps.md §6; the order of the subject's segments is unverified there)
// ---------------------------------------------------------------------------------------------------------

const BITBUCKET = /^(\{[^{}:]+\})(?::(\{[^{}:]+\}))?:(\{[^{}:]+\})$/;

const bitbucket: ContextModel = {
  reference: 'reference/idps.md §6',
  free: (claim) => ['aud', 'iss', 'workspaceuuid', 'repositoryuuid'].includes(claim),
  fix: 'Pin a deployment environment (`{REPO_UUID}:{ENV_UUID}:*`) or the branch',
  probes(tests) {
    const probes: Probe[] = [];
    const build = (sub: string, repo: string | undefined, step: string, branch: string): Token => {
      const t: Token = { sub, stepuuid: step, branchname: branch };
      if (repo !== undefined) t['repositoryuuid'] = repo;
      return t;
    };
    if (pinned(tests, 'sub')) {
      for (const f of admittedFills(tests['sub'], [STEP, `x:${STEP}`, ''])) {
        if (probes.length >= MAX_PROBES) break;
        const m = BITBUCKET.exec(f.value);
        // A step with a deployment environment carries its UUID in the middle: gated like an environment.
        if (!m || m[2] !== undefined) continue;
        const step = { start: f.value.length - m[3]!.length, end: f.value.length };
        const sub = (s: string): string => splice(f.value, [step], s);
        probes.push({ kind: 'any-branch', token: build(sub(m[3]!), m[1]!, m[3]!, BRANCH), twin: build(sub(perturb(m[3]!)), m[1]!, perturb(m[3]!), perturb(BRANCH)), via: { pattern: f.pattern, at: f.at, test: f.test } });
      }
      return probes;
    }
    for (const repo of admittedValues(tests, 'repositoryuuid', [''])) {
      probes.push({ kind: 'any-branch', token: build(`${repo}:${STEP}`, repo, STEP, BRANCH), twin: build(`${repo}:${perturb(STEP)}`, repo, perturb(STEP), perturb(BRANCH)) });
    }
    return probes;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Spacelift (reference/idps.md §8)
// ---------------------------------------------------------------------------------------------------------

const SPACELIFT = /^space:([^:]+):(stack|module):([^:]+):run_type:([^:]+):scope:([^:]+)$/;

const spacelift: ContextModel = {
  reference: 'reference/idps.md §8',
  free: (claim) => ['aud', 'iss', 'spaceid', 'spacepath', 'callertype', 'callerid'].includes(claim),
  fix: 'Pin `run_type:TRACKED` on the role that writes, and give PROPOSED runs a role with `scope:read`',
  probes(tests) {
    const probes: Probe[] = [];
    const fills = ['PROPOSED', 'PROPOSED:scope:write', 'run_type:PROPOSED:scope:write', 'write', 'x:run_type:PROPOSED:scope:write', ''];
    for (const f of pinned(tests, 'sub') ? admittedFills(tests['sub'], fills) : []) {
      if (probes.length >= MAX_PROBES) break;
      const m = SPACELIFT.exec(f.value);
      if (!m || m[4] !== 'PROPOSED' || m[5] !== 'write') continue;
      const head = `space:${m[1]!}:${m[2]!}:${m[3]!}:run_type:`;
      const token = (type: string): Token => ({ sub: `${head}${type}:scope:write`, runtype: type, scope: 'write', spaceid: m[1]!, callertype: m[2]!, callerid: m[3]! });
      probes.push({ kind: 'proposed-run', token: token('PROPOSED'), alsoAdmitted: token('TRACKED'), via: { pattern: f.pattern, at: f.at, test: f.test } });
    }
    return probes;
  },
};

const BY_PROFILE: Record<string, ContextModel> = {
  github: github,
  'github-enterprise': github,
  'github-sigstore': github,
  'github-enterprise-server': github,
  gitlab: gitlab,
  'hcp-terraform': terraform,
  buildkite: buildkite,
  circleci: circleci,
  bitbucket: bitbucket,
  spacelift: spacelift,
};

/**
 * The model for an issuer profile (issuers.ts). For an issuer fedlint does not know (a self-managed GitLab,
 * a Terraform Enterprise host), the shape of the subject patterns picks one, as issuers.ts `guessGrammar`
 * does; undefined for issuers whose tokens have no unreviewed context (Kubernetes, Google, SAML, …).
 */
export function contextModel(profileId: string, subjectTests: readonly Constraint[] = []): ContextModel | undefined {
  const known = BY_PROFILE[profileId];
  if (known || profileId !== 'unknown') return known;
  // The patterns are read only here, for an unknown issuer: the rule asks once per binding.
  for (const c of subjectTests) {
    if (!isPin(c)) continue;
    for (const p of c.values) {
      if (p.startsWith('repo:')) return github;
      if (p.startsWith('project_path:')) return gitlab;
      if (p.startsWith('organization:') && p.includes(':workspace:')) return terraform;
      if (p.startsWith('organization:') && p.includes(':pipeline:')) return buildkite;
    }
  }
  return undefined;
}

/** The context a probe stands for, as messages name it. */
export function describeKind(kind: UnreviewedKind): string {
  switch (kind) {
    case 'pull-request':
      return 'pull requests';
    case 'any-branch':
      return 'any branch';
    case 'any-tag':
      return 'any tag';
    case 'tag-named-like-branch':
      return 'a tag named like the branch';
    case 'plan-phase':
      return 'plan-phase runs, which speculative plans of pull requests get, while it also admits the apply phase';
    case 'proposed-run':
      return 'PROPOSED runs (pull request previews) with write scope, while it also admits TRACKED runs';
    case 'ssh-rerun':
      return 'SSH re-runs, where whoever re-runs the job types commands into it';
  }
}
