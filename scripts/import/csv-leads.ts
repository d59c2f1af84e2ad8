import { createHash } from 'node:crypto';
import { type Info, type Parser, parse } from 'csv-parse';
import * as z from 'zod';
import { isReservedFieldName } from '#shared/api/field-names.ts';
import type { ImportedLead, ImportStatus } from '#shared/app/imported-lead.ts';
import {
  DERIVED_FIELDS,
  PROFILE_LIMITS,
  profileBudgetIssues,
  STANDARD_FIELDS,
} from '#shared/scoring/profile.ts';
import type { Profile } from '#shared/scoring/types.ts';
import { normaliseEmail } from '#shared/store/identity.ts';

/**
 * Values that mean "not filled in" in CRM exports (compared case-insensitively after trim); a
 * blank value always does. `--missing` replaces this list.
 */
export const DEFAULT_MISSING: readonly string[] = [
  'Select',
  'N/A',
  'NA',
  '#N/A',
  'null',
  'nil',
  'none',
  'NaN',
  'unknown',
  'undefined',
  '-',
  '--',
  '?',
];

/** One CSV record (a row and its quoted newlines) larger than this is a broken file, not a row. */
const MAX_RECORD_CHARS = 1 << 20;

/** A record as the parser yields it: its fields and where it is (`info.records`: the row, header = 1). */
export interface CsvRow {
  readonly record: string[];
  readonly info: Info;
}

/**
 * The CSV parser of an import, a stream of CsvRow: RFC 4180 quoting (commas, quotes and
 * newlines inside quoted fields), a UTF-8 BOM dropped, LF or CRLF, blank lines skipped, a stray
 * quote inside an unquoted field kept as text; rows of another width than the header are
 * yielded (and skipped by `rowToLead`). An unclosed quote fails at 1 MiB, not at the end of
 * the file.
 */
export function csvParser(): Parser {
  return parse({
    bom: true,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
  });
}

/** Where the stored leads go: resolved by the caller (client config, DynamoDB endpoint, table). */
export interface ImportTarget {
  readonly client?: string;
  readonly endpoint?: string;
  readonly table?: string;
}

/** The command line of `leadscore import`, parsed and checked. */
export interface ImportOptions {
  readonly file: string;
  /** Column whose value identifies a lead that has no email (it gets a synthetic address). */
  readonly idColumn?: string;
  readonly outcomeColumn?: string;
  /** The outcome column's value that means converted; any other non-blank value means lost. */
  readonly convertedValue?: string;
  /** Placeholder values that mean missing, lower-cased. */
  readonly missing: ReadonlySet<string>;
  readonly events?: string;
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly target: ImportTarget;
}

export type MappingOptions = Pick<ImportOptions, 'idColumn' | 'outcomeColumn' | 'convertedValue' | 'missing'>;

/** The placeholder set of a `--missing` list: comma-separated, trimmed, case-insensitive. */
export function missingSetOf(list: readonly string[]): ReadonlySet<string> {
  return new Set(list.map((v) => v.trim().toLowerCase()).filter((v) => v !== ''));
}

/** A column kept as a profile attribute: its header text and the profile field it fills. */
export interface AttributeColumn {
  readonly index: number;
  readonly column: string;
  readonly field: string;
}

export interface DroppedColumn {
  readonly column: string;
  readonly reason: string;
}

/** What each column of a file is for, decided once from the header. */
export interface ColumnPlan {
  readonly width: number;
  readonly identity: { readonly index: number; readonly column: string; readonly synthetic: boolean };
  readonly outcome?: { readonly index: number; readonly column: string; readonly convertedValue?: string };
  readonly createdAt?: number;
  readonly outcomeAt?: number;
  readonly value?: number;
  readonly currency?: number;
  readonly attributes: readonly AttributeColumn[];
  readonly dropped: readonly DroppedColumn[];
  readonly missing: ReadonlySet<string>;
}

const KNOWN_COLUMNS = ['email', 'outcome', 'createdat', 'outcomeat', 'value', 'currency'];
const MAX_FIELD_NAME = 64;
const STANDARD_BY_LOWER = new Map<string, string>(STANDARD_FIELDS.map((f) => [f.toLowerCase(), f]));
const DERIVED_LOWER = new Set<string>(DERIVED_FIELDS.map((f) => f.toLowerCase()));
const CUSTOM_EXEMPT = new Set<string>([...STANDARD_FIELDS, 'fullName']);
/** Field names a model rule can reference (the config schema's `profileField`). */
const RULE_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Decides from the header which column identifies the lead, which carry the outcome and its
 * dates, and which become profile attributes: every other column, by its trimmed header text
 * (standard field names such as `Company` matched case-insensitively), the first
 * `PROFILE_LIMITS.customFields` custom ones in header order. An error names what is missing.
 */
