//! Exact energy values: kWh as decimals with at most 6 fractional digits (1 mWh).

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// An exact energy value that serializes as a plain JSON number with its exact
/// decimal digits (`0.000001`, never `1e-6` or a rounded float).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Kwh(pub Decimal);

impl Kwh {
    /// Parses a PostgreSQL `numeric` text.
    ///
    /// # Errors
    /// When the text is not a decimal number.
    pub fn parse(text: &str) -> Result<Kwh, String> {
        Decimal::from_str(text)
            .map(Kwh)
            .map_err(|_| format!("{text:?} is not a decimal number"))
    }
}

impl std::fmt::Display for Kwh {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}", self.0.normalize())
    }
}

impl serde::Serialize for Kwh {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.to_string())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl std::ops::Add for Kwh {
    type Output = Kwh;

    fn add(self, other: Kwh) -> Kwh {
        Kwh(self.0 + other.0)
    }
}

impl std::iter::Sum for Kwh {
    fn sum<I: Iterator<Item = Kwh>>(iter: I) -> Kwh {
        iter.fold(Kwh::default(), |total, value| total + value)
    }
}

/// Fractional digits kept for every stored kWh value.
pub const KWH_SCALE: u32 = 6;

/// Reads a JSON number as an exact decimal. JSON numbers arrive as their shortest
/// decimal text, so `0.1` is read as exactly 0.1, not as the nearest binary float.
///
/// # Errors
/// When the number is not finite or does not fit a decimal (about 28 digits).
pub fn decimal_from_json(number: &serde_json::Number) -> Result<Decimal, String> {
    let text = number.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| format!("{text} is not a representable decimal number"))
}

/// Rounds half-even to 6 decimals, as readings are stored.
pub fn round_kwh(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(KWH_SCALE, RoundingStrategy::MidpointNearestEven)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> serde_json::Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn json_numbers_read_exactly() {
        assert_eq!(
            decimal_from_json(&number("0.1")).unwrap().to_string(),
            "0.1"
        );
        assert_eq!(
            decimal_from_json(&number("1e-7")).unwrap().to_string(),
            "0.0000001"
        );
        assert_eq!(
            decimal_from_json(&number("2500")).unwrap().to_string(),
            "2500"
        );
    }

    #[test]
    fn kwh_serializes_exact_digits() {
        let json = |text: &str| serde_json::to_string(&Kwh::parse(text).unwrap()).unwrap();
        assert_eq!(json("0.000001"), "0.000001");
        assert_eq!(json("1.500000"), "1.5");
        assert_eq!(json("10000.000000"), "10000");
        assert_eq!(json("0.000000"), "0");
        assert_eq!(json("123456789012.123456"), "123456789012.123456");
    }

    #[test]
    fn rounding_is_half_even_at_six_decimals() {
        let round = |text: &str| round_kwh(Decimal::from_str(text).unwrap()).to_string();
        assert_eq!(round("0.0000005"), "0.000000");
        assert_eq!(round("0.0000015"), "0.000002");
        assert_eq!(round("1.2345675"), "1.234568");
        assert_eq!(round("1.2345665"), "1.234566");
        assert_eq!(round("3.1"), "3.1");
    }
}
