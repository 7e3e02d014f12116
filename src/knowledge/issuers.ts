/**
 * The issuer registry: for every token issuer of reference/idps.md, who can obtain a token from it
 * (tenancy), how its subject is spelled, which claims pin an identity, and which are immutable.
 */
import {
  azureDevopsSubject,
  bitbucketSubject,
  buildkiteSubject,
  circleciSubject,
  githubJobWorkflowRefClaim,
  githubRepositoryClaim,
  githubSubject,
  gitlabSubject,
  googleSubject,
  kubernetesSubject,
  numericIdClaim,
  spaceliftSubject,
  tenantNameClaim,
  terraformSubject,
  type SubjectGrammar,
} from './subjects.js';

/**
 * multi-tenant: anyone on the internet can sign up and get a validly signed token (idps.md §0);
 * per-tenant: the issuer belongs to one enterprise, instance, organization, workspace, account or
 * cluster, so only its insiders can mint tokens.
 */
export type Tenancy = 'multi-tenant' | 'per-tenant';

/**
 * How a claim narrows who the token belongs to: `unit` pins one repository/project/workspace (or
 * stricter), `tenant` pins only an owner/organization, `none` pins nothing about identity.
 */
export type ClaimScope = 'unit' | 'tenant';

export interface IdentityClaim {
  /** Lower-case claim name as it appears after the `issuer:` prefix of an IAM condition key. */
  claim: string;
  /** What an exact value of this claim pins. */
  scope: ClaimScope;
  /** Grammar of the value, to tell what a wildcard in it reaches. */
  grammar?: SubjectGrammar;
  /** The immutable claim to prefer, when this one is a mutable name (mutable-claim). */
  immutableAlternative?: string;
}

export interface IssuerProfile {
  id: string;
  name: string;
  tenancy: Tenancy;
  /** Who can mint a token when the subject is not pinned, for messages. */
  audienceOfAnyone: string;
  subject?: SubjectGrammar;
  /** Claims that pin the identity; a positive test on any of them means the subject is limited. */
  identityClaims: IdentityClaim[];
  /**
   * True when the audience is the only thing that ties a trust to the caller's own tenant (Cognito
   * identity pools, reference/aws.md §5.3): a missing audience is then an error, not defence in depth.
   */
  audienceIsIdentity?: boolean;
  /** False for issuers whose subject is not an identity boundary (SAML; Cognito identity IDs). */
  subjectRequired: boolean;
  /** Mutable name claims that have an immutable twin (mutable-claim). */
  mutableClaims?: Record<string, string>;
  reference: string;
}

const GITHUB_CLAIMS: IdentityClaim[] = [
  { claim: 'sub', scope: 'unit', grammar: githubSubject },
  { claim: 'job_workflow_ref', scope: 'unit', grammar: githubJobWorkflowRefClaim },
  { claim: 'repository_id', scope: 'unit', grammar: numericIdClaim },
  { claim: 'repository', scope: 'unit', grammar: githubRepositoryClaim, immutableAlternative: 'repository_id' },
  { claim: 'repository_owner_id', scope: 'tenant', grammar: numericIdClaim },
  { claim: 'repository_owner', scope: 'tenant', grammar: tenantNameClaim, immutableAlternative: 'repository_owner_id' },
  { claim: 'enterprise_id', scope: 'tenant', grammar: numericIdClaim },
];

const GITHUB_MUTABLE = { repository: 'repository_id', repository_owner: 'repository_owner_id', actor: 'actor_id' };

const GITLAB_CLAIMS: IdentityClaim[] = [
  { claim: 'sub', scope: 'unit', grammar: gitlabSubject },
  { claim: 'project_id', scope: 'unit', grammar: numericIdClaim },
  { claim: 'project_path', scope: 'unit', immutableAlternative: 'project_id' },
  { claim: 'namespace_id', scope: 'tenant', grammar: numericIdClaim },
  { claim: 'namespace_path', scope: 'tenant', grammar: tenantNameClaim, immutableAlternative: 'namespace_id' },
];

const GITLAB_MUTABLE = { project_path: 'project_id', namespace_path: 'namespace_id', user_login: 'user_id' };

const sub = (grammar?: SubjectGrammar): IdentityClaim[] => [grammar ? { claim: 'sub', scope: 'unit', grammar } : { claim: 'sub', scope: 'unit' }];

interface Rule {
  test: (host: string) => boolean;
  profile: Omit<IssuerProfile, 'reference'> & { reference?: string };
}

const IDPS = 'reference/idps.md';

