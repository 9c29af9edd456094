// Starts what the socket tests drive, as processes on 127.0.0.1: a fresh
// PostgreSQL database, devhost (the HTTP API) and one or more `dms-worker run`
// replicas with their own AMQP name prefix, plus a fake AI server. `stop()`
// removes the database, every exchange and queue of the prefix, and the
// processes' logs unless DMS_SOCKET_KEEP_LOGS is set.
import { spawn, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

import amqp from 'amqplib';
import { io } from 'socket.io-client';

import { startFakeAi } from './fake-ai.mjs';

// The benchmarks in bench/socket use these clients from here, so that one
// node_modules serves both.
export { amqp, io };

const run = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Folder of the devhost and dms-worker binaries; the benchmarks set a release build. */
export const BIN = process.env.DMS_BIN_DIR ?? path.join(ROOT, 'target/debug');
export const PG = process.env.DMS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';
export const AMQP = process.env.DMS_TEST_AMQP ?? 'amqp://guest:guest@127.0.0.1:5672/%2f';
export const AI_TOKEN = 'fake-ai-token';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function workerCommand(args, env) {
  return run(path.join(BIN, 'dms-worker'), args, { env: { ...process.env, ...env }, cwd: ROOT });
}

/** Reads the KEY=value lines of `dms-worker generate-keys`. */
async function generateKeys() {
  const { stdout } = await workerCommand(['generate-keys', '--kid', 'socket-test']);
  const keys = {};
  for (const line of stdout.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) keys[match[1]] = match[2].replace(/^'(.*)'$/, '$1');
  }
  if (!keys.JWT_SIGNING_KEY || !keys.JWT_VERIFYING_KEYS) throw new Error(`generate-keys printed no keys: ${stdout}`);
  return keys;
}