export function planColumns(
  header: readonly string[],
  options: MappingOptions,
): { plan: ColumnPlan } | { error: string } {
  const names = header.map((h) => h.trim());
  const lower = names.map((n) => n.toLowerCase());
  const listed = names.map((n) => JSON.stringify(n)).join(', ');
  const known = (name: string) => lower.indexOf(name.toLowerCase());
  const named = (name: string) => {
    const exact = names.indexOf(name.trim());
    return exact >= 0 ? exact : known(name);
  };
  const at = (index: number) => (index >= 0 ? index : undefined);

  let identity: ColumnPlan['identity'];
  if (options.idColumn !== undefined) {
    const index = named(options.idColumn);
    if (index < 0) return { error: `no column "${options.idColumn}" (--id-column) in the header: ${listed}` };
    identity = { index, column: names[index]!, synthetic: true };
  } else {
    const index = known('email');
    if (index < 0)
      return {
        error: `no email column: name the column that identifies a lead with --id-column (the header has: ${listed})`,
      };
    identity = { index, column: names[index]!, synthetic: false };
  }

  const outcomeIndex = options.outcomeColumn !== undefined ? named(options.outcomeColumn) : known('outcome');
  if (options.outcomeColumn !== undefined && outcomeIndex < 0)
    return { error: `no column "${options.outcomeColumn}" (--outcome-column) in the header: ${listed}` };
  if (outcomeIndex < 0 && options.convertedValue !== undefined)
    return { error: `--converted-value needs an outcome column: the header has no "outcome" (${listed})` };
  if (outcomeIndex >= 0 && outcomeIndex === identity.index)
    return { error: `the id and outcome columns must differ (both "${names[outcomeIndex]}")` };
  const outcome =
    outcomeIndex < 0
      ? undefined
      : {
          index: outcomeIndex,
          column: names[outcomeIndex]!,
          ...(options.convertedValue !== undefined
            ? { convertedValue: options.convertedValue.trim().toLowerCase() }
            : {}),
        };

  const roles = {
    createdAt: at(known('createdAt')),
    outcomeAt: at(known('outcomeAt')),
    value: at(known('value')),
    currency: at(known('currency')),
  };
  const used = new Set<number>([identity.index, ...Object.values(roles).filter((i) => i !== undefined)]);
  if (outcome) used.add(outcome.index);

  const attributes: AttributeColumn[] = [];
  const dropped: DroppedColumn[] = [];
  const fields = new Set<string>();
  let custom = 0;
  /** Why a column that is not the id, outcome or a date cannot be an attribute, if it cannot. */
  const dropReason = (column: string, name: string, field: string): string | undefined => {
    if (column === '') return 'no name';
    if (KNOWN_COLUMNS.includes(name)) {
      if (name === 'email' && identity.synthetic) return 'not used: leads are identified by --id-column';
      if (name === 'outcome' && outcome) return `not used: outcomes come from "${outcome.column}"`;
      return 'same name as an earlier column';
    }
    if (isReservedFieldName(column)) return 'reserved name';
    if (column.length > MAX_FIELD_NAME) return `name longer than ${MAX_FIELD_NAME} characters`;
    if (DERIVED_LOWER.has(name)) return 'derived from the email';
    if (fields.has(field)) return 'same name as an earlier column';
    if (!CUSTOM_EXEMPT.has(field) && custom >= PROFILE_LIMITS.customFields)
      return `over the ${PROFILE_LIMITS.customFields} custom fields a lead keeps`;
    return undefined;
  };
  for (const [index, column] of names.entries()) {
    if (used.has(index)) continue;
    const name = lower[index]!;
    const field = STANDARD_BY_LOWER.get(name) ?? column;
    const reason = dropReason(column, name, field);
    if (reason !== undefined) {
      dropped.push({ column, reason });
      continue;
    }
    if (!CUSTOM_EXEMPT.has(field)) custom++;
    fields.add(field);
    attributes.push({ index, column, field });
  }

  return {
    plan: {
      width: header.length,
      identity,
      ...(outcome ? { outcome } : {}),
      ...roles,
      attributes,
      dropped,
      missing: options.missing,
    },
  };
}