/** Issuer hosts are compared without scheme and trailing slash, lower case. */
const RULES: Rule[] = [
  {
    test: (h) => h === 'token.actions.githubusercontent.com',
    profile: {
      id: 'github',
      name: 'GitHub Actions',
      tenancy: 'multi-tenant',
      audienceOfAnyone: 'any GitHub repository on the internet',
      subject: githubSubject,
      identityClaims: GITHUB_CLAIMS,
      mutableClaims: GITHUB_MUTABLE,
      subjectRequired: true,
      reference: `${IDPS} §1`,
    },
  },
  {
    // Enterprise "unique issuer" (…/<slug>), GHE.com data residency, and the legacy Sigstore issuer.
    test: (h) => h.startsWith('token.actions.githubusercontent.com/') || /^token\.actions\.[a-z0-9-]+\.ghe\.com(\/|$)/.test(h),
    profile: {
      id: 'github-enterprise',
      name: 'GitHub Actions (enterprise issuer)',
      tenancy: 'per-tenant',
      audienceOfAnyone: 'any repository of the enterprise',
      subject: githubSubject,
      identityClaims: GITHUB_CLAIMS,
      mutableClaims: GITHUB_MUTABLE,
      subjectRequired: true,
    },
  },
  {
    test: (h) => h === 'vstoken.actions.githubusercontent.com',
    profile: {
      id: 'github-sigstore',
      name: 'GitHub Actions (legacy Sigstore issuer)',
      tenancy: 'multi-tenant',
      audienceOfAnyone: 'any GitHub repository on the internet',
      subject: githubSubject,
      identityClaims: GITHUB_CLAIMS,
      mutableClaims: GITHUB_MUTABLE,
      subjectRequired: true,
    },
  },
  {
    test: (h) => h.endsWith('/_services/token'),
    profile: {
      id: 'github-enterprise-server',
      name: 'GitHub Enterprise Server',
      tenancy: 'per-tenant',
      audienceOfAnyone: 'any repository on the instance',
      subject: githubSubject,
      identityClaims: GITHUB_CLAIMS,
      mutableClaims: GITHUB_MUTABLE,
      subjectRequired: true,
    },
  },
  {
    test: (h) => h === 'gitlab.com',
    profile: {
      id: 'gitlab',
      name: 'GitLab.com',
      tenancy: 'multi-tenant',
      audienceOfAnyone: 'any GitLab.com project on the internet',
      subject: gitlabSubject,
      identityClaims: GITLAB_CLAIMS,
      mutableClaims: GITLAB_MUTABLE,
      subjectRequired: true,
      reference: `${IDPS} §2`,
    },
  },
  {
    test: (h) => h === 'app.terraform.io' || h === 'app.eu.terraform.io',
    profile: {
      id: 'hcp-terraform',
      name: 'HCP Terraform',
      tenancy: 'multi-tenant',
      audienceOfAnyone: 'any HCP Terraform organization on the internet',
      subject: terraformSubject,
      identityClaims: [
        ...sub(terraformSubject),
        { claim: 'terraform_workspace_id', scope: 'unit' },
        { claim: 'terraform_organization_id', scope: 'tenant' },
      ],
      subjectRequired: true,
      reference: `${IDPS} §3`,
    },
  },
  {
    test: (h) => h === 'agent.buildkite.com',
    profile: {
      id: 'buildkite',
      name: 'Buildkite',
      tenancy: 'multi-tenant',
      audienceOfAnyone: 'any Buildkite organization on the internet',
      subject: buildkiteSubject,
      identityClaims: sub(buildkiteSubject),
      subjectRequired: true,
      reference: `${IDPS} §5`,
    },
  },
  {
    test: (h) => h.startsWith('oidc.circleci.com/org/'),
    profile: {
      id: 'circleci',
      name: 'CircleCI',
      tenancy: 'per-tenant',
      audienceOfAnyone: 'any project of the CircleCI organization',
      subject: circleciSubject,
      identityClaims: sub(circleciSubject),
      subjectRequired: true,
      reference: `${IDPS} §4`,
    },
  },
  {
    test: (h) => /^api\.bitbucket\.org\/2\.0\/workspaces\/[^/]+\/pipelines-config\/identity\/oidc$/.test(h),
    profile: {
      id: 'bitbucket',
      name: 'Bitbucket Pipelines',
      tenancy: 'per-tenant',
      audienceOfAnyone: 'any repository of the Bitbucket workspace',
      subject: bitbucketSubject,
      identityClaims: sub(bitbucketSubject),
      subjectRequired: true,
      reference: `${IDPS} §6`,
    },
  },
  {
    test: (h) => h.startsWith('vstoken.dev.azure.com/') || /^login\.microsoftonline\.com\/[^/]+\/v2\.0$/.test(h),
    profile: {
      id: 'azure-devops',
      name: 'Azure DevOps',
      tenancy: 'per-tenant',
      audienceOfAnyone: 'any pipeline that may use a service connection of the organization',
      subject: azureDevopsSubject,
      identityClaims: sub(azureDevopsSubject),
      subjectRequired: true,
      reference: `${IDPS} §7`,
    },
  },
  {
    test: (h) => /^[a-z0-9-]+\.app\.spacelift\.io$/.test(h),
    profile: {
      id: 'spacelift',
      name: 'Spacelift',
      tenancy: 'per-tenant',
      audienceOfAnyone: 'any stack of the Spacelift account',
      subject: spaceliftSubject,
      identityClaims: sub(spaceliftSubject),
      subjectRequired: true,
      reference: `${IDPS} §8`,
    },
  },
  {
    test: (h) =>
      /^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[A-Za-z0-9]+$/.test(h) ||
      /^[a-z0-9-]+\.oic\.prod-aks\.azure\.com\//.test(h) ||
      h.startsWith('container.googleapis.com/v1/projects/'),
    profile: {
      id: 'kubernetes',
      name: 'Kubernetes service-account tokens (EKS/AKS/GKE)',
      tenancy: 'per-tenant',
      audienceOfAnyone: 'any pod in the cluster',
      subject: kubernetesSubject,
      identityClaims: sub(kubernetesSubject),
      subjectRequired: true,
      reference: `${IDPS} §9`,
    },
  },
  {
    test: (h) => h === 'accounts.google.com',
    profile: {
      id: 'google',
      name: 'Google (service-account ID tokens)',
      tenancy: 'multi-tenant',
      audienceOfAnyone: 'any Google service account in any project',
      subject: googleSubject,
      // For accounts.google.com, IAM maps `aud` to the token's `azp`, the service account's unique ID
      // (reference/aws.md §5.1), so an `aud` pin is an identity pin here.
      identityClaims: [...sub(googleSubject), { claim: 'aud', scope: 'unit', grammar: googleSubject }],
      subjectRequired: true,
      reference: `${IDPS} §10`,
    },
  },
  {
    test: (h) => h === 'cognito-identity.amazonaws.com',
    profile: {
      id: 'cognito',
      name: 'Amazon Cognito identity pools',
      tenancy: 'multi-tenant',
      audienceOfAnyone: 'any Cognito identity pool in any AWS account',
      identityClaims: [],
      audienceIsIdentity: true,
      subjectRequired: false,
      reference: 'reference/aws.md §5.3',
    },
  },
  {
    test: (h) =>
      [
        'oidc.codefresh.io',
        'api.pulumi.com/oidc',
        'oidc.vercel.com',
        'scalr.io',
        'proidc.upbound.io',
        'tokens.cloud.shisho.dev',
        'studio.datachain.ai/api',
        'sandboxes.cloud',
        'oidc-configuration.audit-log.githubusercontent.com',
        'graph.facebook.com',
        'www.amazon.com',
      ].includes(h),
    profile: {
      id: 'shared-vendor',
      name: 'shared vendor issuer',
      tenancy: 'multi-tenant',
      audienceOfAnyone: 'any customer of the vendor',
      identityClaims: sub(),
      subjectRequired: true,
      reference: 'reference/aws.md §7',
    },
  },
];

