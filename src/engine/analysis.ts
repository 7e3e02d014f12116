/**
 * Facts about a binding that several rules need, computed once per binding: which issuer it trusts,
 * which identity claims it pins, how far those pins reach, and whether it can admit anything at all.
 */
import type { Constraint, TrustBinding } from '../model/types.js';
import { guessGrammar, issuerProfile, samlProfile, type IdentityClaim, type IssuerProfile } from '../knowledge/issuers.js';
import { analyseClaim, isPin, type Breadth, type ClaimAnalysis } from '../match/scope.js';

export interface PinnedClaim {
  identity: IdentityClaim;
  constraints: Constraint[];
  analysis: ClaimAnalysis;
  /** The breadth of this pin, counting that a tenant claim (repository_owner_id) pins at best a tenant. */
  breadth: Breadth;
}

export interface TrustAnalysis {
  profile: IssuerProfile | undefined;
  /** A positive test on a key of another issuer, which no token of this issuer carries: the trust admits nothing. */
  admitsNothing: boolean;
  /** Identity claims that carry a positive test. */
  pins: readonly PinnedClaim[];
  /** The tightest pin (the tests are ANDed, so the narrowest decides), preferring `sub` among equals. */
  decisive?: PinnedClaim;
  /** Identity claims that are tested, but only by tests that do not limit (negated, IfExists, ForAllValues). */
  vacuous: readonly string[];
  /** Identity claims whose tests fedlint cannot evaluate (unknown operators, values known only after apply). */
  unknown: readonly string[];
  /** Identity claims tested only by `Null` (the claim must exist, any value). */
  presenceOnly: readonly string[];
}

const cache = new WeakMap<TrustBinding, TrustAnalysis>();

const RANK: Record<Breadth, number> = { pinned: 0, 'tenant-wide': 1, open: 2 };

/** Profiles by issuer host as the binding holds it: issuerProfile normalises the host first, which costs more than this lookup. */
const profiles = new Map<string, IssuerProfile>();

export function profileOf(binding: TrustBinding): IssuerProfile | undefined {
  if (binding.mechanism === 'saml') return samlProfile();
  if (binding.mechanism !== 'oidc' || binding.issuer.kind !== 'exact') return undefined;
  const host = binding.issuer.host;
  let profile = profiles.get(host);
  if (!profile) profiles.set(host, (profile = issuerProfile(host)));
  return profile;
}

/** A positive test with no IfExists always fails for an absent claim, so it can never be met. */
function blocksAbsent(c: Constraint): boolean {
  if (c.kind === 'presence') return c.present;
  return c.kind === 'patterns' && !c.negated && !c.ifExists && c.setOperator !== 'ForAllValues';
}

/**
 * The lists of an analysis are only read, and most are empty: they share one empty list and are copied when
 * a claim is added (they hold a few identity claims at most). An analysis is kept for every binding of a run,
 * so what it allocates survives collections, which copy it.
 */
const NONE: readonly never[] = [];

function added<T>(list: readonly T[], item: T): readonly T[] {
  return list.length === 0 ? [item] : [...list, item];
}

export function analyse(binding: TrustBinding): TrustAnalysis {
  const cached = cache.get(binding);
  if (cached) return cached;
  const profile = profileOf(binding);
  // Keys of a sibling issuer block too: for this issuer's tokens they are absent (aws.md §2).
  let admitsNothing = false;
  for (const k of binding.foreignKeys) {
    if (!blocksAbsent(k.constraint)) continue;
    admitsNothing = true;
    break;
  }
  let pins: readonly PinnedClaim[] = NONE;
  let decisive: PinnedClaim | undefined;
  let vacuous: readonly string[] = NONE;
  let unknown: readonly string[] = NONE;
  let presenceOnly: readonly string[] = NONE;
  if (profile) {
    for (const identity of profile.identityClaims) {
      const constraints = binding.claims[identity.claim];
      if (!constraints || constraints.length === 0) continue;
      let opaque = false;
      let pinned = false;
      let presence = true;
      for (const c of constraints) {
        if (c.kind === 'unknown' || c.kind === 'cel') opaque = true;
        else if (isPin(c)) pinned = true;
        if (c.kind !== 'presence') presence = false;
      }
      if (opaque) {
        unknown = added(unknown, identity.claim);
        continue;
      }
      if (!pinned) {
        if (presence) presenceOnly = added(presenceOnly, identity.claim);
        else vacuous = added(vacuous, identity.claim);
        continue;
      }
      const grammar = identity.grammar ?? (identity.claim === 'sub' ? guessGrammarOf(constraints) : undefined);
      const analysis = analyseClaim(constraints, grammar);
      const floor: Breadth = identity.scope === 'tenant' ? 'tenant-wide' : 'pinned';
      const breadth = RANK[analysis.breadth] >= RANK[floor] ? analysis.breadth : floor;
      const pin: PinnedClaim = { identity, constraints, analysis, breadth };
      pins = added(pins, pin);
      if (!decisive || RANK[breadth] < RANK[decisive.breadth] || (RANK[breadth] === RANK[decisive.breadth] && identity.claim === 'sub')) {
        decisive = pin;
      }
    }
  }
  const result: TrustAnalysis = { profile, admitsNothing, pins, vacuous, unknown, presenceOnly };
  if (decisive) result.decisive = decisive;
  cache.set(binding, result);
  return result;
}

function guessGrammarOf(constraints: Constraint[]) {
  for (const c of constraints) {
    if (c.kind !== 'patterns') continue;
    for (const v of c.values) {
      const g = guessGrammar(v);
      if (g) return g;
    }
  }
  return undefined;
}

/**
 * How the input names the test on a claim, for messages: an IAM condition key (`issuer:claim`), or for GCP
 * and Azure the key the loader recorded as written (`assertion.repository_owner`, `subject`, `claims['sub']`).
 */
export function keyFor(binding: TrustBinding, claim: string): string {
  if (binding.provider !== 'aws') {
    for (const c of binding.claims[claim] ?? []) if (c.kind !== 'cel') return c.key;
    if (binding.provider === 'azure') return claim === 'sub' ? 'subject' : claim === 'aud' ? 'audiences' : `claims['${claim}']`;
    return `assertion.${claim}`;
  }
  if (binding.mechanism === 'saml') return `SAML:${claim}`;
  return binding.issuer.kind === 'exact' ? `${binding.issuer.host}:${claim}` : claim;
}
