/**
 * A seeded generator of a messy CRM export (the shape of the public "X Education" leads file)
 * whose outcomes follow a known logistic model, for tests of `leadscore import` and
 * `leadscore train` with known answers: which columns carry signal and in which direction, each
 * lead's true probability (hence the best AUC any model can reach), the column filled in by
 * sales after the fact, the identifiers, and what the import's summary must count.
 *
 * Mess on purpose: a UTF-8 BOM and CRLF line ends, the placeholder `Select` for many rows,
 * blanks, `NaN`, numbers with thousands separators, outliers, quoted commas and a quoted line
 * break, a long tail of rare levels, lower/upper-case twins (`Google`/`google`), exact duplicate
 * rows, rows without an id, a truncated row, and open leads (no outcome yet).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auc, type Label, mulberry32 } from '#shared/analytics/metrics.ts';

export const CRM_COLUMNS = [
  'Prospect ID',
  'Lead Number',
  'Lead Origin',
  'Lead Source',
  'Do Not Email',
  'TotalVisits',
  'Total Time Spent on Website',
  'Page Views Per Visit',
  'Specialization',
  'How did you hear about us',
  'jobTitle',
  'industry',
  'country',
  'Tags',
  'Converted',
] as const;

export type Column = (typeof CRM_COLUMNS)[number];

/** The generator's log-odds of converting: what training should find (PRODUCT §6.4). */
export const CRM_TRUTH = {
  intercept: -0.5,
  leadOrigin: {
    'Landing Page Submission': 0,
    API: -0.35,
    'Lead Add Form': 2.2,
    'Lead Import': -0.8,
    'Quick Add Form': 1,
  } as Readonly<Record<string, number>>,
  /** Per 500 s above 500 s, the time clipped to 2,000 s: the strongest honest numeric. */
  timePer500s: 1,
  doNotEmail: -1.1,
  title: { senior: 0.7, manager: 0.35, irrelevant: -1.3, other: 0, missing: -0.2 },
  /** `Select` or blank. */
  specializationMissing: -0.45,
  leadSource: { Reference: 0.8, 'Welingak Website': 1.2, 'Olark Chat': -0.4 } as Readonly<
    Record<string, number>
  >,
  /** The example client's target industries. */
  targetIndustry: 0.4,
  /** Per visit, visits clipped to 15: weak. */
  visit: 0.04,
} as const;

/** A column that carries signal, the feature training should weigh, and the sign of its weight. */
export interface HonestSignal {
  readonly column: Column;
  /** The feature name in `leadscore train --json` (`<field>` or `<field>=<value>`). */
  readonly feature: string;
  /** Compared with this feature (a level of the same field); absent: compared with 0. */
  readonly versus?: string;
  readonly sign: 1 | -1;
}

export const HONEST_SIGNALS: readonly HonestSignal[] = [
  {
    column: 'Lead Origin',
    feature: 'Lead Origin=Lead Add Form',
    versus: 'Lead Origin=Landing Page Submission',
    sign: 1,
  },
  {
    column: 'Lead Origin',
    feature: 'Lead Origin=API',
    versus: 'Lead Origin=Landing Page Submission',
    sign: -1,
  },
  { column: 'Total Time Spent on Website', feature: 'Total Time Spent on Website', sign: 1 },
  { column: 'Do Not Email', feature: 'Do Not Email=Yes', versus: 'Do Not Email=No', sign: -1 },
  { column: 'Specialization', feature: 'Specialization=<missing>', sign: -1 },
];

/** Rules of clients/example.yaml the generator's titles make matter, and the sign they should get. */
export const RULE_SIGNS: Readonly<Record<string, 1 | -1>> = { 'senior-title': 1, 'irrelevant-title': -1 };

export interface CrmExport {
  readonly path: string;
  /** Data rows in the file (records after the header), messy ones included. */
  readonly rows: number;
  /** What `leadscore import --json` must report. */
  readonly expected: {
    readonly read: number;
    readonly valid: number;
    readonly skipped: Readonly<Record<string, number>>;
    readonly outcomes: { readonly converted: number; readonly lost: number; readonly none: number };
    /** Valid rows whose value is blank or a placeholder (`Select`, `NaN`), by column. */
    readonly missing: Readonly<Partial<Record<Column, number>>>;
    /** Valid rows whose value is the placeholder `Select`, by column. */
    readonly select: Readonly<Partial<Record<Column, number>>>;
  };
  readonly columns: {
    /** Columns whose values are (almost) all distinct: the id and a running number. */
    readonly identifiers: readonly Column[];
    /** Filled in by sales during or after the sale: nearly determines the outcome. */
    readonly leakage: readonly Column[];
    readonly honest: readonly HonestSignal[];
  };
  /** Each distinct lead's row as written (before the import's reading of it), by `Prospect ID`. */
  readonly records: ReadonlyMap<string, Readonly<Row>>;
  /** Each imported lead's true probability of converting, by `Prospect ID`. */
  readonly probability: ReadonlyMap<string, number>;
  /** Each labelled lead's outcome (1 converted), by `Prospect ID`. */
  readonly labels: ReadonlyMap<string, Label>;
  /** AUC of the true probabilities over the labelled leads: what no model can beat (in expectation). */
  readonly trueAuc: number;
  /** Conversion rate of each `Tags` value over the labelled leads. */
  readonly tagRates: Readonly<Record<string, { leads: number; rate: number }>>;
}

