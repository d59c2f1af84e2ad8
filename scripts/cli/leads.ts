import { Command } from 'commander';
import { type LeadSummary, listLeads } from '#shared/api/leads.ts';
import type { Leadscore } from '#shared/app/leadscore.ts';
import { ValidationError } from '#shared/http/errors.ts';
import { table } from './simulate.ts';
import { type TargetOptions, withTarget } from './target.ts';
import {
  addExamples,
  addTargetOptions,
  clientOption,
  integerArg,
  jsonOption,
  numberArg,
  UsageError,
} from './usage.ts';

/** The most leads GET /v1/leads returns at once; longer listings are read page by page. */
const API_PAGE = 100;

export interface LeadsOptions extends TargetOptions {
  readonly segment?: string | undefined;
  readonly grade?: string | undefined;
  /** The owner's email (a routing rule's owner). */
  readonly owner?: string | undefined;
  readonly minScore?: number | undefined;
  readonly limit: number;
  /** Where to continue: the `nextCursor` of a previous `--json` listing with the same filters. */
  readonly cursor?: string | undefined;
  readonly json?: boolean | undefined;
}

/** `leadscore leads`: its options and help. */
export function defineLeadsCommand(): Command {
  const command = new Command('leads')
    .summary('the ranked leads, as sales see them')
    .description(
      'Lists the leads ranked by their score now (decay applied at read time), as GET /v1/leads does: ' +
        'the score bands from the top, disqualified leads last; with segment, grade, lifecycle, owner ' +
        'and the top reason.',
    )
    .option('--segment <name>', 'only this segment (a score band of the model, or disqualified)')
    .option('--grade <letter>', 'only this grade')
    .option('--owner <email>', 'only the leads routed to this owner')
    .option('--min-score <n>', 'only leads scoring at least this', numberArg(Number.isFinite, 'a number'))
    .option(
      '--limit <n>',
      'leads to list',
      integerArg((n) => n >= 1, 'a positive integer'),
      25,
    )
    .option('--cursor <cursor>', 'continue a listing after the nextCursor it printed with --json')
    .addOption(clientOption())
    .addOption(jsonOption('the page ({ items, nextCursor }, as GET /v1/leads)'));
  addTargetOptions(command);
  return addExamples(command, [
    'leadscore leads',
    'leadscore leads --segment hot --limit 10',
    'leadscore leads --grade A --min-score 60 --owner ava@example.com',
    'leadscore leads --client acme --table leadscore-acme --json',
  ]);
}

/** The flag each query field of GET /v1/leads comes from. */
const FLAG_OF: Record<string, string> = {
  segment: '--segment',
  grade: '--grade',
  owner: '--owner',
  minScore: '--min-score',
  limit: '--limit',
  cursor: '--cursor',
};

/** The query of GET /v1/leads for one page of at most `limit` leads. */
function queryOf(options: LeadsOptions, limit: number, cursor: string | undefined) {
  return {
    segment: options.segment,
    grade: options.grade,
    owner: options.owner,
    minScore: options.minScore === undefined ? undefined : String(options.minScore),
    limit: String(limit),
    cursor,
  };
}

/**
 * Up to `options.limit` leads of the listing, read through the application's own listing
 * (listLeads validates the filters as the API does); its 400s as usage errors naming the flag.
 */
export async function rankedLeads(
  app: Leadscore,
  options: LeadsOptions,
  now: number,
): Promise<{ items: LeadSummary[]; nextCursor: string | null }> {
  const items: LeadSummary[] = [];
  let cursor = options.cursor;
  try {
    do {
      const page = await listLeads(
        app,
        queryOf(options, Math.min(API_PAGE, options.limit - items.length), cursor),
        now,
      );
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && items.length < options.limit);
  } catch (error) {
    if (error instanceof ValidationError)
      throw new UsageError(
        error.fields.map((f) => `${FLAG_OF[f.field] ?? f.field}: ${f.message}`).join('; '),
      );
    throw error;
  }
  return { items, nextCursor: cursor ?? null };
}

/** The leads as a terminal table. */
export function formatLeads(items: readonly LeadSummary[], where: string): string {
  if (items.length === 0) return `No leads match, in ${where}.`;
  const rows = items.map((lead, index) => [
    String(index + 1),
    lead.score.toFixed(1),
    lead.segment,
    lead.grade,
    lead.lifecycle,
    lead.email ?? lead.leadId,
    lead.owner?.email ?? '-',
    lead.topReasons[0] ?? '-',
  ]);
  return [
    `Ranked leads (${items.length}) from ${where}, scored now:`,
    '',
    table([['#', 'score', 'segment', 'grade', 'lifecycle', 'lead', 'owner', 'top reason'], ...rows]),
  ].join('\n');
}

/** `leadscore leads [--segment] [--grade] [--owner] [--min-score] [--limit 25] [--json]`. */
export async function leadsCommand(options: LeadsOptions): Promise<number> {
  const log = options.json ? () => {} : (line: string) => console.error(line);
  return withTarget(options, log, async (target) => {
    const page = await rankedLeads(target.app, options, Date.now());
    if (options.json) console.log(JSON.stringify(page, null, 2));
    else {
      console.log(formatLeads(page.items, target.describe));
      if (page.nextCursor !== null)
        console.log(`More may follow: --cursor ${page.nextCursor} (with the same filters)`);
    }
    return 0;
  });
}
