//! The status every function returns: the engine's error numbers, plus the binding family's (failures
//! the C boundary itself detects).

use std::ffi::c_int;

// The enum and its tables are generated from the engine's lists (`cargo xtask codegen`); cbindgen reads
// them there for the header.
#[path = "generated/codes.rs"]
mod codes;

pub use codes::credoffer_status;

impl credoffer_status {
    /// The status with this number, if any.
    pub fn from_number(number: c_int) -> Option<Self> {
        Self::ALL.iter().copied().find(|status| *status as c_int == number)
    }
}

#[cfg(test)]
mod tests {
    use credoffer::ErrorKind;
    use credoffer::error::BindingErrorKind;

    use super::*;

    #[test]
    fn every_engine_kind_has_the_same_number_and_code() {
        for &kind in ErrorKind::ALL {
            let status = credoffer_status::from_kind(kind);
            assert_eq!(status as c_int, c_int::from(kind.number()), "{kind:?}");
            assert_eq!(status.code().to_str(), Ok(kind.code()), "{kind:?}");
        }
    }

    #[test]
    fn every_binding_kind_has_the_same_number_and_code() {
        for &kind in BindingErrorKind::ALL {
            let status = credoffer_status::from_binding(kind);
            assert_eq!(status as c_int, c_int::from(kind.number()), "{kind:?}");
            assert_eq!(status.code().to_str(), Ok(kind.code()), "{kind:?}");
            assert_eq!(status.message().to_str().map(|m| m.replace('`', "")), Ok(kind.description().replace('`', "")));
        }
    }

    #[test]
    fn statuses_are_unique_and_c_only_ones_are_out_of_the_engine_range() {
        let mut numbers = std::collections::BTreeSet::new();
        let mut codes = std::collections::BTreeSet::new();
        for status in credoffer_status::ALL {
            assert!(numbers.insert(status as c_int));
            assert!(codes.insert(status.code()));
            assert_eq!(credoffer_status::from_number(status as c_int), Some(status));
            let engine = ErrorKind::from_number(u16::try_from(status as c_int).unwrap_or(u16::MAX));
            match engine {
                Some(kind) => assert_eq!(credoffer_status::from_kind(kind), status),
                None => assert!(status == credoffer_status::Ok || status as c_int >= 1000, "{status:?}"),
            }
        }
        assert_eq!(credoffer_status::ALL.len(), 1 + ErrorKind::ALL.len() + BindingErrorKind::ALL.len());
        assert_eq!(credoffer_status::from_number(999), None);
    }
}
