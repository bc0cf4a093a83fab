import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import type { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2ApiMapping } from '@cdktf/provider-aws/lib/apigatewayv2-api-mapping';
import { Apigatewayv2DomainName } from '@cdktf/provider-aws/lib/apigatewayv2-domain-name';
import type { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { TerraformIterator, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { PlatformContext } from '../platform-context';

/** What DNS failover needs from the inference API of one region. */
export interface FailoverApiTarget {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  /**
   * Path, relative to the stage, that answers 2xx to an unauthenticated GET while the region can
   * serve predictions (Route 53 health checkers cannot sign requests).
   */
  readonly healthCheckPath: string;
}

export interface DnsFailoverProps {
  readonly context: PlatformContext;
  readonly target: FailoverApiTarget;
  /** Hosted zone of the record. @default config.dns.hostedZoneId */
  readonly hostedZoneId?: string;
  /** DNS name clients call. @default config.dns.apiRecordName */
  readonly recordName?: string;
  /** Seconds between health checks (10 or 30). @default 30 */
  readonly healthCheckIntervalSeconds?: 10 | 30;
  /** Consecutive failed checks before the primary is considered down (1-10). @default 3 */
  readonly healthCheckFailureThreshold?: number;
}

/** The path the health checker requests on the API's execute-api host: `$default` stages have no prefix. */
export function healthCheckResourcePath(stageName: string, path: string): string {
  const relative = path.startsWith('/') ? path : `/${path}`;
  return stageName === '$default' ? relative : `/${stageName}${relative}`;
}

/**
 * Route 53 failover for the inference API, one half per regional stack: each region gets an ACM
 * certificate and an API Gateway custom domain for the same name (the name clients use must be one
 * the API answers to), and a failover alias record in the shared hosted zone: PRIMARY with a
 * health check on the primary API, SECONDARY pointing at the DR API. When the primary's health
 * check fails, Route 53 answers with the DR record.
 *
 * Only instantiated when `config.dns.hostedZoneId` is set.
 */
export class DnsFailover extends Construct {
  readonly certificate: AcmCertificate;
  readonly domainName: Apigatewayv2DomainName;
  readonly record: Route53Record;
  readonly healthCheck?: Route53HealthCheck;

  constructor(scope: Construct, id: string, props: DnsFailoverProps) {
    super(scope, id);
    const { context, target } = props;
    const { config, naming, role, region } = context;
    const zoneId = props.hostedZoneId ?? config.dns.hostedZoneId;
    const recordName = props.recordName ?? config.dns.apiRecordName;
    if (!zoneId || !recordName) {
      throw new Error(`DnsFailover needs dns.hostedZoneId and dns.apiRecordName (got "${zoneId}" and "${recordName}")`);
    }

    this.certificate = new AcmCertificate(this, 'certificate', {
      domainName: recordName,
      validationMethod: 'DNS',
      lifecycle: { createBeforeDestroy: true },
    });
    const validationOptions = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, 'domain_name');
    const validationRecords = new Route53Record(this, 'validation-record', {
      forEach: validationOptions,
      zoneId,
      name: validationOptions.getString('resource_record_name'),
      type: validationOptions.getString('resource_record_type'),
      records: [validationOptions.getString('resource_record_value')],
      ttl: 300,
      // Both regional stacks validate a certificate for the same name, which yields the same record.
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, 'certificate-validation', {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(validationRecords).pluckProperty('fqdn')),
    });

    this.domainName = new Apigatewayv2DomainName(this, 'domain', {
      domainName: recordName,
      domainNameConfiguration: { certificateArn: validation.certificateArn, endpointType: 'REGIONAL', securityPolicy: 'TLS_1_2' },
    });
    new Apigatewayv2ApiMapping(this, 'mapping', { apiId: target.api.id, domainName: this.domainName.id, stage: target.stage.id });

    if (role === 'primary') {
      this.healthCheck = new Route53HealthCheck(this, 'health-check', {
        type: 'HTTPS',
        // The regional execute-api host, not the failover name: checking the name itself would
        // follow the failover and report the DR region's health once it took over.
        fqdn: `${target.api.id}.execute-api.${region}.amazonaws.com`,
        port: 443,
        resourcePath: healthCheckResourcePath(target.stage.nameInput ?? target.stage.name, target.healthCheckPath),
        requestInterval: props.healthCheckIntervalSeconds ?? 30,
        failureThreshold: props.healthCheckFailureThreshold ?? 3,
        enableSni: true,
        measureLatency: true,
        tags: { Name: naming.regional('api-health', region) },
      });
    }

    const configuration = this.domainName.domainNameConfiguration;
    this.record = new Route53Record(this, 'failover-record', {
      zoneId,
      name: recordName,
      type: 'A',
      setIdentifier: `${naming.prefix}-${role}`,
      failoverRoutingPolicy: { type: role === 'primary' ? 'PRIMARY' : 'SECONDARY' },
      healthCheckId: this.healthCheck?.id,
      alias: { name: configuration.targetDomainName, zoneId: configuration.hostedZoneId, evaluateTargetHealth: true },
    });
  }
}
