//! Rules for account fields shared by registration and user administration.

use crate::db::DbError;
use crate::problem::ApiError;
use crate::validate::{is_email, is_time_zone, Validator};

/// Checks a new username: 3 to 50 characters, letters, digits, `.`, `_` or `-`.
/// Having no `@` keeps a login name with `@` unambiguously an email.
pub fn check_username(validator: &mut Validator, username: &str) {
    validator.text("username", username, 3, 50).check(
        username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-')),
        "username",
        "username may contain only letters, digits, '.', '_' and '-' (no '@' or spaces)",
    );
}

/// Checks a new password: 8 to 128 characters.
pub fn check_password(validator: &mut Validator, field: &str, password: &str) {
    let length = password.chars().count();
    validator.check(
        (8..=128).contains(&length),
        field,
        format!("{field} must be 8 to 128 characters long"),
    );
}

/// Maps a unique violation on username or email to a 409 naming the field.
pub fn unique_user_conflict(err: DbError) -> ApiError {
    match err.unique_violation() {
        Some("app_user_username_key") => {
            ApiError::conflict("username", "username is already taken")
        }
        Some("app_user_email_key") => ApiError::conflict("email", "email is already registered"),
        _ => err.into(),
    }
}

/// Checks an email address: a valid shape and at most 254 characters.
pub fn check_email(validator: &mut Validator, email: &str) {
    validator.check(
        is_email(email.trim()) && email.len() <= 254,
        "email",
        "email must be a valid address such as name@example.com",
    );
}

/// Checks an optional IANA time zone name.
pub fn check_time_zone(validator: &mut Validator, zone: Option<&str>) {
    validator.check(
        zone.is_none_or(is_time_zone),
        "timezone",
        "timezone must be an IANA time zone name such as Europe/Bucharest",
    );
}
