/**
 * Suppressions (configuration and inline, with expiry, unused ones reported) and baselines.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-suppress-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function run(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {}, isTTY: false });
  return { code, stdout, stderr };
}

const GH = 'token.actions.githubusercontent.com';
function trust(sub: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${GH}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GH}:sub`]: sub } },
        },
      ],
    },
    null,
    2,
  );
}

const FILES = { 'sandbox/trust.json': trust('repo:octo-org/*'), 'ci/trust.json': trust('repo:octo-org*') };

describe('ignores in the configuration', () => {
  it('suppress by rule and path with a reason: kept in SARIF as dismissed, not counted', async () => {
    const config = 'ignore:\n  - rule: subject-wildcard\n    path: "sandbox/*"\n    reason: sandbox account, no data\n    expires: 2999-12-31\n';
    const dir = tree({ ...FILES, '.fedlint.yaml': config });
    const json = JSON.parse((await run(['--format', 'json', '.'], dir)).stdout);
    expect(json.findings.map((f: { file: string }) => f.file)).toEqual(['ci/trust.json']);
    expect(json.suppressed.map((f: { file: string; suppression: unknown }) => [f.file, f.suppression])).toEqual([
      ['sandbox/trust.json', { kind: 'external', justification: 'sandbox account, no data' }],
    ]);
    const sarif = JSON.parse((await run(['--format', 'sarif', '.'], dir)).stdout);
    const dismissed = sarif.runs[0].results.filter((r: { suppressions?: unknown }) => r.suppressions);
    expect(dismissed.map((r: { suppressions: unknown }) => r.suppressions)).toEqual([[{ kind: 'external', justification: 'sandbox account, no data' }]]);
    // Only the finding that is not suppressed fails the run.
    const onlySandbox = await run(['sandbox'], dir);
    expect(onlySandbox.code).toBe(0);
  });

  it('an expired ignore brings the finding back and says so', async () => {
    const config = 'ignore:\n  - rule: subject-wildcard\n    path: "sandbox/*"\n    reason: sandbox\n    expires: 2001-01-31\n';
    const dir = tree({ ...FILES, '.fedlint.yaml': config });
    const r = await run(['--no-color', 'sandbox'], dir);
    expect(r.code).toBe(0); // a warning: the org-wide wildcard admits insiders only
    expect(r.stdout).toContain('sandbox/trust.json');
    expect(r.stdout).toContain('.fedlint.yaml:2:5: warning ignore (subject-wildcard, sandbox/*) expired on 2001-01-31: its findings are reported again');
  });

  it('an ignore that matches nothing is reported', async () => {
    const config = 'ignore:\n  - resource: "aws_iam_role.gone"\n    reason: removed last year\n';
    const dir = tree({ ...FILES, '.fedlint.yaml': config });
    const r = await run(['--format', 'json', '.'], dir);
    expect(JSON.parse(r.stdout).notices).toEqual([
      { file: '.fedlint.yaml', line: 2, column: 5, message: 'ignore (aws_iam_role.gone) matched no finding: remove it' },
    ]);
    expect(r.stderr).toBe('.fedlint.yaml:2:5: warning: ignore (aws_iam_role.gone) matched no finding: remove it\n');
  });
});

describe('inline ignores in Terraform source', () => {
  const role = (comment: string) => `${comment}
resource "aws_iam_role" "sandbox" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/${GH}" }
      Condition = { StringLike = { "${GH}:sub" = "repo:octo-org/*", "${GH}:aud" = "sts.amazonaws.com" } }
    }]
  })
}
`;
  it('suppresses with a reason, above the block', async () => {
    const dir = tree({ 'main.tf': role('# fedlint-ignore subject-wildcard sandbox role, no data') });
    const json = JSON.parse((await run(['--format', 'json', '.'], dir)).stdout);
    expect(json.findings).toEqual([]);
    expect(json.suppressed[0].suppression).toEqual({ kind: 'inSource', justification: 'sandbox role, no data' });
  });

  it('does not suppress without a reason, and says so; another rule id does not suppress', async () => {
    const bare = JSON.parse((await run(['--format', 'json', '.'], tree({ 'main.tf': role('# fedlint-ignore subject-wildcard') }))).stdout);
    expect(bare.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['subject-wildcard']);
    expect(bare.notices[0].message).toBe('fedlint-ignore subject-wildcard needs a reason after the rule id; the finding is still reported');
    const other = JSON.parse((await run(['--format', 'json', '.'], tree({ 'main.tf': role('# fedlint-ignore mutable-claim accepted') }))).stdout);
    expect(other.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['subject-wildcard']);
  });
});

describe('baseline', () => {
  it('findings already in the baseline are unchanged and do not fail the run; new ones do', async () => {
    const dir = tree({ 'ci/trust.json': trust('repo:octo-org*') });
    const first = await run(['--write-baseline', 'baseline.json', '.'], dir);
    expect(first.code).toBe(1);
    const again = await run(['--baseline', 'baseline.json', '--no-color', '.'], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no problems (1 file linted, 1 unchanged from the baseline)');
    writeFileSync(path.join(dir, 'ci/new.json'), trust('repo:acme*'));
    const later = await run(['--baseline', 'baseline.json', '--format', 'sarif', '.'], dir);
    expect(later.code).toBe(1);
    const states = JSON.parse(later.stdout).runs[0].results.map((r: { baselineState: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) => [
      r.locations[0]!.physicalLocation.artifactLocation.uri,
      r.baselineState,
    ]);
    expect(states).toEqual([
      ['ci/new.json', 'new'],
      ['ci/trust.json', 'unchanged'],
    ]);
  });

  it('reads a SARIF report as a baseline too, and rejects what is neither', async () => {
    const dir = tree({ 'ci/trust.json': trust('repo:octo-org*') });
    writeFileSync(path.join(dir, 'base.sarif'), (await run(['--format', 'sarif', '.'], dir)).stdout);
    expect((await run(['--baseline', 'base.sarif', '.'], dir)).code).toBe(0);
    writeFileSync(path.join(dir, 'bad.json'), '{"hello": 1}');
    const bad = await run(['--baseline', 'bad.json', 'ci'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('fedlint: --baseline bad.json: not a fedlint JSON or SARIF report\n');
    expect(readFileSync(path.join(dir, 'bad.json'), 'utf8')).toBe('{"hello": 1}');
  });
});
