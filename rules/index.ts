/** Every rule, in the order of design.md's rule table. File name == rule id. */
import type { AnyRule } from '../src/engine/rule.js';
import subjectMissing from './subject-missing.js';
import subjectWildcard from './subject-wildcard.js';
import audienceMissing from './audience-missing.js';
import issuerUnpinned from './issuer-unpinned.js';
import issuerUntrusted from './issuer-untrusted.js';
import conditionBypass from './condition-bypass.js';
import principalWildcard from './principal-wildcard.js';
import crossEnvironmentTrust from './cross-environment-trust.js';
import unreviewedContext from './unreviewed-context.js';
import sessionTtlExcessive from './session-ttl-excessive.js';
import mutableClaim from './mutable-claim.js';
import staticCredential from './static-credential.js';

export const RULES: readonly AnyRule[] = [
  subjectMissing,
  subjectWildcard,
  audienceMissing,
  issuerUnpinned,
  issuerUntrusted,
  conditionBypass,
  principalWildcard,
  crossEnvironmentTrust,
  unreviewedContext,
  sessionTtlExcessive,
  mutableClaim,
  staticCredential,
];
