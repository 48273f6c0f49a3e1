import type { Probot } from 'probot';
import { botLogin } from './github/bot-login.ts';
import { Deliveries } from './github/deliveries.ts';
import { FileCache } from './github/file-cache.ts';
import { registerHandlers } from './github/handlers.ts';
import { ReviewQueue } from './github/review-queue.ts';
import { PullRequestReviews } from './github/reviews.ts';
import { readAppSettings } from './github/settings.ts';
import { ShadowProviders } from './github/shadow-providers.ts';
import { advisorFromEnvironment } from './llm/index.ts';
import { plural } from './report/common.ts';
import { rulesMeta, toolVersion } from './report/meta.ts';
import { DEFAULT_LIMITS } from './shadow/provider.ts';

export interface DbReviewAppOptions {
  /** Where the app's settings are read from when Probot loads it (default: `process.env`, after Probot read `.env`). */
  env?: NodeJS.ProcessEnv;
}

/** The Probot application function, with a handle on the reviews it runs in the background. */
export interface DbReviewApp {
  (app: Probot): void;
  /** Resolves when no review is queued or running and every check run it started is completed. */
  idle(): Promise<void>;
  /** Cancels the reviews under way (their check runs complete as `cancelled`) and releases the shadow databases. */
  close(): Promise<void>;
}

/**
 * The db-review GitHub App. Webhooks are answered as soon as the check run exists; reviews run
 * in the background, at most DB_REVIEW_CONCURRENCY at a time, on shadow databases shared for
 * the app's lifetime.
 */
export function createDbReviewApp(options: DbReviewAppOptions = {}): DbReviewApp {
  let loaded: { queue: ReviewQueue; shadows: ShadowProviders } | undefined;

  const appFn = (app: Probot): void => {
    if (loaded) throw new Error('this db-review app is already loaded; create one per Probot instance');
    const settings = readAppSettings(options.env ?? process.env);
    const shadows = new ShadowProviders({ url: settings.shadowUrl, limits: DEFAULT_LIMITS, cacheDir: settings.cacheDir });
    const advisor = advisorFromEnvironment(options.env ?? process.env, (message, fields) => app.log.info(fields, message));
    const queue = new ReviewQueue(settings.concurrency, (error) => app.log.error({ err: error }, 'db-review could not complete a check run'));
    loaded = { queue, shadows };
    const reviews = new PullRequestReviews(queue, {
      shadows,
      files: new FileCache(),
      report: { color: false, toolVersion: toolVersion(), rulesMeta: rulesMeta() },
      botLogin: botLogin(app),
      ...(advisor ? { advisor } : {}),
    });
    registerHandlers(app, reviews, new Deliveries());
    app.log.info(`db-review reviews ${plural(settings.concurrency, 'pull request')} at a time, on ${settings.shadowUrl ? 'a PostgreSQL server' : 'the embedded PostgreSQL'}, ${advisor ? 'with' : 'without'} Claude's explanations`);
  };

  return Object.assign(appFn, {
    idle: async () => {
      await loaded?.queue.idle();
    },
    close: async () => {
      if (!loaded) return;
      const drained = loaded.queue.close();
      // Closing the shadow databases ends the reviews still running; their results are dropped.
      await loaded.shadows.dispose();
      await drained;
    },
  });
}
