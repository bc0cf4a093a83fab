/**
 * Reads the synthesized Terraform JSON of a stack the way `terraform apply` would see it, for the
 * local run: finds resources and resolves `${type.name.attribute}` interpolations to the values
 * they take once applied against the local stand-ins (account 123456789012, the stack's region).
 *
 * Only what the local run needs is resolvable: attributes set in the configuration, ARNs and
 * ids/urls that AWS derives from a name, and the caller-identity/region data sources. Anything
 * else (a Terraform function call, an attribute AWS generates) throws, naming the expression,
 * instead of silently becoming a wrong value.
 */

export type TerraformBlock = Record<string, unknown>;

export interface TerraformJson {
  readonly resource?: Record<string, Record<string, TerraformBlock>>;
  readonly data?: Record<string, Record<string, TerraformBlock>>;
}

export interface ResolveContext {
  readonly accountId: string;
  readonly region: string;
  /** Base URL of the local SQS endpoint, for queue urls (`<endpoint>/<account>/<name>`). */
  readonly sqsEndpoint?: string;
}

export class UnresolvableError extends Error {
  constructor(readonly expression: string, reason: string) {
    super(`cannot resolve \${${expression}} for the local run: ${reason}`);
    this.name = 'UnresolvableError';
  }
}

export function resourcesOfType(stack: TerraformJson, type: string): [string, TerraformBlock][] {
  return Object.entries(stack.resource?.[type] ?? {});
}

/** The single resource of `type` matching `predicate`; throws naming the type when there are none or several. */
export function onlyResource(stack: TerraformJson, type: string, what: string, predicate: (block: TerraformBlock, name: string) => boolean = () => true): [string, TerraformBlock] {
  const found = resourcesOfType(stack, type).filter(([name, block]) => predicate(block, name));
  if (found.length !== 1) {
    throw new Error(`the synthesized stack has ${found.length} ${type} resources for ${what} (expected exactly one)`);
  }
  return found[0]!;
}

/** `${aws_sqs_queue.dlq.arn}` -> { type, name, attribute }; undefined unless the whole string is one reference. */
export function parseReference(value: string): { type: string; name: string; attribute: string; data: boolean } | undefined {
  const m = /^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(value);
  if (!m) return undefined;
  return { data: m[1] !== undefined, type: m[2]!, name: m[3]!, attribute: m[4]! };
}

const NAME_ATTRIBUTE: Readonly<Record<string, string>> = {
  aws_s3_bucket: 'bucket',
  aws_kinesis_stream: 'name',
  aws_sqs_queue: 'name',
  aws_lambda_function: 'function_name',
  aws_redshift_cluster: 'cluster_identifier',
  aws_sagemaker_endpoint: 'name',
  aws_glue_catalog_database: 'name',
  aws_glue_catalog_table: 'name',
  aws_athena_workgroup: 'name',
  aws_sns_topic: 'name',
};

function arnOf(type: string, name: string, ctx: ResolveContext): string | undefined {
  const { region, accountId } = ctx;
  switch (type) {
    case 'aws_s3_bucket':
      return `arn:aws:s3:::${name}`;
    case 'aws_kinesis_stream':
      return `arn:aws:kinesis:${region}:${accountId}:stream/${name}`;
    case 'aws_sqs_queue':
      return `arn:aws:sqs:${region}:${accountId}:${name}`;
    case 'aws_lambda_function':
      return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
    case 'aws_sagemaker_endpoint':
      return `arn:aws:sagemaker:${region}:${accountId}:endpoint/${name.toLowerCase()}`;
    case 'aws_sns_topic':
      return `arn:aws:sns:${region}:${accountId}:${name}`;
    case 'aws_redshift_cluster':
      return `arn:aws:redshift:${region}:${accountId}:cluster:${name}`;
    default:
      return undefined;
  }
}

export class TerraformResolver {
  constructor(
    private readonly stack: TerraformJson,
    private readonly ctx: ResolveContext,
  ) {}

  block(type: string, name: string, data = false): TerraformBlock {
    const block = (data ? this.stack.data : this.stack.resource)?.[type]?.[name];
    if (!block) throw new UnresolvableError(`${data ? 'data.' : ''}${type}.${name}`, 'no such block in the synthesized stack');
    return block;
  }

  /** Resolves every `${...}` in a string (a whole-string reference keeps the referenced value's type). */
  resolve(value: unknown, depth = 0): unknown {
    if (depth > 20) throw new Error('reference cycle while resolving the synthesized stack');
    if (typeof value === 'string') {
      const whole = parseReference(value);
      if (whole) return this.attribute(whole.type, whole.name, whole.attribute, whole.data, depth);
      if (!value.includes('${')) return value;
      return value.replace(/\$\{([^}]*)\}/g, (_m, expr: string) => {
        const ref = parseReference(`\${${expr}}`);
        if (!ref) throw new UnresolvableError(expr, 'only plain resource and data-source references are supported');
        return String(this.attribute(ref.type, ref.name, ref.attribute, ref.data, depth));
      });
    }
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, depth + 1));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, depth + 1)]));
    }
    return value;
  }

  string(value: unknown, what: string): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') throw new Error(`${what} resolved to ${JSON.stringify(resolved)}, expected a string`);
    return resolved;
  }

  /** The resource a whole-string reference points at, e.g. the queue behind `${aws_sqs_queue.x.arn}`. */
  target(value: unknown, expectedType: string): { name: string; block: TerraformBlock } {
    const ref = typeof value === 'string' ? parseReference(value) : undefined;
    if (!ref || ref.data || ref.type !== expectedType) throw new Error(`expected a reference to a ${expectedType}, got ${JSON.stringify(value)}`);
    return { name: ref.name, block: this.block(ref.type, ref.name) };
  }

  private attribute(type: string, name: string, attribute: string, data: boolean, depth: number): unknown {
    const expr = `${data ? 'data.' : ''}${type}.${name}.${attribute}`;
    if (data) {
      if (type === 'aws_caller_identity' && attribute === 'account_id') return this.ctx.accountId;
      if (type === 'aws_region' && (attribute === 'name' || attribute === 'region' || attribute === 'id')) {
        const configured = this.block(type, name, true).region;
        return typeof configured === 'string' ? configured : this.ctx.region;
      }
      if (type === 'aws_partition' && attribute === 'partition') return 'aws';
      throw new UnresolvableError(expr, 'data source not available locally');
    }
    const block = this.block(type, name);
    if (attribute in block) return this.resolve(block[attribute], depth + 1);
    const nameAttr = NAME_ATTRIBUTE[type];
    const ownName = nameAttr && nameAttr in block ? String(this.resolve(block[nameAttr], depth + 1)) : undefined;
    if (ownName !== undefined) {
      if (attribute === 'arn') {
        const arn = arnOf(type, ownName, this.ctx);
        if (arn) return arn;
      }
      if (attribute === 'id' || attribute === 'bucket' || attribute === 'name') {
        if (type === 'aws_sqs_queue' && attribute === 'id') return this.queueUrl(ownName);
        return ownName;
      }
      if (type === 'aws_sqs_queue' && attribute === 'url') return this.queueUrl(ownName);
    }
    throw new UnresolvableError(expr, `attribute "${attribute}" is neither configured nor derivable from the resource name`);
  }

  private queueUrl(name: string): string {
    if (!this.ctx.sqsEndpoint) throw new UnresolvableError(`queue url of ${name}`, 'no local SQS endpoint given');
    return `${this.ctx.sqsEndpoint}/${this.ctx.accountId}/${name}`;
  }
}
