import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { resourceName } from '#cdk/names.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { FunctionName, FunctionSpec } from '#shared/manifest.ts';
import { GLOBAL_SECONDARY_INDEXES } from '#shared/store/table-definition.ts';

/** The repository root: entries, the lock file and node_modules are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const ITEM_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'];
const ITEM_WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

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
   * Packages the code loads at run time with `require()` from `createRequire` (esbuild cannot
   * see those calls): copied next to the bundle in `node_modules/`, data files only.
   */
  readonly runtimeDataPackages?: readonly RuntimeDataPackage[];
  /** Async invocations (EventBridge, Scheduler): where failures go and how often to retry. */
  readonly onFailure?: lambda.IDestination;
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
}

/** A package read at run time: its folder name under node_modules and the files to ship. */
export interface RuntimeDataPackage {
  readonly name: string;
  readonly files: readonly string[];
}

/**
 * The house Lambda function. Every leadscore function shares these defaults: the newest Node.js
 * runtime on ARM64 (cheaper per GB-second), an ESM bundle built offline by the local esbuild
 * (no Docker) with the AWS SDK v3 left to the runtime that ships it, the client configuration
 * bundled in as `process.env.LEADSCORE_CLIENT_CONFIG`, source maps, X-Ray tracing, Powertools
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
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: bundlingFor(config, props.runtimeDataPackages ?? []),
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
   * Lets this function use the lead table as its manifest entry says: `TABLE_NAME` plus the
   * actions of its access, on the table and, for queries, on its named indexes (never `index/*`,
   * never another table). Nothing for a function with no table access.
   */
  bindTable(table: dynamodb.ITable): this {
    const access = this.spec.table;
    if (access === undefined) return this;
    this.addEnvironment('TABLE_NAME', table.tableName);
    const indexArns = GLOBAL_SECONDARY_INDEXES.map((gsi) => `${table.tableArn}/index/${gsi.name}`);
    if (access === 'idempotency') {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          resources: [table.tableArn],
        }),
      );
      return this;
    }
    const itemActions = access === 'readWrite' ? [...ITEM_READ, ...ITEM_WRITE] : ITEM_READ;
    this.addToRolePolicy(new iam.PolicyStatement({ actions: itemActions, resources: [table.tableArn] }));
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.tableArn, ...indexArns] }),
    );
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

/** esbuild options: ESM for Node 24, minified, source-mapped, the client config defined in. */
function bundlingFor(config: ClientConfig, dataPackages: readonly RuntimeDataPackage[]) {
  return {
    format: OutputFormat.ESM,
    mainFields: ['module', 'main'],
    banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    target: 'node24',
    // The Node.js 24 runtime ships the AWS SDK v3: leaving it out keeps bundles (and cold starts) lean.
    // The runtime ships SDK v3; nodemailer is only loaded (dynamically) for local SMTP runs.
    externalModules: ['@aws-sdk/*', 'nodemailer'],
    forceDockerBundling: false,
    define: { 'process.env.LEADSCORE_CLIENT_CONFIG': JSON.stringify(JSON.stringify(config)) },
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) =>
        copyDataPackages(inputDir, outputDir, dataPackages),
    },
  };
}

/** Shell commands (run by the local bundler) that copy data packages beside the bundle. */
function copyDataPackages(
  inputDir: string,
  outputDir: string,
  packages: readonly RuntimeDataPackage[],
): string[] {
  return packages.flatMap((pkg) => {
    const from = join(inputDir, 'node_modules', pkg.name);
    const to = join(outputDir, 'node_modules', pkg.name);
    return [`mkdir -p "${to}"`, ...pkg.files.map((file) => `cp "${join(from, file)}" "${to}/"`)];
  });
}

/** The built-in domain lists `shared/scoring/lists.ts` requires on first use (PRODUCT §2.4). */
export const DOMAIN_LIST_PACKAGES: readonly RuntimeDataPackage[] = [
  { name: 'email-providers', files: ['package.json', 'all.json'] },
  { name: 'disposable-email-domains', files: ['package.json', 'index.json'] },
];
