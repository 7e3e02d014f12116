/**
 * Run rules over bindings. Pure: no file system, no console. The CLI resolves positions and reports.
 */
import type { Finding, Level, Location, StaticCredential, TrustBinding } from '../model/types.js';
import type { AnyRule, Report } from './rule.js';
import { classifyEnvironmentName } from '../knowledge/environments.js';

export interface RuleSetting {
  rule: AnyRule;
  /** Overrides the rule's default level for every finding it reports. */
  level?: Level;
  options: object;
  /** Settings for targets of one environment (configuration), by environment name; `off` drops the findings. */
  environments?: Record<string, { level?: Level | 'off'; options: object }>;
}

/** The environment override that applies to a binding's target: by the configured name, else by its class. */
function overrideFor(setting: RuleSetting, binding: TrustBinding | undefined): { level?: Level | 'off'; options: object } | undefined {
  const overrides = setting.environments;
  const target = binding?.target;
  if (!overrides || !target) return undefined;
  if (target.environmentName && overrides[target.environmentName]) return overrides[target.environmentName];
  if (!target.environment) return undefined;
  return Object.entries(overrides).find(([name]) => name === target.environment || classifyEnvironmentName(name) === target.environment)?.[1];
}

export interface LintInput {
  bindings: readonly TrustBinding[];
  credentials: readonly StaticCredential[];
}

export function lint(input: LintInput, settings: readonly RuleSetting[]): Finding[] {
  const findings: Finding[] = [];
  // The same mistake reached through two bindings (a statement listing two principals) is one finding: same
  // rule, resource, message and location. Findings are indexed without their location, which is written out
  // (JSON) only when another finding has the same rule, resource and message, which is rare (none of the 2,158
  // findings of the bench's "10,000 files"): writing out every location was work for nothing.
  // A key seen once holds its location; from the second on, the set of locations written out.
  const seen = new Map<string, Location | Set<string>>();
  for (const setting of settings) {
    const { rule } = setting;
    const ctx = {
      options: setting.options,
      optionsFor(binding: TrustBinding): object {
        const override = overrideFor(setting, binding);
        return override ? { ...setting.options, ...override.options } : setting.options;
      },
      credentials: input.credentials,
      report(binding: TrustBinding | undefined, r: Report): void {
        const override = overrideFor(setting, binding);
        if (override?.level === 'off') return;
        const finding: Finding = {
          ruleId: rule.meta.id,
          level: override?.level ?? setting.level ?? r.level ?? rule.meta.level,
          message: binding?.sensitive ? redact(r.message) : r.message,
          at: r.at,
          resource: r.resource ?? binding?.target.name ?? r.at.file,
        };
        if (r.related && r.related.length > 0) {
          finding.related = binding?.sensitive ? r.related.map((x) => ({ ...x, message: redact(x.message) })) : r.related;
        }
        const key = `${finding.ruleId}\u0000${finding.resource}\u0000${finding.message}`;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, finding.at);
        else {
          const at = JSON.stringify(finding.at);
          let places = first;
          if (!(places instanceof Set)) seen.set(key, (places = new Set([JSON.stringify(first)])));
          if (places.has(at)) return;
          places.add(at);
        }
        findings.push(finding);
      },
    };
    if (rule.check) for (const binding of input.bindings) rule.check(binding, ctx);
    if (rule.checkAll) rule.checkAll(input.bindings, ctx);
  }
  return findings;
}

/**
 * Messages quote the values they are about as JSON strings; for a trust whose input marks values as
 * sensitive (a plan's after_sensitive), every quoted value is withheld (reference/terraform-plan.md §8.7).
 */
function redact(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"/g, '(sensitive value)');
}

const LEVEL_RANK: Record<Level, number> = { note: 0, warning: 1, error: 2 };

export function atOrAbove(level: Level, threshold: Level | 'none'): boolean {
  return threshold !== 'none' && LEVEL_RANK[level] >= LEVEL_RANK[threshold];
}
