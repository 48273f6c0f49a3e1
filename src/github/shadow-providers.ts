import { createShadowProvider, type ShadowChoice } from '../shadow/index.ts';
import { ShadowUnavailableError, type ShadowProvider } from '../shadow/provider.ts';

/**
 * The app's shadow providers, shared by every review for the app's lifetime. A provider loads
 * its extension allowlist when it starts, and each repository's config may allow other
 * extensions, so there is one provider per distinct allowlist (in practice one or two).
 */
export class ShadowProviders {
  readonly #providers = new Map<string, ShadowProvider>();
  #disposed = false;

  constructor(private readonly choice: Omit<ShadowChoice, 'extensions'>) {}

  for(extensions: readonly string[]): ShadowProvider {
    if (this.#disposed) throw new ShadowUnavailableError('the app is shutting down');
    const allowlist = [...new Set(extensions)].sort();
    const key = allowlist.join(',');
    let provider = this.#providers.get(key);
    if (provider === undefined) {
      provider = createShadowProvider({ ...this.choice, extensions: allowlist });
      this.#providers.set(key, provider);
    }
    return provider;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const providers = [...this.#providers.values()];
    this.#providers.clear();
    await Promise.all(providers.map((provider) => provider.dispose()));
  }
}
