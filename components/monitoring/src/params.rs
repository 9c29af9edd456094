//! Query-string parameters of the monitoring routes. An empty value counts as
//! absent; any other invalid value is a 400 that names the parameter.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use dms_platform::ApiError;

/// Earliest and latest calendar dates the consumption routes accept. Zone
/// offsets before 1970 were not always whole quarter-hours, and later dates keep
/// every day's bounds within the four-digit years PostgreSQL parses.
const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(date) => date,
    None => panic!("1970-01-01 is a valid date"),
};
const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9998, 12, 31) {
    Some(date) => date,
    None => panic!("9998-12-31 is a valid date"),
};

/// Returns the parameter's value, or `None` when it is absent or empty.
pub fn optional<'a>(params: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
}

/// Parses a calendar date given strictly as `YYYY-MM-DD`.
///
/// # Errors
/// 400 naming `field` for another format, an impossible date or one out of range.
pub fn date(params: &HashMap<String, String>, field: &str) -> Result<Option<NaiveDate>, ApiError> {
    let Some(text) = optional(params, field) else {
        return Ok(None);
    };
    let parsed = is_date_shape(text)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| {
            ApiError::bad_request(
                field,
                format!(
                    "{field} {text:?} is not a calendar date; use YYYY-MM-DD, such as 2026-03-29"
                ),
            )
        })?;
    if !(FIRST_DATE..=LAST_DATE).contains(&parsed) {
        return Err(ApiError::bad_request(
            field,
            format!("{field} must be between {FIRST_DATE} and {LAST_DATE}"),
        ));
    }
    Ok(Some(parsed))
}

fn is_date_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        })
}

/// Parses `tz` as an IANA time zone name (exact case, as in the tz database).
///
/// # Errors
/// 400 naming `tz` for a name the tz database does not contain.
pub fn time_zone(params: &HashMap<String, String>) -> Result<Option<Tz>, ApiError> {
    let Some(text) = optional(params, "tz") else {
        return Ok(None);
    };
    text.parse::<Tz>().map(Some).map_err(|_| {
        ApiError::bad_request(
            "tz",
            format!("tz {text:?} is not an IANA time zone name; use a name such as Europe/Bucharest or UTC"),
        )
    })
}

/// Parses a UUID parameter.
///
/// # Errors
/// 400 naming `field` when the value is not a UUID.
pub fn uuid(params: &HashMap<String, String>, field: &str) -> Result<Option<Uuid>, ApiError> {
    let Some(text) = optional(params, field) else {
        return Ok(None);
    };
    text.parse::<Uuid>()
        .map(Some)
        .map_err(|_| ApiError::bad_request(field, format!("{field} {text:?} is not a UUID")))
}

/// Parses `true` or `false`.
///
/// # Errors
/// 400 naming `field` for any other value.
pub fn boolean(params: &HashMap<String, String>, field: &str) -> Result<Option<bool>, ApiError> {
    match optional(params, field) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(text) => Err(ApiError::bad_request(
            field,
            format!("{field} {text:?} must be true or false"),
        )),
    }
}

/// A bound of a time range given as a date (UTC midnight) or an RFC 3339 instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

/// Parses a date (`YYYY-MM-DD`) or an RFC 3339 instant.
///
/// # Errors
/// 400 naming `field` when the value is neither.
pub fn time_bound(
    params: &HashMap<String, String>,
    field: &str,
) -> Result<Option<TimeBound>, ApiError> {
    let Some(text) = optional(params, field) else {
        return Ok(None);
    };
    if is_date_shape(text) {
        return date(params, field).map(|parsed| parsed.map(TimeBound::Date));
    }
    let instant = DateTime::parse_from_rfc3339(text)
        .map_err(|_| {
            ApiError::bad_request(
                field,
                format!(
                    "{field} {text:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time \
                     (such as 2026-03-29T10:00:00Z)"
                ),
            )
        })?
        .with_timezone(&Utc);
    if !(FIRST_DATE..=LAST_DATE).contains(&instant.date_naive()) {
        return Err(ApiError::bad_request(
            field,
            format!("{field} must be between {FIRST_DATE} and {LAST_DATE}"),
        ));
    }
    Ok(Some(TimeBound::Instant(instant)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn dates_must_be_strict_and_in_range() {
        for bad in [
            "2026-3-8",
            "2026-02-30",
            "20260308",
            "+2026-03-08",
            "1969-12-31",
            "9999-01-01",
            "today",
        ] {
            let result = date(&params(&[("date", bad)]), "date");
            assert!(result.is_err(), "{bad} should be rejected");
        }
        assert_eq!(
            date(&params(&[("date", "2026-03-08")]), "date").unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 8)
        );
        assert_eq!(
            date(&params(&[("date", "")]), "date").unwrap(),
            None,
            "empty is absent"
        );
    }

    #[test]
    fn time_bounds_take_dates_and_instants() {
        let bound = |text: &str| time_bound(&params(&[("from", text)]), "from");

        assert_eq!(
            bound("2026-03-08").unwrap(),
            Some(TimeBound::Date(
                NaiveDate::from_ymd_opt(2026, 3, 8).unwrap()
            ))
        );
        assert_eq!(
            bound("2026-03-08T12:00:00+02:00").unwrap(),
            Some(TimeBound::Instant("2026-03-08T10:00:00Z".parse().unwrap()))
        );
        assert!(bound("2026-03-08 12:00").is_err());
        assert!(bound("yesterday").is_err());
    }

    #[test]
    fn time_zones_use_tz_database_names() {
        assert_eq!(
            time_zone(&params(&[("tz", "Asia/Kathmandu")])).unwrap(),
            Some(Tz::Asia__Kathmandu)
        );
        assert!(time_zone(&params(&[("tz", "Mars/Olympus")])).is_err());
        assert!(time_zone(&params(&[("tz", "+02:00")])).is_err());
    }
}