/** A child process whose output goes to a log file. */
class Process {
  constructor(name, command, args, env, logDir) {
    this.name = name;
    this.logPath = path.join(logDir, `${name}.log`);
    const log = fs.openSync(this.logPath, 'a');
    this.child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  log() {
    return fs.existsSync(this.logPath) ? fs.readFileSync(this.logPath, 'utf8') : '';
  }

  async waitForLog(text, timeoutMs = 20_000) {
    await waitFor(`"${text}" in ${this.logPath}`, timeoutMs, () => {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited early; see ${this.logPath}`);
      return this.log().includes(text);
    });
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * A log filter for benchmarks: warnings, plus the lines that Environment.start
 * waits for.
 */
export const QUIET_LOG = 'warn,dms_worker::socket::relay=info,dms_worker::bot=info';

/** Roles of the workers that the tests start: all but the simulator. */
const DEFAULT_ROLES = 'ingest,relay,bot,chat';

export class Environment {
  /**
   * @param {object} options
   * @param {number} [options.replicas] worker replicas sharing the database and prefix
   * @param {boolean} [options.aiToken] whether the workers get an AI token
   * @param {object} [options.workerEnv] more environment variables for the workers
   */
  static async start({ replicas = 1, aiToken = true, workerEnv = {} } = {}) {
    const environment = new Environment();
    try {
      await environment.#start(replicas, aiToken, workerEnv);
    } catch (error) {
      await environment.stop();
      throw error;
    }
    return environment;
  }

  id = randomUUID().replaceAll('-', '');
  prefix = `socktest-${this.id}`;
  database = `dms_socket_${this.id}`;
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dms-socket-'));
  workers = [];
  processes = [];
  databaseCreated = false;
  ai = null;
  #firstAdmin = null;

  async #start(replicas, aiToken, workerEnv) {
    this.databaseUrl = `${PG}/${this.database}?sslmode=disable`;
    await workerCommand(['migrate'], { DATABASE_URL: this.databaseUrl });
    this.databaseCreated = true;
    this.keys = await generateKeys();
    this.ai = await startFakeAi({ token: AI_TOKEN });

    const common = {
      DATABASE_URL: this.databaseUrl,
      JWT_VERIFYING_KEYS: this.keys.JWT_VERIFYING_KEYS,
      JWT_ISSUER: 'dms-socket-test',
      JWT_AUDIENCE: 'dms-socket-test-api',
      RUST_LOG: process.env.RUST_LOG ?? 'info',
    };
    const apiPort = await freePort();
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    const devhost = new Process('devhost', path.join(BIN, 'devhost'), [], {
      ...common,
      JWT_SIGNING_KEY: this.keys.JWT_SIGNING_KEY,
      JWT_SIGNING_KID: this.keys.JWT_SIGNING_KID,
      DEVHOST_LISTEN: `127.0.0.1:${apiPort}`,
      DEVHOST_MANIFEST: writeManifestWithoutWeb(this.logDir),
    }, this.logDir);
    this.processes.push(devhost);

    for (let index = 0; index < replicas; index += 1) {
      const port = await freePort();
      const env = {
        ...common,
        LISTEN_ADDR: `127.0.0.1:${port}`,
        AMQP_URL: AMQP,
        AMQP_PREFIX: this.prefix,
        WORKER_ROLES: DEFAULT_ROLES,
        AI_BASE_URL: this.ai.baseUrl,
        AI_MODEL: 'fake-model',
        AI_TIMEOUT_SECONDS: '2',
        ...(aiToken ? { AI_TOKEN } : {}),
        ...workerEnv,
      };
      const worker = new Process(`worker-${index + 1}`, path.join(BIN, 'dms-worker'), ['run'], env, this.logDir);
      worker.url = `http://127.0.0.1:${port}`;
      this.workers.push(worker);
      this.processes.push(worker);
    }

    await waitFor('devhost /api/health', 20_000, async () => (await fetch(`${this.apiUrl}/api/health`)).ok);
    for (const worker of this.workers) {
      await waitFor(`${worker.name} /readyz`, 20_000, async () => (await fetch(`${worker.url}/readyz`)).ok);
      // Events published before the relay's queue is bound would not reach it.
      await worker.waitForLog('chat relay consuming events');
      await worker.waitForLog('support bot consuming');
    }
  }

  async stop() {
    await Promise.all(this.processes.map((child) => child.stop()));
    if (this.ai) await this.ai.close();
    await deletePrefix(this.prefix).catch((error) => console.warn(`cleanup of ${this.prefix} failed: ${error.message}`));
    if (process.env.DMS_SOCKET_KEEP_LOGS) {
      console.log(`logs of ${this.prefix} kept in ${this.logDir}`);
    } else {
      fs.rmSync(this.logDir, { recursive: true, force: true });
    }
    if (this.databaseCreated) {
      await run('dropdb', ['--if-exists', '--force', '-h', '127.0.0.1', '-U', 'postgres', this.database]).catch((error) =>
        console.warn(`dropdb ${this.database} failed: ${error.message}`),
      );
    }
  }

  /** Calls the HTTP API; returns the status and the parsed body. */
  async api(method, pathname, token, body) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.apiUrl}${pathname}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async registerClient(name = 'client') {
    const username = `${name}_${randomUUID().slice(0, 8)}`;
    const { status, body } = await this.api('POST', '/api/auth/register', null, {
      username,
      email: `${username}@example.com`,
      password: 'client-password-1',
    });
    if (status !== 201) throw new Error(`register ${username}: ${status} ${JSON.stringify(body)}`);
    return { id: body.user.id, username, token: body.access_token };
  }

  /** Creates an admin: the first through `dms-worker create-admin`, later ones through the API. */
  async createAdmin(name = 'admin') {
    const username = `${name}_${randomUUID().slice(0, 8)}`;
    const password = 'admin-password-1';
    if (!this.#firstAdmin) {
      await workerCommand(['create-admin', '--username', username, '--email', `${username}@example.com`], {
        DATABASE_URL: this.databaseUrl,
        DMS_ADMIN_PASSWORD: password,
      });
    } else {
      const { status, body } = await this.api('POST', '/api/users', this.#firstAdmin.token, {
        username,
        email: `${username}@example.com`,
        password,
        role: 'admin',
      });
      if (status !== 201) throw new Error(`create admin ${username}: ${status} ${JSON.stringify(body)}`);
    }
    const { status, body } = await this.api('POST', '/api/auth/login', null, { login: username, password });
    if (status !== 200) throw new Error(`login ${username}: ${status} ${JSON.stringify(body)}`);
    const admin = { id: body.user.id, username, token: body.access_token };
    this.#firstAdmin ??= admin;
    return admin;
  }

