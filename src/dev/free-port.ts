// A free TCP port on loopback, for dev/test servers (Ironic, proxies) that must not
// collide with each other or with a developer's own services.
//
// The port is only known to be free at the moment we close our listener; another
// process could take it before the caller binds it. Callers that spawn a server on
// it (startIronic) therefore retry with a fresh port when the bind fails.

import { createServer } from "node:net";

export function freeLoopbackPort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref(); // never keep the process alive just for this probe
    server.once("error", reject);
    // Port 0 lets the kernel pick an unused ephemeral port on 127.0.0.1 only.
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freeLoopbackPort: listener has no TCP address"));
        return;
      }
      const { port } = address;
      server.close((error) => {
        if (error) reject(error);
        else resolve(port);
      });
    });
  });
}
