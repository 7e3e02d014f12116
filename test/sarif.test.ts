/**
 * fedlint's SARIF, produced from every bad fixture plus an unreadable input, must validate against the
 * SARIF 2.1.0 schema and draw no error (and no warning) from Microsoft's validator with GitHub's rules.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { ROOT } from './helpers/lint.js';
import { validateSarifSchema, validateSarifWithMultitool } from './helpers/sarif-validate.js';

async function sarifOf(args: string[], cwd: string): Promise<{ text: string; code: number; stderr: string }> {
  let text = '';
  let stderr = '';
  const code = await main(['--format', 'sarif', ...args], {
    stdout: (t) => (text += t),
    stderr: (t) => (stderr += t),
    cwd,
    env: {},
    isTTY: false,
  });
  return { text, code, stderr };
}

describe('sarif output', () => {
  it('is valid SARIF 2.1.0 and acceptable to GitHub code scanning', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-sarif-'));
    cpSync(path.join(ROOT, 'fixtures'), path.join(dir, 'fixtures'), { recursive: true });
    writeFileSync(path.join(dir, 'fixtures', 'broken trust.json'), '{"Version": "2012-10-17", "Statement": [');
    const { text, code, stderr } = await sarifOf(['fixtures'], dir);
    expect(code).toBe(2);
    expect(stderr).toContain('broken trust.json:1:');
    const log = JSON.parse(text);
    expect(validateSarifSchema(log)).toEqual([]);
    const run = log.runs[0];
    expect(run.results.length).toBeGreaterThan(30);
    expect(run.invocations[0].executionSuccessful).toBe(false);
    expect(run.invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      'fixtures/broken%20trust.json',
    );
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(result.locations[0].logicalLocations[0].fullyQualifiedName.length).toBeGreaterThan(0);
      expect(result.locations[0].physicalLocation.artifactLocation.uri).not.toMatch(/^(\/|file:)/);
    }
    const verdict = await validateSarifWithMultitool(text);
    expect(verdict.errors).toEqual([]);
    expect(verdict.warnings).toEqual([]);
  }, 120_000);

  // Fingerprints hash the rule, file, resource and the path of the offending value, never a line: three
  // blank lines (or a comment) above every finding move it down and keep its fingerprint, in each input kind.
  it.each([
    ['a trust policy', 'subject-wildcard/bad/org-wide.json', 'trust.json', '\n\n\n'],
    ['a Terraform plan', 'subject-wildcard/bad/plan-aws-one-line.json', 'trust.json', '\n\n\n'],
    ['a Terraform module', 'subject-wildcard/bad/tf-policy-document', 'module', '# one\n# two\n# three\n'],
  ])('keeps fingerprints when lines are inserted above a finding: %s', async (_, fixture, name, prefix) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-fp-'));
    const source = path.join(ROOT, 'fixtures', fixture);
    cpSync(source, path.join(dir, name), { recursive: true });
    const results = async () => JSON.parse((await sarifOf([name], dir)).text).runs[0].results as Array<{ ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }>; partialFingerprints: unknown }>;
    const before = await results();
    expect(before.length).toBeGreaterThan(0);
    // Every file of the input gets the lines on top.
    const files = name === 'module' ? readdirSync(path.join(dir, name)).filter((f) => f.endsWith('.tf')).map((f) => path.join(dir, name, f)) : [path.join(dir, name)];
    for (const f of files) writeFileSync(f, `${prefix}${readFileSync(f, 'utf8')}`);
    const after = await results();
    expect(after.map((r) => r.ruleId)).toEqual(before.map((r) => r.ruleId));
    after.forEach((r, i) => {
      expect(r.locations[0]!.physicalLocation.region.startLine).toBe(before[i]!.locations[0]!.physicalLocation.region.startLine + 3);
      expect(r.partialFingerprints).toEqual(before[i]!.partialFingerprints);
    });
  });
});
