import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from './errors';

const ANSWERS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'Request headers are too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'payload_too_large', 'Chunk extensions are too large'],
};

/**
 * Requests that Node's HTTP parser refuses never reach Express; answer them with the platform's error
 * body too (Node's default is a bare status line), then close the connection.
 */
export function answerClientErrors(server: Server): void {
  // Node answers an HTTP/1.1 request without Host with a bare 400 of its own; the app's `hostRequired` answers it instead.
  (server as Server & { requireHostHeader: boolean }).requireHostHeader = false;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
    const [status, code, message] = ANSWERS[error.code ?? ''] ?? [400, 'bad_request', 'The request could not be parsed'];
    const body = JSON.stringify(errorBody(code, message));
    socket.end(
      `HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
