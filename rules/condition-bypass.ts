import { defineRule } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { analyse } from '../src/engine/analysis.js';
import type { IssuerProfile } from '../src/knowledge/issuers.js';
import { isPin } from '../src/match/scope.js';
import type { Constraint, PatternConstraint } from '../src/model/types.js';

/** Claims that hold several values, for which set operators are meant (reference/aws.md §4.4). */
const MULTIVALUED = new Set(['amr', 'groups', 'edupersonaffiliation', 'edupersonprincipalname', 'groups_direct', 'context-ids']);

export default defineRule({
  meta: {
    id: 'condition-bypass',
    title: 'An operator makes a token limit vacuous or easy to satisfy',
    level: 'error',
    providers: ['aws', 'gcp'],
    precision: 'high',
    securitySeverity: '8.0',
    tags: ['security', 'oidc', 'external/cwe/cwe-697'],
    defaults: {},
    docs: {
      description:
        'A limit on a token claim is written with an operator that makes it vacuous: `…IfExists` or `ForAllValues:` (true when the claim is absent), only negated operators on the subject or audience (everything not listed passes), or `ForAnyValue:` on a single-valued claim. In a GCP attribute_condition: only negated tests on an identity claim, or a comparison of a string claim with a number or bool (`assertion.project_id == 20` is never true, `!= 20` always true).',
      why:
        '`ForAllValues:StringEquals` on `sub` is true for a token without the claim; early GitHub documentation used it and many roles still carry it. `StringNotLike sub "repo:evil/*"` admits every other repository on the internet. `…IfExists` on a claim such as `environment` or `job_workflow_ref` lets every job that does not set it through.',
      fix:
        'Use the plain positive operators (`StringEquals`, `StringLike`) on single-valued claims, and express exclusions as a positive allow-list.',
      references: [
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html',
        'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html',
        'reference/aws.md §4.1, §4.3, §4.4',
      ],
      examples: {
        bad: show(webIdentityTrust({ 'ForAllValues:StringEquals': githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:ref:refs/heads/main' }) })),
        good: show(webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:ref:refs/heads/main' }) })),
      },
    },
  },
  check(binding, ctx) {
    // Flaws found while lowering a CEL condition (a type-confused comparison is always or never true).
    for (const flaw of binding.conditionFlaws ?? []) ctx.report(binding, { at: flaw.at, level: 'error', message: flaw.message });
    const a = analyse(binding);
    if (binding.mechanism !== 'oidc' && binding.mechanism !== 'saml') return;
    if (a.admitsNothing) return;
    const identity = identityClaimsOf(a.profile);
    for (const claim of Object.keys(binding.claims)) {
      const tests = binding.claims[claim]!;
      // Only a set operator, IfExists or a negation makes a finding: most claims have none, and are not
      // looked at further.
      if (!tests.some(mayBypass)) continue;
      const pinned = tests.some(isPin);
      // `Null: false` beside ForAllValues makes the claim required (aws.md §4.4).
      const required = pinned || tests.some((t) => t.kind === 'presence' && t.present);
      const patterns = tests.filter((t): t is PatternConstraint => t.kind === 'patterns' && !t.fromDeny);
      for (const t of patterns) {
        const finding = binding.provider === 'gcp' ? judgeCel(t, required, identity.has(claim), patterns, binding.sensitive) : judge(t, claim, required, identity.has(claim), patterns);
        if (finding) ctx.report(binding, { at: t.at, level: finding.level, message: finding.message });
      }
    }
  },
});

/** Whether a test is of a kind judge or judgeCel can report: none of them reports a plain positive test. */
function mayBypass(t: Constraint): boolean {
  return t.kind === 'patterns' && !t.fromDeny && (t.setOperator !== undefined || Boolean(t.ifExists) || Boolean(t.negated));
}

/** Identity claims (and aud) by issuer profile: built once per profile rather than once per binding (a plan holds tens of thousands). */
const identitySets = new Map<IssuerProfile | undefined, ReadonlySet<string>>();

function identityClaimsOf(profile: IssuerProfile | undefined): ReadonlySet<string> {
  let set = identitySets.get(profile);
  if (!set) identitySets.set(profile, (set = new Set([...(profile?.identityClaims.map((c) => c.claim) ?? ['sub']), 'aud'])));
  return set;
}

function judge(
  t: PatternConstraint,
  claim: string,
  required: boolean,
  isIdentity: boolean,
  all: readonly Constraint[],
): { level: 'error' | 'warning'; message: string } | undefined {
  if (t.setOperator === 'ForAllValues' && !required) {
    return {
      level: 'error',
      message: `${t.operator} on ${t.key} is true when the token has no ${claim} claim, so this limit can be skipped. Use ${t.operator.replace(/^ForAllValues:/i, '')}.`,
    };
  }
  if (t.ifExists && !required) {
    return {
      level: 'error',
      message: `${t.operator} on ${t.key} passes every token that has no ${claim} claim. Use ${t.operator.replace(/IfExists$/i, '')}.`,
    };
  }
  if (t.setOperator === 'ForAnyValue' && !MULTIVALUED.has(claim)) {
    return {
      level: 'warning',
      message: `${t.operator} on the single-valued claim ${t.key} behaves like ${t.operator.replace(/^ForAnyValue:/i, '')} only by accident of IAM's set semantics. Use the plain operator.`,
    };
  }
  if (t.negated && isIdentity && !required && all.every((x) => x.kind !== 'patterns' || x.negated)) {
    // Report once, on the first negated test of the claim.
    if (all.find((x) => x.kind === 'patterns') !== t) return undefined;
    return {
      level: 'error',
      message: `${t.key} is limited only by ${t.operator}: every value not listed passes, including tokens of any other repository or workload (and tokens without the claim). Use a positive StringEquals/StringLike allow-list.`,
    };
  }
  return undefined;
}

/**
 * GCP attribute_condition tests (lowered from CEL by src/loaders/gcp-condition.ts): CEL has no IfExists or
 * set operators, so the only vacuous shape left is an identity claim tested only by negations.
 */
function judgeCel(
  t: PatternConstraint,
  required: boolean,
  isIdentity: boolean,
  all: readonly Constraint[],
  sensitive: boolean | undefined,
): { level: 'error'; message: string } | undefined {
  if (!t.negated || !isIdentity || required || !all.every((x) => x.kind !== 'patterns' || x.negated)) return undefined;
  if (all.find((x) => x.kind === 'patterns') !== t) return undefined;
  const written = sensitive ? `${t.key} ${t.operator} …` : celTest(t);
  return {
    level: 'error',
    message: `${t.key} is limited only by \`${written}\`: every value not excluded passes, including tokens of any other repository or workload. Test ${t.key} positively (==, in [...]) against the values that may pass.`,
  };
}

/** A lowered test written back as CEL, for messages. */
function celTest(t: PatternConstraint): string {
  const quoted = t.values.map((v) => `'${t.syntax === 'exact' ? v : v.replace(/^\*|\*$/g, '')}'`);
  if (t.operator === '==' || t.operator === '!=') return `${t.key} ${t.operator} ${quoted[0] ?? "''"}`;
  const op = t.operator.replace(/^!/, '');
  if (op === 'in' || op === 'not in') return `${t.operator === 'not in' ? '!(' : ''}${t.key} in [${quoted.join(', ')}]${t.operator === 'not in' ? ')' : ''}`;
  const arg = op === 'matches' ? '…' : (quoted[0] ?? "''");
  return `${t.operator.startsWith('!') ? '!' : ''}${t.key}.${op}(${arg})`;
}
