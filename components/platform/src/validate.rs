//! Field checks that collect every problem of a request body at once.

use crate::problem::{ApiError, FieldError};

/// Collects invalid fields; `finish` turns them into one 422.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Validator {
        Validator::default()
    }

    pub fn check(&mut self, ok: bool, field: &str, message: impl Into<String>) -> &mut Self {
        if !ok {
            self.errors.push(FieldError::new(field, message));
        }
        self
    }

    /// Text of `min..=max` characters (Unicode scalar values), after trimming.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> &mut Self {
        let length = value.trim().chars().count();
        if length < min {
            let message = if min == 1 {
                format!("{field} must not be empty")
            } else {
                format!("{field} must be at least {min} characters long")
            };
            self.errors.push(FieldError::new(field, message));
        } else if length > max {
            self.errors.push(FieldError::new(
                field,
                format!("{field} must be at most {max} characters long"),
            ));
        }
        self
    }

    /// # Errors
    /// 422 listing every invalid field.
    pub fn finish(&mut self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(std::mem::take(&mut self.errors)))
        }
    }
}

/// Checks an email address's shape: one `@`, a non-empty local part and a
/// domain with a dot, no spaces. Deliverability is not checked.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
}

/// Checks an IANA time zone name against the tz database `chrono-tz` ships.
pub fn is_time_zone(value: &str) -> bool {
    value.parse::<chrono_tz::Tz>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert!(is_email("ana@example.com"));
        assert!(!is_email("ana"), "no @");
        assert!(!is_email("@example.com"), "empty local part");
        assert!(!is_email("ana@example"), "domain without a dot");
        assert!(!is_email("ana @example.com"), "space");
        assert!(!is_email("ana@@example.com"), "two @");
    }

    #[test]
    fn time_zone_names() {
        assert!(is_time_zone("Europe/Bucharest"));
        assert!(is_time_zone("Asia/Kathmandu"));
        assert!(!is_time_zone("Mars/Olympus"));
        assert!(!is_time_zone(""));
    }
}
