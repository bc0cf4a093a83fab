import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Construct } from 'constructs';
import { DEFAULT_FLUSH_POLICY, DEFAULT_INVOKE_BUDGET, DEFAULT_READINESS, ENV, type InvokeBudget, worstCaseInvokeMs } from '../../functions/ml-inference/config';
import {
  INFERENCE_METRICS,
  INFERENCE_METRICS_NAMESPACE,
  INFERENCE_SERVICE,
  INFERENCE_SERVICE_DIMENSION,
  VARIANT_DIMENSION,
} from '../../functions/ml-inference/metric-names';
import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import type { ApiAuthorization } from '../config/types';
import type { PlatformContext } from '../platform-context';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';
import type { IngestionStream } from './ingestion-stream';
import { EncryptedLogGroup } from './log-group';
import type { MlEndpoint } from './ml-endpoint';
import type { Network } from './network';
import type { PlatformMetricsSpec } from './observed-components';
import { TypescriptFunction } from './typescript-function';
import type { FunctionCodeSigning } from './code-signing';

/** The HTTP API's integration timeout is 30 s at most; the function must answer before it. */
export const HTTP_API_INTEGRATION_TIMEOUT_MS = 30_000;

export const PREDICT_ROUTE = 'POST /predict';
export const HEALTH_ROUTE = 'GET /health';
export const HEALTH_PATH = '/health';
export const READY_ROUTE = 'GET /ready';
export const READY_PATH = '/ready';

/** Throttling of the health and readiness routes: enough for Route 53's checkers and probes, no more. */
const HEALTH_THROTTLE = { rate: 10, burst: 20 } as const;

export interface InferenceApiProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly network: Network;
  /** Sign the function's code and enforce it (config.observability.lambdaCodeSigning). @default unsigned code */
  readonly codeSigning?: FunctionCodeSigning;
  readonly dataLake: DataLake;
  readonly endpoint: MlEndpoint;
  /** The ingestion stream GET /ready checks. */
  readonly stream: IngestionStream;
  /** Authorization of POST /predict. @default config.inferenceApi.authorization */
  readonly authorization?: ApiAuthorization;
  /**
   * Authorization of GET /health and GET /ready. Route 53 health checkers cannot sign requests, so
   * DNS failover needs them open; they report configuration and dependency status, no data. @default "NONE" when config.dns.hostedZoneId is
   * set (failover), else the /predict authorization
   */
  readonly healthAuthorization?: ApiAuthorization;
  /** How long GET /ready reuses one answer. @default DEFAULT_READINESS.cacheTtlMs (10 s) */
  readonly readyCacheTtlMs?: number;
  /** Longest one GET /ready dependency check may take. @default DEFAULT_READINESS.checkTimeoutMs (2 s) */
  readonly readyCheckTimeoutMs?: number;
  /** InvokeEndpoint timeouts and attempts. @default DEFAULT_INVOKE_BUDGET (1 s connect, 3 s request, 3 attempts) */
  readonly invokeBudget?: InvokeBudget;
}

/**
 * The inference API: an HTTP API with POST /predict, GET /health (liveness) and GET /ready (the
 * endpoint, the stream and the lake bucket checked: what DNS failover watches), a Lambda proxy integration
 * to the inference function (Node.js 22, arm64, in the private subnets), stage throttling, and
 * JSON access logs in a KMS-encrypted log group.
 */
