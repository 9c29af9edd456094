//! The query of a message page: `cursor`, `after` and `limit`. A cursor names
//! the message a page ends at and the direction to continue in
//! (`older.<message id>` or `newer.<message id>`); clients treat it as opaque.

use std::collections::HashMap;

use uuid::Uuid;

use dms_platform::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 100;

/// Where a page of messages starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The newest messages.
    Newest,
    /// The messages before this one, newest first in the query.
    Before(Uuid),
    /// The messages after this one, oldest first in the query.
    After(Uuid),
}

impl Position {
    /// The cursor that continues past `message` in this position's direction.
    pub fn next_cursor(self, message: Uuid) -> String {
        match self {
            Position::Newest | Position::Before(_) => format!("older.{message}"),
            Position::After(_) => format!("newer.{message}"),
        }
    }

    /// The message the page is anchored at, when there is one.
    pub fn anchor(self) -> Option<(Uuid, &'static str)> {
        match self {
            Position::Newest => None,
            Position::Before(id) => Some((id, "cursor")),
            Position::After(id) => Some((id, "after")),
        }
    }
}

/// A parsed page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub position: Position,
    pub limit: i64,
}

impl PageRequest {
    /// # Errors
    /// 400 naming the parameter: a malformed cursor or message id, both `cursor`
    /// and `after`, or a limit outside 1 to 100.
    pub fn from_query(params: &HashMap<String, String>) -> Result<PageRequest, ApiError> {
        let limit = match params.get("limit").map(String::as_str) {
            None | Some("") => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or_else(|| {
                    ApiError::bad_request("limit", "limit must be a whole number from 1 to 100")
                })?,
        };
        let cursor = params
            .get("cursor")
            .map(String::as_str)
            .filter(|text| !text.is_empty());
        let after = params
            .get("after")
            .map(String::as_str)
            .filter(|text| !text.is_empty());
        let position = match (cursor, after) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request(
                    "after",
                    "give either cursor or after, not both",
                ));
            }
            (Some(cursor), None) => parse_cursor(cursor)?,
            (None, Some(after)) => Position::After(after.parse().map_err(|_| {
                ApiError::bad_request(
                    "after",
                    "after must be the id (UUID) of a message of this session",
                )
            })?),
            (None, None) => Position::Newest,
        };
        Ok(PageRequest { position, limit })
    }
}

fn parse_cursor(text: &str) -> Result<Position, ApiError> {
    let invalid = || {
        ApiError::bad_request(
            "cursor",
            "cursor is invalid; pass the next_cursor of a previous page unchanged",
        )
    };
    let (direction, id) = text.split_once('.').ok_or_else(invalid)?;
    let id: Uuid = id.parse().map_err(|_| invalid())?;
    match direction {
        "older" => Ok(Position::Before(id)),
        "newer" => Ok(Position::After(id)),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<PageRequest, ApiError> {
        let params = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        PageRequest::from_query(&params)
    }

    fn error_field(result: Result<PageRequest, ApiError>) -> String {
        match result {
            Err(ApiError::BadRequest { errors, .. }) => errors[0].field.clone(),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn defaults_to_newest_page() {
        let page = parse(&[]).unwrap();

        assert_eq!(page.position, Position::Newest);
        assert_eq!(page.limit, DEFAULT_LIMIT);
    }

    #[test]
    fn cursor_round_trips_in_both_directions() {
        let id = Uuid::new_v4();

        let older = Position::Newest.next_cursor(id);
        let newer = Position::After(Uuid::new_v4()).next_cursor(id);

        assert_eq!(
            parse(&[("cursor", &older)]).unwrap().position,
            Position::Before(id)
        );
        assert_eq!(
            parse(&[("cursor", &newer)]).unwrap().position,
            Position::After(id)
        );
    }

    #[test]
    fn after_takes_a_message_id() {
        let id = Uuid::new_v4();

        let page = parse(&[("after", &id.to_string()), ("limit", "5")]).unwrap();

        assert_eq!(page.position, Position::After(id));
        assert_eq!(page.limit, 5);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert_eq!(error_field(parse(&[("limit", "0")])), "limit");
        assert_eq!(error_field(parse(&[("limit", "101")])), "limit");
        assert_eq!(error_field(parse(&[("limit", "ten")])), "limit");
        assert_eq!(error_field(parse(&[("cursor", "older.nope")])), "cursor");
        assert_eq!(
            error_field(parse(&[(
                "cursor",
                "sideways.00000000-0000-0000-0000-000000000000"
            )])),
            "cursor"
        );
        assert_eq!(error_field(parse(&[("after", "12")])), "after");
        let id = Uuid::new_v4().to_string();
        assert_eq!(
            error_field(parse(&[("after", &id), ("cursor", &format!("older.{id}"))])),
            "after"
        );
    }
}
