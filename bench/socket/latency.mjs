// Message latency: PAIRS client/admin pairs, each in its own session that the
// admin took over (so the support bot stays silent), on one release-build
// worker. Every client sends RATE / PAIRS messages per second for SECONDS; the
// latency of a message runs from the client's emit to the admin's new_message,
// measured with one clock because both sockets live in this process.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

import { Environment, request, sleep, QUIET_LOG } from '../../tests/socket/lib/harness.mjs';

const RATE = Number(process.env.RATE ?? 1000);
const PAIRS = Number(process.env.PAIRS ?? 10);
const SECONDS = Number(process.env.SECONDS ?? 20);
const TICK_MS = 10;

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

const environment = await Environment.start({ workerEnv: { RUST_LOG: QUIET_LOG } });
try {
  const admin = await environment.createAdmin();
  const pairs = [];
  for (let index = 0; index < PAIRS; index += 1) {
    const client = await environment.registerClient('latency');
    const session = await environment.openSession(client);
    await environment.api('PUT', `/api/chat/sessions/${session.id}/admin`, admin.token, {});
    const clientSocket = await environment.connect(client.token);
    const adminSocket = await environment.connect(admin.token);
    await request(clientSocket, 'join_chat', { session_id: session.id });
    await request(adminSocket, 'join_chat', { session_id: session.id });
    pairs.push({ session, clientSocket, adminSocket });
  }

  const sentAt = new Map();
  const latencies = [];
  let rejected = 0;
  let received = 0;
  for (const { adminSocket } of pairs) {
    adminSocket.on('new_message', (message) => {
      const started = sentAt.get(message.client_msg_id);
      if (started === undefined) return;
      sentAt.delete(message.client_msg_id);
      latencies.push(performance.now() - started);
      received += 1;
    });
  }

  const workerPid = environment.workers[0].child.pid;
  const workerCpuBefore = cpuSeconds(workerPid);
  const clientCpuBefore = process.cpuUsage();
  const total = RATE * SECONDS;
  const perTick = (RATE * TICK_MS) / 1000;
  let sent = 0;
  let owed = 0;
  const started = performance.now();
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      // Catch up on ticks the timer delivered late, to hold the average rate.
      const due = Math.min(total, Math.round(((performance.now() - started) / 1000) * RATE));
      owed = due - sent;
      for (let index = 0; index < owed; index += 1) {
        const pair = pairs[sent % PAIRS];
        const id = `m-${sent}`;
        sentAt.set(id, performance.now());
        pair.clientSocket.emit('send_message', { session_id: pair.session.id, body: `latency probe ${sent}`, client_msg_id: id }, (answer) => {
          if (!answer?.ok) rejected += 1;
        });
        sent += 1;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = Date.now() + 15_000;
  while (received + rejected < total && Date.now() < deadline) await sleep(100);

  const workerCpu = cpuSeconds(workerPid) - workerCpuBefore;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    pairs: PAIRS,
    target_rate_per_second: RATE,
    per_tick: perTick,
    sent,
    send_seconds: Number(sendSeconds.toFixed(2)),
    achieved_rate_per_second: Math.round(sent / sendSeconds),
    received,
    rejected,
    lost: total - received - rejected,
    p50_ms: Number(percentile(latencies, 0.5).toFixed(2)),
    p90_ms: Number(percentile(latencies, 0.9).toFixed(2)),
    p99_ms: Number(percentile(latencies, 0.99).toFixed(2)),
    max_ms: Number(latencies.at(-1).toFixed(2)),
    worker_cpu_seconds: Number(workerCpu.toFixed(2)),
    client_cpu_seconds: Number(((clientCpu.user + clientCpu.system) / 1e6).toFixed(2)),
  }, null, 2));
  for (const { clientSocket, adminSocket } of pairs) {
    clientSocket.close();
    adminSocket.close();
  }
} finally {
  await environment.stop();
}
