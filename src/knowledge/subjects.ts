/**
 * Subject grammars: how each issuer spells `sub`, and which part of it is the tenant (the boundary an
 * outsider cannot cross: a GitHub owner, a GitLab top-level group, an HCP Terraform organization, a
 * Kubernetes namespace) and which part is the unit (one repository, project, workspace, pipeline,
 * service account). Facts from reference/idps.md; section numbers cited per grammar.
 *
 * A parse returns spans so that witness generation can tell whether a wildcard in a trust pattern
 * reaches into the tenant or the unit of a subject it admits.
 */

export interface Span {
  start: number;
  end: number;
}

export type ContextKind = 'branch' | 'tag' | 'pull_request' | 'environment' | 'other';

export interface SubjectContext {
  kind: ContextKind;
  /** Branch or tag name, environment name. */
  value?: string;
  span: Span;
  /** Where the subject says whether the ref is a branch or a tag (GitLab `ref_type:`), when it does. */
  typeSpan?: Span;
}

export interface ParsedSubject {
  tenant?: Span;
  unit?: Span;
  context?: SubjectContext;
}

export interface SubjectGrammar {
  /** Shown in messages: "repository", "project", "workspace", "service account". */
  unitNoun: string;
  tenantNoun: string;
  parse(subject: string): ParsedSubject | undefined;
  /**
   * Fragments a wildcard may stand for when building witness subjects: realistic pieces an outsider
   * or an insider could put into a token. Witnesses are always checked with the real matcher.
   */
  fills: string[];
}

function span(start: number, text: string): Span {
  return { start, end: start + text.length };
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const DIGITS = /^[0-9]+$/;

/** `name` or `name@id` (GitHub immutable subjects, reference/idps.md §1.2). The id, when present, is what pins. */
function splitImmutable(text: string, offset: number, nameRe: RegExp): { pin: Span } | undefined {
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const name = text.slice(0, at);
    const id = text.slice(at + 1);
    if (!nameRe.test(name) || !DIGITS.test(id)) return undefined;
    return { pin: span(offset + at + 1, id) };
  }
  if (!nameRe.test(text)) return undefined;
  return { pin: span(offset, text) };
}

/** The `ref:refs/heads/x`, `ref:refs/tags/x`, `environment:x`, `pull_request` contexts of GitHub. */
function githubContext(text: string, offset: number): SubjectContext | undefined {
  if (text === 'pull_request') return { kind: 'pull_request', span: span(offset, text) };
  if (text.startsWith('environment:') && text.length > 'environment:'.length) {
    return { kind: 'environment', value: text.slice('environment:'.length), span: span(offset, text) };
  }
  const branch = /^ref:refs\/heads\/(.+)$/.exec(text);
  if (branch) return { kind: 'branch', value: branch[1]!, span: span(offset, text) };
  const tag = /^ref:refs\/tags\/(.+)$/.exec(text);
  if (tag) return { kind: 'tag', value: tag[1]!, span: span(offset, text) };
  return undefined;
}

/**
 * GitHub Actions (reference/idps.md §1.2, §1.3): `repo:OWNER/REPO:CONTEXT`, the immutable form
 * `repo:OWNER@ID/REPO@ID:CONTEXT`, and custom templates made of `key:value` pairs
 * (`repository_owner_id:1:repository_id:2:ref:refs/heads/main`, `repository_owner:acme`).
 */
export const githubSubject: SubjectGrammar = {
  unitNoun: 'repository',
  tenantNoun: 'owner',
  parse(subject) {
    const classic = /^repo:([^/:]+)\/([^/:]+):(.+)$/.exec(subject);
    if (classic) {
      const ownerText = classic[1]!;
      const repoText = classic[2]!;
      const owner = splitImmutable(ownerText, 5, OWNER);
      const repo = splitImmutable(repoText, 5 + ownerText.length + 1, REPO);
      const contextOffset = 5 + ownerText.length + 1 + repoText.length + 1;
      const rest = classic[3]!;
      if (!owner || !repo) return undefined;
      // A custom template may append more pairs after the context (`…:environment:prod:job_workflow_ref:…`).
      const context = githubContext(rest, contextOffset) ?? githubContext(rest.split(':job_workflow_ref:')[0]!, contextOffset);
      if (!context) return undefined;
      return { tenant: owner.pin, unit: repo.pin, context };
    }
    return parseGithubCustom(subject);
  },
  fills: [
    '',
    'evil',
    'x',
    '-evil',
    '-evil/x:ref:refs/heads/main',
    'evil/x:ref:refs/heads/main',
    'x:ref:refs/heads/main',
    '-evil:ref:refs/heads/main',
    'ref:refs/heads/evil',
    'pull_request',
    'ref:refs/heads/main',
    'main',
    'environment:evil',
    'repo:evil/x:ref:refs/heads/main',
    'evil:repository_id:1:ref:refs/heads/main',
    '1:repository_id:2:ref:refs/heads/main',
    '2:ref:refs/heads/main',
    // Around an unanchored fragment (`*octo-org*`): another owner's repository named after it.
    'repo:evil/',
    ':ref:refs/heads/main',
  ],
};

