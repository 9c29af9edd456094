// The support bot without an AI token: rules still reply, and anything else
// goes to a human at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Environment, nextEvent, request } from '../lib/harness.mjs';

let environment;

before(async () => {
  environment = await Environment.start({ aiToken: false });
});

after(async () => {
  await environment?.stop();
});

test('unmatched message without AI token goes to a human', async () => {
  const admin = await environment.createAdmin();
  const client = await environment.registerClient();
  const session = await environment.openSession(client);
  const socket = await environment.connect(client.token);
  const adminSocket = await environment.connect(admin.token);
  const notice = nextEvent(socket, 'new_message', (message) => message.sender_kind !== 'client');
  const atAdmin = nextEvent(adminSocket, 'session_updated', (payload) => payload.id === session.id && payload.needs_human);

  const answer = await request(socket, 'send_message', { session_id: session.id, body: 'Something unusual happened', client_msg_id: 'n-1' });

  assert.equal(answer.ok, true);
  const message = await notice;
  assert.equal(message.sender_kind, 'system');
  assert.match(message.body, /administrator will answer/);
  assert.equal((await atAdmin).needs_human, true);
  assert.equal(environment.ai.requests.length, 0, 'the AI was not asked');
  socket.close();
  adminSocket.close();
});

test('rule still answers without AI token', async () => {
  const client = await environment.registerClient();
  const session = await environment.openSession(client);
  const socket = await environment.connect(client.token);
  await request(socket, 'join_chat', { session_id: session.id });
  const reply = nextEvent(socket, 'new_message', (message) => message.sender_kind !== 'client');

  await request(socket, 'send_message', { session_id: session.id, body: 'How do I change my password?', client_msg_id: 'r-1' });

  const message = await reply;
  assert.equal(message.sender_kind, 'bot');
  assert.match(message.body, /Profile page/);
  socket.close();
});
