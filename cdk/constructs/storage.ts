import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  GLOBAL_SECONDARY_INDEXES,
  type KeyAttribute,
  PRIMARY_KEY,
  type ProjectionType,
  STREAM_SPECIFICATION,
  TTL_ATTRIBUTE,
  tableNameFor,
} from '#shared/store/table-definition.ts';

/** Properties of {@link Storage}. */
export interface StorageProps {
  readonly client: string;
}

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
});

/** The definition's projection types as CDK's. */
const PROJECTIONS = {
  ALL: dynamodb.ProjectionType.ALL,
  KEYS_ONLY: dynamodb.ProjectionType.KEYS_ONLY,
  INCLUDE: dynamodb.ProjectionType.INCLUDE,
} as const satisfies Record<ProjectionType, dynamodb.ProjectionType>;

/**
 * The client's lead table, built from the same definition DynamoDB Local is created from
 * (`shared/store/table-definition.ts`), so that the deployed schema and the tested one cannot
 * drift. On-demand (a client's traffic is bursty and mostly idle), point-in-time recovery,
 * encrypted with the AWS-managed key, raw events expire through TTL, and the table outlives its
 * stack: deleting a stack never deletes a client's leads. Its stream (new images) carries each
 * write's outbox to the outbox relay (`outbox.ts`).
 */
export class Storage extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: tableNameFor(props.client),
      partitionKey: attribute(PRIMARY_KEY.partitionKey),
      sortKey: attribute(PRIMARY_KEY.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: dynamodb.StreamViewType[STREAM_SPECIFICATION.StreamViewType],
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of GLOBAL_SECONDARY_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.name,
        partitionKey: attribute(gsi.partitionKey),
        sortKey: attribute(gsi.sortKey),
        projectionType: PROJECTIONS[gsi.projection],
        ...(gsi.projection === 'INCLUDE' ? { nonKeyAttributes: [...(gsi.nonKeyAttributes ?? [])] } : {}),
      });
    }
  }
}
