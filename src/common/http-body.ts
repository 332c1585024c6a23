/** Reading a request body with a size cap, for every HTTP server of ours (the agent's API, the demo app). */
import type { IncomingMessage } from 'node:http';

/** The body passed its cap. The rest was not read, and the caller can still answer (400, 413). */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly maxBytes: number) {
    super('body too large');
  }
}

/**
 * The body as UTF-8; rejects with BodyTooLargeError once it passes `maxBytes`, so a client cannot
 * fill memory. Leaving the loop early destroys the request stream but, for a server request,
 * Node detaches the socket first: the response still reaches the client.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
