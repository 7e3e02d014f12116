/**
 * What `npm pack` ships: the CLI, its bundle and the configuration schema, nothing of the sources, tests or
 * fixtures. (Scripts are not run: the suite has already built dist/.)
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/lint.js';

describe('package contents', () => {
  it('ships bin, dist and the configuration schema, and no sources, tests or fixtures', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/fedlint.js', 'dist/cli.js', 'schema/fedlint.schema.json', 'package.json', 'README.md']));
    expect(files.filter((f) => /^(src|test|fixtures|scripts|bench)\//.test(f))).toEqual([]);
  });
});
