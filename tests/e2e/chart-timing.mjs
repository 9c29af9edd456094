#!/usr/bin/env node
// Measures the time from navigation to the first rendered hour bar of the day
// chart, in headless Chromium, for a signed-in admin opening the page of a
// device with a reading every 15 minutes over the last day (`/devices/<id>`). The time is the page's own clock: performance.now() (ms
// since the navigation started) when a MutationObserver first sees an element
// with data-testid="hour-bar". Each cold run uses a new browser context (empty
// cache); each warm run reloads in a context that has loaded the page once.
//
// Usage: node chart-timing.mjs [--runs N]   (default 10 of each)
// Set DMS_BIN_DIR=target/release to time release builds of devhost and the worker.
import { Environment } from './lib/environment.mjs';

const args = process.argv.slice(2);
const runsIndex = args.indexOf('--runs');
const runs = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 10;
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs takes a whole number of at least 1');
  process.exit(2);
}

/** Records when the first hour bar is added to the page, in window.__firstBarMs. */
const OBSERVE_FIRST_BAR = () => {
  const found = () => document.querySelector('[data-testid="hour-bar"]');
  const observer = new MutationObserver(() => {
    if (window.__firstBarMs === undefined && found()) {
      window.__firstBarMs = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
};

function summarize(label, samples) {
  const sorted = [...samples].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  const worst = sorted[sorted.length - 1];
  const all = samples.map((sample) => sample.toFixed(0)).join(', ');
  console.log(`${label}: median ${median.toFixed(0)} ms, worst ${worst.toFixed(0)} ms over ${samples.length} runs (${all})`);
}

async function firstBarMs(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.__firstBarMs !== undefined, null, { timeout: 30_000 });
  return page.evaluate(() => window.__firstBarMs);
}

const env = await Environment.start();
try {
  const admin = await env.createAdmin();
  const created = await env.api('POST', '/api/devices', admin.token, { name: 'Timing meter', max_hourly_kwh: 4 });
  if (created.status !== 201) throw new Error(`create device: ${created.status} ${JSON.stringify(created.body)}`);
  const now = Date.now();
  const readings = Array.from({ length: 96 }, (_, step) => ({
    device_id: created.body.id,
    measured_at: new Date(now - 15 * 60_000 * (step + 1)).toISOString(),
    kwh: 0.2 + (step % 8) * 0.05,
  }));
  const stored = await env.api('POST', '/api/readings', admin.token, readings);
  if (stored.status !== 200 || stored.body.stored !== readings.length) {
    throw new Error(`store readings: ${stored.status} ${JSON.stringify(stored.body)}`);
  }
  const deviceUrl = `${env.baseUrl}/devices/${created.body.id}`;
  const login = await env.api('POST', '/api/auth/login', null, { login: admin.username, password: admin.password });
  const session = {
    token: login.body.access_token,
    expiresAt: Date.now() + login.body.expires_in * 1000 - 5_000,
    user: login.body.user,
  };
  const signIn = (stored) => localStorage.setItem('dms.session', stored);

  const cold = [];
  const warm = [];
  for (let run = 0; run < runs; run += 1) {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(signIn, JSON.stringify(session));
    await context.addInitScript(OBSERVE_FIRST_BAR);
    const page = await context.newPage();
    cold.push(await firstBarMs(page, deviceUrl));
    warm.push(await firstBarMs(page, deviceUrl));
    await context.close();
  }
  console.log(`Chromium ${env.browser.version()}, ${env.baseUrl}, binaries from ${process.env.DMS_BIN_DIR ?? 'target/debug'}`);
  summarize('cold cache', cold);
  summarize('warm cache', warm);
} finally {
  await env.stop();
}
