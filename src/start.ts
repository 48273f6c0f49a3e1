import { run } from 'probot';
import { createDbReviewApp } from './app.ts';

/**
 * `npm start`: the db-review app on Probot's server. Without APP_ID and PRIVATE_KEY, Probot
 * serves its setup page instead, which registers a GitHub App from app.yml.
 */
const app = createDbReviewApp();
const server = await run(app).catch((error: unknown) => {
  console.error(`db-review: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

// SIGTERM (docker stop, Kubernetes, most hosts) stops gracefully: no new webhooks, the reviews
// under way are cancelled with their check runs completed, and the shadow databases are
// released. Ctrl-C (SIGINT) is Probot's own handler, which exits at once.
process.once('SIGTERM', () => {
  void (async () => {
    try {
      await server.stop();
      await app.close();
      process.exit(0);
    } catch (error) {
      console.error('db-review could not stop cleanly:', error);
      process.exit(1);
    }
  })();
});
