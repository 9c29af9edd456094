// Chat over Socket.IO against one worker replica: access, ordering, persistence,
// resends, read receipts, typing indicators and transports.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { Environment, eventually, nextEvent, record, request, sleep } from '../lib/harness.mjs';

let environment;
let admin;

const DASHBOARD_ORIGIN = 'http://127.0.0.1:5173';

before(async () => {
  environment = await Environment.start({ workerEnv: { CORS_ORIGINS: DASHBOARD_ORIGIN } });
  admin = await environment.createAdmin();
});

after(async () => {
  await environment?.stop();
});

/**
 * Registers a client with an open session that the admin takes over (so the
 * support bot stays out of it), and joins sockets of both to the session's room.
 */
async function conversation({ transports = ['websocket'], upgrade = true } = {}) {
  const client = await environment.registerClient();
  const session = await environment.openSession(client);
  const taken = await environment.api('PUT', `/api/chat/sessions/${session.id}/admin`, admin.token, {});
  assert.equal(taken.status, 200, JSON.stringify(taken.body));
  const clientSocket = await environment.connect(client.token, { transports, upgrade });
  const adminSocket = await environment.connect(admin.token, { transports, upgrade });
  assert.deepEqual(await request(clientSocket, 'join_chat', { session_id: session.id }), { ok: true, session_id: session.id });
  assert.deepEqual(await request(adminSocket, 'join_chat', { session_id: session.id }), { ok: true, session_id: session.id });
  return { client, session, clientSocket, adminSocket };
}

function closeAll(...sockets) {
  for (const socket of sockets) socket.close();
}

describe('handshake', () => {
  test('socket without token is refused', async () => {
    await assert.rejects(environment.connect(null, { auth: {} }), (error) => {
      assert.match(error.message, /missing token/);
      return true;
    });
  });

  test('socket with invalid token is refused', async () => {
    await assert.rejects(environment.connect('not-a-token'), (error) => {
      assert.match(error.message, /invalid token/);
      return true;
    });
  });

  test('socket with token of another issuer key is refused', async () => {
    const client = await environment.registerClient();
    const [header, payload] = client.token.split('.');
    const forged = `${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`;

    await assert.rejects(environment.connect(forged), /invalid token/);
  });

  test('deleted user is disconnected and refused', async () => {
    const client = await environment.registerClient();
    const socket = await environment.connect(client.token);
    const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));

    const { status } = await environment.api('DELETE', `/api/users/${client.id}`, admin.token);

    assert.equal(status, 204);
    assert.equal(await disconnected, 'io server disconnect');
    await assert.rejects(environment.connect(client.token), /no longer exists/);
  });
});

describe('joining', () => {
  test('client cannot join another client session', async () => {
    const owner = await environment.registerClient();
    const session = await environment.openSession(owner);
    const other = await environment.registerClient();
    const socket = await environment.connect(other.token);

    const answer = await request(socket, 'join_chat', { session_id: session.id });

    assert.equal(answer.ok, false);
    assert.equal(answer.code, 'not_found');
    closeAll(socket);
  });

  test('admin cannot join a session assigned to another admin', async () => {
    const client = await environment.registerClient();
    const session = await environment.openSession(client);
    const owner = await environment.createAdmin('owner');
    const taken = await environment.api('PUT', `/api/chat/sessions/${session.id}/admin`, owner.token, {});
    assert.equal(taken.status, 200);
    const socket = await environment.connect(admin.token);

    const answer = await request(socket, 'join_chat', { session_id: session.id });

    assert.equal(answer.ok, false);
    assert.equal(answer.code, 'not_found');
    closeAll(socket);
  });

  test('invalid payload is rejected', async () => {
    const client = await environment.registerClient();
    const socket = await environment.connect(client.token);

    const answer = await request(socket, 'join_chat', { session_id: 'nope' });

    assert.equal(answer.ok, false);
    assert.equal(answer.code, 'invalid_payload');
    assert.match(answer.error, /session_id/);
    closeAll(socket);
  });

  test('event without acknowledgement gets an error event', async () => {
    const client = await environment.registerClient();
    const socket = await environment.connect(client.token);
    const error = nextEvent(socket, 'error');

    socket.emit('typing_start', { session_id: randomUUID() });

    assert.equal((await error).code, 'not_joined');
    closeAll(socket);
  });

  test('other members hear user_joined and user_left', async () => {
    const { client, session, clientSocket, adminSocket } = await conversation();
    const left = nextEvent(adminSocket, 'user_left');

    await request(clientSocket, 'leave_chat', { session_id: session.id });

    assert.deepEqual(await left, { session_id: session.id, user_id: client.id });
    const joined = nextEvent(adminSocket, 'user_joined');
    await request(clientSocket, 'join_chat', { session_id: session.id });
    assert.deepEqual(await joined, { session_id: session.id, user_id: client.id });
    closeAll(clientSocket, adminSocket);
  });
});

