// The support bot with an AI token: keyword rules first, then the AI, then a
// hand-off to a human whenever the AI fails.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ANSWER } from '../lib/fake-ai.mjs';
import { Environment, eventually, nextEvent, record, request, sleep } from '../lib/harness.mjs';

let environment;
let admin;

before(async () => {
  environment = await Environment.start({ aiToken: true });
  admin = await environment.createAdmin();
});

after(async () => {
  await environment?.stop();
});

/** Registers a client with an open, unassigned session and joins a socket of theirs to its room. */
async function clientInSession() {
  const client = await environment.registerClient();
  const session = await environment.openSession(client);
  const socket = await environment.connect(client.token);
  await request(socket, 'join_chat', { session_id: session.id });
  return { client, session, socket };
}

async function send(socket, sessionId, body, clientMsgId) {
  const answer = await request(socket, 'send_message', { session_id: sessionId, body, client_msg_id: clientMsgId });
  assert.equal(answer.ok, true, JSON.stringify(answer));
  return answer.message;
}

describe('support bot', () => {
  test('keyword rule replies as bot', async () => {
    const { session, socket } = await clientInSession();
    const reply = nextEvent(socket, 'new_message', (message) => message.sender_kind !== 'client');

    await send(socket, session.id, 'Hello!', 'rule-1');

    const message = await reply;
    assert.equal(message.sender_kind, 'bot');
    assert.equal(message.sender_id, null);
    assert.match(message.body, /DMS support assistant/);
    socket.close();
  });

  test('AI answers with the client own devices only', async () => {
    const { client, session, socket } = await clientInSession();
    await environment.createDevice(admin, 'Heat pump of the asker', 2.5, client.id);
    const stranger = await environment.registerClient('stranger');
    await environment.createDevice(admin, 'Sauna of a stranger', 9, stranger.id);
    const reply = nextEvent(socket, 'new_message', (message) => message.sender_kind !== 'client');

    const sent = await send(socket, session.id, '[ai:ok] Tell me something nice about the weather', 'ai-ok-1');

    const message = await reply;
    assert.equal(message.sender_kind, 'ai');
    assert.equal(message.body, ANSWER);
    assert.equal(message.client_msg_id, `reply:${sent.id}`);
    const aiRequest = environment.ai.requests.find((body) => body.messages.some((entry) => entry.content.includes('[ai:ok] Tell me')));
    assert.ok(aiRequest, 'the AI got the message');
    assert.equal(aiRequest.model, 'fake-model');
    const instructions = aiRequest.messages[0];
    assert.equal(instructions.role, 'system');
    assert.match(instructions.content, /Heat pump of the asker: limit 2\.5 kWh per hour; 0 kWh today/);
    assert.doesNotMatch(JSON.stringify(aiRequest), /Sauna of a stranger/);
    const page = await environment.messages(client, session.id);
    assert.deepEqual(page.items.map((item) => item.sender_kind), ['client', 'ai']);
    socket.close();
  });

  for (const [mode, what] of [
    ['500', 'HTTP 500'],
    ['hang', 'timeout'],
    ['malformed', 'malformed JSON'],
    ['empty', 'empty answer'],
  ]) {
    test(`AI ${what} hands over to a human`, async () => {
      const { client, session, socket } = await clientInSession();
      const adminSocket = await environment.connect(admin.token);
      const notice = nextEvent(socket, 'new_message', (message) => message.sender_kind !== 'client', 15_000);
      const atClient = nextEvent(socket, 'session_updated', (payload) => payload.id === session.id && payload.needs_human, 15_000);
      const atAdmin = nextEvent(adminSocket, 'session_updated', (payload) => payload.id === session.id && payload.needs_human, 15_000);

      await send(socket, session.id, `[ai:${mode}] My thing is odd`, `ai-${mode}-1`);

      const message = await notice;
      assert.equal(message.sender_kind, 'system');
      assert.match(message.body, /administrator will answer/);
      const forAdmin = await atAdmin;
      assert.equal(forAdmin.admin_id, null);
      assert.equal(forAdmin.unread, 1);
      assert.equal((await atClient).unread, 1);
      const { body } = await environment.api('GET', `/api/chat/sessions/${session.id}`, client.token);
      assert.equal(body.needs_human, true);
      socket.close();
      adminSocket.close();
    });
  }

  test('session waiting for a human gets no more bot replies', async () => {
    const { client, session, socket } = await clientInSession();
    const handedOver = nextEvent(socket, 'new_message', (message) => message.sender_kind === 'system', 15_000);
    await send(socket, session.id, '[ai:500] First thing', 'wait-1');
    await handedOver;
    const replies = record(socket, 'new_message');

    await send(socket, session.id, 'Hello again', 'wait-2');
    await sleep(1500);

    assert.deepEqual(replies.map((message) => message.sender_kind), ['client']);
    const page = await environment.messages(client, session.id);
    assert.deepEqual(page.items.map((item) => item.sender_kind), ['client', 'system', 'client']);
    socket.close();
  });

  test('session taken by an admin gets no bot replies', async () => {
    const { client, session, socket } = await clientInSession();
    const taken = await environment.api('PUT', `/api/chat/sessions/${session.id}/admin`, admin.token, {});
    assert.equal(taken.status, 200);

    await send(socket, session.id, 'Hello admin', 'taken-1');
    await sleep(1500);

    const page = await environment.messages(client, session.id);
    assert.deepEqual(page.items.map((item) => item.sender_kind), ['client']);
    socket.close();
  });

  test('bot replies at most five times a minute per client', async () => {
    const { client, session, socket } = await clientInSession();

    for (let index = 0; index < 7; index += 1) {
      await send(socket, session.id, `Hello number ${index}`, `limit-${index}`);
    }
    await eventually('five bot replies', async () => {
      const page = await environment.messages(client, session.id);
      return page.items.filter((item) => item.sender_kind === 'bot').length >= 5;
    });
    await sleep(1500);

    const page = await environment.messages(client, session.id);
    assert.equal(page.items.filter((item) => item.sender_kind === 'client').length, 7);
    assert.equal(page.items.filter((item) => item.sender_kind === 'bot').length, 5);
    socket.close();
  });
});
