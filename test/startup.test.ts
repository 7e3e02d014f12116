/**
 * What keeps `fedlint FILE` fast (README "Performance") must not change what fedlint does: bare paths skip
 * commander but get the options commander would give them, and the loaders imported on first use are the
 * ones their kinds name.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { LINT_DEFAULTS, plainPaths } from '../src/cli/main.js';
import { SUBCOMMANDS, runProgram } from '../src/cli/program.js';
import { JSON_LOADERS } from '../src/loaders/index.js';
import { gcpIamPolicyLoader, gcpProviderLoader } from '../src/loaders/gcp-export.js';
import { terraformPlanLoader } from '../src/loaders/terraform-plan.js';

const io = { stdout: () => {}, stderr: () => {}, cwd: process.cwd(), env: {}, isTTY: false };

describe('bare paths without commander', () => {
  it('takes only arguments that are all paths, the first not a subcommand', () => {
    expect(plainPaths([])).toEqual([]);
    expect(plainPaths(['a.json', 'dir'])).toEqual(['a.json', 'dir']);
    expect(plainPaths(['a.json', 'rules'])).toEqual(['a.json', 'rules']);
    for (const name of SUBCOMMANDS) expect(plainPaths([name, 'a.json'])).toBeUndefined();
    expect(plainPaths(['a.json', '--format', 'json'])).toBeUndefined();
    expect(plainPaths(['--', 'a.json'])).toBeUndefined();
    expect(plainPaths(['-'])).toBeUndefined();
  });

  it('knows every subcommand commander defines', async () => {
    let program: Command | undefined;
    const parse = Command.prototype.parseAsync;
    Command.prototype.parseAsync = async function (this: Command) {
      program = this;
      return this;
    };
    try {
      await runProgram(['x'], io);
    } finally {
      Command.prototype.parseAsync = parse;
    }
    const names = program!.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    expect([...names, 'help'].sort()).toEqual([...SUBCOMMANDS].sort());
  });

  it('gives the options commander gives bare paths', async () => {
    let given: unknown;
    const parse = Command.prototype.parseAsync;
    Command.prototype.parseAsync = async function (this: Command, argv?: readonly string[], options?: { from: 'user' }) {
      this.action((_paths: string[], opts: unknown) => {
        given = opts;
      });
      return parse.call(this, argv, options);
    };
    try {
      await runProgram(['a.json'], io);
    } finally {
      Command.prototype.parseAsync = parse;
    }
    expect(given).toEqual(LINT_DEFAULTS);
  });
});

describe('loaders imported on first use', () => {
  it('name the loaders they import', async () => {
    for (const real of [terraformPlanLoader, gcpProviderLoader, gcpIamPolicyLoader]) {
      const lazy = JSON_LOADERS.find((l) => l.kind === real.kind)!;
      expect(lazy.prepare).toBeDefined();
      expect(lazy.description).toBe(real.description);
      expect(lazy.sniff).toBe(real.sniff);
    }
  });
});
