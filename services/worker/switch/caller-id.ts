/**
 * The caller ID an outbound leg presents, as chan_iax2 builds it: a route's rewrite first,
 * then the calling user's own `callerid=`, then what the caller sent; `shrinkcallerid` (on by
 * default, as in Asterisk) strips the punctuation people type into numbers: ( ) - . and spaces.
 */
import type { RouteConfig } from '../../../shared/model/route.ts';
import type { IncomingCallInfo } from '../../iax2/engine/incoming-call.ts';

export interface CallerId {
  number?: string;
  name?: string;
}

export function shrinkNumber(number: string): string {
  return number.replace(/[()\-.\s]/g, '');
}

export function callerIdFor(info: IncomingCallInfo, route: RouteConfig, shrink = true): CallerId {
  const number = route.callerIdRewrite?.number ?? info.user?.callerId?.number ?? info.callingNumber;
  const name = route.callerIdRewrite?.name ?? info.user?.callerId?.name ?? info.callingName;
  const callerId: CallerId = {};
  if (number !== undefined && number !== '') callerId.number = shrink ? shrinkNumber(number) : number;
  if (name !== undefined && name !== '') callerId.name = name;
  return callerId;
}
