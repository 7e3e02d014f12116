import { defineRule } from '../src/engine/rule.js';
import { getRoleOutput, githubKeys, show, webIdentityTrust } from '../src/engine/examples.js';

export default defineRule<{ maxSeconds: number }>({
  meta: {
    id: 'session-ttl-excessive',
    title: 'Federated sessions last longer than needed',
    level: 'warning',
    providers: ['aws'],
    precision: 'very-high',
    securitySeverity: '2.0',
    tags: ['security', 'oidc'],
    defaults: { maxSeconds: 3600 },
    docs: {
      description:
        'A role that federated tokens can assume allows sessions longer than the configured limit (option maxSeconds, default 3600 seconds): MaxSessionDuration, max_session_duration, or a token lifetime.',
      why:
        'A CI job needs credentials for minutes. A 12-hour session (the IAM maximum, 43200 s) keeps stolen credentials useful long after the job that leaked them has ended, and role chaining is capped at one hour anyway.',
      fix: 'Lower MaxSessionDuration to 3600 seconds (the default) or less; jobs that run longer can request new credentials.',
      references: [
        'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html',
        'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html',
        'reference/aws.md §11',
      ],
      examples: {
        bad: show(getRoleOutput({ name: 'gha-deploy', maxSessionDuration: 43200 }, webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:environment:production' }) }))),
        good: show(getRoleOutput({ name: 'gha-deploy', maxSessionDuration: 3600 }, webIdentityTrust({ StringEquals: githubKeys({ aud: 'sts.amazonaws.com', sub: 'repo:octo-org/octo-repo:environment:production' }) }))),
      },
    },
  },
  checkAll(bindings, ctx) {
    const seen = new Set<string>();
    for (const binding of bindings) {
      if (binding.mechanism !== 'oidc' && binding.mechanism !== 'saml') continue;
      const ttl = binding.sessionTtl;
      if (!ttl) continue;
      const { maxSeconds } = ctx.optionsFor(binding);
      if (ttl.seconds <= maxSeconds) continue;
      const key = `${ttl.at.file}\u0000${JSON.stringify(ttl.at.path)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.report(binding, {
        at: ttl.at,
        message: `${binding.target.name} allows federated sessions of ${ttl.seconds} s (${(ttl.seconds / 3600).toFixed(ttl.seconds % 3600 ? 1 : 0)} h), above the limit of ${maxSeconds} s. Lower the maximum session duration.`,
      });
    }
  },
});
