// Starts what the dashboard tests drive, as processes on 127.0.0.1: a fresh
// PostgreSQL database, devhost (the HTTP API and the dashboard, as spin.toml
// routes them) and `dms-worker run` with its own AMQP name prefix, plus headless
// Chromium through playwright-core. `stop()` removes the database and every
// exchange and queue of the prefix.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import amqp from 'amqplib';
import { chromium } from 'playwright-core';

const run = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Folder of the devhost and dms-worker binaries. */
export const BIN = process.env.DMS_BIN_DIR ?? path.join(ROOT, 'target/debug');
export const PG = process.env.DMS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';
export const AMQP = process.env.DMS_TEST_AMQP ?? 'amqp://guest:guest@127.0.0.1:5672/%2f';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'target/screenshots');

/**
 * Worker roles. The simulator runs as a separate backfill, and the support bot
 * not at all, so that the chat test sees only the admin's replies.
 */
const WORKER_ROLES = 'ingest,relay,chat';

const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** Waits until `check()` returns a truthy value and returns it; errors count as "not yet". */
export async function eventually(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(100);
  }
}

async function workerCommand(args, env) {
  return run(path.join(BIN, 'dms-worker'), args, { env: { ...process.env, ...env }, cwd: ROOT });
}

/** Reads the KEY=value lines of `dms-worker generate-keys`. */
async function generateKeys() {
  const { stdout } = await workerCommand(['generate-keys', '--kid', 'e2e-test']);
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
    await eventually(`"${text}" in ${this.logPath}`, () => {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited early; see ${this.logPath}`);
      return this.log().includes(text);
    }, timeoutMs);
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export class Environment {
  /** Starts the database, devhost, the worker and Chromium; stops what started if one fails. */
  static async start() {
    const environment = new Environment();
    try {
      await environment.#start();
    } catch (error) {
      await environment.stop();
      throw error;
    }
    return environment;
  }

  id = randomUUID().replaceAll('-', '').slice(0, 16);
  prefix = `e2etest-${this.id}`;
  database = `dms_e2e_${this.id}`;
  logDir = path.join(ROOT, 'target/e2e-logs', this.id);
  processes = [];
  databaseCreated = false;
  browser = null;

  async #start() {
    fs.mkdirSync(this.logDir, { recursive: true });
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    this.databaseUrl = `${PG}/${this.database}?sslmode=disable`;
    await workerCommand(['migrate'], { DATABASE_URL: this.databaseUrl });
    this.databaseCreated = true;
    this.keys = await generateKeys();

    const [apiPort, workerPort] = [await freePort(), await freePort()];
    this.baseUrl = `http://127.0.0.1:${apiPort}`;
    this.workerUrl = `http://127.0.0.1:${workerPort}`;
    const common = {
      DATABASE_URL: this.databaseUrl,
      JWT_VERIFYING_KEYS: this.keys.JWT_VERIFYING_KEYS,
      JWT_ISSUER: 'dms-e2e-test',
      JWT_AUDIENCE: 'dms-e2e-test-api',
      RUST_LOG: process.env.RUST_LOG ?? 'info',
    };
    this.processes.push(
      new Process('devhost', path.join(BIN, 'devhost'), [], {
        ...common,
        JWT_SIGNING_KEY: this.keys.JWT_SIGNING_KEY,
        JWT_SIGNING_KID: this.keys.JWT_SIGNING_KID,
        DEVHOST_LISTEN: `127.0.0.1:${apiPort}`,
        DEVHOST_MANIFEST: path.join(ROOT, 'spin.toml'),
        SOCKET_URL: this.workerUrl,
      }, this.logDir),
    );
    this.worker = new Process('worker', path.join(BIN, 'dms-worker'), ['run'], {
      ...common,
      LISTEN_ADDR: `127.0.0.1:${workerPort}`,
      AMQP_URL: AMQP,
      AMQP_PREFIX: this.prefix,
      WORKER_ROLES,
      CORS_ORIGINS: this.baseUrl,
    }, this.logDir);
    this.processes.push(this.worker);

    await eventually('devhost /api/health', async () => (await fetch(`${this.baseUrl}/api/health`)).ok);
    await eventually('worker /readyz', async () => (await fetch(`${this.workerUrl}/readyz`)).ok);
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
  }

  async stop() {
    if (this.browser) await this.browser.close().catch(() => {});
    await Promise.all(this.processes.map((child) => child.stop()));
    await deletePrefix(this.prefix).catch((error) => console.warn(`cleanup of ${this.prefix} failed: ${error.message}`));
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
    const response = await fetch(`${this.baseUrl}${pathname}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async login(username, password) {
    const { status, body } = await this.api('POST', '/api/auth/login', null, { login: username, password });
    if (status !== 200) throw new Error(`login ${username}: ${status} ${JSON.stringify(body)}`);
    return { id: body.user.id, username, password, token: body.access_token };
  }

  /** Creates the first admin with `dms-worker create-admin` and signs them in. */
  async createAdmin(name = 'admin') {
    const username = `${name}_${this.id.slice(0, 6)}`;
    const password = 'admin-password-1';
    await workerCommand(['create-admin', '--username', username, '--email', `${username}@example.com`], {
      DATABASE_URL: this.databaseUrl,
      DMS_ADMIN_PASSWORD: password,
    });
    return this.login(username, password);
  }

  async registerClient(name = 'client') {
    const username = `${name}_${randomUUID().slice(0, 8)}`;
    const password = 'client-password-1';
    const { status, body } = await this.api('POST', '/api/auth/register', null, {
      username,
      email: `${username}@example.com`,
      password,
    });
    if (status !== 201) throw new Error(`register ${username}: ${status} ${JSON.stringify(body)}`);
    return { id: body.user.id, username, password, token: body.access_token };
  }

  /**
   * Publishes the last `days` days of simulated readings for every device
   * (`dms-worker simulate --backfill-only`, no spikes above the limits), waits
   * until the count of stored readings of `deviceId` stops growing, and
   * returns that count.
   */
  async backfill(days, deviceId, token) {
    await workerCommand(['simulate', '--backfill-only'], {
      DATABASE_URL: this.databaseUrl,
      AMQP_URL: AMQP,
      AMQP_PREFIX: this.prefix,
      SIMULATOR_BACKFILL_DAYS: String(days),
      SIMULATOR_SPIKE_PROBABILITY: '0',
    });
    const today = new Date();
    const from = new Date(today.getTime() - (days + 1) * 86_400_000).toISOString().slice(0, 10);
    const to = today.toISOString().slice(0, 10);
    const count = async () => {
      const { status, body } = await this.api('GET', `/api/devices/${deviceId}/consumption/days?from=${from}&to=${to}&tz=UTC`, token);
      if (status !== 200) throw new Error(`consumption days: ${status} ${JSON.stringify(body)}`);
      return body.days.reduce((sum, day) => sum + day.readings, 0);
    };
    // The backfill publishes everything before it exits, so the count only
    // grows until the ingest consumer has caught up.
    let previous = -1;
    return eventually('the backfill to be ingested', async () => {
      const current = await count();
      const settled = current > 0 && current === previous;
      previous = current;
      if (!settled) await sleep(400);
      return settled ? current : null;
    }, 60_000);
  }

  /** Publishes one reading to the prefix's readings exchange and waits for the broker's confirm. */
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

  /** Opens a browser page of its own (separate storage), 1280 x 800. */
  async newPage() {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
    return context.newPage();
  }

  /** Signs a user in through the sign-in form and waits for the signed-in layout. */
  async signIn(page, user) {
    await page.goto(`${this.baseUrl}/sign-in`);
    await page.getByTestId('sign-in-login').fill(user.username);
    await page.getByTestId('sign-in-password').fill(user.password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('current-user').waitFor();
  }
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
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
