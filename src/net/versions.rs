//! The API versions a broker advertised, and the choice of the highest version both sides speak.

use std::collections::HashMap;

use crate::error::{code, Error, Result};
use crate::protocol::Request;

#[derive(Clone, Debug, Default)]
pub struct VersionTable {
    ranges: HashMap<i16, (i16, i16)>,
}

impl VersionTable {
    pub fn new(ranges: impl IntoIterator<Item = (i16, i16, i16)>) -> Self {
        VersionTable { ranges: ranges.into_iter().map(|(k, lo, hi)| (k, (lo, hi))).collect() }
    }

    /// The broker's (min, max) for an API key, if it supports it at all.
    pub fn broker_range(&self, api_key: i16) -> Option<(i16, i16)> {
        self.ranges.get(&api_key).copied()
    }

    /// The highest version of `R` that this library and the broker both implement.
    pub fn pick<R: Request>(&self) -> Result<i16> {
        pick_common(R::NAME, R::MIN_VERSION, R::MAX_VERSION, self.broker_range(R::API_KEY))
    }
}

fn pick_common(name: &str, our_min: i16, our_max: i16, broker: Option<(i16, i16)>) -> Result<i16> {
    let Some((lo, hi)) = broker else {
        return Err(Error::new(code::UNSUPPORTED_VERSION, format!("broker does not support {name}")));
    };
    let v = our_max.min(hi);
    if v < our_min.max(lo) {
        return Err(Error::new(
            code::UNSUPPORTED_VERSION,
            format!("{name}: broker speaks versions {lo}..={hi}, this library {our_min}..={our_max}"),
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_highest_common_version() {
        assert_eq!(pick_common("X", 0, 13, Some((0, 12))).unwrap(), 12);
        assert_eq!(pick_common("X", 3, 13, Some((3, 20))).unwrap(), 13);
        assert_eq!(pick_common("X", 4, 18, Some((4, 4))).unwrap(), 4);
    }

    #[test]
    fn no_overlap_is_unsupported_version() {
        let e = pick_common("Produce", 3, 13, Some((0, 2))).unwrap_err();
        assert_eq!(e.code(), code::UNSUPPORTED_VERSION);
        assert!(e.message().contains("0..=2"), "{}", e.message());
        assert_eq!(pick_common("X", 0, 1, None).unwrap_err().code(), code::UNSUPPORTED_VERSION);
    }
}
