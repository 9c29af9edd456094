// Two worker replicas on one database and one AMQP prefix: events cross from
// the replica that handled them to sockets on the other one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Environment, eventually, nextEvent, record, request, sleep } from '../lib/harness.mjs';

let environment;
let admin;

before(async () => {
  environment = await Environment.start({ replicas: 2 });
  admin = await environment.createAdmin();
});

after(async () => {
  await environment?.stop();
});

test('message crosses to the other replica once', async () => {
  const client = await environment.registerClient();
  const session = await environment.openSession(client);
  const taken = await environment.api('PUT', `/api/chat/sessions/${session.id}/admin`, admin.token, {});
  assert.equal(taken.status, 200);
  const clientSocket = await environment.connect(client.token, { worker: 0 });
  const adminSocket = await environment.connect(admin.token, { worker: 1 });
  await request(clientSocket, 'join_chat', { session_id: session.id });
  await request(adminSocket, 'join_chat', { session_id: session.id });
  const atAdmin = record(adminSocket, 'new_message');
  const atClient = record(clientSocket, 'new_message');

  const sent = await request(clientSocket, 'send_message', { session_id: session.id, body: 'across', client_msg_id: 'x-1' });
  const answered = await request(adminSocket, 'send_message', { session_id: session.id, body: 'back', client_msg_id: 'x-2' });
  await eventually('both messages on both sides', () => atAdmin.length >= 2 && atClient.length >= 2);
  await sleep(700);

  assert.deepEqual(atAdmin.map((message) => message.id), [sent.message.id, answered.message.id]);
  assert.deepEqual(atClient.map((message) => message.id), [sent.message.id, answered.message.id]);
  clientSocket.close();
  adminSocket.close();
});

test('typing and receipts cross to the other replica', async () => {
  const client = await environment.registerClient();
  const session = await environment.openSession(client);
  await environment.api('PUT', `/api/chat/sessions/${session.id}/admin`, admin.token, {});
  const clientSocket = await environment.connect(client.token, { worker: 0 });
  const adminSocket = await environment.connect(admin.token, { worker: 1 });
  await request(clientSocket, 'join_chat', { session_id: session.id });
  const joined = nextEvent(clientSocket, 'user_joined');
  await request(adminSocket, 'join_chat', { session_id: session.id });
  assert.deepEqual(await joined, { session_id: session.id, user_id: admin.id });
  const typing = nextEvent(adminSocket, 'typing_started');
  const sent = await request(clientSocket, 'send_message', { session_id: session.id, body: 'read me', client_msg_id: 'r-1' });

  await request(clientSocket, 'typing_start', { session_id: session.id });
  assert.deepEqual(await typing, { session_id: session.id, user_id: client.id });
  const receipt = nextEvent(clientSocket, 'messages_read');
  await request(adminSocket, 'mark_read', { session_id: session.id, up_to_message_id: sent.message.id });

  assert.equal((await receipt).reader_id, admin.id);
  clientSocket.close();
  adminSocket.close();
});

test('alert reaches admins on both replicas', async () => {
  const owner = await environment.registerClient('owner');
  const device = await environment.createDevice(admin, 'Cross meter', 1, owner.id);
  const first = await environment.connect(admin.token, { worker: 0 });
  const second = await environment.connect(admin.token, { worker: 1 });
  const ownerSocket = await environment.connect(owner.token, { worker: 1 });
  const alerts = [first, second, ownerSocket].map((socket) => nextEvent(socket, 'overconsumption_notification'));

  await environment.publishReading({ device_id: device.id, measured_at: new Date(Date.now() - 1000).toISOString(), kwh: 4 });

  const received = await Promise.all(alerts);
  assert.ok(received.every((alert) => alert.device_id === device.id));
  for (const socket of [first, second, ownerSocket]) socket.close();
});
