import { RedshiftdataStatement } from '@cdktf/provider-aws/lib/redshiftdata-statement';
import { Construct } from 'constructs';
import { LOADER_DB_USER, schemaStatements, WAREHOUSE_SCHEMA } from '../../functions/warehouse-loader/sql';
import type { RedshiftWarehouse } from './warehouse';

export interface WarehouseSchemaProps {
  /** The warehouse; it must have a cluster in this region. */
  readonly warehouse: RedshiftWarehouse;
  /** Schema of the tables. @default "clickstream" (WAREHOUSE_SCHEMA) */
  readonly schema?: string;
}

/**
 * The warehouse schema and tables, generated from the event contract (functions/warehouse-loader/
 * sql.ts), and the loader's database user with its grants, applied at deploy time through the
 * Data API, one statement per resource, in the order their `after` lists give. Every statement
 * is safe to re-run: a statement whose text changes is replaced, which runs it again, harmlessly. Adding a column to an existing table is a migration (see docs/warehouse.md).
 */
export class WarehouseSchema extends Construct {
  readonly statements: RedshiftdataStatement[];
  /** Database user the warehouse loader signs in as (created and granted by these statements). */
  readonly loaderUser: string;

  constructor(scope: Construct, id: string, props: WarehouseSchemaProps) {
    super(scope, id);
    const cluster = props.warehouse.cluster;
    if (!cluster) throw new Error('WarehouseSchema needs a region with a cluster (config.redshift.enabled, and not a pilot-light DR region)');

    const byName = new Map<string, RedshiftdataStatement>();
    for (const s of schemaStatements(props.schema ?? WAREHOUSE_SCHEMA)) {
      byName.set(
        s.name,
        new RedshiftdataStatement(this, s.name, {
          clusterIdentifier: cluster.clusterIdentifier,
          database: cluster.databaseName,
          // Deploy-time DDL and grants run as the admin user; the loader signs in as its own user.
          secretArn: cluster.masterPasswordSecretArn,
          statementName: `warehouse-${s.name}`,
          sql: s.sql,
          dependsOn: s.after.length > 0 ? s.after.map((name) => requireStatement(byName, name, s.name)) : undefined,
        }),
      );
    }
    this.statements = [...byName.values()];
    this.loaderUser = LOADER_DB_USER;
  }
}

function requireStatement(byName: ReadonlyMap<string, RedshiftdataStatement>, name: string, dependent: string): RedshiftdataStatement {
  const statement = byName.get(name);
  if (!statement)
    throw new Error(
      `warehouse statement "${dependent}" must run after "${name}", which comes later in schemaStatements() or does not exist: list statements after what they depend on`,
    );
  return statement;
}
