/** The HTTP status of an error GitHub answered with; undefined for any other error. */
export function githubStatus(error: unknown): number | undefined {
  const status = typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** "HTTP 403: Resource not accessible by integration", or the error's own message. */
export function githubErrorReason(error: unknown): string {
  const status = githubStatus(error);
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/ - https:\/\/docs\.github\.com\S*$/, '');
  return status === undefined ? message : `HTTP ${status}: ${message}`;
}
