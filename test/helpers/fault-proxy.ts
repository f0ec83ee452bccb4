/**
 * An HTTP proxy on 127.0.0.1 in front of the real sync server that breaks things on demand,
 * with real sockets: a 500 on every Nth request, a stalled request, a connection reset in the
 * middle of a request body, and "offline" (every connection dropped). Otherwise it passes
 * requests and responses through unchanged.
 *
 *   const proxy = await FaultProxy.start({ target: server.url });
 *   proxy.failEveryNth(3);                                     // 3rd, 6th, ... get 500
 *   proxy.resetMidBody({ afterBytes: 50_000, match: { method: 'PUT', path: /\/photo$/ } });
 *   proxy.cutResponse({ afterBytes: 1000, match: { path: /\.bin$/ } }); // answer cut mid-file
 *   proxy.stall({ ms: 30_000 });                               // the client must time out
 *   proxy.setOffline(true); ... proxy.setOffline(false);
 *   proxy.stats                                                // what was injected, to assert on
 *   await proxy.close();
 *
 * Faults are checked in this order for each request: offline, reset, stall, fail-every-Nth.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RequestMatch {
  /** e.g. 'PUT'; any method when absent. */
  method?: string;
  /** Tested against the path with its query; any path when absent. */
  path?: RegExp;
}

export interface FaultProxyStats {
  /** Requests that reached the proxy (not counting connections dropped while offline). */
  requests: number;
  /** Each of those requests' method and path (with its query), in order. */
  requested: string[];
  /** Requests passed to the server (including those whose answer became an injected 500). */
  forwarded: number;
  /** Injected 500s. */
  failed: number;
  /** Requests held back by stall(). */
  stalled: number;
  /** Requests whose connection was reset mid-body. */
  resets: number;
  /** Answers cut (connection reset) part-way through their body. */
  cutResponses: number;
  /** Body bytes that reached the server before each reset, in order. */
  bytesBeforeReset: number[];
  /** Connections and requests dropped while offline. */
  dropped: number;
}

interface FailRule {
  every: number;
  afterUpstream: boolean;
  match: RequestMatch;
  seen: number;
}

interface CountedRule {
  remaining: number;
  match: RequestMatch;
}

