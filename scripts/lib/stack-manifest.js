#!/usr/bin/env node
/*
 * Reads one synthesized stack (cdktf.out/stacks/<stack>/cdk.tf.json) and prints, one per line and
 * tab-separated, what the operations scripts need to find in AWS: the stack's region and the
 * names of its streams, functions, queues, endpoint, cluster, API, dashboard, buckets, replication
 * rule and alarm rules. Names are deterministic in this project, so the synthesized stack is
 * the source of truth; `${data.aws_caller_identity.current.account_id}` is replaced by the account
 * id given as the second argument, and references to other resources' name attributes are followed.
 *
 * Usage: node scripts/lib/stack-manifest.js <cdk.tf.json> [account-id]
 * Lines:
 *   region      <region>
 *   stream      <name> <consumed: yes|no>
 *   function    <name>
 *   queue       <name> <dead-letter: yes|no>
 *   endpoint    <name> <variant,variant,...>
 *   cluster     <identifier>
 *   api         <name> <stage>
 *   dashboard   <name>
 *   bucket      <name> <force_destroy: true|false> <lifecycle summary>
 *   replication <source bucket> <destination bucket> <rule id>
 *   output      <name> <value>  (outputs whose value is known at synth: literals and resolvable names)
 *   alarm       <metric, or rate(<metric>) for a ratio> <first dimension value> <threshold> <comparison>
 *               <statistic> <period seconds> <evaluation periods> <datapoints to alarm> <treat missing data>
 *               <dimensions: Name=Value,...> <role: alert | rollback>
 * An alarm line is the rule of one CloudWatch alarm with a static threshold, as synthesized: monitor.sh judges its
 * checks by it. For a ratio the statistic, period and dimensions are the numerator's. A `rollback` alarm guards an
 * endpoint deployment (its auto-rollback configuration names it); every other alarm alerts.
 * Exit status: 0, or 2 when the file is missing or not a synthesized stack.
 */
// @ts-check
'use strict';

const fs = require('fs');
const { SynthesizedStackView, addressesReferencedBy, parseReference, referencesIn, replaceReferences } = require('../../stacks/synthesized-stack');

/**
 * Attributes of a referenced resource that hold the name the reference stands for (a bucket's ARN and id both name the bucket).
 * @type {Readonly<Record<string, readonly string[]>>}
 */
const NAME_ATTRIBUTES = {
  id: ['bucket', 'name', 'function_name', 'cluster_identifier'],
  arn: ['bucket'],
  name: ['name'],
  bucket: ['bucket'],
  function_name: ['function_name'],
};

/** @param {string} message @returns {never} */
function fail(message) {
  process.stderr.write(`stack-manifest: ${message}\n`);
  process.exit(2);
}