describe('messages', () => {
  test('keep their order and are stored', async () => {
    const { client, session, clientSocket, adminSocket } = await conversation();
    const received = record(adminSocket, 'new_message');
    const ids = Array.from({ length: 20 }, (_, index) => `order-${index}`);

    // Sent without waiting for each acknowledgement.
    const answers = await Promise.all(
      ids.map((id, index) => request(clientSocket, 'send_message', { session_id: session.id, body: `message ${index}`, client_msg_id: id })),
    );

    for (const answer of answers) assert.equal(answer.ok, true, JSON.stringify(answer));
    await eventually('20 messages at the admin', () => received.length >= 20);
    assert.deepEqual(received.map((message) => message.client_msg_id), ids);
    assert.ok(received.every((message) => message.sender_kind === 'client' && message.sender_id === client.id));
    const page = await environment.messages(client, session.id, '?limit=100');
    const stored = page.items.filter((message) => message.sender_kind === 'client');
    assert.deepEqual(stored.map((message) => message.client_msg_id), ids);
    assert.deepEqual(stored.map((message) => message.id), received.map((message) => message.id));
    closeAll(clientSocket, adminSocket);
  });

  test('reach each socket once', async () => {
    const { session, clientSocket, adminSocket } = await conversation();
    const atAdmin = record(adminSocket, 'new_message');
    const atClient = record(clientSocket, 'new_message');

    await request(clientSocket, 'send_message', { session_id: session.id, body: 'once', client_msg_id: 'once-1' });
    await eventually('the message at the admin', () => atAdmin.length > 0);
    // The same message also comes back through RabbitMQ; give it time to arrive.
    await sleep(700);

    assert.equal(atAdmin.length, 1);
    assert.equal(atClient.length, 1);
    closeAll(clientSocket, adminSocket);
  });

  test('resend with the same client_msg_id stores nothing new', async () => {
    const { client, session, clientSocket, adminSocket } = await conversation();
    const received = record(adminSocket, 'new_message');
    const payload = { session_id: session.id, body: 'hello once', client_msg_id: 'resend-1' };

    const first = await request(clientSocket, 'send_message', payload);
    const second = await request(clientSocket, 'send_message', { ...payload, body: 'changed body' });
    await sleep(700);

    assert.equal(first.ok, true);
    assert.equal(second.ok, true);
    assert.equal(second.message.id, first.message.id);
    assert.equal(second.message.body, 'hello once');
    assert.equal(received.filter((message) => message.client_msg_id === 'resend-1').length, 1);
    const page = await environment.messages(client, session.id);
    assert.equal(page.items.filter((message) => message.client_msg_id === 'resend-1').length, 1);
    closeAll(clientSocket, adminSocket);
  });

  test('missed while disconnected are fetched after reconnecting', async () => {
    const { session, clientSocket, adminSocket } = await conversation();
    const first = await request(clientSocket, 'send_message', { session_id: session.id, body: 'before', client_msg_id: 'gap-0' });
    await nextEvent(adminSocket, 'new_message', (message) => message.id === first.message.id).catch(() => {});
    adminSocket.close();

    const missed = [];
    for (let index = 1; index <= 3; index += 1) {
      const answer = await request(clientSocket, 'send_message', { session_id: session.id, body: `while away ${index}`, client_msg_id: `gap-${index}` });
      missed.push(answer.message.id);
    }
    const again = await environment.connect(admin.token);
    await request(again, 'join_chat', { session_id: session.id });
    const page = await environment.messages(admin, session.id, `?after=${first.message.id}`);

    assert.deepEqual(page.items.map((message) => message.id), missed);
    assert.equal(page.next_cursor, null);
    const live = nextEvent(again, 'new_message');
    await request(clientSocket, 'send_message', { session_id: session.id, body: 'after', client_msg_id: 'gap-4' });
    assert.equal((await live).client_msg_id, 'gap-4');
    closeAll(clientSocket, again);
  });

  test('to a closed session are rejected', async () => {
    const { session, clientSocket, adminSocket } = await conversation();
    const closed = await environment.api('POST', `/api/chat/sessions/${session.id}/close`, admin.token, {});
    assert.equal(closed.status, 200);

    const answer = await request(clientSocket, 'send_message', { session_id: session.id, body: 'late', client_msg_id: 'late-1' });

    assert.equal(answer.ok, false);
    assert.equal(answer.code, 'closed');
    closeAll(clientSocket, adminSocket);
  });

  test('sent over HTTP reach the room', async () => {
    const { client, session, clientSocket, adminSocket } = await conversation();
    const live = nextEvent(adminSocket, 'new_message', (message) => message.client_msg_id === 'http-1');

    const { status } = await environment.api('POST', `/api/chat/sessions/${session.id}/messages`, client.token, { body: 'over HTTP', client_msg_id: 'http-1' });

    assert.equal(status, 201);
    assert.equal((await live).body, 'over HTTP');
    closeAll(clientSocket, adminSocket);
  });

  test('from an admin take the session over and update it', async () => {
    const client = await environment.registerClient();
    const session = await environment.openSession(client);
    const clientSocket = await environment.connect(client.token);
    const adminSocket = await environment.connect(admin.token);
    await request(adminSocket, 'join_chat', { session_id: session.id });
    // The session's creation may still be on its way as a session_updated too.
    const takenOver = (payload) => payload.id === session.id && payload.admin_id !== null;
    const atClient = nextEvent(clientSocket, 'session_updated', takenOver);
    const atAdmin = nextEvent(adminSocket, 'session_updated', takenOver);

    await request(adminSocket, 'send_message', { session_id: session.id, body: 'I am here', client_msg_id: 'admin-1' });

    const forClient = await atClient;
    assert.equal(forClient.admin_id, admin.id);
    assert.equal(forClient.client_id, client.id);
    assert.equal(forClient.unread, 1);
    assert.equal(forClient.unread_by_admin, undefined);
    assert.equal(forClient.unread_by_client, undefined);
    const forAdmin = await atAdmin;
    assert.equal(forAdmin.admin_id, admin.id);
    assert.equal(forAdmin.unread, 0);
    closeAll(clientSocket, adminSocket);
  });
});

