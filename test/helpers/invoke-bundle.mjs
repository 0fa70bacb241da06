// Loads a bundled Lambda (index.mjs, as the Node 22 runtime would: an ES module, its handler
// export) and invokes it with each event read from stdin (a JSON array), in order, in one
// warm container; prints the results as one JSON array. Configuration comes from the
// environment, read by the bundle at module scope as in AWS.
import { pathToFileURL } from 'node:url';

const [bundle] = process.argv.slice(2);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const events = JSON.parse(input);
const { handler } = await import(pathToFileURL(bundle).href);
if (typeof handler !== 'function') throw new Error(`${bundle} exports no handler`);
const results = [];
for (const event of events) results.push(await handler(event, { functionName: 'bundle-test', awsRequestId: `r${results.length}` }));
process.stdout.write(JSON.stringify(results));
