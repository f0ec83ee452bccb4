/**
 * An HTTP request written by hand on a socket, its body trickled: what a slow (or hostile)
 * client does. Resolves when the server closes the connection, or after `giveUpMs` (then
 * `closedByServer` is false): what the server answered, and whether it hung up first.
 */
import net from 'node:net';

export interface SlowRequestResult {
  /** The raw answer (status line, headers, body) as far as it came. */
  answer: string;
  status: number | null;
  closedByServer: boolean;
  /** Body bytes the client had written when the connection ended. */
  bytesSent: number;
}

export function slowRequest(
  baseUrl: string,
  options: {
    head: string; // request line and headers, without the blank line
    firstBytes?: string;
    chunk?: string;
    everyMs?: number;
    /** Stop writing after this many bytes (an idle client); default: never stop. */
    stopAfterBytes?: number;
    giveUpMs: number;
  },
): Promise<SlowRequestResult> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let answer = '';
    let bytesSent = 0;
    let finished = false;
    const finish = (closedByServer: boolean) => {
      if (finished) return;
      finished = true;
      clearInterval(trickle);
      clearTimeout(giveUp);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      resolve({ answer, status: status ? Number(status) : null, closedByServer, bytesSent });
    };
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (answer += text));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true)); // a reset is the server hanging up too
    const write = (text: string) => {
      if (socket.destroyed || finished) return;
      if (options.stopAfterBytes !== undefined && bytesSent >= options.stopAfterBytes) return;
      socket.write(text);
      bytesSent += Buffer.byteLength(text);
    };
    socket.on('connect', () => {
      socket.write(`${options.head}\r\n\r\n`);
      if (options.firstBytes) write(options.firstBytes);
    });
    const trickle = setInterval(() => write(options.chunk ?? ' '), options.everyMs ?? 200);
    const giveUp = setTimeout(() => finish(false), options.giveUpMs);
  });
}
