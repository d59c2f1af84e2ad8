import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ModelRow } from '#shared/analytics/dataset.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import type { ScoringEvent } from '#shared/scoring/types.ts';
import { LeadRepository } from '#shared/store/lead-repository.ts';
import { type BacktestOptions, type BacktestReport, runBacktest } from './backtest.ts';
import { type DecayOptions, type DecayReport, runDecay } from './decay.ts';
import { importEvent, importLead } from './import.ts';
import type { ImportedLead, ImportSink, ImportStatus } from './imported-lead.ts';
import {
  type IngestEvent,
  type IngestOptions,
  type IngestResult,
  ingestEvent,
  storedEventsOf,
} from './ingest.ts';
import { modelRows } from './model-data.ts';
import { type OutcomeCommand, type OutcomeResult, recordOutcome } from './outcome.ts';
import { type RescoreOptions, type RescoreReport, runRescore } from './rescore.ts';

/**
 * The application layer of one client: its model, its repository, and the use cases the
 * handlers call (ingest an event, run the decay). Each use case loads through the repository,
 * decides with the pure core (`shared/scoring`), and commits; events out go with the commit.
 */
export class Leadscore implements ImportSink {
  readonly model: CompiledModel;
  readonly repo: LeadRepository;

  constructor(
    readonly config: ClientConfig,
    repo: LeadRepository,
  ) {
    this.model = compileModel(config);
    this.repo = repo;
  }

  /** The application over a client's table. */
  static forTable(options: {
    doc: DynamoDBDocumentClient;
    tableName: string;
    config: ClientConfig;
  }): Leadscore {
    return new Leadscore(options.config, new LeadRepository(options.doc, options.tableName));
  }

  ingest(event: IngestEvent, now: number = Date.now(), options?: IngestOptions): Promise<IngestResult> {
    return ingestEvent(this, event, now, options);
  }

  decay(now: number, options?: DecayOptions): Promise<DecayReport> {
    return runDecay(this, now, options);
  }

  /** Replays every lead under a candidate model and compares (PRODUCT §6.5); writes nothing. */
  backtest(
    candidate: ClientConfig,
    now: number = Date.now(),
    options?: BacktestOptions,
  ): Promise<BacktestReport> {
    return runBacktest(this, candidate, now, options);
  }

  /** Refolds every lead under the configured model (PRODUCT §6.5): resumable, within a budget. */
  rescore(now: number = Date.now(), options?: RescoreOptions): Promise<RescoreReport> {
    return runRescore(this, now, options);
  }

  /** Records an outcome sales reported (PRODUCT §6.2): idempotent, kept with the score then. */
  recordOutcome(command: OutcomeCommand, now: number = Date.now()): Promise<OutcomeResult> {
    return recordOutcome(this, command, now);
  }

  /** Imports one lead of a CRM export, silently (PRODUCT §6.2a). */
  importLead(lead: ImportedLead, now: number = Date.now()): Promise<ImportStatus> {
    return importLead(this, lead, now);
  }

  /** Stores one engagement event of an import's events file, silently. */
  importEvent(event: IngestEvent, now: number = Date.now()) {
    return importEvent(this, event, now);
  }

  /** Erases a lead with its events, outcomes and notification log (PRODUCT §6.1); idempotent. */
  async erase(leadId: string, forgetNotification: (eventId: string) => Promise<void>) {
    const erased = await this.repo.eraseLead(leadId, forgetNotification);
    return { deleted: erased.deleted, notifications: erased.notifications.length };
  }

  /** Every lead as the model report and training read it (PRODUCT §6.3, §6.4). */
  modelRows(now: number = Date.now(), options?: Parameters<typeof modelRows>[3]): Promise<ModelRow[]> {
    return modelRows(this.repo, this.model, now, options);
  }

  /** Every stored event of a lead (its own and its merged visitors'), as the engine reads them. */
  storedEvents(leadId: string, anonymousIds: readonly string[] = []): Promise<ScoringEvent[]> {
    return storedEventsOf(this.repo, leadId, anonymousIds);
  }
}
