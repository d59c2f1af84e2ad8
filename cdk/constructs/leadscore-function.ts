import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stage, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { resourceName } from '#cdk/names.ts';
import { BUILT_IN_LISTS } from '#shared/config/conditions.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { FunctionName, FunctionSpec } from '#shared/manifest.ts';
import { DOMAIN_LISTS_FOLDER, domainListUrl } from '#shared/scoring/lists.ts';
import { notifierLeadingKeys } from '#shared/store/notification-keys.ts';
import { TABLE_GRANTS } from '#shared/store/table-access.ts';
import { INDEXES } from '#shared/store/table-definition.ts';

/** The repository root: entries, the lock file and node_modules are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The module that validates a function's config when it runs from source (see `bundlingFor`). */
const RUNTIME_VALIDATION_MODULE = '#shared/config/runtime-validation.ts';

/** The construct id of a function: its name in PascalCase (`notify-slack` → `NotifySlack`). */
export const constructIdOf = (name: FunctionName): string =>
  name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());

/** Properties of a {@link LeadscoreFunction}. */
export interface LeadscoreFunctionProps {
  readonly config: ClientConfig;
  /** The function's manifest entry: its name (entry `<functionsDir>/<name>/handler.ts`), description, timeout, memory and grants. */
  readonly spec: FunctionSpec & { readonly name: FunctionName };
  /** Folder holding `<name>/handler.ts` (default `functions/` of the repository). */
  readonly functionsDir?: string;
  readonly logRetention?: logs.RetentionDays;
  readonly environment?: Record<string, string>;
  /**
   * Data files the code reads at run time (esbuild cannot see a file read): copied from the
   * repository into the asset beside the bundle.
   */
  readonly runtimeDataPackages?: readonly RuntimeDataPackage[];
  /** Async invocations (EventBridge, Scheduler): where failures go and how often to retry. */
  readonly onFailure?: lambda.IDestination;
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
}

/** Data read at run time: a folder of the repository, where it goes in the asset, the files to ship. */
export interface RuntimeDataPackage {
  /** The folder, relative to the repository root. */
  readonly from: string;
  /** Its place in the asset, relative to `index.mjs`. */
  readonly to: string;
  readonly files: readonly string[];
}

/**
 * The house Lambda function. Every leadscore function shares these defaults: the newest Node.js
 * runtime on ARM64 (cheaper per GB-second), an ESM bundle built offline by the local esbuild
 * (no Docker) with the AWS SDK v3 bundled in (see `bundlingFor`), the client configuration
 * bundled in as `process.env.LEADSCORE_CLIENT_CONFIG`, source maps kept beside the cloud
 * assembly rather than in the asset, X-Ray tracing, Powertools
 * settings, its own log group with a retention, and its own role that starts with no permission
 * at all: access is added through the `bind*` helpers, each scoped to one resource.
 *
 * Runtime: `nodejs24.x` rather than the issue's `nodejs22.x`, because cdk-nag AwsSolutions-L1
 * fails any runtime older than the newest one aws-cdk-lib knows.
 */
export class LeadscoreFunction extends NodejsFunction {
  readonly shortName: FunctionName;
  readonly spec: FunctionSpec;

  constructor(scope: Construct, id: string, props: LeadscoreFunctionProps) {
    const { config, spec } = props;
    const { name } = spec;
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runtime role of ${resourceName(config.client, name)}`,
    });
    super(scope, id, {
      functionName: resourceName(config.client, name),
      description: spec.description,
      entry: join(props.functionsDir ?? join(PROJECT_ROOT, 'functions'), name, 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      onFailure: props.onFailure,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      environment: {
        CLIENT_NAME: config.client,
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_METRICS_NAMESPACE: 'leadscore',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: bundlingFor(config, props.runtimeDataPackages ?? [], {
        sourceMapsDir: sourceMapsDirOf(scope),
        functionName: resourceName(config.client, name),
      }),
    });
    this.shortName = name;
    this.spec = spec;
    logGroup.grantWrite(this);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, AWS requires "*".',
    });
  }

  /**
   * Lets this function use the lead table as its manifest entry says (`TABLE_GRANTS`): `TABLE_NAME`
   * plus the item actions of its access on the table and `Query` on the indexes it reads (never
   * `index/*`, never another table); a notifier only on its own partitions (`dynamodb:LeadingKeys`:
   * its dedupe records and the delivery logs). Nothing for a function with no table access.
   */
  bindTable(table: dynamodb.ITable): this {
    const access = this.spec.table;
    if (access === undefined) return this;
    this.addEnvironment('TABLE_NAME', table.tableName);
    const grant = TABLE_GRANTS[access];
    const ownRecords = grant.ownRecordsOnly
      ? {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': notifierLeadingKeys(notifierChannelOf(this.spec)),
          },
        }
      : undefined;
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...grant.actions],
        resources: [table.tableArn],
        conditions: ownRecords,
      }),
    );
    if (grant.indexes.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: grant.indexes.map((index) => `${table.tableArn}/index/${INDEXES[index].name}`),
        }),
      );
    }
    return this;
  }

  /**
   * Tells this function the client's bus (`EVENT_BUS_NAME`) and, for `publish`, lets it put
   * events on that bus only, as its manifest entry says. `name` is for functions that build the
   * shared lead store but never publish (the read API). Nothing for a function with no bus access.
   */
  bindBus(bus: events.IEventBus): this {
    const access = this.spec.bus;
    if (access === undefined) return this;
    this.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
    if (access === 'publish') bus.grantPutEventsTo(this);
    return this;
  }

  /** Lets this function read one secret, whose ARN it finds in `envVar`. */
  bindSecret(secret: secretsmanager.ISecret, envVar?: string): this {
    if (envVar !== undefined) this.addEnvironment(envVar, secret.secretArn);
    secret.grantRead(this);
    return this;
  }
}

