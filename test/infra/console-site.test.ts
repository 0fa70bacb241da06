// The web console in the control stack as CloudFormation sees it: a private bucket (public
// access blocked, TLS only, readable by this distribution alone through origin access control),
// CloudFront redirecting HTTP to HTTPS with the security headers policy, the console built at
// synth and uploaded with a config.json that names the deployed API, and the API's CORS open to
// the distribution's origin only.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { synthPlatform } from '../helpers/platform-synth.ts';

type Resource = { Type: string; Properties: any };

describe('console site', () => {
  const platform = synthPlatform();
  const template = platform.templates.control;
  const only = (type: string): [string, Resource] => {
    const found = Object.entries(template.findResources(type) as Record<string, Resource>);
    assert.equal(found.length, 1, type);
    return found[0]!;
  };
  const [bucketId, bucket] = only('AWS::S3::Bucket');
  const [distributionId, distribution] = only('AWS::CloudFront::Distribution');
  const [oacId, oac] = only('AWS::CloudFront::OriginAccessControl');
  const [headersId, headers] = only('AWS::CloudFront::ResponseHeadersPolicy');
  const [, deployment] = only('Custom::CDKBucketDeployment');

  it('the bucket is private: every public access blocked, encrypted, TLS only, and only this distribution may read it', () => {
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    assert.equal(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm, 'AES256');
    assert.deepEqual(bucket.Properties.OwnershipControls.Rules, [{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    assert.equal(bucket.Properties.WebsiteConfiguration, undefined, 'no website endpoint');
    const [, policy] = only('AWS::S3::BucketPolicy');
    assert.deepEqual(policy.Properties.Bucket, { Ref: bucketId });
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    const denyPlain = statements.find((s) => s.Effect === 'Deny');
    assert.deepEqual(denyPlain.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
    const allows = statements.filter((s) => s.Effect === 'Allow');
    assert.equal(allows.length, 1);
    assert.deepEqual(allows[0].Principal, { Service: 'cloudfront.amazonaws.com' });
    assert.equal(allows[0].Action, 's3:GetObject');
    assert.match(JSON.stringify(allows[0].Condition.StringEquals['AWS:SourceArn']), new RegExp(distributionId), 'this distribution only');
  });

  it('CloudFront reads it through origin access control (SigV4, always signed), not a public origin', () => {
    assert.deepEqual(oac.Properties.OriginAccessControlConfig, { ...oac.Properties.OriginAccessControlConfig, OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    const [origin] = distribution.Properties.DistributionConfig.Origins;
    assert.deepEqual(origin.OriginAccessControlId, { 'Fn::GetAtt': [oacId, 'Id'] });
    assert.equal(origin.S3OriginConfig.OriginAccessIdentity, '');
    assert.deepEqual(origin.DomainName, { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] });
  });

  it('HTTPS only (HTTP redirected), GET and HEAD only, index.html at /, with the security headers policy', () => {
    const config = distribution.Properties.DistributionConfig;
    assert.equal(config.DefaultRootObject, 'index.html');
    const behaviour = config.DefaultCacheBehavior;
    assert.equal(behaviour.ViewerProtocolPolicy, 'redirect-to-https');
    assert.deepEqual(behaviour.AllowedMethods, ['GET', 'HEAD']);
    assert.deepEqual(behaviour.ResponseHeadersPolicyId, { Ref: headersId });
    assert.equal(config.CacheBehaviors, undefined, 'one behaviour for everything');
    const security = headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = JSON.stringify(security.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", 'connect-src \'self\' https://*.execute-api.']) assert.ok(csp.includes(directive), directive);
    assert.ok(!csp.includes('unsafe-'), 'no unsafe-inline or unsafe-eval');
    assert.deepEqual(security.ContentTypeOptions, { Override: true });
    assert.deepEqual(security.FrameOptions, { FrameOption: 'DENY', Override: true });
    assert.equal(security.ReferrerPolicy.ReferrerPolicy, 'no-referrer');
    assert.equal(security.StrictTransportSecurity.AccessControlMaxAgeSec, 31_536_000);
    for (const part of Object.values<{ Override: boolean }>(security)) assert.equal(part.Override, true);
  });

  it('the console built at synth is uploaded with config.json naming the deployed API, revalidated on every load', () => {
    assert.deepEqual(deployment.Properties.DestinationBucketName, { Ref: bucketId });
    assert.equal(deployment.Properties.Prune, true, 'old files go');
    assert.deepEqual(deployment.Properties.SystemMetadata, { 'cache-control': 'no-cache' });
    const [filesKey, configKey] = deployment.Properties.SourceObjectKeys as string[];
    const files = platform.assetDir(platform.stacks.control.stackName, filesKey!);
    const names = readdirSync(files);
    for (const name of ['index.html', 'app.js', 'app.css']) assert.ok(names.includes(name), name);
    assert.ok(names.some((n) => /^chunk-.+\.js$/.test(n)), 'the charting chunk');
    assert.ok(!names.includes('config.json') && !names.some((n) => n.startsWith('.')), 'no local config, no build notes');
    assert.match(readFileSync(join(files, 'index.html'), 'utf8'), /src="app.js"/);
    // The config: a marker in the file, replaced at deploy by the HTTP API's endpoint.
    const configDir = platform.assetDir(platform.stacks.control.stackName, configKey!);
    assert.ok(existsSync(join(configDir, 'config.json')));
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { apiUrl: string };
    const marker = Object.keys(deployment.Properties.SourceMarkers[1])[0]!;
    assert.equal(config.apiUrl, marker);
    const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
    assert.deepEqual(deployment.Properties.SourceMarkers[1][marker], { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
  });

  it('the API allows the console\'s origin (and only it) from a browser; the console\'s URL is an output', () => {
    const [, api] = only('AWS::ApiGatewayV2::Api');
    const cors = api.Properties.CorsConfiguration;
    assert.deepEqual(cors.AllowOrigins, [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] }]);
    assert.deepEqual(cors.AllowHeaders.sort(), ['authorization', 'content-type', 'if-match', 'x-api-key']);
    assert.deepEqual(cors.ExposeHeaders, ['etag']);
    assert.equal(cors.AllowCredentials, undefined, 'no cookies: the key goes in a header');
    template.hasOutput('ConsoleUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] } });
  });
});
