/** The loader's two S3 uses, each bounded by the invocation's deadline: COPY manifests and the object look-up. */
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Deadline } from '../shared/deadline';
import type { ManifestWriter, ObjectInspector, ObjectState } from './loader';

async function withDeadline<T>(deadlineMs: number, call: (deadline: Deadline) => Promise<T>): Promise<T> {
  const deadline = Deadline.at(deadlineMs);
  try {
    return await call(deadline);
  } finally {
    deadline.dispose();
  }
}

export function s3ManifestWriter(s3: S3Client): ManifestWriter {
  return {
    put: (bucket, key, body, deadlineMs) =>
      withDeadline(deadlineMs, async (deadline) => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }), deadline.sendOptions());
      }),
  };
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** HEAD with If-Match on the notification's ETag: 412 means the key now holds another version, 404 that it holds none. */
export function s3ObjectInspector(s3: S3Client): ObjectInspector {
  return {
    inspect: (bucket, key, etag, deadlineMs) =>
      withDeadline(deadlineMs, async (deadline): Promise<ObjectState> => {
        try {
          const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, IfMatch: `"${etag}"` }), deadline.sendOptions());
          if (head.ContentLength === undefined) throw new Error(`S3 HEAD of s3://${bucket}/${key} answered without a Content-Length`);
          return { status: 'current', bytes: head.ContentLength };
        } catch (error) {
          const status = httpStatus(error);
          if (status === 412) return { status: 'superseded' };
          if (status === 404) return { status: 'gone' };
          throw error;
        }
      }),
  };
}
