/** Rule settings for a run: each enabled rule with its level and options, as the configuration sets them. */
import type { RuleSetting } from '../engine/lint.js';
import type { AnyRule } from '../engine/rule.js';
import type { Config } from './load.js';

export function ruleSettings(rules: readonly AnyRule[], config: Config | undefined): RuleSetting[] {
  const settings: RuleSetting[] = [];
  for (const rule of rules) {
    const configured = config?.rules.get(rule.meta.id);
    if (configured?.level === 'off') continue;
    const options: Record<string, unknown> = { ...rule.meta.defaults, ...configured?.options };
    if (rule.meta.id === 'issuer-untrusted' && config?.issuersAllow) options['allow'] = config.issuersAllow;
    const setting: RuleSetting = { rule, options };
    if (configured?.level) setting.level = configured.level;
    if (configured && Object.keys(configured.environments).length > 0) setting.environments = configured.environments;
    settings.push(setting);
  }
  return settings;
}
