import type { RepoCoordinates, TreeFile } from './tree.ts';
import type { GitHubClient } from './types.ts';

/** The contents API serves a file whole up to 1 MB; larger ones are read as git blobs. */
const CONTENTS_API_MAX_BYTES = 1024 * 1024;

/** The text of a file of the tree at `ref`, decoded as UTF-8 the way Node reads a file (NUL bytes and a BOM kept). */
export async function readFileText(client: GitHubClient, repo: RepoCoordinates, ref: string, file: TreeFile): Promise<string> {
  const bytes = file.size <= CONTENTS_API_MAX_BYTES ? await rawContents(client, repo, ref, file.path) : await blobContents(client, repo, file.sha);
  return bytes.toString('utf8');
}

async function rawContents(client: GitHubClient, repo: RepoCoordinates, ref: string, path: string): Promise<Buffer> {
  const { data } = await client.rest.repos.getContent({
    owner: repo.owner,
    repo: repo.repo,
    path,
    ref,
    mediaType: { format: 'raw' },
    // The body as it came: Octokit would otherwise decode it by its content type, which differs for binary files.
    request: { parseSuccessResponseBody: false },
  });
  return Buffer.from(await new Response(data as unknown as ReadableStream<Uint8Array>).arrayBuffer());
}

async function blobContents(client: GitHubClient, repo: RepoCoordinates, sha: string): Promise<Buffer> {
  const { data } = await client.rest.git.getBlob({ owner: repo.owner, repo: repo.repo, file_sha: sha });
  return Buffer.from(data.content, 'base64');
}
