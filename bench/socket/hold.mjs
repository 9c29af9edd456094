// Opens idle Socket.IO connections (WebSocket transport) for the idle
// benchmark and keeps them open. Run as a child of idle.mjs, which sends the settings over IPC:
// {url, tokens, count, concurrency}. Reports {connected, failed} when all
// attempts are done, and closes everything on {close: true}.
import { io } from '../../tests/socket/lib/harness.mjs';

const sockets = [];

function open(url, token) {
  return new Promise((resolve) => {
    const socket = io(url, { path: '/socket.io/', transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    socket.once('connect', () => {
      sockets.push(socket);
      resolve(true);
    });
    socket.once('connect_error', () => {
      socket.close();
      resolve(false);
    });
  });
}

process.on('message', async (message) => {
  if (message.close) {
    for (const socket of sockets) socket.close();
    process.send({ closed: sockets.length }, () => process.exit(0));
    return;
  }
  const { url, tokens, count, concurrency } = message;
  let next = 0;
  let connected = 0;
  let failed = 0;
  async function lane() {
    while (next < count) {
      const index = next;
      next += 1;
      if (await open(url, tokens[index % tokens.length])) connected += 1;
      else failed += 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  process.send({ connected, failed });
});
