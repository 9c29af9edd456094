//! Local calendar days in an IANA time zone, as UTC intervals split into hours.
//!
//! A day runs from its local midnight to the next day's local midnight. The zone
//! rules come from `chrono-tz` (compiled in), not from PostgreSQL, so the day view
//! and the days view cut every day at the same instants.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// A span of UTC time: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Finds the instant at which the local calendar day `date` begins.
///
/// That is local midnight. When the wall clock shows midnight twice (clocks
/// turned back across it), the day begins at the first instant whose local date
/// is `date`. When midnight is skipped, it begins at the first valid instant after
/// the gap, which is the transition itself. A day skipped entirely (Pacific/Apia,
/// 2011-12-30) begins where the next one does, so it is empty.
pub fn day_start(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    let candidates = zone.from_local_datetime(&midnight);
    let on_date = [candidates.earliest(), candidates.latest()]
        .into_iter()
        .flatten()
        .find(|instant| instant.with_timezone(&zone).date_naive() == date);
    if let Some(instant) = on_date {
        return instant.with_timezone(&Utc);
    }
    first_instant_after_gap(zone, midnight)
}

/// Walks forward from a local time that does not exist, one minute at a time,
/// to the first local time that does. Zone transitions fall on whole minutes.
fn first_instant_after_gap(zone: Tz, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    // The largest gap in the tz database is one whole day (Pacific/Apia,
    // 2011-12-30), so two days of minutes always reach a valid time.
    for minutes in 1..=2 * 24 * 60 {
        let candidate = local + Duration::minutes(minutes);
        if let Some(instant) = zone.from_local_datetime(&candidate).earliest() {
            return instant.with_timezone(&Utc);
        }
    }
    // Unreachable with the tz database: treat the offset as zero.
    local.and_utc()
}

/// Returns the UTC interval of the local calendar day `date`.
pub fn day(zone: Tz, date: NaiveDate) -> Interval {
    let next = date.succ_opt().unwrap_or(date);
    Interval {
        start: day_start(zone, date),
        end: day_start(zone, next),
    }
}

/// Splits an interval into one-hour steps of UTC time from its start. The last
/// step ends at the interval's end, so it is shorter when the interval is not a
/// whole number of hours (a day with a 30-minute daylight-saving shift).
pub fn hours(interval: Interval) -> Vec<Interval> {
    let mut steps = Vec::with_capacity(26);
    let mut start = interval.start;
    while start < interval.end {
        let end = (start + Duration::hours(1)).min(interval.end);
        steps.push(Interval { start, end });
        start = end;
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> Tz {
        name.parse().unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn daylight_saving_days_have_23_or_25_hours() {
        let cases = [
            ("Europe/Bucharest", "2026-03-29", 23, "2026-03-28T22:00:00Z"),
            ("Europe/Bucharest", "2026-10-25", 25, "2026-10-24T21:00:00Z"),
            ("America/New_York", "2026-03-08", 23, "2026-03-08T05:00:00Z"),
            ("America/New_York", "2026-11-01", 25, "2026-11-01T04:00:00Z"),
            ("Europe/Bucharest", "2026-06-15", 24, "2026-06-14T21:00:00Z"),
            ("UTC", "2026-06-15", 24, "2026-06-15T00:00:00Z"),
        ];
        for (name, text, count, start) in cases {
            let hours = hours(day(zone(name), date(text)));
            assert_eq!(hours.len(), count, "{name} {text}");
            assert_eq!(hours[0].start, utc(start), "{name} {text}");
        }
    }

    #[test]
    fn half_and_quarter_hour_zones_start_on_quarters() {
        let kolkata = day(zone("Asia/Kolkata"), date("2026-06-15"));
        let kathmandu = day(zone("Asia/Kathmandu"), date("2026-06-15"));

        assert_eq!(kolkata.start, utc("2026-06-14T18:30:00Z"));
        assert_eq!(kolkata.end, utc("2026-06-15T18:30:00Z"));
        assert_eq!(kathmandu.start, utc("2026-06-14T18:15:00Z"));
        assert_eq!(hours(kathmandu).len(), 24);
    }

    #[test]
    fn skipped_midnight_starts_after_the_gap() {
        // Chile turns clocks from 00:00 to 01:00 on 2026-09-06.
        let santiago = zone("America/Santiago");

        let skipped = day(santiago, date("2026-09-06"));

        assert_eq!(skipped.start, utc("2026-09-06T04:00:00Z"), "01:00 -03");
        assert_eq!(hours(skipped).len(), 23);
    }

    #[test]
    fn fall_back_at_midnight_keeps_date() {
        // Chile turns clocks from 00:00 back to 23:00 on 2026-04-05, so
        // 2026-04-04 ends with 23:00 twice.
        let santiago = zone("America/Santiago");

        let long_day = day(santiago, date("2026-04-04"));
        let next_day = day(santiago, date("2026-04-05"));

        assert_eq!(hours(long_day).len(), 25);
        assert_eq!(next_day.start, utc("2026-04-05T04:00:00Z"), "00:00 -04");
        assert_eq!(hours(next_day).len(), 24);
    }

    #[test]
    fn skipped_day_is_empty() {
        let apia = day(zone("Pacific/Apia"), date("2011-12-30"));

        assert_eq!(apia.start, apia.end);
        assert!(hours(apia).is_empty());
    }

    #[test]
    fn thirty_minute_shift_leaves_a_short_last_hour() {
        // Lord Howe Island moves from +10:30 to +11 on 2026-10-04.
        let hours = hours(day(zone("Australia/Lord_Howe"), date("2026-10-04")));

        assert_eq!(hours.len(), 24);
        let last = hours.last().unwrap();
        assert_eq!(last.end - last.start, Duration::minutes(30));
    }
}