/** Attribute fields a model rule cannot name (the config allows letters, digits and `_`). */
export function unreferenceableFields(plan: ColumnPlan): string[] {
  return plan.attributes.map((a) => a.field).filter((f) => !RULE_FIELD_NAME.test(f));
}

const PLAIN_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const GROUPED_NUMBER = /^-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$/;
/** Beyond 15 significant digits a double no longer keeps every digit (ids, card-like numbers). */
const MAX_DIGITS = 15;

/**
 * A plain decimal number (`42`, `-3.5`, `0.25`), or one with comma thousands separators in
 * groups of three (`1,234,567.5`). Anything else stays text: a leading zero (`00123`, zip codes
 * and ids), a sign `+` (phone numbers), exponents, more than 15 digits, `1,5`.
 */
export function parseNumber(text: string): number | undefined {
  let digits = text;
  if (!PLAIN_NUMBER.test(text)) {
    if (!GROUPED_NUMBER.test(text)) return undefined;
    digits = text.replaceAll(',', '');
  }
  if (digits.length - (digits.startsWith('-') ? 1 : 0) - (digits.includes('.') ? 1 : 0) > MAX_DIGITS)
    return undefined;
  return Number(digits) + 0;
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Minutes east of UTC of `Z`, `+02`, `+0200` or `+02:00`; undefined when out of range. */
function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = zone.length === 3 ? 0 : Number(zone.slice(-2));
  if (hours > 14 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * An ISO 8601 date (`2026-03-01`, midnight UTC) or date-time (`2026-03-01T09:30:00Z`, a space
 * for the `T`, seconds and fraction optional, a zone `Z`/`±hh:mm`; UTC without one), in epoch
 * ms; undefined for anything else or an impossible date (`2026-02-30`).
 */
export function parseIsoTime(text: string): number | undefined {
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offset = offsetMinutes(zone);
  if (offset === undefined || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(
    year,
    month - 1,
    day,
    hour,
    minute,
    second,
    Number(fraction.padEnd(3, '0').slice(0, 3)),
  );
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined;
  return local - offset * 60_000;
}

const LOCAL_PART = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_SLUG = 40;

/**
 * The address of a lead known by a CRM id only: `<slug>@import.invalid` (`.invalid` can never
 * be delivered to). An id already made of lower-case letters, digits and single dashes (such as
 * a UUID) is its own slug; any other is lower-cased, its other characters turned into dashes,
 * and suffixed with a hash of the exact id, so that `ABC` and `abc`, or `a b` and `a-b`, stay
 * distinct leads.
 */
export function syntheticEmail(id: string): string {
  const trimmed = id.trim();
  if (trimmed.length <= MAX_SLUG && LOCAL_PART.test(trimmed)) return `${trimmed}@import.invalid`;
  const slug = trimmed
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(trimmed).digest('hex').slice(0, 10);
  return `${slug || 'id'}-${hash}@import.invalid`;
}

/** A value the profile had no room for. */
export interface DroppedValue {
  readonly field: string;
  readonly reason: string;
}

export type RowResult = { lead: ImportedLead; droppedValues: readonly DroppedValue[] } | { skip: string };

const emailSchema = z.email().max(254);
const CURRENCY = /^[A-Za-z]{3}$/;
/** As the events API: a clock a little ahead is not "the future". */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** A cell's trimmed text; undefined when blank or a placeholder. */
function cell(plan: ColumnPlan, record: readonly string[], index: number | undefined): string | undefined {
  if (index === undefined) return undefined;
  const value = record[index]?.trim();
  if (value === undefined || value === '' || plan.missing.has(value.toLowerCase())) return undefined;
  return value;
}

function timeOf(
  plan: ColumnPlan,
  record: readonly string[],
  column: 'createdAt' | 'outcomeAt',
  now: number,
): { at?: number } | { skip: string } {
  const text = cell(plan, record, plan[column]);
  if (text === undefined) return {};
  const at = parseIsoTime(text);
  if (at === undefined) return { skip: `${column} is not an ISO date or date-time` };
  if (at > now + FUTURE_TOLERANCE_MS) return { skip: `${column} is in the future` };
  return { at };
}

function identityOf(
  plan: ColumnPlan,
  record: readonly string[],
): { email: string; sourceId: string } | string {
  const value = cell(plan, record, plan.identity.index);
  if (plan.identity.synthetic) {
    if (value === undefined) return `no ${plan.identity.column}`;
    return { email: syntheticEmail(value), sourceId: value };
  }
  if (value === undefined) return 'no email';
  if (!emailSchema.safeParse(value).success) return 'invalid email';
  const email = normaliseEmail(value);
  return { email, sourceId: email };
}

function outcomeKindOf(plan: ColumnPlan, record: readonly string[]): 'converted' | 'lost' | null | string {
  const { outcome } = plan;
  if (!outcome) return null;
  const value = cell(plan, record, outcome.index)?.toLowerCase();
  if (value === undefined) return null;
  if (outcome.convertedValue !== undefined) return value === outcome.convertedValue ? 'converted' : 'lost';
  if (value === 'converted' || value === 'lost') return value;
  return `${outcome.column} is not converted, lost or blank`;
}

function profileOf(
  plan: ColumnPlan,
  record: readonly string[],
  email: string,
): { profile: Profile; droppedValues: DroppedValue[] } {
  const profile: Profile = {};
  for (const { index, field } of plan.attributes) {
    const text = cell(plan, record, index);
    if (text !== undefined) profile[field] = parseNumber(text) ?? text;
  }
  // Whole values or nothing: a value too long, or past the profile's size, is left out and counted.
  const issues = profileBudgetIssues({ email }, profile);
  for (const { field } of issues) delete profile[field];
  return { profile, droppedValues: issues.map(({ field, message }) => ({ field, reason: message })) };
}

/**
 * Maps one data row to the lead it describes, or the reason it is skipped: no (valid) id or
 * email, a bad date or value, an unknown outcome, or a field count unlike the header's.
 * `createdAt` defaults to `outcomeAt` when only that is known, else to `now` (the import's
 * start). `outcomeAt`, `value` and `currency` are read only for rows with an outcome.
 */
export function rowToLead(plan: ColumnPlan, record: readonly string[], now: number): RowResult {
  if (record.length !== plan.width) return { skip: 'wrong number of fields' };
  const identity = identityOf(plan, record);
  if (typeof identity === 'string') return { skip: identity };
  const created = timeOf(plan, record, 'createdAt', now);
  if ('skip' in created) return created;
  const kind = outcomeKindOf(plan, record);
  if (kind !== null && kind !== 'converted' && kind !== 'lost') return { skip: kind };

  let outcome: ImportedLead['outcome'];
  if (kind !== null) {
    const reached = timeOf(plan, record, 'outcomeAt', now);
    if ('skip' in reached) return reached;
    if (reached.at !== undefined && created.at !== undefined && reached.at < created.at)
      return { skip: 'outcomeAt is before createdAt' };
    const valueText = cell(plan, record, plan.value);
    const value = valueText === undefined ? undefined : parseNumber(valueText);
    if (valueText !== undefined && (value === undefined || value < 0))
      return { skip: 'value is not a number of at least 0' };
    const currency = cell(plan, record, plan.currency);
    if (currency !== undefined && !CURRENCY.test(currency))
      return { skip: 'currency is not a 3-letter code' };
    outcome = {
      kind,
      at: reached.at ?? created.at ?? now,
      ...(value !== undefined ? { value } : {}),
      ...(currency !== undefined ? { currency: currency.toUpperCase() } : {}),
    };
  }
  const { profile, droppedValues } = profileOf(plan, record, identity.email);
  const lead: ImportedLead = {
    email: identity.email,
    sourceId: identity.sourceId,
    createdAt: created.at ?? outcome?.at ?? now,
    profile,
    ...(outcome ? { outcome } : {}),
  };
  return { lead, droppedValues };
}

/**
 * The leads already met in a file, as 64-bit hashes of their address in typed arrays: 16 bytes
 * a slot whatever the address, so a file of millions of rows dedupes in a few tens of MB off
 * the heap rather than a string per row on it.
 */
export class SeenLeads {
  private hi = new Uint32Array(1 << 12);
  private lo = new Uint32Array(1 << 12);
  private size = 0;

  /** True the first time a key is added, false after. */
  add(key: string): boolean {
    // cyrb64, a fast non-cryptographic 64-bit string hash: a false "duplicate" among a million
    // distinct leads has odds of about 1 in 30 million.
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < key.length; i++) {
      const ch = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    if ((this.size + 1) * 2 > this.lo.length) this.grow();
    // A slot is empty when its low word is 0: low words are made odd.
    return this.insert(h2 >>> 0, (h1 | 1) >>> 0);
  }

  private insert(hi: number, lo: number): boolean {
    const mask = this.lo.length - 1;
    for (let i = hi & mask; ; i = (i + 1) & mask) {
      const slot = this.lo[i]!;
      if (slot === 0) {
        this.hi[i] = hi;
        this.lo[i] = lo;
        this.size++;
        return true;
      }
      if (slot === lo && this.hi[i] === hi) return false;
    }
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(lo.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.size = 0;
    for (let i = 0; i < lo.length; i++) if (lo[i] !== 0) this.insert(hi[i]!, lo[i]!);
  }
}

/** Keeps the first few row or line numbers of a kind, and counts them all. */
class Tally {
  readonly byKey = new Map<string, { count: number; rows: number[] }>();
  constructor(private readonly keep: number) {}
  add(key: string, row: number): void {
    const entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, { count: 1, rows: [row] });
    else if (entry.count++ < this.keep) entry.rows.push(row);
  }
  list(): { reason: string; count: number; rows: number[] }[] {
    return [...this.byKey]
      .map(([reason, { count, rows }]) => ({ reason, count, rows }))
      .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  }
  get total(): number {
    let total = 0;
    for (const { count } of this.byKey.values()) total += count;
    return total;
  }
}

export interface AttributeReport {
  readonly column: string;
  readonly field: string;
  /** `numeric` or `text` when every value present was one; `mixed` when both; `empty` when none. */
  readonly kind: 'numeric' | 'text' | 'mixed' | 'empty';
  readonly numeric: number;
  readonly text: number;
  /** Blank or placeholder values. */
  readonly missing: number;
  /** Values left out of the profile, by reason (too long, past the profile's size). */
  readonly dropped: Readonly<Record<string, number>>;
}

export interface EventsReport {
  readonly file: string;
  readonly read: number;
  /** Valid lines (in a dry run, what would be sent). */
  readonly valid: number;
  readonly imported: number;
  readonly duplicate: number;
  readonly rejected: number;
  /** Events the store failed to take (re-run the import: it is idempotent). */
  readonly failed: number;
  /** The first problems, `line N: field: message`. */
  readonly problems: readonly string[];
}

/** The summary of an import, printed at the end (`--json`: as is). */
export interface ImportReport {
  readonly file: string;
  /** Where it was written (the sink's description); null in a dry run. */
  readonly target: string | null;
  readonly dryRun: boolean;
  /** False when the read stopped before the end of the file (`stoppedBecause`). */
  readonly complete: boolean;
  readonly stoppedBecause?: string;
  readonly rows: {
    readonly read: number;
    readonly valid: number;
    readonly imported: number;
    readonly unchanged: number;
    readonly skipped: number;
    readonly failed: number;
  };
  /** By reason, most frequent first, with the first row numbers (the header is row 1). */
  readonly skipped: readonly { reason: string; count: number; rows: readonly number[] }[];
  readonly failures: readonly { row: number; error: string }[];
  readonly outcomes: { readonly converted: number; readonly lost: number; readonly none: number };
  readonly attributes: readonly AttributeReport[];
  readonly droppedColumns: readonly DroppedColumn[];
  readonly warnings: readonly string[];
  readonly events: EventsReport | null;
  readonly elapsedMs: number;
}

const ROWS_KEPT = 5;
const PROBLEMS_KEPT = 50;

interface AttributeCounts {
  numeric: number;
  text: number;
  missing: number;
  dropped: Record<string, number>;
}

/** Counts what an import did as it goes; `report` renders it. */
export class ImportSummary {
  private read = 0;
  private valid = 0;
  private imported = 0;
  private unchanged = 0;
  private readonly skips = new Tally(ROWS_KEPT);
  private readonly failures: { row: number; error: string }[] = [];
  private failed = 0;
  private readonly outcomes = { converted: 0, lost: 0, none: 0 };
  private readonly counts: AttributeCounts[];
  private readonly fieldIndex: ReadonlyMap<string, number>;
  private events: {
    file: string;
    read: number;
    valid: number;
    imported: number;
    duplicate: number;
    rejected: number;
    failed: number;
    problems: string[];
  } | null = null;

  constructor(private readonly plan: ColumnPlan) {
    this.counts = plan.attributes.map(() => ({ numeric: 0, text: 0, missing: 0, dropped: {} }));
    this.fieldIndex = new Map(plan.attributes.map((a, i) => [a.field, i]));
  }

  /** Rows read, valid, skipped, stored: for the progress line. */
  get progress(): { read: number; stored: number; skipped: number; eventsRead: number } {
    return {
      read: this.read,
      stored: this.imported + this.unchanged,
      skipped: this.skips.total,
      eventsRead: this.events?.read ?? 0,
    };
  }

  rowRead(): void {
    this.read++;
  }

  skip(row: number, reason: string): void {
    this.skips.add(reason, row);
  }

  /** A row that maps to a lead: its outcome and the attributes it fills. */
  accept(lead: ImportedLead, droppedValues: readonly DroppedValue[]): void {
    this.valid++;
    this.outcomes[lead.outcome?.kind ?? 'none']++;
    this.plan.attributes.forEach(({ field }, i) => {
      const counts = this.counts[i]!;
      const value = lead.profile[field];
      if (typeof value === 'number') counts.numeric++;
      else if (value !== undefined) counts.text++;
      else if (!droppedValues.some((d) => d.field === field)) counts.missing++;
    });
    for (const { field, reason } of droppedValues) {
      const counts = this.counts[this.fieldIndex.get(field) ?? -1];
      if (counts) counts.dropped[reason] = (counts.dropped[reason] ?? 0) + 1;
    }
  }

  stored(status: ImportStatus): void {
    if (status === 'imported') this.imported++;
    else this.unchanged++;
  }

  storeFailed(row: number, error: string): void {
    this.failed++;
    if (this.failures.length < ROWS_KEPT) this.failures.push({ row, error });
  }

  eventsFrom(file: string): void {
    this.events = {
      file,
      read: 0,
      valid: 0,
      imported: 0,
      duplicate: 0,
      rejected: 0,
      failed: 0,
      problems: [],
    };
  }

  eventRead(): void {
    if (this.events) this.events.read++;
  }

  eventValid(): void {
    if (this.events) this.events.valid++;
  }

  eventStored(status: 'imported' | 'duplicate'): void {
    if (this.events) this.events[status]++;
  }

  eventRejected(line: number, problems: readonly string[]): void {
    if (!this.events) return;
    this.events.rejected++;
    for (const problem of problems)
      if (this.events.problems.length < PROBLEMS_KEPT) this.events.problems.push(`line ${line}: ${problem}`);
  }

  eventFailed(line: number, error: string): void {
    if (!this.events) return;
    this.events.failed++;
    if (this.events.problems.length < PROBLEMS_KEPT)
      this.events.problems.push(`line ${line}: not stored (${error}); re-run the import`);
  }

  report(meta: {
    file: string;
    target: string | null;
    dryRun: boolean;
    stoppedBecause?: string;
    elapsedMs: number;
  }): ImportReport {
    const unreferenceable = unreferenceableFields(this.plan);
    const warnings =
      unreferenceable.length > 0
        ? [
            `${unreferenceable.length} attribute name(s) a model rule cannot reference (letters, digits and _ only): ` +
              unreferenceable.map((f) => JSON.stringify(f)).join(', '),
          ]
        : [];
    return {
      file: meta.file,
      target: meta.target,
      dryRun: meta.dryRun,
      complete: meta.stoppedBecause === undefined,
      ...(meta.stoppedBecause !== undefined ? { stoppedBecause: meta.stoppedBecause } : {}),
      rows: {
        read: this.read,
        valid: this.valid,
        imported: this.imported,
        unchanged: this.unchanged,
        skipped: this.skips.total,
        failed: this.failed,
      },
      skipped: this.skips.list(),
      failures: this.failures,
      outcomes: { ...this.outcomes },
      attributes: this.plan.attributes.map(({ column, field }, i) => {
        const { numeric, text, missing, dropped } = this.counts[i]!;
        const kind = numeric > 0 ? (text > 0 ? 'mixed' : 'numeric') : text > 0 ? 'text' : 'empty';
        return { column, field, kind, numeric, text, missing, dropped };
      }),
      droppedColumns: this.plan.dropped,
      warnings,
      events: this.events ? { ...this.events } : null,
      elapsedMs: meta.elapsedMs,
    };
  }
}
