/**
 * Rule documentation generated from the rules' metadata: SARIF help, `fedlint explain`, docs/rules/*.md
 * and the README's rules table. One source, so the prose cannot drift from the code.
 */
import type { RuleMeta } from './rule.js';

export const HOMEPAGE = 'https://github.com/fedlint/fedlint';

export function ruleUri(id: string): string {
  return `${HOMEPAGE}/blob/main/docs/rules/${id}.md`;
}

type Meta = RuleMeta<object>;

function options(meta: Meta): string[] {
  return Object.entries(meta.defaults).map(([k, v]) => `${k} (default ${JSON.stringify(v)})`);
}

export function ruleHelpText(meta: Meta): string {
  const parts = [meta.docs.description, `Why it matters: ${meta.docs.why}`, `How to fix: ${meta.docs.fix}`];
  const opts = options(meta);
  if (opts.length > 0) parts.push(`Options: ${opts.join(', ')}.`);
  parts.push(`References: ${meta.docs.references.join('; ')}`);
  return parts.join('\n\n');
}

export function ruleHelpMarkdown(meta: Meta): string {
  const lines = [`# ${meta.id}: ${meta.title}`, '', meta.docs.description, '', '## Why it matters', '', meta.docs.why, '', '## How to fix', '', meta.docs.fix];
  const opts = options(meta);
  if (opts.length > 0) lines.push('', '## Options', '', ...opts.map((o) => `- \`${o.split(' ')[0]}\`${o.slice(o.indexOf(' '))}`));
  const ex = meta.docs.examples;
  lines.push('', '## Example');
  if (ex.alongside) lines.push('', 'With this input in the same run:', '', '```json', ex.alongside, '```');
  lines.push('', 'Flagged:', '', '```json', ex.bad, '```', '', 'Not flagged:', '', '```json', ex.good, '```');
  lines.push('', '## References', '', ...meta.docs.references.map((r) => `- ${r}`));
  return lines.join('\n');
}

/** `fedlint explain RULE-ID`: plain text for a terminal. */
/** A fixture case shown by `fedlint explain`: the flagged input and its pinned twin. */
export interface FixturePair {
  name: string;
  bad: string;
  good: string;
}

export function explainText(meta: Meta, fixture?: FixturePair): string {
  const lines = [
    `${meta.id}: ${meta.title}`,
    `default level: ${meta.level}; providers: ${meta.providers.join(', ')}`,
    '',
    meta.docs.description,
    '',
    'Why it matters',
    `  ${meta.docs.why}`,
    '',
    'How to fix',
    `  ${meta.docs.fix}`,
  ];
  const opts = options(meta);
  if (opts.length > 0) lines.push('', 'Options', ...opts.map((o) => `  ${o}`));
  const ex = meta.docs.examples;
  if (ex.alongside) lines.push('', 'With this input in the same run', indent(ex.alongside));
  lines.push('', 'Flagged', indent(ex.bad), '', 'Not flagged', indent(ex.good));
  if (fixture) {
    lines.push('', `Flagged (fixtures/${meta.id}/bad/${fixture.name})`, indent(fixture.bad.trimEnd()));
    lines.push('', `Not flagged (fixtures/${meta.id}/good/${fixture.name})`, indent(fixture.good.trimEnd()));
  }
  lines.push('', 'References', ...meta.docs.references.map((r) => `  ${r}`));
  return `${lines.join('\n')}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** The README's rules table. */
export function rulesTable(rules: readonly Meta[]): string {
  const rows = rules.map((r) => `| [\`${r.id}\`](docs/rules/${r.id}.md) | ${r.level} | ${r.providers.join(', ')} | ${r.title} |`);
  return ['| rule | default level | providers | what it finds |', '|---|---|---|---|', ...rows].join('\n');
}
