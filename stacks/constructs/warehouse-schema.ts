import { RedshiftdataStatement } from '@cdktf/provider-aws/lib/redshiftdata-statement';
import { Construct } from 'constructs';
import { schemaStatements, WAREHOUSE_SCHEMA } from '../../functions/warehouse-loader/sql';
import { RedshiftWarehouse } from './warehouse';

export interface WarehouseSchemaProps {
  /** The warehouse; it must have a cluster in this region. */
  readonly warehouse: RedshiftWarehouse;
  /** Schema of the tables. @default "clickstream" (WAREHOUSE_SCHEMA) */
  readonly schema?: string;
}

/**
 * The warehouse schema and tables, generated from the event contract (functions/warehouse-loader/
 * sql.ts) and applied at deploy time through the Data API, one statement per resource. Every
 * statement is CREATE ... IF NOT EXISTS: a statement whose text changes is replaced, which runs it
 * again, harmlessly. Adding a column to an existing table is a migration (see docs/warehouse.md).
 */
export class WarehouseSchema extends Construct {
  readonly statements: RedshiftdataStatement[];

  constructor(scope: Construct, id: string, props: WarehouseSchemaProps) {
    super(scope, id);
    const cluster = props.warehouse.cluster;
    if (!cluster) throw new Error('WarehouseSchema needs a region with a cluster (config.redshift.enabled, and not a pilot-light DR region)');

    const [schema, ...tables] = schemaStatements(props.schema ?? WAREHOUSE_SCHEMA);
    const statement = (s: { name: string; sql: string }, dependsOn?: RedshiftdataStatement[]) =>
      new RedshiftdataStatement(this, s.name, {
        clusterIdentifier: cluster.clusterIdentifier,
        database: cluster.databaseName,
        secretArn: cluster.masterPasswordSecretArn,
        statementName: `warehouse-${s.name}`,
        sql: s.sql,
        dependsOn,
      });
    const createSchema = statement(schema!);
    this.statements = [createSchema, ...tables.map((t) => statement(t, [createSchema]))];
  }
}
