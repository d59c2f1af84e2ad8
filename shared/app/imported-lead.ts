import type { Profile } from '#shared/scoring/types.ts';

/**
 * One lead of a history import (PRODUCT §6.2a): a CRM export row, already mapped to a lead.
 * The application layer stores it as a trusted `lead.imported` event at `createdAt` and, when
 * it has one, its outcome at `outcome.at`; imported leads are scored by the current model and
 * raise no alerts.
 */
export interface ImportedLead {
  /** The lead's email, or a synthetic address `<id>@import.invalid` built from `--id-column`. */
  readonly email: string;
  /** The row's source id (the id column's value, or the email), for the summary and idempotency. */
  readonly sourceId: string;
  /** Epoch ms the lead was created (`createdAt`; else `outcomeAt`; else the import's start). */
  readonly createdAt: number;
  /** Every other column: numbers parsed, blank and placeholder values left out. */
  readonly profile: Profile;
  readonly outcome?: {
    readonly kind: 'converted' | 'lost';
    /** Epoch ms (`outcomeAt` column); `createdAt` when absent. */
    readonly at: number;
    readonly value?: number;
    readonly currency?: string;
  };
}

/** What happened to one imported lead. */
export type ImportStatus = 'imported' | 'unchanged';

/**
 * Where an import writes: the application layer of one client (`Leadscore`), or anything that
 * stores the same way. Both calls are idempotent (a re-run of the same file changes nothing)
 * and neither raises alerts.
 */
export interface ImportSink {
  importLead(lead: ImportedLead): Promise<ImportStatus>;
  /** One engagement event of the `--events` file, stored and scored like an API event, silently. */
  importEvent(
    event: import('./ingest.ts').IngestEvent,
  ): Promise<'imported' | 'duplicate' | { rejected: string; field: string }>;
}
