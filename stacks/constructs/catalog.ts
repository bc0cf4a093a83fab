import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database';
import { GlueCatalogTable } from '@cdktf/provider-aws/lib/glue-catalog-table';
import { GlueDataCatalogEncryptionSettings } from '@cdktf/provider-aws/lib/glue-data-catalog-encryption-settings';
import { Construct } from 'constructs';
import {
  PARTITION_KEYS,
  RAW_EVENTS_TABLE,
  TABLES,
  glueColumns,
  gluePartitionKeys,
  partitionProjectionParameters,
  rawEventGlueColumns,
  toGlueColumns,
  trinoType,
  type TableId,
} from '../../functions/shared/contract';
import { hourlyConversionView, sessionsView, uniqueEventsView, type CatalogViewSpec } from '../athena-queries';
import type { PlatformContext } from '../platform-context';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';

/**
 * Athena's projection template uses `${dt}` / `${hour}` template variables, which Terraform would read as
 * interpolations of undefined variables; `$${` is Terraform's escape for a literal `${`.
 */
export function keepTemplateVariablesLiteral(parameters: Record<string, string>): Record<string, string> {
  const templateVariable = new RegExp(`\\$\\{(${PARTITION_KEYS.map((k) => k.name).join('|')})\\}`, 'g');
  return Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key, value.replace(templateVariable, (_match, name: string) => `$\${${name}}`)]));
}

export interface DataCatalogProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly dataLake: DataLake;
  /** Tables to describe. @default every table of the event contract (TABLES) */
  readonly tables?: readonly TableId[];
  /**
   * Manage the region's Glue Data Catalog encryption settings (an account-and-region singleton:
   * turn off if another stack in the account already manages them). @default true
   */
  readonly manageCatalogEncryption?: boolean;
  /** Describe the Firehose archive under raw/ as the `raw_events` table. @default config.kinesis.rawArchiveEnabled */
  readonly rawArchive?: boolean;
}

/** Glue database name: the same in both regions, so queries work unchanged after a failover. */
export function catalogDatabaseName(context: PlatformContext): string {
  return context.naming.lakeDatabase();
}

/** Athena's own catalog name for the Glue Data Catalog. */
const ATHENA_CATALOG = 'awsdatacatalog';

/**
 * The `view_original_text` Athena reads a view from: its SQL, where it resolves names, and the
 * Trino types of its columns, as base64 JSON in a comment (what `CREATE VIEW` in Athena stores).
 */
export function prestoViewOriginalText(view: CatalogViewSpec, database: string): string {
  const definition = {
    originalSql: view.sql,
    catalog: ATHENA_CATALOG,
    schema: database,
    columns: view.columns.map((c) => ({ name: c.name, type: trinoType(c.type) })),
  };
  return `/* Presto View: ${Buffer.from(JSON.stringify(definition), 'utf8').toString('base64')} */`;
}

/** Gzip JSON lines, one record per line; a line that is not JSON reads as a row of nulls instead of failing the query. */
const JSON_LINES = {
  inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  serde: 'org.openx.data.jsonserde.JsonSerDe',
} as const;

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
} as const;

/**
 * The region's Glue Data Catalog over its own lake bucket (in the DR region: the replica), with
 * one table per event-contract table. Columns come from the contract (functions/shared/
 * contract/), and dt/hour partitions are projected, so Athena needs no crawler and no
 * MSCK REPAIR TABLE: a partition exists as soon as the processor writes an object into it.
 * Over the curated table, the `events_unique` view gives one row per event_id, and the `sessions`
 * and `hourly_conversion` views read it. The raw archive is the `raw_events` table (JSON lines).
 */
export class DataCatalog extends Construct {
  readonly database: GlueCatalogDatabase;
  readonly tables: Readonly<Partial<Record<TableId, GlueCatalogTable>>>;
  /** `events_unique` (athena-queries.ts), when the curated table is described. */
  readonly uniqueEvents?: GlueCatalogTable;
  /** `sessions` and `hourly_conversion` (athena-queries.ts), over `events_unique`. */
  readonly derivedViews: readonly GlueCatalogTable[] = [];
  /** `raw_events`, when the raw archive is on. */
  readonly rawEvents?: GlueCatalogTable;
  readonly encryption?: GlueDataCatalogEncryptionSettings;

