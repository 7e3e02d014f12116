import { defineRule } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';
import { analyse, keyFor } from '../src/engine/analysis.js';
import { classifyEnvironmentName, type EnvironmentClass } from '../src/knowledge/environments.js';
import { globMatch, globsIntersect, hasWildcard, literalPrefix } from '../src/match/glob.js';
import { isPin, type ClaimAnalysis } from '../src/match/scope.js';
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
    let analysis: ClaimAnalysis | undefined;
    for (const p of a.pins) {
      if (p.identity.claim !== 'sub') continue;
      analysis = p.analysis;
      break;
    }
    if (analysis?.anyEnvironment) {
      const w = analysis.anyEnvironment;
      ctx.report(binding, {
        at: w.at,
        message: `${keyFor(binding, 'sub')} admits every deployment environment, for example ${JSON.stringify(w.value)} through ${JSON.stringify(w.pattern)}. Pin one environment per role.`,
      });
      return;
    }
    // The first environment of each class, in the order written: the subject's, then the environment claim's.
    // Built without a Map or copies, since nearly every binding names one environment or none.
    const classes: Array<{ cls: EnvironmentClass; e: { name: string; at: Location } }> = [];
    const add = (e: { name: string; at: Location }): void => {
      const cls = classifyEnvironmentName(e.name);
      if (cls && !classes.some((c) => c.cls === cls)) classes.push({ cls, e });
    };
    for (const e of analysis?.environments ?? []) add(e);
    if (binding.claims['environment']) for (const e of environmentClaimValues(binding)) add(e);
    if (classes.length > 1) {
      const list = classes.map((c) => c.e);
      ctx.report(binding, {
        at: list[1]!.at,
        message: `One trust in ${binding.target.name} admits the environments ${list.map((e) => JSON.stringify(e.name)).join(' and ')}. Give each environment its own role.`,
        related: list.slice(0, 1).map((e) => ({ at: e.at, message: `environment ${e.name}` })),
      });
      return;
    }
    if (binding.target.environment !== 'production') return;
    const nonProduction = classes.find((c) => c.cls !== 'production');
    // A production target that admits pull requests or any branch is unreviewed-context's finding (one
    // mistake, one finding): who can mint such a token is anyone who can push, whatever the environment.
    if (nonProduction) {
      const e = nonProduction.e;
      const where = binding.target.environmentSource ? ` (${binding.target.environmentSource})` : '';
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
    // Entries of one exact subject of one issuer, in the order the subjects are first seen; indexed by issuer
    // host, then subject (a key joined from both cost a string per binding, and splitting it again another two).
    const groups: Entry[][] = [];
    const exact = new Map<string, Map<string, number>>();
    const patterns: Entry[] = [];
    for (const binding of bindings) {
      if (!binding.target.environment || binding.issuer.kind !== 'exact') continue;
      const subject = binding.claims['sub'];
      if (!subject || analyse(binding).admitsNothing) continue;
      for (const c of subject) {
        if (!isPin(c)) continue;
        for (let i = 0; i < c.values.length; i++) {
          const value = c.values[i]!;
          const entry = { binding, value, at: c.valueAt[i] ?? c.at };
          if (c.syntax !== 'exact' && hasWildcard(value)) {
            patterns.push(entry);
            continue;
          }
          let subjects = exact.get(binding.issuer.host);
          if (!subjects) exact.set(binding.issuer.host, (subjects = new Map()));
          const group = subjects.get(value);
          if (group !== undefined) groups[group]!.push(entry);
          else {
            subjects.set(value, groups.length);
            groups.push([entry]);
          }
        }
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
    for (const group of groups) {
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
    // order of a pass over every (subject, pattern) pair, which decides the names a message lists. Issuers
    // without patterns are not sorted.
    const hits: Array<{ group: number; pattern: number; p: Entry }> = [];
    for (const [host, subjects] of exact) {
      const hostPatterns = byIssuer.get(host);
      if (!hostPatterns) continue;
      // Distinct strings, so the default order (by UTF-16 code units, as `<` compares) is the only one.
      const sorted = [...subjects.keys()].sort();
      hostPatterns.forEach((p, pattern) => {
        const prefix = literalPrefix(p.value);
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (sorted[mid]! < prefix) lo = mid + 1;
          else hi = mid;
        }
        for (let k = lo; k < sorted.length && sorted[k]!.startsWith(prefix); k++) {
          if (globMatch(p.value, sorted[k]!)) hits.push({ group: subjects.get(sorted[k]!)!, pattern, p });
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
    for (const unsorted of byIssuer.values()) {
      const keyed = unsorted.map((e) => ({ e, prefix: literalPrefix(e.value) }));
      keyed.sort((x, y) => (x.prefix < y.prefix ? -1 : 1));
      const group = keyed.map((k) => k.e);
      const prefixes = keyed.map((k) => k.prefix);
      const n = group.length;
      // Sorted by prefix: the entries after i whose prefix extends its own end at end[i], the first that does
      // not. Found from the right, jumping over the run of an entry that extends it (all of which extend it too).
      const end = new Array<number>(n);
      for (let i = n - 1; i >= 0; i--) {
        let j = i + 1;
        while (j < n && prefixes[j]!.startsWith(prefixes[i]!)) j = end[j]!;
        end[i] = j;
      }
      // Pairs that report() would ignore either way are skipped, without looking at them one by one: those of
      // one environment (runEnd[j]: the first entry after j's run of entries of its environment), and pairs of
      // two entries whose lists are full (next: skip pointers over full entries; fullness only grows). The 452
      // sandbox roles of one environment sharing `repo:acme-sandbox/*` in the bench's "10,000 files" were
      // otherwise compared pairwise (about 100,000 pairs), quadratic in their number.
      const runEnd = new Array<number>(n);
      for (let j = n - 1; j >= 0; j--) {
        runEnd[j] = j + 1 < n && group[j + 1]!.binding.target.environment === group[j]!.binding.target.environment ? runEnd[j + 1]! : j + 1;
      }
      const isFull = group.map(full);
      const next = group.map((_, k) => (isFull[k] ? k + 1 : k));
      const open = (k: number): number => {
        let r = k;
        while (r < n && next[r] !== r) r = next[r]!;
        while (k < r) {
          const after = next[k]!;
          next[k] = r;
          k = after;
        }
        return r;
      };
      const mark = (k: number): void => {
        if (isFull[k] || !full(group[k]!)) return;
        isFull[k] = true;
        next[k] = k + 1;
      };
      for (let i = 0; i < n; i++) {
        const a = group[i]!;
        for (let j = i + 1; j < end[i]!; ) {
          const b = group[j]!;
          if (a.binding.target.environment === b.binding.target.environment) {
            j = runEnd[j]!;
            continue;
          }
          if (isFull[i] && isFull[j]) {
            j = open(j);
            continue;
          }
          if (a.binding.target.name !== b.binding.target.name && globsIntersect(a.value, b.value)) {
            report(a, b);
            report(b, a);
            mark(i);
            mark(j);
          }
          j++;
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
