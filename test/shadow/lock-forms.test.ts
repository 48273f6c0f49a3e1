import { createEmbeddedProvider } from '../../src/shadow/embedded/index.ts';
import { createServerProvider } from '../../src/shadow/server/index.ts';
import { SERVER_URL, serverReachable } from '../helpers/postgres.ts';
import { describeLockForms } from './lock-forms.ts';

describeLockForms('embedded', async () => createEmbeddedProvider());
if (await serverReachable()) describeLockForms('server', async () => createServerProvider({ url: SERVER_URL }));
