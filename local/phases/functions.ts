/**
 * The Lambda functions of the local run: the real handler modules, each loaded as Lambda starts
 * an execution environment (its function's environment variables set while it loads), once
 * `pointAwsSdkAtStandins` has pointed every AWS SDK client of the process at the stand-ins.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import type { LocalFunction } from '../lambda-runtime';
import type { LocalPlatform } from '../platform';

type KinesisHandler = (event: KinesisStreamEvent, context?: Context) => Promise<unknown>;
type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;
type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface PredictionLogLike {
  readonly stats: { buffered: number; queuedBatches: number; dropped: number };
  flush(): Promise<{ written: number; failed: number }>;
}

export interface LocalFunctions {
  readonly processor: { readonly fn: LocalFunction; readonly handler: KinesisHandler };
  readonly loader: { readonly fn: LocalFunction; readonly handler: SqsHandler };
  readonly inference: { readonly fn: LocalFunction; readonly handler: ApiHandler; readonly predictionLog: PredictionLogLike };
}

/** Where the handlers' SDK clients go: moto, the Data API stand-in, the SageMaker stand-in. */
export interface LocalEndpoints {
  readonly moto: string;
  /** Where the functions' S3 requests go, when not to moto directly (the chaos run's proxy). @default moto */
  readonly s3?: string;
  readonly redshiftData: string;
  readonly sagemaker: string;
}

const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

/** Environment every handler module sees when it is loaded: local endpoints and credentials only. */
export function pointAwsSdkAtStandins(p: LocalPlatform, endpoints: LocalEndpoints): void {
  for (const name of [
    'AWS_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_ENDPOINT_URL',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
  ]) {
    delete process.env[name];
  }
  Object.assign(process.env, LOCAL_CREDENTIALS, {
    AWS_REGION: p.region,
    AWS_DEFAULT_REGION: p.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_KINESIS: endpoints.moto,
    AWS_ENDPOINT_URL_S3: endpoints.s3 ?? endpoints.moto,
    AWS_ENDPOINT_URL_SQS: endpoints.moto,
    AWS_ENDPOINT_URL_REDSHIFT_DATA: endpoints.redshiftData,
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: endpoints.sagemaker,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
  });
}

/**
 * Loads a handler module with its function's environment variables set, as Lambda starts an
 * execution environment. The handlers read their settings when loaded, so the variables are
 * removed again afterwards: no function sees another's.
 */
function loadWithEnvironment<T>(variables: Readonly<Record<string, string>>, load: () => T): T {
  const before = new Map(Object.keys(variables).map((k) => [k, process.env[k]]));
  Object.assign(process.env, variables);
  try {
    return load();
  } finally {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export function loadFunctions(p: LocalPlatform): LocalFunctions {
  const local = (f: { functionName: string; timeoutSeconds: number }): LocalFunction => ({
    functionName: f.functionName,
    timeoutSeconds: f.timeoutSeconds,
    region: p.region,
    accountId: p.accountId,
  });
  const processorHandler = loadWithEnvironment(
    p.processor.environment,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => (require('../../functions/stream-processor/index') as { handler: KinesisHandler }).handler,
  );
  const loaderHandler = loadWithEnvironment(
    p.loader.environment,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => (require('../../functions/warehouse-loader/index') as { handler: SqsHandler }).handler,
  );
  const inference = loadWithEnvironment(
    p.inference.environment,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => require('../inference-environment') as { handler: ApiHandler; predictionLog: PredictionLogLike },
  );
  return {
    processor: { fn: local(p.processor), handler: processorHandler },
    loader: { fn: local(p.loader), handler: loaderHandler },
    inference: { fn: local(p.inference), handler: inference.handler, predictionLog: inference.predictionLog },
  };
}