const [file, accountId = ''] = process.argv.slice(2);
if (!file) fail('usage: stack-manifest.js <cdk.tf.json> [account-id]');
/** @type {import('../../stacks/synthesized-stack').SynthesizedStack} */
let json;
try {
  json = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (error) {
  fail(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
}
const stack = new SynthesizedStackView(json);
/**
 * The resources of a type as [logical id, configuration] pairs; configurations are read loosely, as the JSON they are.
 * @param {string} type
 * @returns {[string, Record<string, any>][]}
 */
const ofType = (type) => stack.ofType(type).map((r) => [r.logicalId, r.config]);

/**
 * A literal name, with the account id substituted and whole-string references followed; undefined when unknown.
 * @param {unknown} value
 * @returns {string | undefined}
 */
function resolve(value, depth = 0) {
  if (typeof value !== 'string' || depth > 4) return undefined;
  const reference = parseReference(value);
  if (reference) {
    const target = stack.target(reference);
    if (!target || reference.attribute === undefined) return undefined;
    for (const candidate of NAME_ATTRIBUTES[reference.attribute] || [reference.attribute]) {
      const resolved = resolve(target.config[candidate], depth + 1);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  const isAccountId = (/** @type {import('../../stacks/synthesized-stack').Reference} */ r) => r.type === 'aws_caller_identity' && r.attribute === 'account_id';
  const substituted = accountId ? replaceReferences(value, (r) => (isAccountId(r) ? accountId : undefined)) : value;
  return substituted.includes('${') ? undefined : substituted;
}

/**
 * Whether a value references the resource `type.id`.
 * @param {unknown} value @param {string} type @param {string} id
 */
const referencesTo = (value, type, id) => referencesIn(value).some((r) => r.address === `${type}.${id}`);
/** @param {unknown} value @returns {Record<string, any>[]} */
const blocks = (value) => (Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : []);
/** @type {string[]} */
const lines = [];
/** @param {...unknown} fields */
const emit = (...fields) => lines.push(fields.map((f) => String(f).replace(/[\t\n]/g, ' ')).join('\t'));

const provider = (json.provider?.aws ?? []).find((p) => !p.alias);
if (!provider || !provider.region) fail(`${file} has no default aws provider with a region: not a synthesized stack of this app`);
emit('region', provider.region);

const mappings = ofType('aws_lambda_event_source_mapping').map(([, m]) => m);
for (const [id, stream] of ofType('aws_kinesis_stream')) {
  const name = resolve(stream.name);
  if (name) emit('stream', name, mappings.some((m) => referencesTo(m.event_source_arn, 'aws_kinesis_stream', id)) ? 'yes' : 'no');
}
for (const [, fn] of ofType('aws_lambda_function')) {
  const name = resolve(fn.function_name);
  if (name) emit('function', name);
}

const failureDestinations = mappings.flatMap((m) =>
  blocks(m.destination_config)
    .flatMap((d) => blocks(d.on_failure))
    .map((f) => f.destination_arn),
);
const redriveTargets = ofType('aws_sqs_queue')
  .map(([, q]) => q.redrive_policy)
  .concat(ofType('aws_sqs_queue_redrive_policy').map(([, r]) => r.redrive_policy))
  .filter((p) => typeof p === 'string');
for (const [id, queue] of ofType('aws_sqs_queue')) {
  const name = resolve(queue.name);
  if (!name) continue;
  const dead =
    failureDestinations.some((arn) => referencesTo(arn, 'aws_sqs_queue', id)) ||
    redriveTargets.some((p) => referencesTo(p, 'aws_sqs_queue', id)) ||
    /dlq|dead-letter|on-failure/i.test(name);
  emit('queue', name, dead ? 'yes' : 'no');
}

for (const [, endpoint] of ofType('aws_sagemaker_endpoint')) {
  const name = resolve(endpoint.name);
  if (!name) continue;
  const configRef = parseReference(endpoint.endpoint_config_name);
  const configs =
    configRef?.type === 'aws_sagemaker_endpoint_configuration'
      ? [stack.target(configRef)?.config ?? {}]
      : ofType('aws_sagemaker_endpoint_configuration').map(([, c]) => c);
  const variants = configs.flatMap((c) => blocks(c.production_variants || c.production_variant).map((v) => v.variant_name)).filter(Boolean);
  emit('endpoint', name, [...new Set(variants)].join(','));
}
for (const [, cluster] of ofType('aws_redshift_cluster')) {
  const id = resolve(cluster.cluster_identifier);
  if (id) emit('cluster', id);
}
for (const [apiId, api] of ofType('aws_apigatewayv2_api')) {
  const name = resolve(api.name);
  if (!name) continue;
  const stage = ofType('aws_apigatewayv2_stage')
    .map(([, s]) => s)
    .find((s) => referencesTo(s.api_id, 'aws_apigatewayv2_api', apiId));
  emit('api', name, (stage && resolve(stage.name)) || '$default');
}
for (const [, dashboard] of ofType('aws_cloudwatch_dashboard')) {
  const name = resolve(dashboard.dashboard_name);
  if (name) emit('dashboard', name);
}

/** @param {string} bucketId */
function lifecycleSummary(bucketId) {
  const configs = ofType('aws_s3_bucket_lifecycle_configuration')
    .map(([, c]) => c)
    .filter((c) => referencesTo(c.bucket, 'aws_s3_bucket', bucketId));
  const parts = configs.flatMap((c) =>
    blocks(c.rule)
      .filter((r) => r.status === 'Enabled')
      .flatMap((r) => {
        const prefix = blocks(r.filter)
          .map((f) => f.prefix)
          .find(Boolean);
        const scope = prefix ? `${prefix} ` : '';
        return [
          ...blocks(r.expiration)
            .filter((e) => e.days)
            .map((e) => `${scope}objects expire after ${e.days} d`),
          ...blocks(r.noncurrent_version_expiration)
            .filter((e) => e.noncurrent_days)
            .map((e) => `${scope}old versions after ${e.noncurrent_days} d`),
        ];
      }),
  );
  return parts.length > 0 ? parts.join('; ') : 'nothing expires';
}
for (const [id, bucket] of ofType('aws_s3_bucket')) {
  const name = resolve(bucket.bucket);
  if (name) emit('bucket', name, bucket.force_destroy === true ? 'true' : 'false', lifecycleSummary(id));
}

for (const [, replication] of ofType('aws_s3_bucket_replication_configuration')) {
  const source = resolve(replication.bucket);
  for (const rule of blocks(replication.rule)) {
    const destination = blocks(rule.destination)[0] || {};
    const destinationArn = destination.bucket || '';
    const destinationName = resolve(destinationArn) || resolve(destinationArn.replace(/^arn:aws:s3:::/, ''));
    if (source && destinationName && rule.id) emit('replication', source, destinationName, rule.id);
  }
}

/** @type {Record<string, { value?: unknown }>} */
const outputs = /** @type {any} */ (json).output ?? {};
for (const [name, output] of Object.entries(outputs)) {
  const value = typeof output.value === 'number' ? String(output.value) : resolve(output.value);
  if (value !== undefined) emit('output', name, value);
}

// Alarms an endpoint rolls a deployment back on guard that deployment; the others alert (monitor.sh judges by those).
const rollbackAlarms = new Set(ofType('aws_sagemaker_endpoint').flatMap(([, e]) => addressesReferencedBy(e.deployment_config)));
for (const [id, alarm] of ofType('aws_cloudwatch_metric_alarm')) {
  if (typeof alarm.threshold !== 'number') continue;
  const [metric] = alarm.metric_name ? [alarm] : blocks(alarm.metric_query).flatMap((q) => blocks(q.metric));
  if (!metric) continue;
  const dimensions = Object.entries(metric.dimensions || {}).map(([dimension, value]) => [dimension, resolve(value) || '-']);
  emit(
    'alarm',
    alarm.metric_name ? metric.metric_name : `rate(${metric.metric_name})`,
    dimensions.length > 0 ? dimensions[0][1] : '-',
    alarm.threshold,
    alarm.comparison_operator,
    metric.statistic || metric.extended_statistic || metric.stat,
    metric.period,
    alarm.evaluation_periods,
    alarm.datapoints_to_alarm ?? alarm.evaluation_periods,
    alarm.treat_missing_data || 'missing',
    dimensions.map(([dimension, value]) => `${dimension}=${value}`).join(',') || '-',
    rollbackAlarms.has(`aws_cloudwatch_metric_alarm.${id}`) ? 'rollback' : 'alert',
  );
}

process.stdout.write(lines.join('\n') + '\n');
