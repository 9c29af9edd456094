// Over-consumption alerts: a reading that pushes an hour above the device's
// limit reaches the owner's sockets and every admin's, and no other client's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Environment, nextEvent, record, sleep } from '../lib/harness.mjs';

let environment;

before(async () => {
  environment = await Environment.start();
});

after(async () => {
  await environment?.stop();
});

test('alert reaches owner and admins only', async () => {
  const admin = await environment.createAdmin();
  const owner = await environment.registerClient('owner');
  const other = await environment.registerClient('other');
  const device = await environment.createDevice(admin, 'Boiler', 1.5, owner.id);
  const ownerSocket = await environment.connect(owner.token);
  const ownerTab = await environment.connect(owner.token, { transports: ['polling'], upgrade: false });
  const adminSocket = await environment.connect(admin.token);
  const otherSocket = await environment.connect(other.token);
  const atOther = record(otherSocket, 'overconsumption_notification');
  const atOwner = record(ownerSocket, 'overconsumption_notification');
  const atOwnerTab = nextEvent(ownerTab, 'overconsumption_notification');
  const atAdmin = nextEvent(adminSocket, 'overconsumption_notification');

  await environment.publishReading({ device_id: device.id, measured_at: new Date(Date.now() - 1000).toISOString(), kwh: 2 });

  const alert = await atAdmin;
  assert.equal(alert.device_id, device.id);
  assert.equal(alert.owner_id, owner.id);
  assert.equal(alert.device_name, 'Boiler');
  assert.equal(Number(alert.kwh), 2);
  assert.equal(Number(alert.max_hourly_kwh), 1.5);
  assert.equal(alert.acknowledged_at, null);
  assert.equal((await atOwnerTab).id, alert.id);
  // Give a stray delivery time to arrive.
  await sleep(1000);
  assert.deepEqual(atOwner.map((received) => received.id), [alert.id]);
  assert.equal(atOther.length, 0);
  for (const socket of [ownerSocket, ownerTab, adminSocket, otherSocket]) socket.close();
});

test('reading at the limit raises no alert', async () => {
  const admin = await environment.createAdmin('limit');
  const owner = await environment.registerClient('exact');
  const device = await environment.createDevice(admin, 'Exact meter', 2, owner.id);
  const ownerSocket = await environment.connect(owner.token);
  const received = record(ownerSocket, 'overconsumption_notification');

  await environment.publishReading({ device_id: device.id, measured_at: new Date(Date.now() - 1000).toISOString(), kwh: 2 });
  await sleep(1500);

  assert.equal(received.length, 0);
  ownerSocket.close();
});
