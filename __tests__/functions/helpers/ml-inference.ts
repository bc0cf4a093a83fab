/** Builders shared by the inference function's tests and benchmark: API events, contexts, settings. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  DEFAULT_FLUSH_POLICY,
  DEFAULT_INVOKE_BUDGET,
  DEFAULT_READINESS,
  type FlushPolicy,
  type InferenceSettings,
} from '../../../functions/ml-inference/config';
import type { InvocationContext } from '../../../functions/ml-inference/handler';

export const VALID_EVENT = {
  event_id: 'evt-0001',
  timestamp: '2024-03-20T10:00:00Z',
  user_id: 'user123',
  event_type: 'add_to_cart',
  data: {
    page_url: 'https://shop.example.com/cart',
    product_id: 'prod456',
    category: 'electronics',
    session_id: 'sess789',
    device_type: 'mobile',
    location: { country: 'US', city: 'San Francisco' },
  },
};

export function settings(overrides: { flush?: Partial<FlushPolicy> } = {}): InferenceSettings {
  return {
    endpointName: 'dam-analytics-inference-use1',
    variantModelVersions: { champion: 'v1', challenger: 'v2' },
    predictionsBucket: 'lake-bucket',
    invoke: DEFAULT_INVOKE_BUDGET,
    flush: { ...DEFAULT_FLUSH_POLICY, ...overrides.flush },
    deadlineReserveMs: 500,
    readiness: { streamName: 'dam-analytics-events-use1', ...DEFAULT_READINESS },
  };
}

export interface ApiEventOptions {
  readonly body?: string | null;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly base64?: boolean;
  readonly requestId?: string;
}

export function apiEvent(routeKey: string, opts: ApiEventOptions = {}): APIGatewayProxyEventV2 {
  const [method, path] = routeKey.split(' ') as [string, string];
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(opts.query ?? {}).toString(),
    headers: opts.headers ?? { 'content-type': 'application/json' },
    ...(opts.query ? { queryStringParameters: opts.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'jest' },
      requestId: opts.requestId ?? 'req-1',
      routeKey,
      stage: '$default',
      time: '20/Mar/2024:10:00:00 +0000',
      timeEpoch: Date.UTC(2024, 2, 20, 10),
    },
    ...(opts.body !== undefined && opts.body !== null ? { body: opts.body } : {}),
    isBase64Encoded: opts.base64 ?? false,
  };
}

export function predictEvent(event: unknown = VALID_EVENT, opts: Omit<ApiEventOptions, 'body'> = {}): APIGatewayProxyEventV2 {
  return apiEvent('POST /predict', { ...opts, body: JSON.stringify(event) });
}

export function lambdaContext(remainingMs = 29_000): InvocationContext {
  const deadline = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: 'aws-req-1' };
}
