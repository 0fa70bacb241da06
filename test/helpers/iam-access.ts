// Reads a synthesized template's IAM policies back into "who may do what to which table":
// each role's statements, with every table named by the data stack's export it resolves to.
import type { Template } from 'aws-cdk-lib/assertions';

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{ Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } } }>;
  return policies
    .filter((p) => p.Properties.Roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/**
 * Table key -> 'read' | 'write' | 'readWrite' from the DynamoDB statements: a table (or its
 * indexes) with GetItem is read, with PutItem written. Stream access is reported as `<key>Stream`.
 */
export function tableAccessOf(statements: Statement[]): Record<string, string> {
  const actions = new Map<string, Set<string>>();
  for (const statement of statements) {
    const dynamo = actionsOf(statement).filter((a) => a.startsWith('dynamodb:'));
    if (dynamo.length === 0) continue;
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const resource of resources) {
      const text = JSON.stringify(resource);
      const match = /Tables([A-Z][a-z]+)Table[0-9A-F]{8}(StreamArn)?/.exec(text);
      if (match === null) continue;
      const key = `${match[1]!.toLowerCase()}${match[2] === undefined ? '' : 'Stream'}`;
      const set = actions.get(key) ?? new Set<string>();
      for (const action of dynamo) set.add(action);
      actions.set(key, set);
    }
  }
  const access: Record<string, string> = {};
  for (const [key, set] of actions) {
    if (key.endsWith('Stream')) access[key] = [...set].sort().join(',');
    else access[key] = set.has('dynamodb:GetItem') && set.has('dynamodb:PutItem') ? 'readWrite' : set.has('dynamodb:GetItem') ? 'read' : set.has('dynamodb:PutItem') ? 'write' : [...set].join(',');
  }
  return access;
}

/** Every statement in the template whose Resource is "*" (or lists it), with its actions. */
export function wildcardStatements(template: Template): string[][] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{ Properties: { PolicyDocument: { Statement: Statement[] } } }>;
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')))
    .map((s) => actionsOf(s).sort());
}

export function allActions(template: Template): string[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{ Properties: { PolicyDocument: { Statement: Statement[] } } }>;
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap(actionsOf);
}
