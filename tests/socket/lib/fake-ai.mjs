// A small OpenAI-compatible chat-completions server on 127.0.0.1 for the
// support bot's tests. The last user message picks the behaviour:
//   "[ai:500]"       HTTP 500
//   "[ai:hang]"      no response at all (the bot's timeout must fire)
//   "[ai:malformed]" HTTP 200 with a body that is not JSON
//   "[ai:empty]"     HTTP 200 with blank content
//   anything else    HTTP 200 with ANSWER
import http from 'node:http';

export const ANSWER = 'Your heat pump used most of today\'s energy; lowering the setpoint by one degree helps.';

export async function startFakeAi({ token }) {
  const requests = [];
  const hanging = new Set();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        response.writeHead(404).end();
        return;
      }
      if (request.headers.authorization !== `Bearer ${token}`) {
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad token"}');
        return;
      }
      const parsed = JSON.parse(body);
      requests.push(parsed);
      const userMessages = parsed.messages.filter((message) => message.role === 'user');
      const last = userMessages.at(-1)?.content ?? '';
      if (last.includes('[ai:500]')) {
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
      } else if (last.includes('[ai:hang]')) {
        hanging.add(response);
      } else if (last.includes('[ai:malformed]')) {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [ this is not JSON');
      } else if (last.includes('[ai:empty]')) {
        const answer = { choices: [{ index: 0, message: { role: 'assistant', content: '   ' } }] };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      } else {
        const answer = { id: 'fake', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }] };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
