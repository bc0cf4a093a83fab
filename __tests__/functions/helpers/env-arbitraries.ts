/** fast-check arbitraries of environment values the functions accept, built from their parts. */
import * as fc from 'fast-check';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const alphanumeric = fc.constantFrom(...`${LOWER}0123456789`.split(''));

/** 3-63 lowercase letters, digits, dots and hyphens, starting and ending alphanumeric. */
export const bucketName = fc
  .tuple(alphanumeric, fc.array(fc.constantFrom(...`${LOWER}0123456789.-`.split('')), { minLength: 1, maxLength: 61 }), alphanumeric)
  .map(([first, middle, last]) => `${first}${middle.join('')}${last}`);

const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov');
export const regionName = fc.constantFrom('us-east-1', 'eu-west-2', 'ap-southeast-3', 'us-gov-west-1', 'cn-north-1');
const account = fc.stringMatching(/^\d{12}$/);
const kmsResource = fc.oneof(
  fc.uuid().map((id) => `key/${id}`),
  fc.stringMatching(/^[A-Za-z0-9/_-]{1,40}$/).map((name) => `alias/${name}`),
);

export const kmsKeyArn = fc.tuple(partition, regionName, account, kmsResource).map(([p, r, a, k]) => `arn:${p}:kms:${r}:${a}:${k}`);
export const snsTopicArn = fc
  .tuple(partition, regionName, account, fc.stringMatching(/^[A-Za-z0-9_-]{1,256}$/))
  .map(([p, r, a, t]) => `arn:${p}:sns:${r}:${a}:${t}`);
