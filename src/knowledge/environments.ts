/**
 * Environments, as design.md §1 orders the sources: tags (`Environment`, `env`, `environment`), role
 * paths (`/prod/`), resource names (`prod`, `production`, `prd`, `staging`, `stg`, `dev`, `test`), and
 * `environment:NAME` in subjects. An environment we cannot tell is left unknown, never guessed.
 */

export type EnvironmentClass = 'production' | 'staging' | 'development' | 'test';

/**
 * Environment words. A Map, not an object literal: a name is looked up token by token, and a role named
 * `my-constructor-role` found the object's inherited `constructor` (a function) as its environment.
 */
const WORDS = new Map<string, EnvironmentClass>(Object.entries({
  prod: 'production',
  production: 'production',
  prd: 'production',
  live: 'production',
  staging: 'staging',
  stage: 'staging',
  stg: 'staging',
  preprod: 'staging',
  uat: 'staging',
  dev: 'development',
  development: 'development',
  develop: 'development',
  test: 'test',
  testing: 'test',
  qa: 'test',
  sandbox: 'test',
} satisfies Record<string, EnvironmentClass>));

/** The class of an environment name ("Production", "prod-eu", "prd"), or undefined. */
export function classifyEnvironmentName(name: string): EnvironmentClass | undefined {
  const whole = WORDS.get(name.toLowerCase());
  if (whole) return whole;
  return undefined;
}

/** Look for an environment word among the tokens of a resource name or path (`gha-deploy-prod`, `/prod/`). */
export function environmentInName(name: string): EnvironmentClass | undefined {
  const found = new Set<EnvironmentClass>();
  for (const token of name.toLowerCase().split(/[^a-z0-9]+/)) {
    const cls = WORDS.get(token);
    if (cls) found.add(cls);
  }
  // A name that mentions two environments ("dev-to-prod-promoter") says nothing certain.
  return found.size === 1 ? [...found][0] : undefined;
}

const TAG_KEYS = ['environment', 'env', 'stage'];

export interface EnvironmentGuess {
  environment: EnvironmentClass;
  source: string;
}

export function environmentOf(input: {
  tags?: Record<string, string> | undefined;
  path?: string | undefined;
  name?: string | undefined;
}): EnvironmentGuess | undefined {
  for (const [key, value] of Object.entries(input.tags ?? {})) {
    if (!TAG_KEYS.includes(key.toLowerCase())) continue;
    const cls = classifyEnvironmentName(value) ?? environmentInName(value);
    if (cls) return { environment: cls, source: `tag ${key}=${value}` };
  }
  if (input.path && input.path !== '/') {
    const cls = environmentInName(input.path);
    if (cls) return { environment: cls, source: `path ${input.path}` };
  }
  if (input.name) {
    const cls = environmentInName(input.name);
    if (cls) return { environment: cls, source: `name ${input.name}` };
  }
  return undefined;
}
