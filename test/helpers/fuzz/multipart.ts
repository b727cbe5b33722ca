/**
 * A GraphQL multipart upload (operations, map, one file part) written byte by byte, so the
 * file's name, type and content can be anything a client can put on the wire.
 */
export function multipart(projectId: unknown, file: { name: string; type: string; content: Uint8Array }) {
  const boundary = `fuzz${Math.random().toString(36).slice(2)}`;
  const operations = JSON.stringify({
    query: 'mutation($projectId: ID!, $file: File!) { uploadDocument(projectId: $projectId, file: $file) { id filename sizeBytes } }',
    variables: { projectId, file: null },
  });
  // Quotes and line breaks cannot travel in a header parameter; everything else does.
  const filename = file.name.replace(/["\r\n\\]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${filename}"\r\n` +
      (file.type ? `Content-Type: ${file.type}\r\n` : '') +
      '\r\n',
  );
  return { boundary, body: Buffer.concat([head, file.content, Buffer.from(`\r\n--${boundary}--\r\n`)]) };
}
