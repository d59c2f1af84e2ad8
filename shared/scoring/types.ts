import type { EngagementPool } from './decay.ts';

export type ProfileValue = string | number | boolean;
export type Profile = Record<string, ProfileValue>;

/** An engagement event as the engine sees it: time is epoch ms, identity already resolved. */
export interface ScoringEvent {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Profile fields this event brings (a form submission, the email of an API event). */
  readonly profile?: Readonly<Profile>;
  /**
   * True when the event came from an authenticated source (events API, CRM sync): the profile
   * fields it sets are not overwritten by anonymous form posts (PRODUCT §3.7).
   */
  readonly trusted?: boolean;
  /**
   * A spam verdict (honeypot, heuristics): the submission is kept, marked, and scores nothing;
   * it changes no profile field and never disqualifies the lead (PRODUCT §3.7).
   */
  readonly spam?: boolean;
}

/** An event's place in a lead's history: event time, ties broken by event id (PRODUCT §2.12). */
export interface EventKey {
  readonly at: number;
  readonly id: string;
}

/** What one engagement rule has given a lead so far. */
export interface RuleTally {
  /** Events that fired the rule. */
  readonly count: number;
  /** Points awarded after caps, including repeat bonuses (before decay). */
  readonly awarded: number;
  readonly bonus: number;
  /** Points caps cut (and resubmissions of a form inside its window did not earn). */
  readonly capped: number;
  /**
   * The rule's share of the engagement pool: its live value is `pos × pool.posScale +
   * neg × pool.negScale` (see decay.ts), which is how every rule can say what is left of it now.
   */
  readonly pos: number;
  readonly neg: number;
  /** Time of the rule's last award (resubmission window of form rules). */
  readonly lastAwardAt?: number;
}

export interface RuleContribution {
  readonly ruleId: string;
  readonly points: number;
}

/**
 * Where a lead stands with sales: `lead` → `mql` → `sql` by thresholds (or sales accepting it),
 * then `customer`, `lost` or `disqualified` by the outcomes sales report (PRODUCT §6.2).
 */
export type Lifecycle = 'lead' | 'mql' | 'sql' | 'customer' | 'lost' | 'disqualified';

export type OutcomeKind = 'sql' | 'converted' | 'lost' | 'disqualified';

/**
 * An outcome sales reported, kept with the score, segment and grade the lead had when it was
 * reached (decay to that instant applied), and the rules behind that score: what the model
 * report and training judge the model by (PRODUCT §6.2–§6.4).
 */
export interface OutcomeRecord {
  readonly kind: OutcomeKind;
  /** Epoch ms the outcome was reached (the event's time). */
  readonly at: number;
  readonly value?: number;
  readonly currency?: string;
  readonly reason?: string;
  readonly score: number;
  readonly segment: string;
  readonly grade: string;
  /** Rules that had fired by then: times fired (fit and source rules: 1). */
  readonly hits: Readonly<Record<string, number>>;
  /** Points each rule contributed to `score` then (engagement after decay). */
  readonly points: Readonly<Record<string, number>>;
}

/** One entry of the audit trail: a change of score and its cause. */
export interface HistoryEntry {
  readonly at: number;
  readonly cause: string;
  readonly eventId?: string;
  readonly rules: readonly RuleContribution[];
  readonly total: number;
}

/** A threshold's state in a lead's history. */
export interface ThresholdState {
  /** True while the lead is above the threshold (armed again once below rearmBelow). */
  readonly above: boolean;
  /** Upward crossings so far: an alert is due when this grows past what was reported. */
  readonly ups: number;
  /** A fast track (PRODUCT §2.13) holds the threshold until this time whatever the score. */
  readonly holdUntil?: number;
  /** The engagement rule that fast-tracked the lead, while it holds. */
  readonly fastTrackedBy?: string;
}

/** What was last reported (published) about a lead: the changes since are what to publish next. */
export interface Reported {
  readonly at: number;
  readonly score: number;
  readonly segment: string | null;
  readonly grade: string | null;
  readonly disqualified: boolean;
  readonly thresholds: Readonly<Record<string, ThresholdState>>;
}