export interface CrmExportOptions {
  /** Distinct leads (default 3,400); a few messy rows come on top. */
  readonly leads?: number;
  readonly seed?: number;
  readonly fileName?: string;
}

type Random = () => number;

/** Picks a key of `weights` with probability proportional to its weight. */
function pick<K extends string>(random: Random, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let draw = random() * total;
  for (const [key, weight] of entries) {
    draw -= weight;
    if (draw < 0) return key;
  }
  return entries[entries.length - 1]![0];
}

const hex = (random: Random, digits: number) =>
  Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join('');

const uuidOf = (random: Random) =>
  `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;

const sigmoid = (eta: number) => 1 / (1 + Math.exp(-eta));

/** Dozens of sources, as CRM exports have them: a few big ones, case twins, a long rare tail. */
const LEAD_SOURCES: Readonly<Record<string, number>> = {
  Google: 30,
  'Direct Traffic': 26,
  'Olark Chat': 17,
  'Organic Search': 12,
  'Referral Sites': 1.4,
  Facebook: 0.6,
  bing: 0.1,
  google: 0.1,
  Click2call: 0.06,
  Press_Release: 0.03,
  'Social Media': 0.03,
  'Live Chat': 0.03,
  youtubechannel: 0.02,
  testone: 0.02,
  'Pay per Click Ads': 0.02,
  welearnblog_Home: 0.02,
  WeLearn: 0.02,
  blog: 0.02,
  NC_EDM: 0.02,
  ...Object.fromEntries(
    Array.from({ length: 16 }, (_, i) => [`partner-${String(i + 1).padStart(2, '0')}`, 0.04]),
  ),
};

const SPECIALIZATIONS: Readonly<Record<string, number>> = {
  Select: 21,
  '': 15,
  'Finance Management': 10.5,
  'Human Resource Management': 9.2,
  'Marketing Management': 9.1,
  'Operations Management': 5.4,
  'Business Administration': 4.4,
  'IT Projects Management': 4,
  'Supply Chain Management': 3.8,
  'Banking, Investment And Insurance': 3.7,
  'Media and Advertising': 2.2,
  'Travel and Tourism': 2.2,
  'International Business': 1.9,
  'Healthcare Management': 1.7,
  'Hospitality Management': 1.2,
  'E-COMMERCE': 1.2,
  'Retail Management': 1.1,
  'Rural and Agribusiness': 0.8,
  'E-Business': 0.6,
  'Services Excellence': 0.4,
};

const HEARD_ABOUT: Readonly<Record<string, number>> = {
  Select: 55,
  '': 24,
  'Online Search': 8.7,
  'Word Of Mouth': 3.8,
  'Student of SomeSchool': 3.4,
  Other: 2,
  'Multiple Sources': 1.7,
  Advertisements: 0.8,
  'Social Media': 0.7,
  Email: 0.3,
  SMS: 0.2,
  'Word Of Mouth\n(a colleague)': 0.1,
};

const TITLES: Readonly<Record<string, { weight: number; group: keyof typeof CRM_TRUTH.title }>> = {
  'VP Marketing': { weight: 5, group: 'senior' },
  'Director of Sales': { weight: 4, group: 'senior' },
  'Head of Growth': { weight: 3, group: 'senior' },
  Founder: { weight: 2, group: 'senior' },
  'Marketing Manager': { weight: 9, group: 'manager' },
  'Product Manager': { weight: 5, group: 'manager' },
  'Business Analyst': { weight: 9, group: 'other' },
  'Software Engineer': { weight: 8, group: 'other' },
  Consultant: { weight: 6, group: 'other' },
  Student: { weight: 10, group: 'irrelevant' },
  Intern: { weight: 3, group: 'irrelevant' },
  Unemployed: { weight: 3, group: 'irrelevant' },
  '': { weight: 33, group: 'missing' },
};

const INDUSTRIES: Readonly<Record<string, number>> = {
  '': 40,
  software: 12,
  fintech: 8,
  education: 18,
  retail: 10,
  manufacturing: 8,
  'healthcare technology': 4,
};
const TARGET_INDUSTRIES = new Set(['software', 'saas', 'fintech', 'e-commerce', 'healthcare technology']);

const COUNTRIES: Readonly<Record<string, number>> = {
  IN: 58,
  '': 24,
  US: 7,
  GB: 3,
  AE: 3,
  SG: 2,
  unknown: 1,
  DE: 1,
  AU: 0.3,
  CA: 0.3,
  SA: 0.3,
  QA: 0.2,
  HK: 0.2,
  FR: 0.1,
  NG: 0.1,
};

/** The sales team's tags, by outcome: what gives the outcome away. */
const TAGS_CONVERTED: Readonly<Record<string, number>> = {
  'Will revert after reading the email': 70,
  'Closed by Horizzon': 14,
  '': 8,
  Busy: 3,
  Ringing: 2,
  'Interested in other courses': 1,
  'Want to take admission but has financial problems': 1,
  'Lateral student': 1,
};
const TAGS_LOST: Readonly<Record<string, number>> = {
  Ringing: 35,
  'Interested in other courses': 15,
  'Already a student': 13,
  '': 11,
  'switched off': 6,
  'Not doing further education': 4,
  'Interested  in full time MBA': 3,
  Busy: 3,
  'invalid number': 2,
  'wrong number given': 2,
  'Will revert after reading the email': 1.5,
  'Lost to EINS': 1,
  'Diploma holder (Not Eligible)': 1,
  'number not provided': 0.8,
  'in touch with EINS': 0.6,
  'Still Thinking': 0.5,
};

/** One row of the export, by column. */
export type Row = Record<Column, string>;

interface Lead {
  readonly row: Row;
  readonly probability: number;
  readonly label: Label | undefined;
}

function generateLead(random: Random, index: number): Lead {
  const origin = pick(random, {
    'Landing Page Submission': 52,
    API: 38.5,
    'Lead Add Form': 8,
    'Lead Import': 0.6,
    'Quick Add Form': 0.1,
  });
  const adForm = origin === 'Lead Add Form';
  // Ad lead forms are filled in on the ad network: references, the partner site, no visit.
  const source = adForm
    ? pick(random, { Reference: 62, 'Welingak Website': 28, Google: 5, 'Olark Chat': 5 })
    : pick(random, LEAD_SOURCES);
  const doNotEmail = random() < 0.08 ? 'Yes' : 'No';
  const visited = !adForm && random() < 0.78;
  let visits = visited ? 1 + Math.floor(-Math.log(1 - random()) * 3.2) : 0;
  if (visited && random() < 0.004) visits = 100 + Math.floor(random() * 152); // bots, tracking bugs
  const seconds = visited ? Math.round(Math.min(2272, -Math.log(1 - random()) * 600 + random() * 120)) : 0;
  const pagesPerVisit = visits === 0 ? 0 : Math.round((1 + random() * 5) * 100) / 100;
  const specialization = pick(random, SPECIALIZATIONS);
  const title = pick(
    random,
    Object.fromEntries(Object.entries(TITLES).map(([name, { weight }]) => [name, weight])),
  );
  const industry = pick(random, INDUSTRIES);
  const country = pick(random, COUNTRIES);

  const truth = CRM_TRUTH;
  const eta =
    truth.intercept +
    (truth.leadOrigin[origin] ?? 0) +
    (truth.timePer500s * (Math.min(seconds, 2000) - 500)) / 500 +
    (doNotEmail === 'Yes' ? truth.doNotEmail : 0) +
    truth.title[TITLES[title]!.group] +
    (specialization === 'Select' || specialization === '' ? truth.specializationMissing : 0) +
    (truth.leadSource[source] ?? 0) +
    (TARGET_INDUSTRIES.has(industry) ? truth.targetIndustry : 0) +
    truth.visit * Math.min(visits, 15);
  const probability = sigmoid(eta);
  const open = random() < 0.02;
  const label: Label | undefined = open ? undefined : random() < probability ? 1 : 0;
  const tags =
    label === undefined
      ? random() < 0.5
        ? ''
        : 'Ringing'
      : pick(random, label === 1 ? TAGS_CONVERTED : TAGS_LOST);

  const visitsText = !visited && random() < 0.06 ? '' : random() < 0.005 ? 'NaN' : String(visits);
  const secondsText = seconds >= 1000 && random() < 0.3 ? seconds.toLocaleString('en-US') : String(seconds);
  return {
    row: {
      'Prospect ID': uuidOf(random),
      'Lead Number': String(660_737 - index * 3 - Math.floor(random() * 3)),
      'Lead Origin': origin,
      'Lead Source': source,
      'Do Not Email': doNotEmail,
      TotalVisits: visitsText,
      'Total Time Spent on Website': secondsText,
      'Page Views Per Visit': visitsText === '' ? '' : String(pagesPerVisit),
      Specialization: specialization,
      'How did you hear about us': pick(random, HEARD_ABOUT),
      jobTitle: title,
      industry,
      country,
      Tags: tags,
      Converted: label === undefined ? '' : String(label),
    },
    probability,
    label,
  };
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const csvLine = (row: Row) => CRM_COLUMNS.map((column) => csvField(row[column])).join(',');

const isMissing = (value: string) =>
  value.trim() === '' || ['select', 'nan', 'unknown'].includes(value.trim().toLowerCase());

/**
 * Writes `<dir>/<fileName>` (default `crm-export.csv`): `leads` distinct leads in a seeded
 * random order, then, at known places, 6 exact duplicates of earlier rows, 2 rows without a
 * `Prospect ID` and 1 truncated row; returns the file and what is known about it.
 */
export async function writeCrmExport(dir: string, options: CrmExportOptions = {}): Promise<CrmExport> {
  const leadCount = options.leads ?? 3400;
  const random = mulberry32(options.seed ?? 20_261_101);
  const leads = Array.from({ length: leadCount }, (_, i) => generateLead(random, i));

  const lines: string[] = leads.map((lead) => csvLine(lead.row));
  const messy: { at: number; line: string; reason: string }[] = [];
  for (let k = 0; k < 6; k++) {
    const at = Math.floor(((k + 1) / 7) * leadCount);
    messy.push({ at, line: lines[Math.floor(at / 2)]!, reason: 'duplicate id' });
  }
  for (const at of [Math.floor(leadCount / 3), Math.floor((2 * leadCount) / 3)]) {
    const { row } = generateLead(random, leadCount + at);
    messy.push({ at, line: csvLine({ ...row, 'Prospect ID': '' }), reason: 'no Prospect ID' });
  }
  {
    const { row } = generateLead(random, leadCount + 1);
    messy.push({
      at: Math.floor(leadCount / 2),
      line: CRM_COLUMNS.slice(0, 9)
        .map((column) => csvField(row[column]))
        .join(','),
      reason: 'wrong number of fields',
    });
  }
  // Insert from the end so that the earlier positions stay where they were.
  for (const { at, line } of [...messy].sort((a, b) => b.at - a.at)) lines.splice(at, 0, line);
  const path = join(dir, options.fileName ?? 'crm-export.csv');
  await writeFile(path, `\uFEFF${[CRM_COLUMNS.map(csvField).join(','), ...lines].join('\r\n')}\r\n`);

  const skipped: Record<string, number> = {};
  for (const { reason } of messy) skipped[reason] = (skipped[reason] ?? 0) + 1;
  const missing: Partial<Record<Column, number>> = {};
  const select: Partial<Record<Column, number>> = {};
  for (const { row } of leads) {
    for (const column of CRM_COLUMNS) {
      if (isMissing(row[column])) missing[column] = (missing[column] ?? 0) + 1;
      if (row[column] === 'Select') select[column] = (select[column] ?? 0) + 1;
    }
  }
  const labelled = leads.filter((lead) => lead.label !== undefined);
  const converted = labelled.filter((lead) => lead.label === 1).length;
  const tagCounts = new Map<string, { leads: number; positives: number }>();
  for (const { row, label } of labelled) {
    const entry = tagCounts.get(row.Tags) ?? { leads: 0, positives: 0 };
    entry.leads++;
    entry.positives += label!;
    tagCounts.set(row.Tags, entry);
  }
  return {
    path,
    rows: lines.length,
    expected: {
      read: lines.length,
      valid: leadCount,
      skipped,
      outcomes: { converted, lost: labelled.length - converted, none: leadCount - labelled.length },
      missing,
      select,
    },
    columns: { identifiers: ['Prospect ID', 'Lead Number'], leakage: ['Tags'], honest: HONEST_SIGNALS },
    records: new Map(leads.map((lead) => [lead.row['Prospect ID'], lead.row])),
    probability: new Map(leads.map((lead) => [lead.row['Prospect ID'], lead.probability])),
    labels: new Map(labelled.map((lead) => [lead.row['Prospect ID'], lead.label!])),
    trueAuc: auc(
      labelled.map((lead) => lead.probability),
      labelled.map((lead) => lead.label!),
    )!,
    tagRates: Object.fromEntries(
      [...tagCounts].map(([tag, { leads: n, positives }]) => [
        tag || '<missing>',
        { leads: n, rate: positives / n },
      ]),
    ),
  };
}