const SAML: IssuerProfile = {
  id: 'saml',
  name: 'SAML identity provider',
  tenancy: 'per-tenant',
  audienceOfAnyone: 'any user the identity provider lets in',
  identityClaims: [],
  subjectRequired: false,
  reference: 'reference/aws.md §6',
};

/**
 * An issuer we do not know: assume the worst about tenancy, as idps.md §11 advises, but use the
 * subject grammar the pattern itself looks like, so `repo:…` on a GHES host is read as GitHub.
 */
function unknownIssuer(host: string): IssuerProfile {
  return {
    id: 'unknown',
    name: host,
    tenancy: 'multi-tenant',
    audienceOfAnyone: `anyone who can obtain a token from ${host}`,
    identityClaims: sub(),
    subjectRequired: true,
    reference: `${IDPS} §11`,
  };
}

export function normalizeIssuerHost(value: string): string {
  return value
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

const cache = new Map<string, IssuerProfile>();

export function issuerProfile(host: string): IssuerProfile {
  const key = normalizeIssuerHost(host);
  const cached = cache.get(key);
  if (cached) return cached;
  const rule = RULES.find((r) => r.test(key));
  const profile: IssuerProfile = rule ? { reference: IDPS, ...rule.profile } : unknownIssuer(key);
  cache.set(key, profile);
  return profile;
}

export function samlProfile(): IssuerProfile {
  return SAML;
}

/** Grammars to try for an issuer we do not know, picked by what the pattern starts with. */
export function guessGrammar(pattern: string): SubjectGrammar | undefined {
  if (pattern.startsWith('repo:')) return githubSubject;
  if (pattern.startsWith('project_path:')) return gitlabSubject;
  if (pattern.startsWith('system:serviceaccount:')) return kubernetesSubject;
  if (pattern.startsWith('organization:') && pattern.includes(':workspace:')) return terraformSubject;
  if (pattern.startsWith('organization:') && pattern.includes(':pipeline:')) return buildkiteSubject;
  return undefined;
}
