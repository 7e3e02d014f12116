import type { Level, Location, Provider, RelatedLocation, StaticCredential, TrustBinding } from '../model/types.js';

export interface RuleDocs {
  /** One paragraph: what the rule finds (SARIF fullDescription). */
  description: string;
  /** Why it matters: what an attacker gains. */
  why: string;
  /** How to fix it. */
  fix: string;
  /** Provider documentation and fedlint reference notes. */
  references: string[];
  /**
   * An input that triggers the rule, and its pinned twin that does not; `alongside`, when set, is
   * another input of the same run (cross-input rules). All are linted by the test suite.
   */
  examples: {
    bad: string;
    good: string;
    alongside?: string;
    /** A .fedlint.yaml the examples need (rules driven by configuration). */
    config?: string;
  };
}

export interface RuleMeta<O extends object = object> {
  id: string;
  title: string;
  level: Level;
  providers: Provider[];
  /** SARIF precision: how often a finding is a true problem. */
  precision: 'very-high' | 'high' | 'medium';
  /** SARIF security-severity for GitHub: "9.5" critical, "8.0" high, "5.5" medium, "2.0" low. */
  securitySeverity: string;
  tags: string[];
  defaults: O;
  docs: RuleDocs;
}

export interface Report {
  message: string;
  at: Location;
  /** Overrides the rule's level for this finding (e.g. warning for what only insiders can exploit). */
  level?: Level;
  related?: RelatedLocation[];
  /** Defaults to the binding's target name. */
  resource?: string;
}

export interface RuleContext<O extends object = object> {
  options: O;
  /** The options for one binding: per-environment settings of the configuration applied over `options`. */
  optionsFor(binding: TrustBinding): O;
  /** Long-lived credentials found in the same run. */
  credentials: readonly StaticCredential[];
  report(binding: TrustBinding | undefined, report: Report): void;
}

export interface Rule<O extends object = object> {
  meta: RuleMeta<O>;
  /** Per-binding checks. */
  check?(binding: TrustBinding, ctx: RuleContext<O>): void;
  /** Checks across all bindings of a run (environments, credentials); must not be quadratic. */
  checkAll?(bindings: readonly TrustBinding[], ctx: RuleContext<O>): void;
}

export function defineRule<O extends object>(rule: Rule<O>): Rule<O> {
  return rule;
}

export type AnyRule = Rule<any>;

