//! The device simulator: a reading for every device every interval, shaped by the
//! H25 household profile in the owner's time zone (UTC when unknown) and scaled so
//! that the day's typical peak hour is about 70% of the device's limit, with
//! random noise and occasional spikes above the limit. It can first backfill the
//! last days, then continues in real time. It follows `device.*` events, so new,
//! changed and deleted devices take effect without a restart. One replica
//! simulates at a time (advisory lock).

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Timelike, Utc};
use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;
use secrecy::SecretString;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::amqp::{self, Topology, READING_KEY};
use crate::ingest::PUBLISHED_AT_HEADER;
use crate::leader::Leadership;
use crate::profile::Profile;

/// Advisory lock key of the simulator's leadership.
pub const SIMULATOR_LOCK: i64 = 0x646d_735f_7369_6d75; // "dms_simu"

/// Share of the limit the typical peak hour reaches.
const PEAK_SHARE: f64 = 0.7;

/// Relative standard deviation of the noise on each reading.
const NOISE: f64 = 0.1;

/// Readings per published message (a gateway array).
const READINGS_PER_MESSAGE: usize = 1000;

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimulatorSettings {
    pub topology: Topology,
    pub interval: Duration,
    pub backfill_days: u32,
    pub spike_probability: f64,
    /// Stop after the backfill instead of continuing in real time.
    pub backfill_only: bool,
}

/// A simulated device.
#[derive(Debug, Clone)]
pub struct SimulatedDevice {
    pub id: Uuid,
    pub max_hourly_kwh: f64,
    pub timezone: chrono_tz::Tz,
}

/// Runs the simulator until stopped (or until the backfill is done, with
/// `backfill_only`). Failures are logged and retried.
///
/// # Errors
/// Never while running.
pub async fn run(
    pool: PgPool,
    amqp_url: SecretString,
    settings: SimulatorSettings,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(
        interval_s = settings.interval.as_secs(),
        backfill_days = settings.backfill_days,
        "simulator starting"
    );
    let profile = Profile::bundled()?;
    let mut backfilled = false;
    let mut delay = Duration::from_secs(1);
    while !stop.is_cancelled() {
        let Some(leadership) = Leadership::acquire(&pool, SIMULATOR_LOCK, "simulator", &stop).await
        else {
            break;
        };
        let result = simulate(
            &pool,
            &amqp_url,
            &settings,
            &profile,
            &stop,
            &leadership,
            &mut backfilled,
        )
        .await;
        leadership.release().await;
        match result {
            Ok(()) => break,
            Err(err) => {
                tracing::warn!(error.cause_chain = ?err, error.message = %format!("{err:#}"), "simulator failed; retrying")
            }
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.cancelled() => break,
        }
        delay = (delay * 2).min(Duration::from_secs(30));
    }
    tracing::info!("simulator stopped");
    Ok(())
}

async fn simulate(
    pool: &PgPool,
    amqp_url: &SecretString,
    settings: &SimulatorSettings,
    profile: &Profile,
    stop: &CancellationToken,
    leadership: &Leadership,
    backfilled: &mut bool,
) -> anyhow::Result<()> {
    let connection = amqp::connect_with_backoff(amqp_url, "dms-simulator", stop).await?;
    let channel = amqp::confirm_channel(&connection).await?;
    settings.topology.declare(&channel).await?;
    let mut device_events = follow_devices(&connection, &settings.topology).await?;
    let mut devices = load_devices(pool).await?;
    let interval = ChronoDuration::from_std(settings.interval).context("interval out of range")?;
    let mut rng = rand::rngs::StdRng::from_entropy();

    if !*backfilled && settings.backfill_days > 0 {
        let end = align_down(Utc::now(), interval);
        let start = end - ChronoDuration::days(i64::from(settings.backfill_days));
        tracing::info!(devices = devices.len(), %start, %end, "backfill starting");
        let mut tick = start + interval;
        let mut published = 0usize;
        while tick <= end && !stop.is_cancelled() {
            // A day of ticks per round keeps each round's confirms bounded.
            let round_end = (tick + ChronoDuration::days(1)).min(end + interval);
            let mut batch = Vec::new();
            while tick < round_end {
                batch.extend(devices.iter().map(|device| {
                    simulate_reading(
                        profile,
                        device,
                        tick,
                        interval,
                        settings.spike_probability,
                        &mut rng,
                    )
                }));
                tick += interval;
            }
            published += publish(&channel, &settings.topology, &batch).await?;
            leadership.check().await?;
            tracing::info!(published, up_to = %tick.min(end), "backfill progress");
        }
        tracing::info!(published, "backfill done");
    }
    *backfilled = true;
    if settings.backfill_only {
        let _ = connection.close(200, "done").await;
        return Ok(());
    }

    loop {
        let next = align_down(Utc::now(), interval) + interval;
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            event = device_events.next() => {
                // Any change of a device reloads the list; there are few devices per
                // change, and the list is small next to the readings it drives.
                event.context("the device event stream ended")?.context("Failed to receive a device event")?;
                devices = load_devices(pool).await?;
                tracing::info!(devices = devices.len(), "devices reloaded after an event");
                continue;
            }
            () = stop.cancelled() => {
                let _ = connection.close(200, "stopping").await;
                return Ok(());
            }
        }
        leadership.check().await?;
        let batch: Vec<serde_json::Value> = devices
            .iter()
            .map(|device| {
                simulate_reading(
                    profile,
                    device,
                    next,
                    interval,
                    settings.spike_probability,
                    &mut rng,
                )
            })
            .collect();
        let published = publish(&channel, &settings.topology, &batch).await?;
        tracing::info!(published, measured_at = %next, "simulated readings published");
    }
}

