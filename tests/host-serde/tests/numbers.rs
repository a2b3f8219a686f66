//! The host's own `#[serde(flatten)]`, internally tagged and untagged types keep reading numbers while
//! `credoffer` is in the build. serde_json's `arbitrary_precision` feature breaks all three: serde buffers
//! the values of such types, and the feature hands numbers to that buffer as one-member maps.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use credoffer::{BuildOptions, ParseOptions, parse_offer_json};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Envelope {
    id: u64,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Priced {
    amount: f64,
    #[serde(flatten)]
    meta: Meta,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Meta {
    count: u64,
    offset: i64,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
enum Event {
    Payment { amount: f64, cents: u64 },
    Refund { delta: i64 },
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Quantity {
    Whole(u64),
    Signed(i64),
    Fraction(f64),
    Text(String),
}

/// Reads `json` as `T`, checks it is `expected`, and that it writes back as the same JSON.
fn round_trip<T>(json: &str, expected: &T)
where
    T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    let read: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    assert_eq!(&read, expected, "{json}");
    let written = serde_json::to_string(&read).unwrap();
    let again: T = serde_json::from_str(&written).unwrap_or_else(|e| panic!("{written}: {e}"));
    assert_eq!(&again, expected, "{written}");
}

#[test]
fn flattened_structs_read_numbers() {
    round_trip(
        r#"{"id":18446744073709551615,"price":1.10,"tenth":0.1,"minus":-42,"name":"x"}"#,
        &Envelope {
            id: u64::MAX,
            rest: [
                ("minus".to_owned(), Value::from(-42)),
                ("name".to_owned(), Value::from("x")),
                ("price".to_owned(), Value::from(1.1)),
                ("tenth".to_owned(), Value::from(0.1)),
            ]
            .into(),
        },
    );
    round_trip(
        r#"{"amount":1.10,"count":18446744073709551615,"offset":-7}"#,
        &Priced { amount: 1.1, meta: Meta { count: u64::MAX, offset: -7 } },
    );
}

#[test]
fn internally_tagged_enums_read_numbers() {
    round_trip(
        r#"{"type":"Payment","amount":0.1,"cents":18446744073709551615}"#,
        &Event::Payment { amount: 0.1, cents: u64::MAX },
    );
    round_trip(r#"{"type":"Refund","delta":-9007199254740993}"#, &Event::Refund { delta: -9_007_199_254_740_993 });
}

#[test]
fn untagged_enums_read_numbers() {
    round_trip("18446744073709551615", &Quantity::Whole(u64::MAX));
    round_trip("-5", &Quantity::Signed(-5));
    round_trip("1.10", &Quantity::Fraction(1.1));
    round_trip("0.1", &Quantity::Fraction(0.1));
    round_trip(r#""7""#, &Quantity::Text("7".to_owned()));
}

#[test]
fn offer_extensions_keep_their_digits() {
    let json = r#"{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"],"d":1.10,"n":12345678901234567890123,"neg":-0.000001,"u":18446744073709551616}"#;
    let parsed = parse_offer_json(json, &ParseOptions::default()).unwrap();
    assert_eq!(parsed.offer.extensions.get("n").unwrap().as_json(), "12345678901234567890123");
    assert_eq!(parsed.offer.to_json(&BuildOptions::default()).unwrap(), json);
}
