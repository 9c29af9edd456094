// Alert latency: for each of ALERTS devices, publishes one reading above the
// device's hourly limit to the readings exchange and times it until the
// owner's socket gets overconsumption_notification. The path runs through
// ingest (batching up to INGEST_BATCH_WAIT_MS, 25 ms by default), the outbox
// relay and the chat relay of one release-build worker.
import { performance } from 'node:perf_hooks';

import { AMQP, amqp, Environment, nextEvent, sleep, QUIET_LOG } from '../../tests/socket/lib/harness.mjs';

const ALERTS = Number(process.env.ALERTS ?? 200);

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

const environment = await Environment.start({ workerEnv: { RUST_LOG: QUIET_LOG } });
try {
  const admin = await environment.createAdmin();
  const owner = await environment.registerClient('alerts');
  const devices = [];
  for (let index = 0; index < ALERTS; index += 1) devices.push(await environment.createDevice(admin, `Bench meter ${index}`, 1, owner.id));
  const socket = await environment.connect(owner.token);
  const connection = await amqp.connect(AMQP);
  const channel = await connection.createConfirmChannel();
  await sleep(1000);

  const latencies = [];
  for (const device of devices) {
    const arrived = nextEvent(socket, 'overconsumption_notification', (alert) => alert.device_id === device.id, 10_000);
    const reading = { device_id: device.id, measured_at: new Date(Date.now() - 1000).toISOString(), kwh: 2 };
    const started = performance.now();
    channel.publish(`${environment.prefix}.readings`, 'reading', Buffer.from(JSON.stringify(reading)), { persistent: true, contentType: 'application/json' });
    await arrived;
    latencies.push(performance.now() - started);
  }
  await connection.close();
  socket.close();

  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({
    alerts: latencies.length,
    p50_ms: Number(percentile(latencies, 0.5).toFixed(1)),
    p90_ms: Number(percentile(latencies, 0.9).toFixed(1)),
    p99_ms: Number(percentile(latencies, 0.99).toFixed(1)),
    max_ms: Number(latencies.at(-1).toFixed(1)),
  }, null, 2));
} finally {
  await environment.stop();
}
