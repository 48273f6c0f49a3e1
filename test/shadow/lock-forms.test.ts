import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { createServerProvider } from '../../src/shadow/server/index.ts';
import { SERVER_URL, serverReachable } from '../helpers/postgres.ts';
import { describeErrorPosition, describeLockForms } from './lock-forms.ts';

describeLockForms('embedded', async () => createEmbeddedProvider());
describeErrorPosition('embedded', async () => createEmbeddedProvider());
if (await serverReachable()) {
  describeLockForms('server', async () => createServerProvider({ url: SERVER_URL }));
  describeErrorPosition('server', async () => createServerProvider({ url: SERVER_URL }));
}
