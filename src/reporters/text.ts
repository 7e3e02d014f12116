import type { Level } from '../model/types.js';
import type { Reporter } from './types.js';

type Style = (text: string) => string;
type Palette = Record<'red' | 'yellow' | 'blue' | 'green' | 'dim' | 'underline' | 'bold', Style>;

const same: Style = (text) => text;
const PLAIN: Palette = { red: same, yellow: same, blue: same, green: same, dim: same, underline: same, bold: same };
let colors: Palette | undefined;

/**
 * Load chalk, for a coloured report. Only then: most runs write to a pipe or a file (CI, pre-commit), and
 * chalk with the terminal modules it loads costs a few percent of a run on one small file.
 */
export async function loadColors(): Promise<void> {
  if (colors) return;
  const { Chalk } = await import('chalk');
  colors = new Chalk({ level: 1 });
}

/** Remove terminal control characters so that a value in a policy cannot rewrite the reader's screen. */
export function stripControl(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
}

/**
 * ESLint's "stylish" layout: findings grouped by file, `line:col  level  message  rule-id`, then a
 * summary. Colour only when asked (the CLI decides from the TTY, NO_COLOR and FORCE_COLOR).
 */
export const textReporter: Reporter = (data, { color }) => {
  if (color && !colors) throw new Error('a coloured text report needs loadColors() first');
  const c = color ? colors! : PLAIN;
  const paint: Record<Level, (s: string) => string> = { error: c.red, warning: c.yellow, note: c.blue };
  const lines: string[] = [];
  // With a baseline, the findings already in it are counted but not listed: the report shows what is new.
  const shown = data.findings.filter((f) => f.baselineState !== 'unchanged');
  const byFile = new Map<string, typeof data.findings[number][]>();
  for (const f of shown) {
    let list = byFile.get(f.at.file);
    if (!list) byFile.set(f.at.file, (list = []));
    list.push(f);
  }
  for (const [file, list] of byFile) {
    lines.push(c.underline(stripControl(file)));
    const width = Math.max(...list.map((f) => `${f.range.startLine}:${f.range.startColumn}`.length));
    for (const f of list) {
      const pos = `${f.range.startLine}:${f.range.startColumn}`.padEnd(width);
      lines.push(`  ${c.dim(pos)}  ${paint[f.level](f.level.padEnd(7))}  ${stripControl(f.message)}  ${c.dim(f.ruleId)}`);
    }
    lines.push('');
  }
  for (const n of data.notices ?? []) lines.push(`${stripControl(n.file)}:${n.line}:${n.column}: ${c.yellow('warning')} ${stripControl(n.message)}`);
  if ((data.notices ?? []).length > 0) lines.push('');
  const unresolved = data.unresolved ?? [];
  if (unresolved.length > 0) {
    lines.push(c.dim('Left unresolved (fedlint judges nothing from these values):'));
    for (const u of unresolved) lines.push(`  ${stripControl(u.file)}:${u.line}:${u.column}: ${c.blue('note')} ${stripControl(u.message)}`);
    lines.push('');
  }
  for (const e of data.errors) {
    lines.push(`${stripControl(e.file)}:${e.line}:${e.column}: ${c.red('error')} ${stripControl(e.message)}`);
  }
  if (data.errors.length > 0) lines.push('');
  const count = (level: Level): number => shown.filter((f) => f.level === level).length;
  const total = shown.length;
  const parts = [`${count('error')} error${count('error') === 1 ? '' : 's'}`, `${count('warning')} warning${count('warning') === 1 ? '' : 's'}`, `${count('note')} note${count('note') === 1 ? '' : 's'}`];
  const errors = data.errors.length > 0 ? `, ${data.errors.length} input${data.errors.length === 1 ? '' : 's'} could not be read` : '';
  const suppressedCount = data.suppressed?.length ?? 0;
  const unchanged = data.findings.filter((f) => f.baselineState === 'unchanged').length;
  const files = `${data.filesLinted} file${data.filesLinted === 1 ? '' : 's'} linted${suppressedCount > 0 ? `, ${suppressedCount} suppressed` : ''}${unchanged > 0 ? `, ${unchanged} unchanged from the baseline` : ''}`;
  if (total === 0) lines.push(`${c.green('✔')} no problems (${files}${errors})`);
  else lines.push(`${c.bold(paint[count('error') > 0 ? 'error' : count('warning') > 0 ? 'warning' : 'note'](`✖ ${total} problem${total === 1 ? '' : 's'}`))} (${parts.join(', ')}; ${files}${errors})`);
  return `${lines.join('\n')}\n`;
};
