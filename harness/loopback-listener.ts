// What the fault proxy and the TLS front share: listen on a free loopback port,
// keep every raw connection, and on stop end them too (server.close() alone
// waits for idle keep-alive connections, or ones still in a TLS handshake).
import type { AddressInfo, Server, Socket } from "node:net";

export interface LoopbackListener {
  port: number;
  /** Also end `socket` on close (e.g. the upstream half of a proxied pair). */
  track(socket: Socket): void;
  /** Stops listening, destroys every tracked connection, resolves once closed. */
  close(): Promise<void>;
}

export async function listenOnLoopback(server: Server): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  server.on("connection", track);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    track,
    close: () => {
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}