/** The claim keys of GitHub's custom subject templates (reference/idps.md §1.3, §1.4). */
export const GITHUB_CUSTOM_KEYS = new Set([
  'repository_owner',
  'repository_owner_id',
  'repository',
  'repository_id',
  'repository_visibility',
  'environment',
  'ref',
  'ref_type',
  'job_workflow_ref',
  'workflow',
  'workflow_ref',
  'event_name',
  'actor',
  'actor_id',
  'runner_environment',
  'enterprise',
  'enterprise_id',
  'context',
]);

function parseGithubCustom(subject: string): ParsedSubject | undefined {
  const parts = subject.split(':');
  let offset = 0;
  const result: ParsedSubject = {};
  let recognised = false;
  for (let i = 0; i < parts.length; ) {
    const key = parts[i]!;
    if (key === 'pull_request') {
      result.context = { kind: 'pull_request', span: span(offset, key) };
      offset += key.length + 1;
      i += 1;
      continue;
    }
    const value = parts[i + 1];
    if (value === undefined || !GITHUB_CUSTOM_KEYS.has(key) || value.length === 0) return undefined;
    const valueStart = offset + key.length + 1;
    const valueSpan = span(valueStart, value);
    recognised = true;
    switch (key) {
      case 'repository_owner_id':
      case 'repository_owner':
        if (!result.tenant || key === 'repository_owner_id') result.tenant = valueSpan;
        break;
      case 'repository_id':
      case 'repository':
        if (key === 'repository') {
          const slash = value.indexOf('/');
          if (slash <= 0) return undefined;
          if (!result.tenant) result.tenant = span(valueStart, value.slice(0, slash));
        }
        if (!result.unit || key === 'repository_id') result.unit = valueSpan;
        break;
      case 'job_workflow_ref': {
        // owner/repo/path@ref: the reusable workflow pins the caller only to who may call it. The unit is the
        // workflow (owner/repo/path); its ref, like the ref of the claim (githubJobWorkflowRefClaim), is a
        // context: a wildcard there admits other refs of the same workflow (unreviewed-context's concern),
        // not other repositories.
        const slash = value.indexOf('/');
        const at = value.lastIndexOf('@');
        if (slash <= 0) return undefined;
        if (!result.tenant) result.tenant = span(valueStart, value.slice(0, slash));
        if (!result.unit) result.unit = at > slash ? span(valueStart, value.slice(0, at)) : valueSpan;
        if (at > slash && !result.context) {
          const ref = value.slice(at + 1);
          const branch = /^refs\/heads\/(.+)$/.exec(ref);
          result.context = branch
            ? { kind: 'branch', value: branch[1]!, span: span(valueStart + at + 1, ref) }
            : { kind: ref.startsWith('refs/tags/') ? 'tag' : 'other', value: ref, span: span(valueStart + at + 1, ref) };
        }
        break;
      }
      case 'ref': {
        const branch = /^refs\/heads\/(.+)$/.exec(value);
        const tag = /^refs\/tags\/(.+)$/.exec(value);
        result.context = branch
          ? { kind: 'branch', value: branch[1]!, span: span(offset, `${key}:${value}`) }
          : tag
            ? { kind: 'tag', value: tag[1]!, span: span(offset, `${key}:${value}`) }
            : { kind: 'other', span: span(offset, `${key}:${value}`) };
        break;
      }
      case 'environment':
        result.context = { kind: 'environment', value, span: span(offset, `${key}:${value}`) };
        break;
      default:
        break;
    }
    offset += key.length + 1 + value.length + 1;
    i += 2;
  }
  return recognised ? result : undefined;
}

/**
 * GitLab (reference/idps.md §2): `project_path:GROUP[/SUB…]/PROJECT:ref_type:branch|tag:ref:NAME`, or
 * custom `project_id:N:ref_type:…:ref:…` / `namespace_id:N:…`. The tenant is the top-level group.
 */
