//! The BDEW H25 standard load profile for households (2025 revision, as shipped by
//! the MIT-licensed `demandlib` 0.2.2), which shapes simulated readings: one column
//! per month and day type, 96 quarter-hour values in local time.

use std::collections::HashMap;

use anyhow::{bail, Context};
use chrono::{Datelike, NaiveDate, Weekday};

const BUNDLED: &str = include_str!("../data/bdew_h25.csv");

const MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// The profile's day types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayType {
    /// `WT`: Monday to Friday.
    Working,
    /// `SA`: Saturday.
    Saturday,
    /// `FT`: Sunday (public holidays are not modelled and count as working days).
    Sunday,
}

impl DayType {
    pub fn of(date: NaiveDate) -> DayType {
        match date.weekday() {
            Weekday::Sat => DayType::Saturday,
            Weekday::Sun => DayType::Sunday,
            _ => DayType::Working,
        }
    }

    fn parse(code: &str) -> Option<DayType> {
        match code {
            "WT" => Some(DayType::Working),
            "SA" => Some(DayType::Saturday),
            "FT" => Some(DayType::Sunday),
            _ => None,
        }
    }
}

/// Quarter-hour values per (month 1..=12, day type), in the profile's unit.
pub struct Profile {
    columns: HashMap<(u32, DayType), [f64; 96]>,
}

impl Profile {
    /// Parses the profile bundled with the worker.
    ///
    /// # Errors
    /// Never for the bundled file; the type allows parsing other files.
    pub fn bundled() -> anyhow::Result<Profile> {
        Profile::parse(BUNDLED)
    }

    /// # Errors
    /// When the text does not have the layout of the H25 CSV.
    pub fn parse(text: &str) -> anyhow::Result<Profile> {
        let mut lines = text.lines();
        let months: Vec<&str> = lines
            .next()
            .context("missing month row")?
            .split(',')
            .skip(1)
            .collect();
        let day_types: Vec<&str> = lines
            .next()
            .context("missing day type row")?
            .split(',')
            .skip(1)
            .collect();
        if months.len() != 36 || day_types.len() != 36 {
            bail!("expected 36 columns, found {}", months.len());
        }
        let mut values = vec![[0.0f64; 96]; 36];
        for (quarter, line) in lines.filter(|line| !line.trim().is_empty()).enumerate() {
            if quarter >= 96 {
                bail!("more than 96 quarter-hour rows");
            }
            for (column, cell) in line.split(',').skip(1).enumerate().take(36) {
                values[column][quarter] = cell
                    .trim()
                    .parse()
                    .with_context(|| format!("invalid value {cell:?} in row {}", quarter + 3))?;
            }
        }
        let mut columns = HashMap::new();
        for (column, series) in values.into_iter().enumerate() {
            let month = MONTHS
                .iter()
                .position(|name| *name == months[column])
                .with_context(|| format!("unknown month {}", months[column]))?
                as u32
                + 1;
            let day_type = DayType::parse(day_types[column])
                .with_context(|| format!("unknown day type {}", day_types[column]))?;
            columns.insert((month, day_type), series);
        }
        if columns.len() != 36 {
            bail!("expected every month and day type once");
        }
        Ok(Profile { columns })
    }

    /// Returns the value of one local quarter-hour (0..96) of a day.
    pub fn quarter(&self, date: NaiveDate, quarter: usize) -> f64 {
        self.series(date)[quarter.min(95)]
    }

    /// Returns the largest hourly sum of the day's profile: its typical peak hour.
    pub fn peak_hour(&self, date: NaiveDate) -> f64 {
        let series = self.series(date);
        (0..24)
            .map(|hour| series[hour * 4..hour * 4 + 4].iter().sum::<f64>())
            .fold(0.0, f64::max)
    }

    fn series(&self, date: NaiveDate) -> &[f64; 96] {
        // Every (month, day type) pair is present: `parse` checks all 36.
        &self.columns[&(date.month(), DayType::of(date))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_profile_has_every_column() {
        let profile = Profile::bundled().unwrap();
        let monday = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();

        assert!(
            (profile.quarter(monday, 0) - 20.126).abs() < 1e-9,
            "January working day, 00:00-00:15"
        );
        assert!(profile.peak_hour(monday) > profile.quarter(monday, 0) * 4.0);
    }

    #[test]
    fn day_types() {
        assert_eq!(
            DayType::of(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()),
            DayType::Saturday
        );
        assert_eq!(
            DayType::of(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()),
            DayType::Sunday
        );
        assert_eq!(
            DayType::of(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()),
            DayType::Working
        );
    }
}
