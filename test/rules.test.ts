/**
 * Every rule against its fixtures: each case in fixtures/<id>/bad produces exactly the findings listed
 * in fixtures/<id>/expected.json (rule id, file, line, column, level, resource); each case in good/, the
 * pinned twin, produces no finding from any rule.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { ROOT, lintPaths, lintTextWith } from './helpers/lint.js';

interface Expected {
  file: string;
  line: number;
  column: number;
  level: string;
  resource: string;
}

for (const rule of RULES) {
  const id = rule.meta.id;
  const dir = path.join(ROOT, 'fixtures', id);
  describe(id, () => {
    it('has bad and good fixtures with the same case names', () => {
      const bad = readdirSync(path.join(dir, 'bad')).sort();
      const good = readdirSync(path.join(dir, 'good')).sort();
      expect(bad.length).toBeGreaterThan(0);
      expect(good).toEqual(bad);
    });

    // Rules driven by configuration keep theirs beside the fixtures.
    const config = existsSync(path.join(dir, '.fedlint.yaml')) ? `fixtures/${id}/.fedlint.yaml` : undefined;
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<string, Expected[]>;
    const cases = existsSync(path.join(dir, 'bad')) ? readdirSync(path.join(dir, 'bad')).sort() : [];

    it('lists an expectation for every bad case and no other', () => {
      expect(Object.keys(expected).sort()).toEqual(cases);
    });

    for (const name of cases) {
      const casePath = `fixtures/${id}/bad/${name}`;
      it(`bad/${name} reports ${id} where expected`, async () => {
        const result = await lintPaths([casePath], config ? { config } : {});
        expect(result.errors).toEqual([]);
        const isDir = statSync(path.join(ROOT, casePath)).isDirectory();
        const actual = result.findings
          .filter((f) => f.ruleId === id)
          .map((f) => ({
            file: isDir ? path.posix.relative(casePath, f.at.file) : '.',
            line: f.range.startLine,
            column: f.range.startColumn,
            level: f.level,
            resource: f.resource,
          }));
        expect(expected[name]!.length).toBeGreaterThan(0);
        expect(actual).toEqual(expected[name]);
      });

      it(`good/${name} produces no finding at all`, async () => {
        const result = await lintPaths([`fixtures/${id}/good/${name}`], config ? { config } : {});
        expect(result.errors).toEqual([]);
        expect(result.findings.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
      });
    }

    it("documentation examples: the flagged one triggers the rule, the pinned one stays clean", async () => {
      const { bad: badText, good: goodText, alongside, config: configText } = rule.meta.docs.examples;
      const bad = await lintTextWith(configText, badText, alongside);
      expect(bad.errors).toEqual([]);
      expect(bad.findings.map((f) => f.ruleId)).toContain(id);
      const good = await lintTextWith(configText, goodText, alongside);
      expect(good.errors).toEqual([]);
      expect(good.findings.filter((f) => f.ruleId === id)).toEqual([]);
    });
  });
}
