/**
 * The HTTP API (payload v2): every path goes to the API function behind the API-key Lambda
 * authorizer, except the OpenAPI document, which is public (it says what the API is, never
 * what is in it). The authorizer gets no identity source and no cache: it runs on every
 * request, so `Authorization: Bearer` and `x-api-key` both work (as locally) and a revoked
 * key stops working at once rather than at the end of a cache period.
 */
import { Duration } from 'aws-cdk-lib';
import type { CfnStage} from 'aws-cdk-lib/aws-apigatewayv2';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpNoneAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { countAlarm } from './alarm-topic.ts';

export interface ControlApiProps {
  api: IFunction;
  authorizer: IFunction;
  /** Stage-wide request rate and burst (per-tenant limits are the application's). */
  throttle: { rateLimit: number; burstLimit: number };
  /** Origins whose pages may call the API from a browser (the web console's); none when empty. */
  corsOrigins?: string[];
}

export const PUBLIC_PATHS = ['/v1/openapi.json'] as const;

export class ControlApi extends Construct {
  readonly httpApi: HttpApi;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: ControlApiProps) {
    super(scope, id);
    const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', props.authorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    const integration = new HttpLambdaIntegration('Api', props.api);
    // CORS for the console's origin only: API Gateway answers the preflights itself (they carry
    // no key), and the key still goes in a header, never a cookie, so CORS grants no access.
    const cors = props.corsOrigins === undefined || props.corsOrigins.length === 0 ? undefined : {
      allowOrigins: props.corsOrigins,
      allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
      allowHeaders: ['authorization', 'content-type', 'if-match', 'x-api-key'],
      exposeHeaders: ['etag'],
      maxAge: Duration.hours(1),
    };
    this.httpApi = new HttpApi(this, 'HttpApi', { description: 'Strowger control plane', defaultAuthorizer: authorizer, createDefaultStage: true, ...(cors === undefined ? {} : { corsPreflight: cors }) });
    this.httpApi.addRoutes({ path: '/{proxy+}', methods: [HttpMethod.ANY], integration });
    for (const path of PUBLIC_PATHS) this.httpApi.addRoutes({ path, methods: [HttpMethod.GET], integration, authorizer: new HttpNoneAuthorizer() });
    const stage = this.httpApi.defaultStage?.node.defaultChild as CfnStage;
    stage.defaultRouteSettings = { throttlingRateLimit: props.throttle.rateLimit, throttlingBurstLimit: props.throttle.burstLimit };

    this.alarms = [
      countAlarm(this, 'ServerErrors', {
        description: 'The control API answered 5xx (a handler failed or timed out)',
        metric: this.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 5,
      }),
      countAlarm(this, 'AuthorizerErrors', {
        description: 'The API-key authorizer failed (errors, not refusals): every request is refused while it does',
        metric: props.authorizer.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      }),
    ];
  }
}