/// Subscribes to `device.*` events with a queue of its own that disappears with
/// the connection. Messages are acknowledged on receipt (`no_ack`): an event only
/// triggers a reload from the database, so a lost one costs nothing that the next
/// reload does not repair.
async fn follow_devices(
    connection: &lapin::Connection,
    topology: &Topology,
) -> anyhow::Result<lapin::Consumer> {
    let channel = connection
        .create_channel()
        .await
        .context("Failed to open a channel")?;
    let queue = channel
        .queue_declare(
            "",
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .context("Failed to declare the device event queue")?;
    channel
        .queue_bind(
            queue.name().as_str(),
            &topology.events_exchange(),
            "device.*",
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .context("Failed to bind the device event queue")?;
    channel
        .basic_consume(
            queue.name().as_str(),
            "dms-simulator",
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .context("Failed to consume device events")
}

/// Loads every device that is not deleted, with its owner's time zone.
///
/// # Errors
/// When the query fails.
pub async fn load_devices(pool: &PgPool) -> anyhow::Result<Vec<SimulatedDevice>> {
    let rows: Vec<(Uuid, f64, Option<String>)> = sqlx::query_as(
        "select d.device_id, d.max_hourly_kwh::float8, u.timezone
         from device d left join app_user u on u.user_id = d.owner_id
         where d.deleted_at is null order by d.device_id",
    )
    .fetch_all(pool)
    .await
    .context("Failed to load devices")?;
    Ok(rows
        .into_iter()
        .map(|(id, max_hourly_kwh, timezone)| SimulatedDevice {
            id,
            max_hourly_kwh,
            timezone: timezone
                .and_then(|zone| zone.parse().ok())
                .unwrap_or(chrono_tz::UTC),
        })
        .collect())
}

/// Simulates the energy a device drew in the interval that ends at `end`: the profile's
/// quarter-hours in the device's local time, weighted by their overlap with the
/// interval, scaled to the limit, with noise, and now and then a spike.
pub fn simulate_reading(
    profile: &Profile,
    device: &SimulatedDevice,
    end: DateTime<Utc>,
    interval: ChronoDuration,
    spike_probability: f64,
    rng: &mut impl Rng,
) -> serde_json::Value {
    let expected = expected_kwh(profile, device, end, interval);
    let noise = Normal::new(1.0, NOISE)
        .map_or(1.0, |normal| normal.sample(rng))
        .max(0.0);
    let mut kwh = expected * noise;
    if spike_probability > 0.0 && rng.gen_bool(spike_probability.min(1.0)) {
        // Enough on its own to take its UTC hour above the limit.
        kwh += device.max_hourly_kwh * rng.gen_range(1.05..1.4);
    }
    let kwh = Decimal::from_f64(kwh)
        .unwrap_or_default()
        .round_dp(6)
        .normalize();
    serde_json::json!({
        "device_id": device.id,
        "measured_at": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "kwh": serde_json::value::RawValue::from_string(kwh.to_string()).ok(),
    })
}

/// Computes the expected energy of the interval before `end`, without noise.
pub fn expected_kwh(
    profile: &Profile,
    device: &SimulatedDevice,
    end: DateTime<Utc>,
    interval: ChronoDuration,
) -> f64 {
    let start = end - interval;
    let mut total = 0.0;
    let mut cursor = start;
    while cursor < end {
        let local = device.timezone.from_utc_datetime(&cursor.naive_utc());
        let quarter = (local.hour() * 4 + local.minute() / 15) as usize;
        let quarter_end_local = local.minute() / 15 * 15 + 15;
        let to_quarter_end = ChronoDuration::minutes(i64::from(quarter_end_local - local.minute()))
            - ChronoDuration::seconds(i64::from(local.second()))
            - ChronoDuration::nanoseconds(i64::from(local.nanosecond()));
        let step_end = (cursor + to_quarter_end).min(end);
        let fraction = (step_end - cursor).num_milliseconds() as f64 / 900_000.0;
        let date = local.date_naive();
        let peak = profile.peak_hour(date);
        if peak > 0.0 {
            total += profile.quarter(date, quarter) * fraction * PEAK_SHARE * device.max_hourly_kwh
                / peak;
        }
        cursor = step_end;
    }
    total
}

/// Publishes readings as gateway arrays and waits for the confirms.
async fn publish(
    channel: &lapin::Channel,
    topology: &Topology,
    readings: &[serde_json::Value],
) -> anyhow::Result<usize> {
    let messages: Vec<_> = readings
        .chunks(READINGS_PER_MESSAGE)
        .map(|chunk| {
            let mut headers = FieldTable::default();
            headers.insert(
                PUBLISHED_AT_HEADER.into(),
                AMQPValue::LongLongInt(Utc::now().timestamp_millis()),
            );
            (
                READING_KEY.to_owned(),
                serde_json::to_vec(chunk).unwrap_or_default(),
                amqp::json_properties().with_headers(headers),
            )
        })
        .collect();
    amqp::publish_confirmed(channel, &topology.readings_exchange(), messages).await?;
    Ok(readings.len())
}

/// Rounds down to a multiple of `interval` since the epoch.
pub fn align_down(at: DateTime<Utc>, interval: ChronoDuration) -> DateTime<Utc> {
    let step = interval.num_seconds().max(1);
    let seconds = at.timestamp().div_euclid(step) * step;
    DateTime::from_timestamp(seconds, 0).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(zone: chrono_tz::Tz) -> SimulatedDevice {
        SimulatedDevice {
            id: Uuid::nil(),
            max_hourly_kwh: 10.0,
            timezone: zone,
        }
    }

    #[test]
    fn peak_hour_is_about_seventy_percent_of_limit() {
        let profile = Profile::bundled().unwrap();
        let day = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
        let hours: Vec<f64> = (1..=24)
            .map(|hour| {
                expected_kwh(
                    &profile,
                    &device(chrono_tz::UTC),
                    day + ChronoDuration::hours(hour),
                    ChronoDuration::hours(1),
                )
            })
            .collect();
        let peak = hours.iter().copied().fold(0.0, f64::max);

        assert!((peak - 7.0).abs() < 1e-9, "peak hour {peak}");
    }

    #[test]
    fn intervals_split_the_hour_exactly() {
        let profile = Profile::bundled().unwrap();
        let end = Utc.with_ymd_and_hms(2026, 7, 4, 18, 0, 0).unwrap();
        let kathmandu = device(chrono_tz::Asia::Kathmandu);
        let hour = expected_kwh(&profile, &kathmandu, end, ChronoDuration::hours(1));
        let parts: f64 = (0..6)
            .map(|part| {
                expected_kwh(
                    &profile,
                    &kathmandu,
                    end - ChronoDuration::minutes(10 * part),
                    ChronoDuration::minutes(10),
                )
            })
            .sum();

        assert!((hour - parts).abs() < 1e-9, "{hour} vs {parts}");
    }

    #[test]
    fn spikes_pass_the_limit() {
        let profile = Profile::bundled().unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let end = Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap();
        let reading = simulate_reading(
            &profile,
            &device(chrono_tz::UTC),
            end,
            ChronoDuration::hours(1),
            1.0,
            &mut rng,
        );

        assert!(reading["kwh"].as_f64().unwrap() > 10.0, "{reading}");
        assert_eq!(reading["measured_at"], "2026-01-05T12:00:00Z");
    }

    #[test]
    fn align_down_to_interval() {
        let at = Utc.with_ymd_and_hms(2026, 1, 5, 12, 7, 31).unwrap();
        assert_eq!(
            align_down(at, ChronoDuration::minutes(10)),
            Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap()
        );
    }
}
