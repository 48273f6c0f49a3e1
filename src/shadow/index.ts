import { createEmbeddedProvider } from './embedded/index.ts';
import type { ShadowLimits, ShadowProvider } from './provider.ts';
import { createServerProvider } from './server/index.ts';

export interface ShadowChoice {
  /** SHADOW_DATABASE_URL: a server to make throwaway databases on; embedded PGlite without it. */
  url?: string;
  limits: ShadowLimits;
  /** Extensions PR SQL may create on the shadow. */
  extensions: string[];
  /** Where the embedded provider keeps cached base schemas between runs. */
  cacheDir?: string;
}

export function createShadowProvider(choice: ShadowChoice): ShadowProvider {
  if (choice.url) return createServerProvider({ url: choice.url, limits: choice.limits, extensions: choice.extensions });
  return createEmbeddedProvider({ limits: choice.limits, cacheDir: choice.cacheDir, extensions: choice.extensions });
}
