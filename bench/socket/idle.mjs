// Idle connections: opens CONNECTIONS WebSocket connections (default 10,000)
// from several client processes to one release-build worker, holds them for
// HOLD_SECONDS (default 30, past one ping interval), and reports the worker's
// resident memory before and after, and its sockets_connected gauge.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Environment, sleep, QUIET_LOG } from '../../tests/socket/lib/harness.mjs';

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10_000);
const PROCESSES = Number(process.env.PROCESSES ?? 4);
const USERS = Number(process.env.USERS ?? 100);
const HOLD_SECONDS = Number(process.env.HOLD_SECONDS ?? 30);
const benchmarkDirectory = path.dirname(fileURLToPath(import.meta.url));

function residentMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return Number(match[1]) / 1024;
}

async function gauge(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^dms_sockets_connected (\d+)/m.exec(text);
  return match ? Number(match[1]) : null;
}

function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

const environment = await Environment.start({ workerEnv: { RUST_LOG: QUIET_LOG } });
try {
  const tokens = [];
  for (let index = 0; index < USERS; index += 1) tokens.push((await environment.registerClient('idle')).token);
  const worker = environment.workers[0];
  const pid = worker.child.pid;
  await sleep(1000);
  const before = residentMiB(pid);

  const started = Date.now();
  const children = Array.from({ length: PROCESSES }, () => fork(path.join(benchmarkDirectory, 'hold.mjs')));
  const share = Math.ceil(CONNECTIONS / PROCESSES);
  const results = await Promise.all(
    children.map((child, index) =>
      ask(child, { url: worker.url, tokens, count: Math.min(share, CONNECTIONS - index * share), concurrency: 50 }),
    ),
  );
  const connected = results.reduce((sum, result) => sum + result.connected, 0);
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  const connectSeconds = (Date.now() - started) / 1000;
  const afterConnect = residentMiB(pid);
  await sleep(HOLD_SECONDS * 1000);
  const afterHold = residentMiB(pid);
  const sockets = await gauge(worker.url);
  await Promise.all(children.map((child) => ask(child, { close: true })));
  await sleep(2000);
  const afterClose = await gauge(worker.url);

  console.log(JSON.stringify({
    connections_requested: CONNECTIONS,
    connected,
    failed,
    connect_seconds: Number(connectSeconds.toFixed(1)),
    worker_rss_mib_before: Number(before.toFixed(1)),
    worker_rss_mib_connected: Number(afterConnect.toFixed(1)),
    worker_rss_mib_after_hold: Number(afterHold.toFixed(1)),
    hold_seconds: HOLD_SECONDS,
    sockets_connected_gauge: sockets,
    sockets_connected_after_close: afterClose,
  }, null, 2));
} finally {
  await environment.stop();
}
