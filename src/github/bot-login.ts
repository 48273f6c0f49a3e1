import type { Probot } from 'probot';

/**
 * The app's bot user ("<slug>[bot]"), whose earlier comments a review edits or skips. Asked of
 * GitHub once, as the app (an installation's token cannot ask), and again after a failure.
 */
export function botLogin(app: Pick<Probot, 'auth'>): () => Promise<string> {
  let login: Promise<string> | undefined;
  return () => {
    login ??= app
      .auth()
      .then((octokit) => octokit.rest.apps.getAuthenticated())
      .then(({ data }) => {
        if (!data?.slug) throw new Error('GitHub did not say the slug of the app');
        return `${data.slug}[bot]`;
      })
      .catch((error: unknown) => {
        login = undefined;
        throw error;
      });
    return login;
  };
}