  async createDevice(admin, name, limit, ownerId) {
    const { status, body } = await this.api('POST', '/api/devices', admin.token, { name, max_hourly_kwh: limit, owner_id: ownerId });
    if (status !== 201) throw new Error(`create device: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  async openSession(client) {
    const { status, body } = await this.api('POST', '/api/chat/sessions', client.token, {});
    if (status !== 201 && status !== 200) throw new Error(`open session: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  async messages(user, sessionId, query = '') {
    const { status, body } = await this.api('GET', `/api/chat/sessions/${sessionId}/messages${query}`, user.token);
    if (status !== 200) throw new Error(`list messages: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Publishes one reading to the prefix's readings exchange with a publisher confirm. */
  async publishReading(reading) {
    const connection = await amqp.connect(AMQP);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish(`${this.prefix}.readings`, 'reading', Buffer.from(JSON.stringify(reading)), {
        persistent: true,
        contentType: 'application/json',
      });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
  }

  /** Connects a socket to a worker replica and waits for the connection. */
  connect(token, { worker = 0, transports = ['websocket'], upgrade = true, auth } = {}) {
    const socket = io(this.workers[worker].url, {
      path: '/socket.io/',
      transports,
      upgrade,
      auth: auth ?? { token },
      reconnection: false,
      forceNew: true,
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (error) => {
        socket.close();
        reject(error);
      });
    });
  }
}

/**
 * Writes a copy of spin.toml without the `web` component and returns its path.
 * NOTE: with the web component's catch-all `/...` route, devhost (routefinder
 * 0.5) sent `/api/auth/...` requests to `web` when these tests were written.
 * The tests need no dashboard, so they leave it out; use spin.toml itself once
 * devhost picks the most specific route again.
 */
function writeManifestWithoutWeb(directory) {
  const blocks = fs.readFileSync(path.join(ROOT, 'spin.toml'), 'utf8').split(/\n(?=\[)/);
  const kept = blocks.filter((block) => {
    const header = block.split('\n', 1)[0].trim();
    if (header.startsWith('[component.web')) return false;
    return !(header === '[[trigger.http]]' && /^component\s*=\s*"web"\s*$/m.test(block));
  });
  const manifest = path.join(directory, 'spin.toml');
  fs.writeFileSync(manifest, kept.join('\n'));
  return manifest;
}

/** Deletes every exchange and queue named under `prefix`. */
export async function deletePrefix(prefix) {
  const connection = await amqp.connect(AMQP);
  try {
    for (const queue of ['readings.ingest', 'readings.dead', 'bot']) {
      const channel = await connection.createChannel();
      await channel.deleteQueue(`${prefix}.${queue}`).catch(() => {});
      await channel.close().catch(() => {});
    }
    for (const exchange of ['readings', 'readings.dlx', 'events']) {
      const channel = await connection.createChannel();
      await channel.deleteExchange(`${prefix}.${exchange}`).catch(() => {});
      await channel.close().catch(() => {});
    }
  } finally {
    await connection.close();
  }
}

/** Emits with an acknowledgement and returns the acknowledgement. */
export function request(socket, event, payload, timeoutMs = 10_000) {
  return socket.timeout(timeoutMs).emitWithAck(event, payload);
}

/** Records every payload of `event` on a socket. */
export function record(socket, event) {
  const received = [];
  socket.on(event, (payload) => received.push(payload));
  return received;
}

/** Waits for the first `event` whose payload satisfies `predicate`. */
export function nextEvent(socket, event, predicate = () => true, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    function listener(payload) {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    }
    socket.on(event, listener);
  });
}

/** Waits until `check()` returns a truthy value and returns it. */
export async function eventually(what, check, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