export const gitlabSubject: SubjectGrammar = {
  unitNoun: 'project',
  tenantNoun: 'top-level group',
  parse(subject) {
    const path = /^project_path:([^:]+):ref_type:(branch|tag):ref:(.+)$/.exec(subject);
    if (path) {
      const projectPath = path[1]!;
      const slash = projectPath.indexOf('/');
      if (slash <= 0 || slash === projectPath.length - 1) return undefined;
      return {
        tenant: span(13, projectPath.slice(0, slash)),
        unit: span(13, projectPath),
        context: {
          kind: path[2] === 'tag' ? 'tag' : 'branch',
          value: path[3]!,
          span: span(13 + projectPath.length + 1, subject.slice(13 + projectPath.length + 1)),
          typeSpan: span(13 + projectPath.length + 1 + 'ref_type:'.length, path[2]!),
        },
      };
    }
    const ids = /^(project_id|namespace_id):([0-9]+)(?::(.*))?$/.exec(subject);
    if (ids) {
      const idSpan = span(ids[1]!.length + 1, ids[2]!);
      const rest = ids[3];
      const restStart = ids[1]!.length + 1 + ids[2]!.length + 1;
      let context: SubjectContext | undefined;
      if (rest !== undefined) {
        const ref = /^ref_type:(branch|tag):ref:(.+)$/.exec(rest);
        if (!ref) return undefined;
        context = {
          kind: ref[1] === 'tag' ? 'tag' : 'branch',
          value: ref[2]!,
          span: span(restStart, rest),
          typeSpan: span(restStart + 'ref_type:'.length, ref[1]!),
        };
      }
      const result: ParsedSubject = ids[1] === 'project_id' ? { unit: idSpan } : { tenant: idSpan };
      if (context) result.context = context;
      return result;
    }
    return undefined;
  },
  fills: [
    '',
    'x',
    'evil',
    '-evil',
    'main',
    'evil/x:ref_type:branch:ref:main',
    '-evil/x:ref_type:branch:ref:main',
    'x:ref_type:branch:ref:main',
    '/x:ref_type:branch:ref:main',
    'branch',
    'tag',
    'branch:ref:main',
    'branch:ref:evil',
    'ref_type:branch:ref:evil',
    'project_path:evil/x:ref_type:branch:ref:main',
  ],
};

/**
 * HCP Terraform (reference/idps.md §3): `organization:ORG:project:PROJ:workspace:WS:run_phase:PHASE`.
 * Project names may contain spaces.
 */
export const terraformSubject: SubjectGrammar = {
  unitNoun: 'workspace',
  tenantNoun: 'organization',
  parse(subject) {
    const m = /^organization:([^:]+):project:([^:]+):workspace:([^:]+):run_phase:([^:]+)$/.exec(subject);
    if (!m) {
      const mod = /^organization:([^:]+):module:([^:]+):operation:([^:]+)$/.exec(subject);
      if (!mod) return undefined;
      return { tenant: span(13, mod[1]!), unit: span(13 + mod[1]!.length + 8, mod[2]!) };
    }
    const org = m[1]!;
    const projectStart = 13 + org.length + 9;
    const workspaceStart = projectStart + m[2]!.length + 11;
    const phaseStart = workspaceStart + m[3]!.length + 11;
    return {
      tenant: span(13, org),
      unit: { start: projectStart, end: workspaceStart + m[3]!.length },
      context: { kind: 'other', value: m[4]!, span: span(phaseStart, m[4]!) },
    };
  },
  fills: [
    '',
    'x',
    'evil',
    '-evil',
    'apply',
    'plan',
    'x:workspace:x:run_phase:apply',
    'evil:project:x:workspace:x:run_phase:apply',
    '-evil:project:x:workspace:x:run_phase:apply',
    'organization:evil:project:x:workspace:x:run_phase:apply',
    'x:run_phase:apply',
  ],
};

