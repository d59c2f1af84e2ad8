/**
 * What the model report and training read about one lead: the score it had when its outcome
 * was reached (or now, for open leads), the rules that fired, its profile, and the outcome.
 * Built from the stored leads by the application layer; pure data, so the analytics that read
 * it (report figures, training) are pure functions tested on generated datasets.
 */

export type OutcomeKind = 'sql' | 'converted' | 'lost' | 'disqualified';

export type AttributeValue = string | number | boolean;

export interface ModelRow {
  readonly leadId: string;
  /** When the lead was first seen (ISO), if known. */
  readonly createdAt?: string;
  /**
   * The score, segment and grade the lead had when its final outcome (converted, lost or
   * disqualified) was reached; the current ones for a lead without one.
   */
  readonly score: number;
  readonly segment: string;
  readonly grade: string;
  /** 1 converted, 0 lost or disqualified, undefined while open (no final outcome yet). */
  readonly label: 0 | 1 | undefined;
  /** The final outcome, when there is one. */
  readonly outcome?: {
    readonly kind: Exclude<OutcomeKind, 'sql'>;
    /** ISO time the outcome was reached. */
    readonly at: string;
    readonly value?: number;
    readonly currency?: string;
    readonly reason?: string;
  };
  /** ISO time the lead first crossed the MQL threshold (lifecycle `mql`), if it did. */
  readonly mqlAt?: string;
  /**
   * Rules that had fired by the time of the score above, by rule id: how many times (an
   * engagement rule counts its events; a fit or source rule that matches counts 1).
   */
  readonly ruleHits: Readonly<Record<string, number>>;
  /** Points each of those rules contributed to `score` (after caps and decay). */
  readonly rulePoints: Readonly<Record<string, number>>;
  /** Profile attributes (form fields, imported CRM columns); a missing value is absent. */
  readonly profile: Readonly<Record<string, AttributeValue>>;
}

/** The rules of the current model, as the analytics name them (for suggestions and the report). */
export interface RuleInfo {
  readonly ruleId: string;
  readonly kind: 'fit' | 'engagement' | 'source';
  /** The rule's configured points (per event for engagement rules). */
  readonly points: number;
}