function matches(match: RequestMatch, request: IncomingMessage): boolean {
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  if (match.path && !match.path.test(request.url ?? '')) return false;
  return true;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

function endToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

export class FaultProxy {
  readonly stats: FaultProxyStats = {
    requests: 0,
    requested: [],
    forwarded: 0,
    failed: 0,
    stalled: 0,
    resets: 0,
    cutResponses: 0,
    bytesBeforeReset: [],
    dropped: 0,
  };
  private target: URL;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly upstreamRequests = new Set<http.ClientRequest>();
  private offline = false;
  private failRule: FailRule | null = null;
  private stallRule: (CountedRule & { ms: number }) | null = null;
  private resetRule: (CountedRule & { afterBytes: number }) | null = null;
  private cutRule: (CountedRule & { afterBytes: number }) | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(target: string) {
    this.target = new URL(target);
    this.server = http.createServer((request, response) => this.handle(request, response));
    this.server.on('connection', (socket) => {
      if (this.offline) {
        this.stats.dropped++;
        socket.resetAndDestroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts the proxy for `target` (e.g. server.url) on a free port of 127.0.0.1. */
  static async start(options: { target: string; port?: number }): Promise<FaultProxy> {
    const proxy = new FaultProxy(options.target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Points the proxy at another server (e.g. one restarted on another port). */
  retarget(target: string): void {
    this.target = new URL(target);
  }

  /**
   * Every `every`-th matching request (the Nth, 2Nth, ...) gets a 500. Before the server sees it
   * by default; with afterUpstream the server handles it and only its answer is replaced, so
   * the client cannot know that its upload was stored.
   */
  failEveryNth(
    every: number,
    options: { match?: RequestMatch; afterUpstream?: boolean } = {},
  ): void {
    if (!Number.isInteger(every) || every < 1)
      throw new RangeError('every must be a positive integer');
    this.failRule = {
      every,
      afterUpstream: options.afterUpstream ?? false,
      match: options.match ?? {},
      seen: 0,
    };
  }

  /** Holds the next `count` matching requests for `ms`, then forwards them if the client is still there. */
  stall(options: { ms: number; count?: number; match?: RequestMatch }): void {
    this.stallRule = { ms: options.ms, remaining: options.count ?? 1, match: options.match ?? {} };
  }

  /**
   * Forwards exactly `afterBytes` of the body of the next `count` matching requests, then
   * resets both connections (TCP RST), to the client and to the server.
   */
  resetMidBody(options: { afterBytes: number; count?: number; match?: RequestMatch }): void {
    this.resetRule = {
      afterBytes: options.afterBytes,
      remaining: options.count ?? 1,
      match: options.match ?? {},
    };
  }

  /**
   * Passes the status, the headers and exactly `afterBytes` of the answer's body of the next
   * `count` matching requests, then resets the connection to the client (a download that drops).
   */
  cutResponse(options: { afterBytes: number; count?: number; match?: RequestMatch }): void {
    this.cutRule = {
      afterBytes: options.afterBytes,
      remaining: options.count ?? 1,
      match: options.match ?? {},
    };
  }

  /** Offline: every open connection is dropped now, and every new one is reset on arrival. */
  setOffline(offline: boolean): void {
    this.offline = offline;
    if (!offline) return;
    for (const request of this.upstreamRequests) request.destroy();
    for (const socket of this.sockets) {
      this.stats.dropped++;
      socket.resetAndDestroy();
    }
  }

  clearFaults(): void {
    this.failRule = null;
    this.stallRule = null;
    this.resetRule = null;
    this.cutRule = null;
    this.offline = false;
  }

  async close(): Promise<void> {
    this.clearFaults();
    for (const timer of this.timers) clearTimeout(timer);
    for (const request of this.upstreamRequests) request.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(rule: CountedRule | null, request: IncomingMessage): boolean {
    if (!rule || rule.remaining <= 0 || !matches(rule.match, request)) return false;
    rule.remaining--;
    return true;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (this.offline) {
      this.stats.dropped++;
      request.socket.resetAndDestroy();
      return;
    }
    this.stats.requests++;
    this.stats.requested.push(`${request.method} ${request.url}`);

    if (this.take(this.resetRule, request)) {
      this.forward(request, response, {
        resetAfterBytes: this.resetRule!.afterBytes,
        failAnswer: false,
      });
      return;
    }
    if (this.take(this.cutRule, request)) {
      this.forward(request, response, {
        resetAfterBytes: null,
        failAnswer: false,
        cutAnswerAfter: this.cutRule!.afterBytes,
      });
      return;
    }

    let failAnswer = false;
    let failBefore = false;
    const fail = this.failRule;
    if (fail && matches(fail.match, request)) {
      fail.seen++;
      if (fail.seen % fail.every === 0) {
        if (fail.afterUpstream) failAnswer = true;
        else failBefore = true;
      }
    }

    const proceed = () => {
      if (failBefore) {
        this.stats.failed++;
        // Read the body first: answering while the client still sends could reset it instead.
        request.resume();
        request.once('end', () => this.sendInjected500(response));
        return;
      }
      this.forward(request, response, { resetAfterBytes: null, failAnswer });
    };

    if (this.take(this.stallRule, request)) {
      this.stats.stalled++;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!request.socket.destroyed) proceed();
      }, this.stallRule!.ms);
      this.timers.add(timer);
      return;
    }
    proceed();
  }

  private sendInjected500(response: ServerResponse): void {
    if (response.headersSent || response.destroyed) return;
    const body = JSON.stringify({
      error: 'internal_error',
      message: 'Injected by the fault proxy.',
    });
    response.writeHead(500, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  private forward(
    request: IncomingMessage,
    response: ServerResponse,
    fault: { resetAfterBytes: number | null; failAnswer: boolean; cutAnswerAfter?: number },
  ): void {
    this.stats.forwarded++;
    const upstream = http.request({
      host: this.target.hostname,
      port: this.target.port,
      method: request.method,
      path: request.url,
      headers: { ...endToEndHeaders(request.headers), connection: 'close' },
      agent: false,
    });
    this.upstreamRequests.add(upstream);
    upstream.on('close', () => this.upstreamRequests.delete(upstream));

    upstream.on('response', (answer) => {
      if (fault.failAnswer) {
        // The server did the work; the client only learns "500".
        answer.resume();
        answer.once('end', () => {
          this.stats.failed++;
          this.sendInjected500(response);
        });
        return;
      }
      response.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
      const cutAfter = fault.cutAnswerAfter;
      if (cutAfter !== undefined) {
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= cutAfter) return;
          const part = chunk.subarray(0, cutAfter - sent);
          sent += part.length;
          response.write(part);
          if (sent >= cutAfter) {
            this.stats.cutResponses++;
            answer.destroy();
            // Let the bytes go out first, then drop the connection.
            setTimeout(() => request.socket.resetAndDestroy(), 50);
          }
        });
        return;
      }
      answer.pipe(response);
      answer.on('error', () => response.destroy());
    });
    upstream.on('error', () => {
      // Server gone (killed, restarting) or the request was cut on purpose.
      if (!response.headersSent) {
        request.socket.destroy();
      } else {
        response.destroy();
      }
    });
    request.on('close', () => {
      // The client went away before its body was complete: so does the upstream request.
      if (!request.complete) upstream.destroy();
    });
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });

    if (fault.resetAfterBytes === null) {
      request.pipe(upstream);
      return;
    }

    const limit = fault.resetAfterBytes;
    let sent = 0;
    let done = false;
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      const room = limit - sent;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      sent += part.length;
      const reached = sent >= limit;
      if (reached) {
        done = true;
        request.pause();
      }
      upstream.write(part, () => {
        if (!reached) return;
        this.stats.resets++;
        this.stats.bytesBeforeReset.push(sent);
        upstream.socket?.resetAndDestroy();
        upstream.destroy();
        request.socket.resetAndDestroy();
      });
    });
    request.on('end', () => {
      // The body was shorter than the reset point: it arrives whole.
      if (!done) upstream.end();
    });
  }
}
