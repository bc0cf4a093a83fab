/**
 * The AWS calls behind GET /ready: DescribeEndpoint, DescribeStreamSummary and HeadBucket, run
 * side by side, each bounded by its own deadline (the check timeout, never past the invocation's)
 * and judged by readiness.ts. A check never throws: a failure or a timeout is its verdict.
 */
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { Deadline } from '../shared/deadline';
import { type Dependency, type DependencyStatus, judgeEndpoint, judgeFailure, judgeStream, readinessReport, type ReadinessReport } from './readiness';

export interface ReadinessProbeProps {
  /** Control-plane client (DescribeEndpoint), not the runtime one. */
  readonly sagemaker: SageMakerClient;
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly endpointName: string;
  readonly streamName: string;
  readonly bucket: string;
  readonly checkTimeoutMs: number;
  /** Told about each failed check, with the SDK's error (kept out of the answer). @default ignore */
  readonly onCheckError?: (dependency: Dependency, error: unknown) => void;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * Settles with the call, or rejects with the deadline's reason once its signal aborts, even if
 * the client ignores the signal: the bound holds whatever the request handler does.
 */
function bounded<T>(call: (signal: AbortSignal) => Promise<T>, deadline: Deadline): Promise<T> {
  const signal = deadline.signal();
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    call(signal)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A function that runs every check once; `within` is the invocation's deadline. */
export function createReadinessProbe(props: ReadinessProbeProps): (within?: Deadline) => Promise<ReadinessReport> {
  const clock = props.clock ?? Date.now;
  const onCheckError = props.onCheckError ?? (() => undefined);

  async function check(dependency: Dependency, within: Deadline | undefined, call: (signal: AbortSignal) => Promise<DependencyStatus>) {
    const deadline = Deadline.at(Math.min(clock() + props.checkTimeoutMs, within?.at ?? Infinity), clock);
    try {
      return await bounded(call, deadline);
    } catch (error) {
      onCheckError(dependency, error);
      return judgeFailure(error, props.checkTimeoutMs);
    } finally {
      deadline.dispose();
    }
  }

  return async (within) => {
    const checkedAt = clock();
    const [endpoint, stream, lakeBucket] = await Promise.all([
      check('endpoint', within, async (abortSignal) => {
        const out = await props.sagemaker.send(new DescribeEndpointCommand({ EndpointName: props.endpointName }), { abortSignal });
        return judgeEndpoint(out.EndpointStatus, out.FailureReason);
      }),
      check('stream', within, async (abortSignal) => {
        const out = await props.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: props.streamName }), { abortSignal });
        return judgeStream(out.StreamDescriptionSummary?.StreamStatus);
      }),
      check('lakeBucket', within, async (abortSignal) => {
        await props.s3.send(new HeadBucketCommand({ Bucket: props.bucket }), { abortSignal });
        return { status: 'ok' } as const;
      }),
    ]);
    return readinessReport({ endpoint, stream, lakeBucket }, checkedAt);
  };
}