  constructor(scope: Construct, id: string, props: DataCatalogProps) {
    super(scope, id);
    const { context, platformKey, dataLake } = props;
    const lake = dataLake.lake;

    if (props.manageCatalogEncryption ?? true) {
      this.encryption = new GlueDataCatalogEncryptionSettings(this, 'encryption', {
        dataCatalogEncryptionSettings: {
          encryptionAtRest: { catalogEncryptionMode: 'SSE-KMS', sseAwsKmsKeyId: platformKey.arn },
          connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: platformKey.arn },
        },
      });
    }

    this.database = new GlueCatalogDatabase(this, 'database', {
      name: catalogDatabaseName(context),
      description: `Data lake of ${context.naming.prefix} (${context.region}); tables generated from the event contract`,
      locationUri: `s3://${lake.name}/`,
    });

    const tables: Partial<Record<TableId, GlueCatalogTable>> = {};
    for (const tableId of props.tables ?? (Object.keys(TABLES) as TableId[])) {
      const spec = TABLES[tableId];
      const location = `s3://${lake.name}/${spec.prefix}`;
      tables[tableId] = new GlueCatalogTable(this, `table-${tableId}`, {
        databaseName: this.database.name,
        name: spec.name,
        description: `${spec.description}. Partitioned by ${spec.partitionTime} (UTC).`,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'parquet',
          'parquet.compression': 'SNAPPY',
          ...keepTemplateVariablesLiteral(partitionProjectionParameters(location)),
        },
        partitionKeys: gluePartitionKeys(),
        storageDescriptor: {
          location,
          inputFormat: PARQUET.inputFormat,
          outputFormat: PARQUET.outputFormat,
          serDeInfo: { name: 'parquet', serializationLibrary: PARQUET.serde, parameters: { 'serialization.format': '1' } },
          columns: glueColumns(tableId),
        },
      });
    }
    this.tables = tables;

    if (tables.curated) {
      // The SQL names the database in plain text (a token cannot go inside the base64); the view reads the curated table.
      const database = catalogDatabaseName(context);
      const uniqueEvents = (this.uniqueEvents = this.view(uniqueEventsView(database), database, [tables.curated]));
      this.derivedViews = [sessionsView(database), hourlyConversionView(database)].map((v) => this.view(v, database, [uniqueEvents]));
    }

    if (props.rawArchive ?? context.config.kinesis.rawArchiveEnabled) {
      const location = `s3://${lake.name}/${RAW_EVENTS_TABLE.prefix}`;
      this.rawEvents = new GlueCatalogTable(this, 'table-raw-events', {
        databaseName: this.database.name,
        name: RAW_EVENTS_TABLE.name,
        description: `${RAW_EVENTS_TABLE.description}. Partitioned by Firehose arrival time (UTC); raw/_errors/ and objects already in Glacier are not read.`,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          compressionType: 'gzip',
          ...keepTemplateVariablesLiteral(partitionProjectionParameters(location)),
        },
        partitionKeys: gluePartitionKeys(),
        storageDescriptor: {
          location,
          inputFormat: JSON_LINES.inputFormat,
          outputFormat: JSON_LINES.outputFormat,
          serDeInfo: { name: 'json', serializationLibrary: JSON_LINES.serde, parameters: { 'ignore.malformed.json': 'true' } },
          columns: rawEventGlueColumns(),
        },
      });
    }
  }

  /** A Glue view Athena reads (`prestoViewOriginalText`), created after what it reads. */
  private view(view: CatalogViewSpec, database: string, reads: GlueCatalogTable[]): GlueCatalogTable {
    return new GlueCatalogTable(this, `view-${view.name.replace(/_/g, '-')}`, {
      databaseName: this.database.name,
      name: view.name,
      description: view.description,
      tableType: 'VIRTUAL_VIEW',
      parameters: { presto_view: 'true', comment: 'Presto View' },
      viewOriginalText: prestoViewOriginalText(view, database),
      viewExpandedText: '/* Presto View */',
      storageDescriptor: { columns: toGlueColumns(view.columns) },
      dependsOn: reads,
    });
  }
}
