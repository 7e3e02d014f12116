import { defineRule } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { analyse, keyFor } from '../src/engine/analysis.js';
import { classifyEnvironmentName } from '../src/knowledge/environments.js';
import { globMatch, globsIntersect, hasWildcard, literalPrefix } from '../src/match/glob.js';
import { isPin } from '../src/match/scope.js';
import type { Location, TrustBinding } from '../src/model/types.js';

export default defineRule({
  meta: {
    id: 'cross-environment-trust',
    title: 'One trust spans environments',
    level: 'error',
    providers: ['aws', 'gcp', 'azure'],
    precision: 'high',
    securitySeverity: '8.0',
    tags: ['security', 'oidc', 'external/cwe/cwe-653'],
    defaults: {},
    docs: {
      description:
        'One trust admits tokens from more than one deployment environment (`environment:*`, or both `environment:dev` and `environment:prod`), a production target trusts a non-production environment, or the same subject is trusted by targets of different environments. A trust that admits pull requests or any branch is reported by unreviewed-context.',
      why:
        'Environments exist so that production credentials require production approvals. A production role that also accepts the development environment can be assumed by whatever runs there, without those approvals; a subject shared by a dev and a prod role turns every dev workflow into a path to production.',
      fix:
        'Give each environment its own role and pin each role to its environment\'s subject (`repo:OWNER/REPO:environment:production`), with required reviewers on that GitHub environment.',
      references: [
        'https://docs.github.com/en/actions/deployment/targeting-different-environments/using-environments-for-deployment',
        'https://docs.github.com/en/actions/reference/security/oidc',
        'reference/idps.md §1.2; design.md §1 (environments)',
      ],
      examples: {
        bad: show(getRoleOutput({ name: 'deploy-prod', path: '/prod/' }, webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com' }), StringLike: githubKeys({ sub: 'repo:octo-org/octo-repo:environment:*' }) }))),
        good: show(getRoleOutput({ name: 'deploy-prod', path: '/prod/' }, webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:environment:production' }) }))),
      },
    },
  },
  check(binding, ctx) {
    const a = analyse(binding);
    if (!a.profile || a.admitsNothing) return;
    const sub = a.pins.find((p) => p.identity.claim === 'sub');
    const analysis = sub?.analysis;
    const production = binding.target.environment === 'production';
    const where = binding.target.environmentSource ? ` (${binding.target.environmentSource})` : '';
    if (analysis?.anyEnvironment) {
      const w = analysis.anyEnvironment;
      ctx.report(binding, {
        at: w.at,
        message: `${keyFor(binding, 'sub')} admits every deployment environment, for example ${JSON.stringify(w.value)} through ${JSON.stringify(w.pattern)}. Pin one environment per role.`,
      });
      return;
    }
    const named = [...(analysis?.environments ?? []), ...environmentClaimValues(binding)];
    const classes = new Map<string, { name: string; at: Location }>();
    for (const e of named) {
      const cls = classifyEnvironmentName(e.name);
      if (cls && !classes.has(cls)) classes.set(cls, e);
    }
    if (classes.size > 1) {
      const list = [...classes.values()];
      ctx.report(binding, {
        at: list[1]!.at,
        message: `One trust in ${binding.target.name} admits the environments ${list.map((e) => JSON.stringify(e.name)).join(' and ')}. Give each environment its own role.`,
        related: list.slice(0, 1).map((e) => ({ at: e.at, message: `environment ${e.name}` })),
      });
      return;
    }
    if (!production) return;
    const nonProduction = [...classes.entries()].find(([cls]) => cls !== 'production');
    // A production target that admits pull requests or any branch is unreviewed-context's finding (one
    // mistake, one finding): who can mint such a token is anyone who can push, whatever the environment.
    if (nonProduction) {
      const e = nonProduction[1];
      ctx.report(binding, {
        at: e.at,
        message: `Production target ${binding.target.name}${where} trusts tokens of the ${JSON.stringify(e.name)} environment. Pin the production environment.`,
      });
    }
  },
  checkAll(bindings, ctx) {
    // Index exact subjects by issuer, then compare each wildcard pattern only with the subjects that share
    // its issuer and literal prefix bucket: no pairwise pass over all bindings.
    interface Entry { binding: TrustBinding; value: string; at: Location; }
    const exact = new Map<string, Entry[]>();
    const patterns: Entry[] = [];
    for (const binding of bindings) {
      if (!binding.target.environment || binding.issuer.kind !== 'exact') continue;
      if (analyse(binding).admitsNothing) continue;
      for (const c of (binding.claims['sub'] ?? []).filter(isPin)) {
        c.values.forEach((value, i) => {
          const entry = { binding, value, at: c.valueAt[i] ?? c.at };
          if (c.syntax !== 'exact' && hasWildcard(value)) patterns.push(entry);
          else {
            const key = `${binding.issuer.kind === 'exact' ? binding.issuer.host : ''}\u0000${value}`;
            let list = exact.get(key);
            if (!list) exact.set(key, (list = []));
            list.push(entry);
          }
        });
      }
    }
    // Every other target that trusts the same subject, by entry: one finding per place, naming them all.
    const sharing = new Map<Entry, Entry[]>();
    const report = (mine: Entry, other: Entry): void => {
      if (mine.binding.target.name === other.binding.target.name) return;
      if (mine.binding.target.environment === other.binding.target.environment) return;
      let list = sharing.get(mine);
      if (!list) sharing.set(mine, (list = []));
      // A few names make the point; the cap keeps a subject shared by thousands of targets linear.
      if (list.length <= MAX_NAMED && !list.some((o) => o.binding.target.name === other.binding.target.name)) list.push(other);
    };
    for (const group of exact.values()) {
      if (group.length < 2) continue;
      // For each environment, the first few entries of other environments, found once: a subject shared by
      // thousands of targets of one environment stays linear.
      const othersOf = new Map<string | undefined, Entry[]>();
      for (const mine of group) {
        const env = mine.binding.target.environment;
        let others = othersOf.get(env);
        if (!others) {
          others = [];
          for (const other of group) {
            if (other.binding.target.environment === env) continue;
            others.push(other);
            if (others.length > MAX_NAMED) break;
          }
          othersOf.set(env, others);
        }
        for (const other of others) report(mine, other);
      }
    }
    // Wildcard patterns against exact subjects and each other, bucketed by issuer.
    const byIssuer = new Map<string, Entry[]>();
    for (const p of patterns) {
      const host = p.binding.issuer.kind === 'exact' ? p.binding.issuer.host : '';
      let list = byIssuer.get(host);
      if (!list) byIssuer.set(host, (list = []));
      list.push(p);
    }
    // Each pattern finds the exact subjects that start with its literal prefix by binary search in the sorted
    // subjects of its issuer, rather than being compared with every one; the matches are then reported in the
    // order of a pass over every (subject, pattern) pair, which decides the names a message lists.
    const groups = [...exact.values()];
    const sorted = new Map<string, Array<{ value: string; group: number }>>();
    [...exact.keys()].forEach((key, group) => {
      const cut = key.indexOf('\u0000');
      const host = key.slice(0, cut);
      let list = sorted.get(host);
      if (!list) sorted.set(host, (list = []));
      list.push({ value: key.slice(cut + 1), group });
    });
    const hits: Array<{ group: number; pattern: number; p: Entry }> = [];
    for (const [host, subjects] of sorted) {
      subjects.sort((x, y) => (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
      (byIssuer.get(host) ?? []).forEach((p, pattern) => {
        const prefix = literalPrefix(p.value);
        let lo = 0;
        let hi = subjects.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (subjects[mid]!.value < prefix) lo = mid + 1;
          else hi = mid;
        }
        for (let k = lo; k < subjects.length && subjects[k]!.value.startsWith(prefix); k++) {
          if (globMatch(p.value, subjects[k]!.value)) hits.push({ group: subjects[k]!.group, pattern, p });
        }
      });
    }
    hits.sort((x, y) => x.group - y.group || x.pattern - y.pattern);
    for (const { group, p } of hits) {
      for (const e of groups[group]!) {
        report(p, e);
        report(e, p);
      }
    }
    const full = (e: Entry): boolean => (sharing.get(e)?.length ?? 0) > MAX_NAMED;
    for (const group of byIssuer.values()) {
      group.sort((x, y) => (literalPrefix(x.value) < literalPrefix(y.value) ? -1 : 1));
      const prefixes = group.map((e) => literalPrefix(e.value));
      for (let i = 0; i < group.length; i++) {
        const pi = prefixes[i]!;
        const a = group[i]!;
        for (let j = i + 1; j < group.length; j++) {
          // Sorted by prefix: once a prefix no longer extends this one, no later one does.
          if (!prefixes[j]!.startsWith(pi)) break;
          const b = group[j]!;
          // Pairs that report() would ignore either way are skipped before the (costlier) intersection test:
          // many targets of one environment often share one wildcard pattern.
          if (a.binding.target.environment === b.binding.target.environment || a.binding.target.name === b.binding.target.name) continue;
          if (full(a) && full(b)) continue;
          if (globsIntersect(a.value, b.value)) {
            report(a, b);
            report(b, a);
          }
        }
      }
    }
    for (const [mine, others] of sharing) {
      const named = others.slice(0, MAX_NAMED).map((o) => `${o.binding.target.name} (${o.binding.target.environment})`);
      const more = others.length > MAX_NAMED ? ' and others' : '';
      ctx.report(mine.binding, {
        at: mine.at,
        message: `Subject ${JSON.stringify(mine.value)} is trusted by ${mine.binding.target.name} (${mine.binding.target.environment}) and also by ${named.join(', ')}${more}: one workflow can reach ${others.length > 1 ? 'several' : 'both'} environments. Use a distinct subject per environment.`,
        related: others.slice(0, MAX_NAMED).map((o) => ({ at: o.at, message: `also trusted by ${o.binding.target.name}` })),
      });
    }
  },
});

/** How many other targets a shared-subject finding names. */
const MAX_NAMED = 3;

/** Values of an `environment` claim test (GitHub's STS key `…:environment`). */
function environmentClaimValues(binding: TrustBinding): Array<{ name: string; at: Location }> {
  const out: Array<{ name: string; at: Location }> = [];
  for (const c of (binding.claims['environment'] ?? []).filter(isPin)) {
    c.values.forEach((v, i) => {
      if (!hasWildcard(v) || c.syntax === 'exact') out.push({ name: v, at: c.valueAt[i] ?? c.at });
    });
  }
  return out;
}