/** Where a function's source map goes instead of its asset. */
interface SourceMapTarget {
  /** `<cloud assembly>/source-maps`, or undefined outside a stage (no map kept). */
  readonly sourceMapsDir: string | undefined;
  readonly functionName: string;
}

/** The cloud assembly's `source-maps/` folder: beside the assets, never uploaded. */
const sourceMapsDirOf = (scope: Construct): string | undefined => {
  const outdir = Stage.of(scope)?.outdir;
  return outdir === undefined ? undefined : resolve(outdir, SOURCE_MAPS_FOLDER);
};

/** The folder of the cloud assembly (`cdk.out/`) holding each function's `<function name>.mjs.map`. */
export const SOURCE_MAPS_FOLDER = 'source-maps';

/**
 * esbuild options: ESM for Node 24, minified, the client config defined in, the AWS SDK v3
 * bundled, the data files copied beside the bundle and the source map moved out of it.
 *
 * The SDK is bundled rather than left to the runtime's copy: the runtime's is hundreds of
 * CommonJS files resolved and compiled at every cold start, and the bundled, tree-shaken one
 * halves the handler's import (`npm run bench -- coldstart`: 380 → 180 ms of CPU for `forms`
 * on this machine), for ~130 KB more zip; it also pins the SDK to the lock file's version.
 *
 * The source map (400 KB–1 MB) stays out of the asset, in `cdk.out/source-maps/<function>.mjs.map`,
 * and `NODE_OPTIONS=--enable-source-maps` is not set: the flag costs ~15% of the import even
 * with no map to read. `scripts/map-stack-trace.ts` maps a logged stack trace with it.
 */
function bundlingFor(
  config: ClientConfig,
  dataPackages: readonly RuntimeDataPackage[],
  sourceMap: SourceMapTarget,
) {
  return {
    format: OutputFormat.ESM,
    mainFields: ['module', 'main'],
    banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.EXTERNAL,
    sourcesContent: false,
    target: 'node24',
    // nodemailer is only loaded (dynamically) for local SMTP runs.
    externalModules: ['nodemailer'],
    forceDockerBundling: false,
    define: { 'process.env.LEADSCORE_CLIENT_CONFIG': JSON.stringify(JSON.stringify(config)) },
    // The config defined in was validated by this synth: the bundle does not validate it again
    // (shared/config/validated-at-synth.ts), so it holds no config schema.
    esbuildArgs: {
      '--alias': `${RUNTIME_VALIDATION_MODULE}=${join(PROJECT_ROOT, 'shared/config/validated-at-synth.ts')}`,
    },
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        ...copyDataPackages(inputDir, outputDir, dataPackages),
        ...moveSourceMap(outputDir, sourceMap),
      ],
    },
  };
}

/**
 * Shell commands that take `index.mjs.map` out of the asset, to `source-maps/<function>.mjs.map`
 * when the assembly folder is known. That folder is, like the bundling folder, one level under
 * the assembly, so the map's relative `sources` still point at the repository's files.
 */
function moveSourceMap(outputDir: string, { sourceMapsDir, functionName }: SourceMapTarget): string[] {
  const map = join(outputDir, 'index.mjs.map');
  if (sourceMapsDir === undefined) return [`rm -f "${map}"`];
  return [`mkdir -p "${sourceMapsDir}"`, `mv "${map}" "${join(sourceMapsDir, `${functionName}.mjs.map`)}"`];
}

/** Shell commands (run by the local bundler) that copy data files beside the bundle. */
function copyDataPackages(
  inputDir: string,
  outputDir: string,
  packages: readonly RuntimeDataPackage[],
): string[] {
  return packages.flatMap((pkg) => {
    const from = join(inputDir, pkg.from);
    const to = join(outputDir, pkg.to);
    return [`mkdir -p "${to}"`, ...pkg.files.map((file) => `cp "${join(from, file)}" "${to}/"`)];
  });
}

/**
 * The built-in domain lists (PRODUCT §2.4), compiled from their npm packages by
 * `npm run lists:build`: `shared/scoring/lists.ts` reads them from `domain-lists/` beside
 * itself on first use, so they go to `domain-lists/` beside `index.mjs` (504 KB, not the
 * packages' 2.6 MB of JSON).
 */
export const DOMAIN_LIST_PACKAGES: readonly RuntimeDataPackage[] = [
  {
    from: relative(PROJECT_ROOT, dirname(fileURLToPath(domainListUrl(BUILT_IN_LISTS[0])))),
    to: DOMAIN_LISTS_FOLDER,
    files: BUILT_IN_LISTS.map((name) => basename(fileURLToPath(domainListUrl(name)))),
  },
];

/** The notification channel whose records a notifier's entry may touch (its dedupe partition). */
function notifierChannelOf(spec: FunctionSpec): string {
  const { trigger } = spec;
  if (trigger.kind === 'bus') return trigger.channel;
  if (trigger.kind === 'integration') return trigger.type;
  throw new Error(`${spec.name}: idempotency table access is for notifiers (bus or integration triggers)`);
}