describe('receipts and typing', () => {
  test('read receipt reaches the other party only', async () => {
    const { client, session, clientSocket, adminSocket } = await conversation();
    const sent = await request(clientSocket, 'send_message', { session_id: session.id, body: 'read me', client_msg_id: 'read-1' });
    const atClient = nextEvent(clientSocket, 'messages_read');
    const atAdmin = record(adminSocket, 'messages_read');

    const answer = await request(adminSocket, 'mark_read', { session_id: session.id, up_to_message_id: sent.message.id });

    assert.equal(answer.ok, true);
    assert.equal(answer.marked, 1);
    const receipt = await atClient;
    assert.equal(receipt.session_id, session.id);
    assert.equal(receipt.reader_id, admin.id);
    assert.equal(receipt.up_to_message_id, sent.message.id);
    assert.match(receipt.read_at, /^\d{4}-\d{2}-\d{2}T/);
    await sleep(500);
    assert.equal(atAdmin.length, 0);
    const page = await environment.messages(client, session.id);
    assert.ok(page.items.find((message) => message.id === sent.message.id).read_at);
    closeAll(clientSocket, adminSocket);
  });

  test('typing reaches the other party only', async () => {
    const { client, session, clientSocket, adminSocket } = await conversation();
    const secondTab = await environment.connect(client.token);
    await request(secondTab, 'join_chat', { session_id: session.id });
    const atSecondTab = record(secondTab, 'typing_started');
    const started = nextEvent(adminSocket, 'typing_started');
    const stopped = nextEvent(adminSocket, 'typing_stopped');

    assert.equal((await request(clientSocket, 'typing_start', { session_id: session.id })).ok, true);
    assert.equal((await request(clientSocket, 'typing_stop', { session_id: session.id })).ok, true);

    assert.deepEqual(await started, { session_id: session.id, user_id: client.id });
    assert.deepEqual(await stopped, { session_id: session.id, user_id: client.id });
    await sleep(500);
    assert.equal(atSecondTab.length, 0);
    closeAll(clientSocket, adminSocket, secondTab);
  });

  test('typing is rate limited per socket', async () => {
    const { session, clientSocket, adminSocket } = await conversation();

    const answers = [];
    for (let index = 0; index < 12; index += 1) {
      answers.push(await request(clientSocket, 'typing_start', { session_id: session.id }));
    }

    assert.ok(answers.some((answer) => answer.ok), 'the first events pass');
    const limited = answers.filter((answer) => !answer.ok);
    assert.ok(limited.length > 0, 'a burst of 12 is limited');
    assert.ok(limited.every((answer) => answer.code === 'rate_limited'));
    closeAll(clientSocket, adminSocket);
  });
});

