//! The native database adapter converts values as Spin 3.6 does, so queries that
//! would fail under Spin fail in tests too.

use dms_platform::db::{Database, DbError, Value};
use dms_platform::native::NativePool;
use dms_tests::TestDatabase;

fn with_connection<T: Send + 'static>(work: impl FnOnce(&dyn Database) -> T + Send + 'static) -> T {
    let database = TestDatabase::create();
    let url = database.url();
    std::thread::spawn(move || {
        let pool = NativePool::new(&url, 1).unwrap();
        let connection = pool.get().unwrap();
        let result = work(&connection);
        drop(connection);
        drop(database);
        result
    })
    .join()
    .unwrap()
}

#[test]
fn timestamptz_column_fails_as_under_spin() {
    let result = with_connection(|db| db.query("select now() as at", &[]).map(|_| ()));

    assert!(matches!(result, Err(DbError::Conversion(_))), "{result:?}");
}

#[test]
fn timestamptz_at_utc_and_text_work() {
    let rows = with_connection(|db| {
        db.query(
            "select now() at time zone 'UTC' as naive, now()::text as text",
            &[],
        )
        .unwrap()
    });

    let row = rows.first().unwrap();
    assert!(matches!(row.value("naive").unwrap(), Value::Timestamp(_)));
    assert!(matches!(row.value("text").unwrap(), Value::Str(_)));
}

#[test]
fn string_bound_to_uuid_fails() {
    let result = with_connection(|db| {
        db.query(
            "select user_id from app_user where user_id = $1",
            &[Value::Str("00000000-0000-0000-0000-000000000000".into())],
        )
        .map(|_| ())
    });

    assert!(
        matches!(result, Err(DbError::BadParameter(_))),
        "{result:?}"
    );
}

#[test]
fn uuid_bound_to_uuid_works() {
    let rows = with_connection(|db| {
        db.query(
            "select count(*) as n from app_user where user_id = $1",
            &[Value::Uuid(uuid::Uuid::nil())],
        )
        .unwrap()
    });

    assert_eq!(rows.first().unwrap().i64("n").unwrap(), 0);
}

#[test]
fn int64_bound_to_int4_fails() {
    let result = with_connection(|db| {
        db.query("select $1::int4 as n", &[Value::Int64(1)])
            .map(|_| ())
    });

    assert!(
        matches!(result, Err(DbError::BadParameter(_))),
        "{result:?}"
    );
}

#[test]
fn datetime_bound_to_timestamptz_fails_and_text_cast_works() {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 29)
        .unwrap()
        .and_hms_opt(1, 0, 0)
        .unwrap();
    let (naive, text) = with_connection(move |db| {
        let naive = db
            .query("select $1::timestamptz as at", &[Value::Timestamp(at)])
            .map(|_| ());
        let text = db
            .query(
                "select ($1::text::timestamptz) at time zone 'UTC' as at",
                &[Value::Str("2026-03-29T01:00:00Z".into())],
            )
            .unwrap();
        (naive, text)
    });

    assert!(matches!(naive, Err(DbError::BadParameter(_))), "{naive:?}");
    assert_eq!(
        text.first().unwrap().instant("at").unwrap().to_rfc3339(),
        "2026-03-29T01:00:00+00:00"
    );
}

#[test]
fn citext_is_unsupported_and_text_cast_works() {
    let rows = with_connection(|db| {
        db.query(
            "select 'Ana'::citext as raw, 'Ana'::citext::text as text",
            &[],
        )
        .unwrap()
    });

    let row = rows.first().unwrap();
    assert_eq!(row.value("raw").unwrap(), &Value::Unsupported);
    assert_eq!(row.str("text").unwrap(), "Ana");
}

#[test]
fn numeric_round_trips_as_decimal_string() {
    let rows = with_connection(|db| {
        db.query(
            "select $1::numeric as exact, $2::numeric(12, 6) as rounded",
            &[
                Value::Decimal("0.1234565".into()),
                Value::Decimal("0.1234565".into()),
            ],
        )
        .unwrap()
    });

    let row = rows.first().unwrap();
    assert_eq!(row.decimal("exact").unwrap(), "0.1234565");
    // PostgreSQL rounds numeric half away from zero, which is why readings are
    // rounded half-even before they reach SQL.
    assert_eq!(row.decimal("rounded").unwrap(), "0.123457");
}

#[test]
fn unique_violation_names_its_constraint() {
    let result = with_connection(|db| {
        let insert = "insert into app_user (username, email, password_hash, role) values ($1, $2, 'x', 'client')";
        db.execute(
            insert,
            &[Value::from("ana"), Value::from("ana@example.com")],
        )
        .unwrap();
        db.execute(
            insert,
            &[Value::from("ANA"), Value::from("other@example.com")],
        )
    });

    let err = result.unwrap_err();
    assert_eq!(
        err.unique_violation(),
        Some("app_user_username_key"),
        "{err:?}"
    );
}
