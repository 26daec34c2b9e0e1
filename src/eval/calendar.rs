//! Part of the eval stage: working days per the policy's calendar (weekends off, holidays, make-up workdays).

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::ir;

/// The days a policy counts as working days.
#[derive(Debug, Default)]
pub(crate) struct Calendar {
    holidays: HashSet<NaiveDate>,
    workdays: HashSet<NaiveDate>,
}

impl Calendar {
    pub fn new(calendar: Option<&ir::Calendar>) -> Calendar {
        calendar.map_or_else(Calendar::default, |c| Calendar {
            holidays: c.holidays.iter().copied().collect(),
            workdays: c.workdays.iter().copied().collect(),
        })
    }

    /// A make-up workday works even on a weekend; a holiday never works.
    pub fn is_workday(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// The date `n` working days after `d` (before it, for negative `n`); `d` itself is not counted.
    pub fn add_workdays(&self, d: NaiveDate, n: i64) -> Option<NaiveDate> {
        let mut day = d;
        let mut left = n.unsigned_abs();
        while left > 0 {
            day = if n > 0 {
                day.checked_add_days(Days::new(1))?
            } else {
                day.checked_sub_days(Days::new(1))?
            };
            if self.is_workday(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// The date `n` calendar days after `d`.
    pub fn add_days(d: NaiveDate, n: i64) -> Option<NaiveDate> {
        if n >= 0 {
            d.checked_add_days(Days::new(n as u64))
        } else {
            d.checked_sub_days(Days::new(n.unsigned_abs()))
        }
    }
}
