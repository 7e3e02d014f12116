/**
 * Environments from the configuration (design.md §1): accounts, GCP projects, Azure subscriptions, path
 * globs (relative to the configuration file), name globs and tags. They come first: a target the
 * configuration places wins over tags, paths and names read from the inputs. Globs are fedlint's linear
 * globs: `*` matches any run of characters, `/` included, and `?` one character.
 */
import path from 'node:path';
import type { TrustBinding } from '../model/types.js';
import { classifyEnvironmentName } from '../knowledge/environments.js';
import { globMatch } from '../match/glob.js';
import type { Config, EnvironmentSpec } from './load.js';

function why(env: EnvironmentSpec, binding: TrustBinding, file: string): string | undefined {
  const target = binding.target;
  const names = [target.name, target.address].filter((n): n is string => n !== undefined);
  const account = env.accounts.find((a) => target.account === a || names.some((n) => n.includes(`::${a}:`)));
  if (account) return `account ${account}`;
  const project = env.projects.find((p) => names.some((n) => n === p || n.includes(`@${p}.iam.gserviceaccount.com`) || n.includes(`projects/${p}/`)));
  if (project) return `project ${project}`;
  const subscription = env.subscriptions.find((s) => names.some((n) => n.toLowerCase().includes(`/subscriptions/${s.toLowerCase()}/`)));
  if (subscription) return `subscription ${subscription}`;
  const glob = env.paths.find((g) => globMatch(g, file));
  if (glob) return `path ${glob}`;
  const name = env.names.find((g) => names.some((n) => globMatch(g, n)));
  if (name) return `name ${name}`;
  const tags = Object.entries(env.tags);
  if (tags.length > 0 && tags.every(([k, v]) => Object.entries(binding.tags ?? {}).some(([bk, bv]) => bk.toLowerCase() === k.toLowerCase() && bv === v))) {
    return `tags ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}`;
  }
  return undefined;
}

/** Set the environment of every binding's target that the configuration places. */
export function applyEnvironments(bindings: readonly TrustBinding[], config: Config, cwd: string): void {
  if (config.environments.length === 0) return;
  for (const binding of bindings) {
    const file = path.relative(config.dir, path.resolve(cwd, binding.origin.file)).split(path.sep).join('/');
    for (const env of config.environments) {
      const reason = why(env, binding, file);
      if (!reason) continue;
      binding.target.environment = classifyEnvironmentName(env.name) ?? env.name;
      binding.target.environmentName = env.name;
      binding.target.environmentSource = `configuration environment ${env.name}: ${reason}`;
      break;
    }
  }
}