/**
 * Everything the engine needs to score a lead incrementally. Plain JSON, so a store can keep it
 * as one attribute; its size is bounded by the model (rules, caps) and the profile budget, not
 * by the lead's history.
 *
 * Every field but `reported` is a function of the lead's set of events (order independence,
 * PRODUCT §2.12): the events are folded in event-time order, and an event that arrives out of
 * order makes the caller replay the lead's stored events (see `needsReplay`).
 */
export interface LeadState {
  readonly leadId: string;
  readonly modelVersion: string;
  readonly profile: Profile;
  /** Profile fields set by authenticated sources, which anonymous form posts do not overwrite. */
  readonly trustedFields: readonly string[];
  /** Fit and source components, recomputed only when the profile changes. */
  readonly fit: { readonly score: number; readonly rules: readonly RuleContribution[] };
  readonly source: {
    readonly points: number;
    readonly multiplier: number;
    readonly rules: readonly RuleContribution[];
  };
  readonly pool: EngagementPool;
  /**
   * The predictive blend's probability and points (PRODUCT §6.4) as of the last event; absent
   * when the model has no blend.
   */
  readonly predictive?: { readonly probability: number; readonly points: number };
  /**
   * What each engagement rule has given, by rule id. In memory a rule that never fired may be
   * present with the value undefined (the engine copies records from a fixed per-model layout,
   * which keeps copying cheap); such keys vanish when the state is stored as JSON.
   */
  readonly tallies: Readonly<Record<string, RuleTally>>;
  /**
   * Awards inside cap windows: key `r:<ruleId>` or `c:<category>` -> [time, points][] sorted by
   * time. A leading [time, 0] entry marks older awards that were forgotten (see caps.ts).
   */
  readonly windows: Readonly<Record<string, readonly (readonly [number, number])[]>>;
  /** Threshold states as of the last event (decay after it is applied when observed). */
  readonly thresholds: Readonly<Record<string, ThresholdState>>;
  readonly disqualified: { readonly ruleId: string; readonly reason: string } | null;
  readonly lifecycle: Lifecycle;
  /** When the lead first reached each lifecycle stage (epoch ms); absent on leads stored before. */
  readonly reached?: Readonly<Partial<Record<Lifecycle, number>>>;
  /** The outcomes sales reported, by kind (one of each; see outcomes.ts). */
  readonly outcomes?: Readonly<Partial<Record<OutcomeKind, OutcomeRecord>>>;
  readonly eventCount: number;
  /** The newest event folded in; an event at or before it is late and needs a replay. */
  readonly last: EventKey | null;
  readonly history: readonly HistoryEntry[];
  /** What was last reported; not part of the fold (it depends on when the lead was observed). */
  readonly reported: Reported;
}

export interface ThresholdCrossing {
  readonly name: string;
  readonly direction: 'up' | 'down';
  readonly threshold: number;
  /** The engagement rule that qualified the lead directly (fast track), for an upward crossing. */
  readonly fastTrack?: string;
}

/** What changed since the lead was last reported; the caller turns these into events. */
export interface ScoreChanges {
  readonly scoreBefore: number;
  readonly scoreAfter: number;
  readonly segmentChange: { readonly from: string | null; readonly to: string } | null;
  readonly gradeChange: { readonly from: string | null; readonly to: string } | null;
  readonly thresholdCrossings: readonly ThresholdCrossing[];
  readonly newlyDisqualified: { readonly ruleId: string; readonly reason: string } | null;
}

export interface ScoreBreakdown {
  readonly fit: number;
  readonly source: number;
  readonly engagement: number;
  /** The predictive blend's points (0 without one). */
  readonly predictive: number;
  readonly total: number;
}

/** A lead as classified at one instant: the one place total, segment, grade and thresholds are decided. */
export interface Classification {
  readonly at: number;
  readonly breakdown: ScoreBreakdown;
  readonly segment: string;
  readonly grade: string;
  readonly disqualified: boolean;
  readonly thresholds: Readonly<Record<string, ThresholdState>>;
}
