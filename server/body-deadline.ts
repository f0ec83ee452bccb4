/**
 * A request body must keep coming, and be complete in time: a client that announces a body and
 * sends it slowly (or not at all) holds a connection and memory for nothing. Two limits:
 * - idle: no byte for `idleMs` ends the request;
 * - total: `graceMs` plus the body's length at `minBytesPerSecond` (the announced length, or the
 *   route's limit for a chunked body). The default rate is the slowest uplink the outbox itself
 *   waits for (src/sync: 16 KiB/s), so a phone the outbox would not give up on is never cut.
 * Either answers 408 `body_timeout` and closes the connection. Unauthenticated requests never get
 * here: they are refused before their body is read (app.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Transform, type Readable } from 'node:stream';
import { ApiError } from './errors';

export interface BodyDeadlineOptions {
  idleMs: number;
  graceMs: number;
  minBytesPerSecond: number;
}

export function bodyDeadline(options: BodyDeadlineOptions) {
  return async (
    request: FastifyRequest,
    _reply: FastifyReply,
    payload: Readable,
  ): Promise<Readable> => {
    const declared = Number(request.headers['content-length']);
    const chunked = request.headers['transfer-encoding'] !== undefined;
    if (!chunked && !(declared > 0)) return payload;
    const bytes = chunked || Number.isNaN(declared) ? request.routeOptions.bodyLimit : declared;
    const totalMs = options.graceMs + (bytes / options.minBytesPerSecond) * 1000;

    const cut = (why: string) =>
      guard.destroy(
        new ApiError(
          408,
          'body_timeout',
          `The request body came too slowly (${why}): it was dropped, nothing was stored. ` +
            'Retry on a better connection.',
          { bytes, received },
        ),
      );
    let received = 0;
    let idle = setTimeout(() => cut(`nothing for ${options.idleMs / 1000} s`), options.idleMs);
    const total = setTimeout(
      () => cut(`not complete after ${Math.round(totalMs / 1000)} s`),
      totalMs,
    );
    const stop = () => {
      clearTimeout(idle);
      clearTimeout(total);
    };
    const guard = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        clearTimeout(idle);
        idle = setTimeout(() => cut(`nothing for ${options.idleMs / 1000} s`), options.idleMs);
        done(null, chunk);
      },
      flush(done) {
        stop();
        done();
      },
    });
    guard.once('close', stop);
    payload.once('error', (error) => guard.destroy(error));
    payload.once('aborted', stop);
    payload.pipe(guard);
    return guard;
  };
}