describe('transports', () => {
  for (const transports of [['websocket'], ['polling']]) {
    test(`${transports[0]} carries messages both ways`, async () => {
      const { session, clientSocket, adminSocket } = await conversation({ transports, upgrade: false });
      assert.equal(clientSocket.io.engine.transport.name, transports[0]);
      const atAdmin = nextEvent(adminSocket, 'new_message');
      const atClient = nextEvent(clientSocket, 'new_message', (message) => message.sender_kind === 'admin');

      await request(clientSocket, 'send_message', { session_id: session.id, body: 'ping', client_msg_id: `${transports[0]}-1` });
      await request(adminSocket, 'send_message', { session_id: session.id, body: 'pong', client_msg_id: `${transports[0]}-2` });

      assert.equal((await atAdmin).body, 'ping');
      assert.equal((await atClient).body, 'pong');
      closeAll(clientSocket, adminSocket);
    });
  }
});

describe('CORS', () => {
  test('long-polling allows the dashboard origin only', async () => {
    const url = `${environment.workers[0].url}/socket.io/?EIO=4&transport=polling`;

    const allowed = await fetch(url, { headers: { origin: DASHBOARD_ORIGIN } });
    const other = await fetch(url, { headers: { origin: 'http://127.0.0.1:6666' } });

    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get('access-control-allow-origin'), DASHBOARD_ORIGIN);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('preflight allows POST from the dashboard origin', async () => {
    const response = await fetch(`${environment.workers[0].url}/socket.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { origin: DASHBOARD_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

    assert.ok(response.status < 300, `status ${response.status}`);
    assert.equal(response.headers.get('access-control-allow-origin'), DASHBOARD_ORIGIN);
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
  });
});

describe('roles', () => {
  test('demoted admin is disconnected and hears no other alerts', async () => {
    const demoted = await environment.createAdmin('demoted');
    const socket = await environment.connect(demoted.token);
    const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));

    const { status } = await environment.api('PATCH', `/api/users/${demoted.id}`, admin.token, { role: 'client' });

    assert.equal(status, 200);
    assert.equal(await disconnected, 'io server disconnect');
    // The token still claims the admin role, but the database decides.
    const again = await environment.connect(demoted.token);
    const alerts = record(again, 'overconsumption_notification');
    const owner = await environment.registerClient('owner');
    const device = await environment.createDevice(admin, 'Demotion meter', 1, owner.id);
    const ownerSocket = await environment.connect(owner.token);
    const atOwner = nextEvent(ownerSocket, 'overconsumption_notification');
    await environment.publishReading({ device_id: device.id, measured_at: new Date(Date.now() - 1000).toISOString(), kwh: 3 });
    await atOwner;
    await sleep(500);
    assert.equal(alerts.length, 0);
    closeAll(again, ownerSocket);
  });
});
