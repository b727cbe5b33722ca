/**
 * A GraphQL multipart upload (the spec Apollo Client has no link for): one fetch with
 * `operations`, `map` and the file. Returns the server's errors as thrown GraphQL errors.
 */
export async function uploadDocument(token: string, projectId: string, file: File): Promise<void> {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query: 'mutation ConsoleUpload($projectId: ID!, $file: File!) { uploadDocument(projectId: $projectId, file: $file) { id } }',
      variables: { projectId, file: null },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', file, file.name);
  const res = await fetch('/graphql', {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${token}`, accept: 'application/graphql-response+json, application/json' },
  });
  const body = (await res.json().catch(() => ({ errors: [{ message: `HTTP ${res.status}` }] }))) as { errors?: unknown[] };
  if (body.errors?.length) throw body.errors;
}
