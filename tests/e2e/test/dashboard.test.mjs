// The dashboard end to end, in headless Chromium against devhost and the
// worker. The steps build on each other in order: an admin creates a client
// and a device through the UI, the simulator backfills a day, the client reads
// the chart, an over-limit reading raises a live toast, the client and the
// admin chat, and Swagger UI signs in with "Try it out".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Environment, eventually, screenshot, sleep } from '../lib/environment.mjs';

/** The new device's hourly limit; the simulator's typical peak is about 70% of it. */
const LIMIT_KWH = 4;

/** How long the second client watches for a toast that must not come. */
const QUIET_PERIOD_MS = 3_000;

describe('dashboard', { timeout: 300_000 }, () => {
  let env;
  let admin;
  let adminPage;
  const client = { username: `client_${Date.now().toString(36)}`, password: 'client-password-1' };
  let device;
  let clientPage;

  before(async () => {
    env = await Environment.start();
    admin = await env.createAdmin();
    adminPage = await env.newPage();
  });

  after(async () => {
    if (env) await env.stop();
  });

  it('admin creates a client and a device', async () => {
    await env.signIn(adminPage, admin);

    await adminPage.getByTestId('nav-users').click();
    await adminPage.getByTestId('add-user').click();
    const userForm = adminPage.getByTestId('user-form');
    await userForm.locator('input[name=username]').fill(client.username);
    await userForm.locator('input[name=email]').fill(`${client.username}@example.com`);
    await userForm.locator('input[name=password]').fill(client.password);
    await userForm.locator('select[name=role]').selectOption('client');
    await adminPage.getByTestId('user-save').click();
    const userRow = adminPage.getByTestId('user-row').filter({ hasText: client.username });
    await userRow.waitFor();
    await screenshot(adminPage, 'admin-users');

    await adminPage.getByTestId('nav-devices').click();
    await adminPage.getByTestId('add-device').click();
    const deviceForm = adminPage.getByTestId('device-form');
    await deviceForm.locator('input[name=name]').fill('Kitchen meter');
    await deviceForm.locator('input[name=location]').fill('Ground floor');
    await deviceForm.locator('input[name=max_hourly_kwh]').fill(String(LIMIT_KWH));
    await deviceForm.getByTestId('owner-picker-input').fill(client.username.slice(0, 10));
    await deviceForm.getByTestId('owner-option').filter({ hasText: client.username }).click();
    await adminPage.getByTestId('device-save').click();
    const deviceRow = adminPage.getByTestId('device-row').filter({ hasText: 'Kitchen meter' });
    await deviceRow.waitFor();
    await screenshot(adminPage, 'admin-devices');

    const deviceId = await deviceRow.getAttribute('data-device-id');
    const signedIn = await env.login(client.username, client.password);
    Object.assign(client, signedIn);
    const { status, body } = await env.api('GET', `/api/devices/${deviceId}`, client.token);
    assert.equal(status, 200, 'the client sees the device the admin created for them');
    assert.equal(body.owner_id, client.id);
    assert.equal(body.max_hourly_kwh, LIMIT_KWH);
    device = body;
  });

  it('simulator backfills a day', async () => {
    assert.ok(device, 'needs the device of the first step');

    const readings = await env.backfill(1, device.id, admin.token);

    assert.ok(readings >= 100, `a day of 10-minute readings is about 144; stored ${readings}`);
  });

  it('admin chart of the backfill matches the API', async () => {
    assert.ok(device, 'needs the device of the first step');
    await adminPage.getByTestId('nav-devices').click();
    await adminPage.getByTestId('device-link').filter({ hasText: 'Kitchen meter' }).click();

    // Just after midnight today has hardly any data, so read yesterday instead.
    const { date, zone, day } = await showDayWithData(adminPage, admin, 12);
    await assertChartMatches(adminPage, day, `${date} in ${zone}`);
    assert.ok(day.hours.filter((hour) => hour.kwh > 0).length >= 6, `${date} has hours with consumption`);
    await screenshot(adminPage, 'admin-day-chart');
  });

  it('client chart matches the API', async () => {
    assert.ok(device, 'needs the device of the first step');
    // A client sees a device's data only from the quarter-hour in which it
    // became theirs, so most of the backfill is the admin's to see. The meter
    // now sends three readings, which the client's chart must show.
    const sent = [0.4, 0.35, 0.25];
    const now = Date.now();
    for (const [index, kwh] of sent.entries()) {
      await env.publishReading({ device_id: device.id, measured_at: new Date(now - 1_000 * (index + 1)).toISOString(), kwh });
    }
    await eventually('the client to see the new readings', async () => {
      const { body } = await env.api('GET', `/api/devices/${device.id}/consumption/days?from=${isoDate(now - 86_400_000)}&to=${isoDate(now + 86_400_000)}&tz=UTC`, client.token);
      return body.days.reduce((sum, total) => sum + total.readings, 0) >= sent.length;
    });

    clientPage = await env.newPage();
    await env.signIn(clientPage, client);
    await clientPage.getByTestId('device-link').filter({ hasText: 'Kitchen meter' }).click();
    const { date, zone, day } = await showDayWithData(clientPage, client, 1);
    await assertChartMatches(clientPage, day, `${date} in ${zone}`);
    const expected = sent.reduce((sum, kwh) => sum + kwh, 0);
    assert.ok(day.total_kwh >= expected - 1e-9, `the client's day holds the ${expected} kWh just sent; it has ${day.total_kwh}`);
    await screenshot(clientPage, 'client-day-chart');
  });

  it('over-limit reading toasts only its owner', async () => {
    assert.ok(clientPage, 'needs the signed-in client of the chart step');
    const bystander = await env.registerClient('bystander');
    const bystanderPage = await env.newPage();
    await env.signIn(bystanderPage, bystander);
    await clientPage.getByTestId('nav-devices').click();
    await waitForLiveSocket(clientPage);
    await waitForLiveSocket(bystanderPage);

    await env.publishReading({
      device_id: device.id,
      measured_at: new Date().toISOString(),
      kwh: LIMIT_KWH * 10,
    });

    const toast = clientPage.locator('[data-testid=toast][data-kind=alert]');
    await toast.first().waitFor({ timeout: 20_000 });
    assert.match(await toast.first().innerText(), /Kitchen meter/);
    await screenshot(clientPage, 'client-alert-toast');
    await sleep(QUIET_PERIOD_MS);
    assert.equal(
      await bystanderPage.locator('[data-testid=toast][data-kind=alert]').count(),
      0,
      'a client who does not own the device gets no toast',
    );
    await bystanderPage.context().close();
  });

  it('chat round trip with typing and read tick', async () => {
    assert.ok(clientPage, 'needs the signed-in client of the chart step');
    await clientPage.getByTestId('nav-support').click();
    await clientPage.getByTestId('start-chat').click();
    await clientPage.getByTestId('chat-input').waitFor();
    await waitForLiveSocket(clientPage);
    await clientPage.getByTestId('chat-input').fill('My kitchen meter shows a spike this hour.');
    await clientPage.getByTestId('chat-send').click();
    const clientMessage = clientPage.getByTestId('chat-message').filter({ hasText: 'spike this hour' });
    await clientMessage.waitFor();
    await eventually('the message to be stored', async () => (await clientMessage.getAttribute('data-pending')) === null);

    await adminPage.getByTestId('nav-inbox').click();
    await adminPage.getByTestId('session-item').first().click();
    await adminPage.getByTestId('chat-message').filter({ hasText: 'spike this hour' }).waitFor();
    await waitForLiveSocket(adminPage);

    await adminPage.getByTestId('chat-input').pressSequentially('Let me check', { delay: 30 });
    await clientPage.getByTestId('typing-indicator').waitFor({ timeout: 10_000 });
    await screenshot(clientPage, 'client-chat-typing');
    await adminPage.getByTestId('chat-input').pressSequentially(' the readings.', { delay: 10 });
    await adminPage.getByTestId('chat-send').click();

    const reply = clientPage.getByTestId('chat-message').filter({ hasText: 'Let me check the readings.' });
    await reply.waitFor({ timeout: 10_000 });
    assert.equal(await reply.getAttribute('data-sender-kind'), 'admin');
    await clientPage.getByTestId('typing-indicator').waitFor({ state: 'detached', timeout: 10_000 });

    const adminReply = adminPage.getByTestId('chat-message').filter({ hasText: 'Let me check the readings.' });
    const tick = adminReply.getByTestId('read-tick');
    await eventually('the read tick on the admin reply', async () => (await tick.getAttribute('data-read')) === 'true');
    await screenshot(adminPage, 'admin-inbox-chat');
    await screenshot(clientPage, 'client-chat');
  });

  it('swagger ui signs in with try it out', async () => {
    const page = await env.newPage();
    await page.goto(`${env.baseUrl}/docs`);
    const login = page.locator('#operations-auth-login');
    await login.waitFor({ timeout: 20_000 });
    await login.locator('.opblock-summary').click();
    await login.getByRole('button', { name: 'Try it out' }).click();
    await login.locator('textarea.body-param__text').fill(JSON.stringify({ login: admin.username, password: admin.password }));
    await login.getByRole('button', { name: 'Execute' }).click();

    const status = login.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ timeout: 10_000 });
    assert.equal((await status.innerText()).trim(), '200');
    const body = await login.locator('.live-responses-table .microlight').first().innerText();
    assert.match(body, /"access_token"/);
    await eventually('the Authorize button to show the token', async () =>
      (await page.locator('.auth-wrapper .authorize').getAttribute('class')).includes('locked'),
    );
    await screenshot(page, 'swagger-ui');
    await page.context().close();
  });

  /** Returns the device's day from the API for `user`, as the chart's request would. */
  async function dayFromApi(user, date, zone) {
    const query = new URLSearchParams({ date, tz: zone });
    const { status, body } = await env.api('GET', `/api/devices/${device.id}/consumption?${query}`, user.token);
    assert.equal(status, 200, JSON.stringify(body));
    return body;
  }

  /**
   * Waits for the day chart and returns its date, zone and the API's day for
   * `user`. When the shown day has fewer than `minReadings` readings (just
   * after midnight, say), it steps back one day.
   */
  async function showDayWithData(page, user, minReadings) {
    await page.getByTestId('day-chart').waitFor();
    const zone = await page.getByTestId('timezone-select').inputValue();
    let date = await page.getByTestId('date-input').inputValue();
    let day = await dayFromApi(user, date, zone);
    if (day.hours.reduce((sum, hour) => sum + hour.readings, 0) < minReadings) {
      const shown = date;
      await page.getByTestId('prev-day').click();
      await eventually('the previous day', async () => (await page.getByTestId('date-input').inputValue()) !== shown);
      date = await page.getByTestId('date-input').inputValue();
      day = await dayFromApi(user, date, zone);
    }
    return { date, zone, day };
  }

  /** Checks every hour bar, the day total and the limit line against the API's day. */
  async function assertChartMatches(page, day, what) {
    const bars = await eventually(`one bar per hour of ${what}`, async () => {
      const found = await readBars(page);
      const complete = found.length === day.hours.length && found.every((bar, index) => bar.start === day.hours[index].start);
      return complete ? found : null;
    });
    for (const [index, hour] of day.hours.entries()) {
      assert.equal(bars[index].index, index, `bar ${index} of ${what} is in place`);
      assert.equal(bars[index].kwh, hour.kwh, `hour ${index} (${hour.start}) of ${what} shows the API's kWh`);
    }
    const shownTotal = Number(await page.getByTestId('day-total').getAttribute('data-kwh'));
    assert.equal(shownTotal, day.total_kwh, `the total of ${what} matches the API`);
    const limitLine = Number(await page.getByTestId('limit-line').getAttribute('data-kwh'));
    assert.equal(limitLine, LIMIT_KWH);
  }

  /** Returns each hour bar's index, start and kWh, in hour order. */
  async function readBars(page) {
    const bars = await page.getByTestId('hour-bar').evaluateAll((elements) =>
      elements.map((element) => ({
        index: Number(element.getAttribute('data-hour-index')),
        start: element.getAttribute('data-start'),
        kwh: Number(element.getAttribute('data-kwh')),
      })),
    );
    return bars.sort((left, right) => left.index - right.index);
  }
});

function isoDate(epochMs) {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Waits until the page's Socket.IO connection is up (the live dot in the header). */
async function waitForLiveSocket(page) {
  await eventually('the Socket.IO connection', async () => {
    const status = page.getByTestId('socket-status');
    return (await status.getAttribute('data-status')) === 'connected';
  });
}
