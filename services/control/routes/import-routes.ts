/** Config import: the tenant's iax.conf and extensions.conf, all or nothing. */
import type { Logger } from '../../../shared/logger.ts';
import type { AllowedNetworks } from '../../../shared/model/peer-address-policy.ts';
import type { Stores } from '../../../shared/store/stores.ts';
import { ImportBody, ImportResult } from '../http/api-schemas.ts';
import type { Router } from '../http/router.ts';
import { runImport } from '../import/conf-import.ts';
import { tenantScope } from './access.ts';

export function importRoutes(router: Router, stores: Pick<Stores, 'peers' | 'routes' | 'tenants'>, logger: Logger, allowedHosts: AllowedNetworks): void {
  router.add({
    method: 'POST', path: '/v1/tenants/{tenant}/import', summary: 'Import iax.conf and extensions.conf files: all or nothing; problems name file:line',
    body: ImportBody,
    response: { status: 200, description: 'What was (or, with dryRun, would be) created and updated', schema: ImportResult },
    handler: async (req) => ({ statusCode: 200, body: await runImport(stores, tenantScope(req), req.body.files, { dryRun: req.body.dryRun, ifExists: req.body.ifExists, force: req.body.force, logger, peerHosts: allowedHosts }) }),
  });
}
