/**
 * The web console in AWS: its files in a private S3 bucket (all public access blocked, TLS
 * only, read by CloudFront alone through origin access control), served by a CloudFront
 * distribution over HTTPS only (HTTP is redirected) with the security headers the local
 * adapter sends (services/control/local/console-files.ts). The console is built at synth by
 * the same script as locally; `deploy` uploads it with a config.json naming the deployed API.
 *
 * Made in two steps because the API and the console know each other: the API's CORS allows
 * the distribution's origin, and the config names the API. The CSP's connect-src allows the
 * region's execute-api hosts rather than this API's own: naming it would make the headers
 * policy depend on the API, which depends (CORS) on the distribution, which uses the policy.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aws, Duration } from 'aws-cdk-lib';
import {
  AllowedMethods, CachePolicy, Distribution, HeadersFrameOption, HeadersReferrerPolicy, PriceClass, ResponseHeadersPolicy, SecurityPolicyProtocol, ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildConsoleSync } from '../bundling/build-console.ts';
import { consoleCsp } from '../../shared/console-csp.ts';

/** The CSP of the deployed console: as locally, but the API is on its own (execute-api) origin. */
export function deployedConsoleCsp(apiOrigins: string): string {
  return consoleCsp(apiOrigins);
}

export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** https://<distribution domain>: what the API's CORS allows. */
  readonly origin: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Retained with the stack (the default): it holds nothing that a deploy cannot write again,
    // and deleting a bucket that still has files needs a custom resource of its own.
    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
    });
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Strowger console: CSP, nosniff, no framing, no referrer, HSTS',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: deployedConsoleCsp(`https://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Strowger console',
      defaultRootObject: 'index.html',
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
      },
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
  }

  /** Uploads the console built now, and config.json with the deployed API's URL; old files go. */
  deploy(apiUrl: string): BucketDeployment {
    const built = join(mkdtempSync(join(tmpdir(), 'strowger-console-asset-')), 'console');
    buildConsoleSync(built, false);
    return new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [Source.asset(built, { exclude: ['.*'] }), Source.jsonData('config.json', { apiUrl })],
      // no-cache: CloudFront (down to its 1 s minimum) and browsers revalidate every file by
      // its ETag, so a deploy shows at once without an invalidation (whose IAM action has no
      // resource narrower than "*").
      cacheControl: [CacheControl.noCache()],
      prune: true,
    });
  }
}
