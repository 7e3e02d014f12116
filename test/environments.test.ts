import { describe, expect, it } from 'vitest';
import { classifyEnvironmentName, environmentInName, environmentOf } from '../src/knowledge/environments.js';

describe('environment words', () => {
  it('classifies the words of design.md §1, in any letter case', () => {
    expect(classifyEnvironmentName('Production')).toBe('production');
    expect(classifyEnvironmentName('stg')).toBe('staging');
    expect(environmentInName('gha-deploy-prod')).toBe('production');
    expect(environmentInName('/ci/dev/')).toBe('development');
    expect(environmentInName('dev-to-prod-promoter')).toBeUndefined();
  });

  // The words were an object literal, whose inherited members answered too: `constructor` was a function.
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])('%s names no environment', (word) => {
    expect(classifyEnvironmentName(word)).toBeUndefined();
    expect(environmentInName(`my-${word}-role`)).toBeUndefined();
    expect(environmentOf({ tags: { Environment: word }, path: `/${word}/`, name: word })).toBeUndefined();
  });

  it('still finds the environment beside such a word', () => {
    expect(environmentInName('constructor-prod')).toBe('production');
  });
});
