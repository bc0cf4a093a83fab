import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import { DataApi, isTransient, StatementFailedError, StatementTimeoutError } from '../../functions/warehouse-loader/data-api';

const TARGET = {
  clusterIdentifier: 'daml-analytics-warehouse-use1',
  database: 'analytics',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift!x',
};
const redshiftData = mockClient(RedshiftDataClient);

function apiError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} raised`), { name, $metadata: { httpStatusCode: status } });
}

/** A DataApi on a fake clock: sleeping advances time, and every delay is recorded. */
function dataApi(options: { maxAttempts?: number } = {}) {
  let clock = 1_000_000;
  const sleeps: number[] = [];
  const api = new DataApi(new RedshiftDataClient({ region: 'us-east-1' }), TARGET, {
    ...options,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
  return { api, sleeps, deadline: (ms: number) => clock + ms };
}

beforeEach(() => redshiftData.reset());

describe('Data API runner', () => {
  it('signs in as a database user with IAM temporary credentials when the target names one, and sends no secret', async () => {
    redshiftData.on(ExecuteStatementCommand).resolves({ Id: 'e1' });
    redshiftData.on(DescribeStatementCommand).resolves({ Id: 'e1', Status: 'FINISHED', ResultRows: 0 });
    const api = new DataApi(
      new RedshiftDataClient({ region: 'us-east-1' }),
      { clusterIdentifier: TARGET.clusterIdentifier, database: 'analytics', dbUser: 'warehouse_loader' },
      { sleep: async () => undefined },
    );

    await api.execute('SELECT 1', [], Date.now() + 60_000, 'check');

    expect(redshiftData.commandCalls(ExecuteStatementCommand)[0]!.args[0].input).toEqual({
      ClusterIdentifier: TARGET.clusterIdentifier,
      Database: 'analytics',
      DbUser: 'warehouse_loader',
      Sql: 'SELECT 1',
      StatementName: 'check',
    });
  });

  it('submits a batch with the cluster, database, secret and parameters, and polls with exponential backoff until FINISHED', async () => {
    redshiftData.on(BatchExecuteStatementCommand).resolves({ Id: 'b1' });
    redshiftData
      .on(DescribeStatementCommand)
      .resolvesOnce({ Id: 'b1', Status: 'SUBMITTED' })
      .resolvesOnce({ Id: 'b1', Status: 'PICKED' })
      .resolvesOnce({ Id: 'b1', Status: 'STARTED' })
      .resolvesOnce({ Id: 'b1', Status: 'STARTED' })
      .resolves({ Id: 'b1', Status: 'FINISHED', SubStatements: [{ Id: 'b1:1', Status: 'FINISHED', ResultRows: 3 }] });
    const { api, sleeps, deadline } = dataApi();

    const result = await api.batch(['SELECT 1', 'SELECT 2'], [{ name: 'object_key', value: 'k' }], deadline(600_000), 'load');

    expect(result.SubStatements?.[0]?.ResultRows).toBe(3);
    expect(sleeps).toEqual([250, 500, 1000, 2000]);
    expect(redshiftData.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input).toEqual({
      ClusterIdentifier: TARGET.clusterIdentifier,
      Database: 'analytics',
      SecretArn: TARGET.secretArn,
      Sqls: ['SELECT 1', 'SELECT 2'],
      Parameters: [{ name: 'object_key', value: 'k' }],
      StatementName: 'load',
    });
  });

  it('caps the polling delay', async () => {
    redshiftData.on(ExecuteStatementCommand).resolves({ Id: 's1' });
    const describe = redshiftData.on(DescribeStatementCommand);
    for (let i = 0; i < 8; i++) describe.resolvesOnce({ Id: 's1', Status: 'STARTED' });
    describe.resolves({ Id: 's1', Status: 'FINISHED', ResultRows: 1 });
    const { api, sleeps, deadline } = dataApi();
    await api.execute('SELECT 1', [], deadline(600_000), 'check');
    expect(Math.max(...sleeps)).toBe(5000);
  });

  it('surfaces a failed sub-statement with its position and Redshift error text, without retrying a permanent error', async () => {
    redshiftData.on(BatchExecuteStatementCommand).resolves({ Id: 'b1' });
    redshiftData.on(DescribeStatementCommand).resolves({
      Id: 'b1',
      Status: 'FAILED',
      Error: 'batch failed',
      SubStatements: [
        { Id: 'b1:1', Status: 'FINISHED' },
        { Id: 'b1:2', Status: 'FAILED', Error: "ERROR: Spectrum Scan Error: column count mismatch in 's3://lake/x.parquet'" },
        { Id: 'b1:3', Status: 'ABORTED' },
      ],
    });
    const { api, deadline } = dataApi();

    const failure = api.batch(['a', 'b', 'c'], [], deadline(600_000), 'load');

    await expect(failure).rejects.toThrow(StatementFailedError);
    await expect(failure).rejects.toThrow(/statement b1 FAILED at statement 2: ERROR: Spectrum Scan Error: column count mismatch/);
    expect(redshiftData.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
  });

  it('retries a serialization conflict with a concurrent load, with a growing delay, and succeeds', async () => {
    redshiftData.on(BatchExecuteStatementCommand).resolvesOnce({ Id: 'b1' }).resolvesOnce({ Id: 'b2' }).resolves({ Id: 'b3' });
    redshiftData
      .on(DescribeStatementCommand, { Id: 'b1' })
      .resolves({
        Id: 'b1',
        Status: 'FAILED',
        Error: 'ERROR: 1023 DETAIL: Serializable isolation violation on table - 123456, transactions forming the cycle are: 1, 2',
      })
      .on(DescribeStatementCommand, { Id: 'b2' })
      .resolves({ Id: 'b2', Status: 'FAILED', Error: 'ERROR: deadlock detected' })
      .on(DescribeStatementCommand, { Id: 'b3' })
      .resolves({ Id: 'b3', Status: 'FINISHED' });
    const { api, sleeps, deadline } = dataApi();

    await expect(api.batch(['x'], [], deadline(600_000), 'load')).resolves.toMatchObject({ Id: 'b3', Status: 'FINISHED' });
    expect(redshiftData.commandCalls(BatchExecuteStatementCommand)).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('retries when the Data API refuses for too many active statements, then gives up after maxAttempts', async () => {
    redshiftData.on(ExecuteStatementCommand).rejects(apiError('ActiveStatementsExceededException'));
    const { api, sleeps, deadline } = dataApi({ maxAttempts: 3 });
    await expect(api.execute('SELECT 1', [], deadline(600_000), 'check')).rejects.toThrow(/ActiveStatementsExceededException raised/);
    expect(redshiftData.commandCalls(ExecuteStatementCommand)).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('does not retry a validation error', async () => {
    redshiftData.on(ExecuteStatementCommand).rejects(apiError('ValidationException'));
    const { api, deadline } = dataApi();
    await expect(api.execute('SELECT 1', [], deadline(600_000), 'check')).rejects.toThrow(/ValidationException/);
    expect(redshiftData.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
  });

  it('cancels a statement still running at the deadline, so the load rolls back', async () => {
    redshiftData.on(BatchExecuteStatementCommand).resolves({ Id: 'slow' });
    redshiftData.on(DescribeStatementCommand).resolves({ Id: 'slow', Status: 'STARTED' });
    redshiftData.on(CancelStatementCommand).resolves({ Status: true });
    const { api, deadline } = dataApi();

    await expect(api.batch(['x'], [], deadline(3_000), 'load')).rejects.toThrow(StatementTimeoutError);
    expect(redshiftData.commandCalls(CancelStatementCommand)[0]!.args[0].input).toEqual({ Id: 'slow' });
  });

  it('does not retry when the backoff would pass the deadline', async () => {
    redshiftData.on(ExecuteStatementCommand).rejects(apiError('ThrottlingException'));
    const { api, deadline } = dataApi();
    await expect(api.execute('SELECT 1', [], deadline(500), 'check')).rejects.toThrow(/ThrottlingException/);
    expect(redshiftData.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
  });

  it('classifies errors', () => {
    expect(isTransient(new StatementFailedError('s', 'FAILED', 'ERROR: 1023 Serializable isolation violation'))).toBe(true);
    expect(isTransient(new StatementFailedError('s', 'FAILED', 'ERROR: permission denied for schema clickstream'))).toBe(false);
    expect(isTransient(new StatementTimeoutError('s', 'STARTED'))).toBe(false);
    expect(isTransient(apiError('InternalServerException', 500))).toBe(true);
    expect(isTransient(apiError('SomethingElse', 503))).toBe(true);
    expect(isTransient(apiError('ResourceNotFoundException'))).toBe(false);
  });
});
