import type { Probot } from 'probot';
import { CHECK_NAME } from './check-run-lifecycle.ts';
import { HELP_REPLY, mayRunCommands, parseCommand, unknownCommandReply } from './commands.ts';
import type { Deliveries } from './deliveries.ts';
import { pullRequestNumberOf, pullRequestNumbersOfSuite, type RepositoryName } from './pull-request-ref.ts';
import type { EventContext, PullRequestReviews, StartedReview } from './reviews.ts';

/**
 * The webhooks db-review answers. Each handler returns once the review is queued (and the
 * command is acknowledged); the check run is created and the review runs afterwards. A delivery
 * is handled once.
 */
export function registerHandlers(app: Probot, reviews: PullRequestReviews, deliveries: Deliveries): void {
  const once =
    <C extends EventContext>(handler: (context: C, handledBy: (started: StartedReview) => void) => Promise<void>) =>
    async (context: C): Promise<void> => {
      if (!deliveries.claim(context.id)) {
        context.log.info({ delivery: context.id }, 'db-review already handled this delivery');
        return;
      }
      const release = (): void => deliveries.release(context.id);
      // A review whose check run could not be created did not happen: a redelivery may try again.
      const handledBy = (started: StartedReview): void => void started.checkRun.catch(release);
      try {
        await handler(context, handledBy);
      } catch (error) {
        release();
        throw error;
      }
    };

  app.on(
    ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'],
    once(async (context, handledBy) => {
      const pull = context.payload.pull_request;
      // A draft is reviewed once it is marked ready, or on request with /db-review: drafts change
      // often, and a draft cannot be merged, so its required check does not matter yet.
      if (pull.draft) return;
      handledBy(reviews.start(context, repositoryOf(context.payload.repository), pull));
    }),
  );

  app.on(
    'issue_comment.created',
    once(async (context, handledBy) => {
      const { issue, comment } = context.payload;
      const command = issue.pull_request ? parseCommand(comment.body) : undefined;
      // Other people's commands get no answer: answering anyone would let anyone make the app post comments.
      if (!command || !mayRunCommands(comment.author_association, context.isBot)) return;
      const repository = repositoryOf(context.payload.repository);
      if (command.kind === 'review' || command.kind === 'explain') {
        // The reaction only acknowledges the command: the review runs without it.
        await context.octokit.rest.reactions
          .createForIssueComment({ ...repository, comment_id: comment.id, content: 'eyes' })
          .catch((error: unknown) => context.log.warn({ err: error }, 'db-review could not react to the command'));
        handledBy(await reviews.rerun(context, repository, issue.number, { explain: command.kind === 'explain' }));
        return;
      }
      const body = command.kind === 'help' ? HELP_REPLY : unknownCommandReply(command.argument);
      await context.octokit.rest.issues.createComment({ ...repository, issue_number: issue.number, body });
    }),
  );

  app.on(
    'check_run.rerequested',
    once(async (context, handledBy) => {
      const checkRun = context.payload.check_run;
      if (checkRun.name !== CHECK_NAME) return;
      const number = pullRequestNumberOf(checkRun);
      if (number === undefined) {
        context.log.warn({ checkRunId: checkRun.id }, 'db-review cannot tell which pull request this check run belongs to');
        return;
      }
      handledBy(await reviews.rerun(context, repositoryOf(context.payload.repository), number));
    }),
  );

  app.on(
    'check_suite.rerequested',
    once(async (context, handledBy) => {
      const repository = repositoryOf(context.payload.repository);
      const numbers = await pullRequestNumbersOfSuite(context.octokit, repository, context.payload.check_suite, CHECK_NAME);
      for (const number of numbers) handledBy(await reviews.rerun(context, repository, number));
    }),
  );
}

function repositoryOf(repository: { name: string; owner: { login: string } }): RepositoryName {
  return { owner: repository.owner.login, repo: repository.name };
}