/** Buildkite (reference/idps.md §5): `organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:STEP`, or a bare UUID. */
export const buildkiteSubject: SubjectGrammar = {
  unitNoun: 'pipeline',
  tenantNoun: 'organization',
  parse(subject) {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(subject)) {
      return { unit: span(0, subject) };
    }
    const m = /^organization:([^:]+):pipeline:([^:]+):ref:([^:]+):commit:([^:]+):step:(.*)$/.exec(subject);
    if (!m) return undefined;
    const org = m[1]!;
    const pipelineStart = 13 + org.length + 10;
    const refStart = pipelineStart + m[2]!.length + 5;
    const ref = m[3]!;
    const branch = /^refs\/heads\/(.+)$/.exec(ref);
    const tag = /^refs\/tags\/(.+)$/.exec(ref);
    return {
      tenant: span(13, org),
      unit: span(pipelineStart, m[2]!),
      context: branch
        ? { kind: 'branch', value: branch[1]!, span: span(refStart, ref) }
        : tag
          ? { kind: 'tag', value: tag[1]!, span: span(refStart, ref) }
          : { kind: 'branch', value: ref, span: span(refStart, ref) },
    };
  },
  fills: [
    '',
    'x',
    'evil',
    '-evil',
    'main',
    'x:ref:refs/heads/main:commit:0:step:x',
    'evil:pipeline:x:ref:refs/heads/main:commit:0:step:x',
    '-evil:pipeline:x:ref:refs/heads/main:commit:0:step:x',
    'organization:evil:pipeline:x:ref:refs/heads/main:commit:0:step:x',
    'refs/heads/main:commit:0:step:x',
    '0:step:x',
  ],
};

/** CircleCI (reference/idps.md §4): `org/ORG/project/PROJECT/user/USER[/vcs-origin/…/vcs-ref/…]`. */
export const circleciSubject: SubjectGrammar = {
  unitNoun: 'project',
  tenantNoun: 'organization',
  parse(subject) {
    const m = /^org\/([^/]+)\/project\/([^/]+)\/user\/([^/]+)(\/vcs-origin\/.+\/vcs-ref\/(.+))?$/.exec(subject);
    if (!m) return undefined;
    const result: ParsedSubject = { tenant: span(4, m[1]!), unit: span(4 + m[1]!.length + 9, m[2]!) };
    const ref = m[5];
    if (ref !== undefined) {
      const branch = /^refs\/heads\/(.+)$/.exec(ref);
      result.context = {
        kind: branch ? 'branch' : ref.startsWith('refs/tags/') ? 'tag' : 'other',
        value: branch ? branch[1]! : ref,
        span: span(subject.length - ref.length, ref),
      };
    }
    return result;
  },
  fills: ['', 'x', 'evil', 'x/user/x', 'x/project/x/user/x', 'evil/project/x/user/x'],
};

