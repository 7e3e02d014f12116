/**
 * fedlint's SARIF, produced from every bad fixture plus an unreadable input, must validate against the
 * SARIF 2.1.0 schema and draw no error (and no warning) from Microsoft's validator with GitHub's rules.
 */
import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
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

  it('keeps fingerprints when lines are inserted above a finding', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-fp-'));
    const source = path.join(ROOT, 'fixtures/subject-wildcard/bad/org-wide.json');
    cpSync(source, path.join(dir, 'trust.json'));
    const before = JSON.parse((await sarifOf(['trust.json'], dir)).text).runs[0].results[0];
    const { readFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'trust.json'), `\n\n\n${readFileSync(source, 'utf8')}`);
    const after = JSON.parse((await sarifOf(['trust.json'], dir)).text).runs[0].results[0];
    expect(after.locations[0].physicalLocation.region.startLine).toBe(before.locations[0].physicalLocation.region.startLine + 3);
    expect(after.partialFingerprints).toEqual(before.partialFingerprints);
  });
});
