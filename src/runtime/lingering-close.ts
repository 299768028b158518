import type { Socket } from "node:net";

// How long a closing connection keeps reading after our FIN (Go's net/http waits as long).
export const LINGER_MS = 500;

/**
 * Makes the HTTP server's close of `socket` a lingering close. Node closes a connection that
 * ends with its answer (`Connection: close`, a 413) by destroying the socket once the answer
 * is written; when the client is still sending (a body over the limit), the unread bytes make
 * the kernel answer with a reset, and a client that has not yet read our answer loses it.
 * Here the write side ends (FIN) and the socket is destroyed after `lingerMs`, or before when
 * the client ends its side too (a socket with both sides ended destroys itself); meanwhile what
 * it sends is read and dropped (the HTTP parser discards the rest of the body).
 */
export function lingerOnClose(socket: Socket, lingerMs: number = LINGER_MS): void {
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
    const linger = (): void => {
      if (socket.readableEnded || socket.destroyed) {
        socket.destroy();
        return;
      }
      const timer = setTimeout(() => socket.destroy(), lingerMs);
      socket.once("close", () => clearTimeout(timer));
    };
    if (socket.writableFinished) linger();
    else socket.once("finish", linger);
  };
}