/** Kubernetes service-account tokens (reference/idps.md §9): `system:serviceaccount:NS:SA`. */
export const kubernetesSubject: SubjectGrammar = {
  unitNoun: 'service account',
  tenantNoun: 'namespace',
  parse(subject) {
    const m = /^system:serviceaccount:([a-z0-9]([-a-z0-9.]*[a-z0-9])?):([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(subject);
    if (!m) return undefined;
    return { tenant: span(22, m[1]!), unit: span(22 + m[1]!.length + 1, m[3]!) };
  },
  fills: ['', 'x', 'evil', 'evil:x', 'x:evil', 'system:serviceaccount:evil:x', 'kube-system:default', 'serviceaccount:evil:x'],
};

/** Spacelift (reference/idps.md §8): `space:SPACE:stack|module:ID:run_type:TYPE:scope:read|write`. */
export const spaceliftSubject: SubjectGrammar = {
  unitNoun: 'stack',
  tenantNoun: 'space',
  parse(subject) {
    const m = /^space:([^:]+):(stack|module):([^:]+):run_type:([^:]+):scope:([^:]+)$/.exec(subject);
    if (!m) return undefined;
    const unitStart = 6 + m[1]!.length + 1 + m[2]!.length + 1;
    return {
      tenant: span(6, m[1]!),
      unit: span(unitStart, m[3]!),
      context: { kind: 'other', value: m[4]!, span: span(unitStart + m[3]!.length + 10, m[4]!) },
    };
  },
  fills: ['', 'x', 'evil', 'TRACKED', 'PROPOSED', 'write', 'x:run_type:TRACKED:scope:write', 'evil:stack:x:run_type:TRACKED:scope:write'],
};

/** Azure DevOps (reference/idps.md §7): `sc://ORG/PROJECT/CONNECTION`, or the Entra-issued `/eid1/…/sc/ORG/SC`. */
export const azureDevopsSubject: SubjectGrammar = {
  unitNoun: 'service connection',
  tenantNoun: 'organization',
  parse(subject) {
    const m = /^sc:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(subject);
    if (m) return { tenant: span(5, m[1]!), unit: span(5 + m[1]!.length + 1, `${m[2]!}/${m[3]!}`) };
    const e = /^\/eid1\/c\/pub\/t\/[^/]+\/a\/[^/]+\/sc\/([^/]+)\/([^/]+)$/.exec(subject);
    if (e) return { tenant: span(subject.length - e[2]!.length - 1 - e[1]!.length, e[1]!), unit: span(subject.length - e[2]!.length, e[2]!) };
    return undefined;
  },
  fills: ['', 'x', 'evil', 'x/x', 'evil/x/x'],
};

/** Bitbucket Pipelines (reference/idps.md §6, segment order unverified): `{REPO_UUID}[:{ENV_UUID}]:{STEP_UUID}`. */
export const bitbucketSubject: SubjectGrammar = {
  unitNoun: 'repository',
  tenantNoun: 'workspace',
  parse(subject) {
    const m = /^(\{[0-9a-fA-F-]+\})(:\{[0-9a-fA-F-]+\})*$/.exec(subject);
    if (!m) return undefined;
    return { unit: span(0, m[1]!) };
  },
  fills: ['', 'x', '{00000000-0000-0000-0000-000000000000}', ':{00000000-0000-0000-0000-000000000000}'],
};

/** Google-signed ID tokens (reference/idps.md §10): `sub` is a service account's numeric unique ID. */
export const googleSubject: SubjectGrammar = {
  unitNoun: 'service account',
  tenantNoun: 'service account',
  parse(subject) {
    return DIGITS.test(subject) ? { tenant: span(0, subject), unit: span(0, subject) } : undefined;
  },
  fills: ['', '1', '0', '123456789012345678901'],
};

/** GitHub `repository` claim: `OWNER/REPO`. */
export const githubRepositoryClaim: SubjectGrammar = {
  unitNoun: 'repository',
  tenantNoun: 'owner',
  parse(value) {
    const m = /^([^/]+)\/([^/]+)$/.exec(value);
    if (!m || !OWNER.test(m[1]!) || !REPO.test(m[2]!)) return undefined;
    return { tenant: span(0, m[1]!), unit: span(m[1]!.length + 1, m[2]!) };
  },
  fills: ['', 'x', 'evil', '-evil', 'evil/x', '-evil/x'],
};

/** GitHub `job_workflow_ref` claim: `OWNER/REPO/PATH@REF` (reference/idps.md §1.4). */
export const githubJobWorkflowRefClaim: SubjectGrammar = {
  unitNoun: 'reusable workflow',
  tenantNoun: 'owner',
  parse(value) {
    const m = /^([^/@]+)\/([^/@]+)\/([^@]+)@(.+)$/.exec(value);
    if (!m || !OWNER.test(m[1]!) || !REPO.test(m[2]!)) return undefined;
    const refStart = value.length - m[4]!.length;
    const ref = m[4]!;
    const branch = /^refs\/heads\/(.+)$/.exec(ref);
    return {
      tenant: span(0, m[1]!),
      unit: { start: m[1]!.length + 1, end: refStart - 1 },
      context: branch
        ? { kind: 'branch', value: branch[1]!, span: span(refStart, ref) }
        : { kind: ref.startsWith('refs/tags/') ? 'tag' : 'other', value: ref, span: span(refStart, ref) },
    };
  },
  fills: [
    '',
    'evil',
    'x',
    '-evil',
    'main',
    'refs/heads/evil',
    'x.yml@refs/heads/main',
    'x/.github/workflows/x.yml@refs/heads/main',
    '-evil/x/.github/workflows/x.yml@refs/heads/main',
    'evil/x/.github/workflows/x.yml@refs/heads/main',
  ],
};

/** Numeric IDs (`repository_id`, `project_id`, `namespace_id`): the whole value is both tenant and unit. */
export const numericIdClaim: SubjectGrammar = {
  unitNoun: 'ID',
  tenantNoun: 'ID',
  parse(value) {
    return DIGITS.test(value) ? { tenant: span(0, value), unit: span(0, value) } : undefined;
  },
  fills: ['', '1', '0', '99999999'],
};

/** A name that is itself the tenant (`repository_owner`, `namespace_path`). */
export const tenantNameClaim: SubjectGrammar = {
  unitNoun: 'owner',
  tenantNoun: 'owner',
  parse(value) {
    return value.length > 0 && !value.includes(':') ? { tenant: span(0, value) } : undefined;
  },
  fills: ['', 'x', 'evil', '-evil'],
};
