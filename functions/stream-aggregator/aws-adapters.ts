/**
 * The aggregator's ports on S3 and SNS, built per invocation around its deadline: every call
 * carries the deadline's signal, so a connection that never answers fails the invocation well
 * before the function timeout. Errors propagate: the invocation fails and Lambda retries it with
 * the window state it had before, so nothing is half-counted.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { Deadline } from '../shared/deadline';
import type { AggregateStore, AlertPublisher } from './aggregator';
import type { AlertMessage } from './rules';

/** Lent from the reserve to giving back an alert claim after a failed publish, which may have failed at the deadline. */
export const CLAIM_RELEASE_GRACE_MS = 1_000;

const NO_DEADLINE = Deadline.fromContext(undefined, 0);

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(e) === 404;
}

export class S3AggregateStore implements AggregateStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly kmsKeyArn?: string,
    private readonly deadline: Deadline = NO_DEADLINE,
  ) {}

  private encryption() {
    return this.kmsKeyArn ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.kmsKeyArn, BucketKeyEnabled: true } : {};
  }

  async putObject(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ...this.encryption() }),
      this.deadline.sendOptions(),
    );
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), this.deadline.sendOptions());
      return (await out.Body?.transformToString('utf8')) ?? '';
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), this.deadline.sendOptions());
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        this.deadline.sendOptions(),
      );
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async createIfAbsent(key: string, body: string, contentType: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*', ...this.encryption() }),
        this.deadline.sendOptions(),
      );
      return true;
    } catch (e) {
      // 412: the key exists; 409: a concurrent conditional write to the same key is in flight.
      const status = statusOf(e);
      if (status === 412 || status === 409 || (e as { name?: string })?.name === 'PreconditionFailed') return false;
      throw e;
    }
  }

  /** The aggregator deletes only to give back a claim after a failure, so this call may use a little of the reserve. */
  async deleteObject(key: string): Promise<void> {
    const grace = this.deadline.extended(CLAIM_RELEASE_GRACE_MS);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), grace.sendOptions());
    } finally {
      grace.dispose();
    }
  }
}

export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    private readonly deadline: Deadline = NO_DEADLINE,
  ) {}

  async publish(message: AlertMessage): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: message.subject,
        Message: message.message,
        MessageAttributes: { source: { DataType: 'String', StringValue: 'stream-aggregator' } },
      }),
      this.deadline.sendOptions(),
    );
  }
}
