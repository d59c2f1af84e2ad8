import type { EngagementPool } from './decay.ts';

export type ProfileValue = string | number | boolean;
export type Profile = Record<string, ProfileValue>;

/** An engagement event as the engine sees it: time is epoch ms, identity already resolved. */
export interface ScoringEvent {
  readonly id: string;
  readonly type: string;
  readonly occurredAt: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Profile fields this event brings (a form submission), merged before scoring. */
  readonly profile?: Readonly<Profile>;
}

/** What one engagement rule has given a lead so far (before decay). */
export interface RuleTally {
  readonly count: number;
  /** Points awarded after caps, including repeat bonuses. */
  readonly awarded: number;
  readonly bonus: number;
  /** Points caps cut. */
  readonly capped: number;
}

export interface RuleContribution {
  readonly ruleId: string;
  readonly points: number;
}

export type Lifecycle = 'lead' | 'mql' | 'sql' | 'customer' | 'lost';

/** One entry of the audit trail: a change of score and its cause. */
export interface HistoryEntry {
  readonly at: number;
  readonly cause: string;
  readonly eventId?: string;
  readonly rules: readonly RuleContribution[];
  readonly total: number;
}

/**
 * Everything the engine needs to score a lead incrementally. Plain JSON, so a store can keep it
 * as one attribute; its size is bounded by the number of rules, not by the lead's history.
 */
export interface LeadState {
  readonly leadId: string;
  readonly modelVersion: string;
  readonly profile: Profile;
  /** Fit and source components, recomputed only when the profile changes. */
  readonly fit: { readonly score: number; readonly rules: readonly RuleContribution[] };
  readonly source: {
    readonly points: number;
    readonly multiplier: number;
    readonly rules: readonly RuleContribution[];
  };
  readonly pool: EngagementPool;
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
  /** Per threshold: true while the lead is above it (armed again once below rearmBelow). */
  readonly thresholds: Readonly<Record<string, boolean>>;
  /** Last reported segment and grade (null before the first evaluation). */
  readonly segment: string | null;
  readonly grade: string | null;
  readonly score: number;
  readonly disqualified: { readonly ruleId: string; readonly reason: string } | null;
  readonly lifecycle: Lifecycle;
  readonly eventCount: number;
  readonly updatedAt: number;
  readonly history: readonly HistoryEntry[];
}

export interface ThresholdCrossing {
  readonly name: string;
  readonly direction: 'up' | 'down';
  readonly threshold: number;
}

/** What changed when the engine last evaluated a lead; the caller turns these into events. */
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
  readonly total: number;
}