export class InferenceApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  readonly fn: TypescriptFunction;
  readonly accessLogs: EncryptedLogGroup;
  readonly predictRoute: Apigatewayv2Route;
  readonly healthRoute: Apigatewayv2Route;
  readonly readyRoute: Apigatewayv2Route;
  /** Base URL clients call (the `$default` stage has no path prefix). */
  readonly url: string;
  private readonly endpoint: MlEndpoint;

  constructor(scope: Construct, id: string, props: InferenceApiProps) {
    super(scope, id);
    const { context, platformKey, network, dataLake, endpoint, stream } = props;
    const { config, naming, region } = context;
    const apiConfig = config.inferenceApi;
    this.endpoint = endpoint;
    const authorization = props.authorization ?? apiConfig.authorization;
    const healthAuthorization = props.healthAuthorization ?? (config.dns.hostedZoneId ? 'NONE' : authorization);
    const budget = props.invokeBudget ?? DEFAULT_INVOKE_BUDGET;

    // The handler aborts at its own deadline anyway; refusing a budget that cannot fit keeps the
    // SDK's retries from being cut short by design.
    const handlerReserveMs = 500 + DEFAULT_FLUSH_POLICY.writeTimeoutMs;
    const needed = worstCaseInvokeMs(budget) + handlerReserveMs;
    const available = Math.min(apiConfig.timeoutSeconds * 1000, HTTP_API_INTEGRATION_TIMEOUT_MS - 1000);
    if (needed > available) {
      throw new Error(
        `inferenceApi: the InvokeEndpoint retry budget (${budget.maxAttempts} attempts x (${budget.connectTimeoutMs} + ${budget.requestTimeoutMs}) ms + backoff + ${handlerReserveMs} ms reserve = ${needed} ms) ` +
          `does not fit inferenceApi.timeoutSeconds (${apiConfig.timeoutSeconds} s) and the HTTP API's ${HTTP_API_INTEGRATION_TIMEOUT_MS / 1000} s timeout; raise timeoutSeconds or lower the budget`,
      );
    }

    this.fn = new TypescriptFunction(this, 'function', {
      context,
      codeSigning: props.codeSigning,
      platformKey,
      network,
      entry: 'ml-inference',
      service: INFERENCE_SERVICE,
      description: 'Inference API: validates an event, computes its features, calls the SageMaker endpoint, logs the prediction to the lake',
      memoryMb: apiConfig.memoryMb,
      timeoutSeconds: apiConfig.timeoutSeconds,
      reservedConcurrency: apiConfig.reservedConcurrency,
      environment: {
        [ENV.endpointName]: endpoint.endpointName,
        [ENV.variantModelVersions]: JSON.stringify(endpoint.variantModelVersions),
        [ENV.predictionsBucket]: dataLake.lake.name,
        [ENV.connectTimeoutMs]: String(budget.connectTimeoutMs),
        [ENV.requestTimeoutMs]: String(budget.requestTimeoutMs),
        [ENV.maxAttempts]: String(budget.maxAttempts),
        [ENV.streamName]: stream.name,
        [ENV.readyCacheTtlMs]: String(props.readyCacheTtlMs ?? DEFAULT_READINESS.cacheTtlMs),
        [ENV.readyCheckTimeoutMs]: String(props.readyCheckTimeoutMs ?? DEFAULT_READINESS.checkTimeoutMs),
      },
      policyStatements: [
        endpoint.grantInvoke('InvokeOwnEndpoint'),
        dataLake.lake.grantWrite('WritePredictions', `${LAKE_PREFIXES.predictions}*`),
        // GET /ready: status reads on exactly the three resources it checks (HeadBucket is s3:ListBucket).
        endpoint.grantDescribe('DescribeOwnEndpoint'),
        stream.grantDescribeSummary('DescribeIngestionStream'),
        dataLake.lake.grantBucket('HeadLakeBucket', 's3:ListBucket'),
      ],
    });

    this.accessLogs = new EncryptedLogGroup(this, 'access-logs', { context, platformKey, name: `/aws/apigateway/${naming.regional('inference-api', region)}` });

    this.api = new Apigatewayv2Api(this, 'api', {
      name: naming.regional('inference-api', region),
      protocolType: 'HTTP',
      description: `Real-time purchase-propensity predictions (${region})`,
    });

    const integration = new Apigatewayv2Integration(this, 'integration', {
      apiId: this.api.id,
      integrationType: 'AWS_PROXY',
      integrationUri: this.fn.function.invokeArn,
      integrationMethod: 'POST',
      payloadFormatVersion: '2.0',
      timeoutMilliseconds: HTTP_API_INTEGRATION_TIMEOUT_MS,
    });

    const route = (routeId: string, routeKey: string, auth: ApiAuthorization) =>
      new Apigatewayv2Route(this, routeId, { apiId: this.api.id, routeKey, target: `integrations/${integration.id}`, authorizationType: auth });
    this.predictRoute = route('predict-route', PREDICT_ROUTE, authorization);
    this.healthRoute = route('health-route', HEALTH_ROUTE, healthAuthorization);
    this.readyRoute = route('ready-route', READY_ROUTE, healthAuthorization);

    this.stage = new Apigatewayv2Stage(this, 'stage', {
      apiId: this.api.id,
      name: '$default',
      autoDeploy: true,
      defaultRouteSettings: {
        throttlingRateLimit: apiConfig.throttlingRateLimit,
        throttlingBurstLimit: apiConfig.throttlingBurstLimit,
        detailedMetricsEnabled: true,
      },
      routeSettings: [HEALTH_ROUTE, READY_ROUTE].map((routeKey) => ({
        routeKey,
        throttlingRateLimit: HEALTH_THROTTLE.rate,
        throttlingBurstLimit: HEALTH_THROTTLE.burst,
        detailedMetricsEnabled: true,
      })),
      accessLogSettings: {
        destinationArn: this.accessLogs.arn,
        format: JSON.stringify({
          requestId: '$context.requestId',
          requestTime: '$context.requestTimeEpoch',
          sourceIp: '$context.identity.sourceIp',
          caller: '$context.identity.caller',
          userArn: '$context.identity.userArn',
          routeKey: '$context.routeKey',
          status: '$context.status',
          responseLength: '$context.responseLength',
          responseLatencyMs: '$context.responseLatency',
          integrationLatencyMs: '$context.integrationLatency',
          integrationStatus: '$context.integrationStatus',
          integrationError: '$context.integrationErrorMessage',
          error: '$context.error.message',
        }),
      },
      dependsOn: [this.predictRoute, this.healthRoute, this.readyRoute],
    });

    // One permission per route: the function answers this API's routes (any stage) and nothing else.
    const permissions: [string, string][] = [
      ['predict', 'POST/predict'],
      ['health', 'GET/health'],
      ['ready', 'GET/ready'],
    ];
    for (const [name, methodAndPath] of permissions) {
      new LambdaPermission(this, `invoke-permission-${name}`, {
        statementId: `AllowInferenceHttpApi-${name}`,
        action: 'lambda:InvokeFunction',
        functionName: this.fn.function.functionName,
        principal: 'apigateway.amazonaws.com',
        sourceArn: `${this.api.executionArn}/*/${methodAndPath}`,
      });
    }

    this.url = this.api.apiEndpoint;
  }

  /** The predictions metric per variant, for dashboards (PlatformMetricsSpec.predictions). */
  get predictionMetrics(): NonNullable<PlatformMetricsSpec['predictions']> {
    return {
      namespace: INFERENCE_METRICS_NAMESPACE,
      metricName: INFERENCE_METRICS.predictions,
      series: this.endpoint.variants.map((v) => ({
        label: `${v.name} (${v.modelVersion})`,
        dimensions: { [INFERENCE_SERVICE_DIMENSION]: INFERENCE_SERVICE.serviceName, [VARIANT_DIMENSION]: v.name },
      })),
    };
  }
}
