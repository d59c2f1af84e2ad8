import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type CompiledModel, compileModel } from '#shared/scoring/model.ts';
import type { ScoringEvent } from '#shared/scoring/types.ts';
import { LeadRepository } from '#shared/store/lead-repository.ts';
import { type DecayOptions, type DecayReport, runDecay } from './decay.ts';
import { type IngestEvent, type IngestResult, ingestEvent, storedEventsOf } from './ingest.ts';

/**
 * The application layer of one client: its model, its repository, and the use cases the
 * handlers call (ingest an event, run the decay). Each use case loads through the repository,
 * decides with the pure core (`shared/scoring`), and commits; events out go with the commit.
 */
export class Leadscore {
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

  ingest(event: IngestEvent, now: number = Date.now()): Promise<IngestResult> {
    return ingestEvent(this, event, now);
  }

  decay(now: number, options?: DecayOptions): Promise<DecayReport> {
    return runDecay(this, now, options);
  }

  /** Every stored event of a lead (its own and its merged visitors'), as the engine reads them. */
  storedEvents(leadId: string, anonymousIds: readonly string[] = []): Promise<ScoringEvent[]> {
    return storedEventsOf(this.repo, leadId, anonymousIds);
  }
}
