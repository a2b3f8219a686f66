//! Engine benchmarks, each beside the floor it is judged against, in one run.
//!
//! `cargo bench -p credoffer --bench engine`
//!
//! The floor of parsing is what any parser must do at least: percent-decode the value and let
//! serde_json fill a minimal typed struct. The floor of building is serde_json plus percent-encoding.
//! The engine does more (every draft, validation, warnings); the question is how much that costs.
//!
//! After criterion's runs, the engine and its floor also run interleaved, in alternating batches, and the
//! median of the per-round ratios is printed: on a shared machine the speed drifts between criterion's
//! benchmarks, which run one after the other, while a ratio taken within one round does not drift.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use credoffer::offer::{InputMode, TxCode};
use credoffer::secret::{generate_pre_authorized_code, generate_tx_code};
use credoffer::token::TokenRequest;
use credoffer::{
    BuildOptions, CredentialOffer, Dialect, FixedEntropy, Issuer, IssuerConfig, OfferUri, ParseOptions, parse_offer_uri,
};
use criterion::{Criterion, criterion_group};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};

/// MATTR VII's pre-authorized example URI (631 bytes).
const MATTR_URI: &str = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fexample.com%22%2C%22credentials%22%3A%5B%222edaf985-fcc2-4448-9c8e-a04c6c7351c2%22%5D%2C%22credential_configuration_ids%22%3A%5B%222edaf985-fcc2-4448-9c8e-a04c6c7351c2%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22stukD6lg9c9tQ3jUCa32wVi1HI%2BQIVsFK%2FQPvC2CHRs%3D%22%2C%22tx_code%22%3A%7B%22length%22%3A6%2C%22input_mode%22%3A%22numeric%22%2C%22description%22%3A%22Please%20provide%20the%20one-time%20code%20that%20was%20sent%20via%20e-mail%22%7D%7D%7D%7D";

#[derive(Serialize, Deserialize)]
struct FloorOffer {
    credential_issuer: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    credentials: Vec<String>,
    credential_configuration_ids: Vec<String>,
    grants: FloorGrants,
}

#[derive(Serialize, Deserialize)]
struct FloorGrants {
    #[serde(rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code")]
    pre_authorized_code: FloorPreAuth,
}

#[derive(Serialize, Deserialize)]
struct FloorPreAuth {
    #[serde(rename = "pre-authorized_code")]
    code: String,
    tx_code: FloorTxCode,
}

#[derive(Serialize, Deserialize)]
struct FloorTxCode {
    length: u32,
    input_mode: String,
    description: String,
}

const COMPONENT: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

fn floor_parse(uri: &str) -> FloorOffer {
    let value = uri.split_once("credential_offer=").unwrap().1;
    let json = percent_decode_str(value).decode_utf8().unwrap();
    serde_json::from_str(&json).unwrap()
}

fn floor_build(offer: &FloorOffer) -> String {
    let json = serde_json::to_string(offer).unwrap();
    format!("openid-credential-offer://?credential_offer={}", utf8_percent_encode(&json, COMPONENT))
}

fn mattr_offer() -> CredentialOffer {
    CredentialOffer::builder("https://example.com")
        .credential_configuration_id("2edaf985-fcc2-4448-9c8e-a04c6c7351c2")
        .pre_authorized_code("stukD6lg9c9tQ3jUCa32wVi1HI+QIVsFK/QPvC2CHRs=")
        .tx_code(TxCode {
            input_mode: Some(InputMode::Numeric),
            length: Some(6),
            description: Some("Please provide the one-time code that was sent via e-mail".into()),
            ..TxCode::default()
        })
        .build()
        .unwrap()
}

fn parse_and_build(c: &mut Criterion) {
    let options = ParseOptions::default();
    let build = BuildOptions::default().dialect(Dialect::Mattr);
    let offer = mattr_offer();
    assert_eq!(offer.to_uri(&build).unwrap(), MATTR_URI, "the benchmark must build the URI it parses");
    let floor_offer = floor_parse(MATTR_URI);
    assert_eq!(floor_build(&floor_offer), MATTR_URI);

    let mut group = c.benchmark_group("mattr_uri_631_bytes");
    group.bench_function("parse/floor: percent_decode + serde_json typed", |b| {
        b.iter(|| floor_parse(black_box(MATTR_URI)))
    });
    group.bench_function("parse/credoffer: parse_offer_uri", |b| {
        b.iter(|| match parse_offer_uri(black_box(MATTR_URI), &options).unwrap() {
            OfferUri::ByValue(parsed) => parsed,
            OfferUri::ByReference(_) => unreachable!(),
        })
    });
    group.bench_function("build/floor: serde_json + percent-encoding", |b| {
        b.iter(|| floor_build(black_box(&floor_offer)))
    });
    group.bench_function("build/credoffer: to_uri (mattr dialect)", |b| {
        b.iter(|| black_box(&offer).to_uri(&build).unwrap())
    });
    group.finish();
}

fn issuer_engine(c: &mut Criterion) {
    let configurations: BTreeMap<String, String> =
        [("2edaf985-fcc2-4448-9c8e-a04c6c7351c2".to_owned(), "mso_mdoc".to_owned())].into();
    let issuer = Issuer::new(IssuerConfig::mattr("https://example.com", configurations)).unwrap();
    let body = r#"{"credentials":["2edaf985-fcc2-4448-9c8e-a04c6c7351c2"],"transactionCodeConfiguration":{"description":"Please provide the one-time code that was sent via e-mail"}}"#;
    let entropy: Vec<u8> = (0..=255u8).cycle().take(200).collect();
    let now = 1_746_057_600;
    let created = issuer.create_pre_authorized_offer_json(body, now, &mut FixedEntropy::new(entropy.clone())).unwrap();
    let code = match parse_offer_uri(&created.response.uri, &ParseOptions::default()).unwrap() {
        OfferUri::ByValue(parsed) => parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone(),
        OfferUri::ByReference(_) => unreachable!(),
    };
    let form = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}&tx_code={}",
        created.response.transaction_code.clone().unwrap()
    );

    let mut group = c.benchmark_group("issuer");
    group.bench_function("create pre-authorized offer (secrets, URI, record)", |b| {
        b.iter(|| {
            issuer
                .create_pre_authorized_offer_json(black_box(body), now, &mut FixedEntropy::new(entropy.clone()))
                .unwrap()
        })
    });
    group.bench_function("redeem (parse form, check codes, next record)", |b| {
        b.iter(|| {
            let request = TokenRequest::from_form(black_box(&form)).unwrap();
            issuer.redeem(black_box(&created.record), &request, now + 1).unwrap()
        })
    });
    let bytes: Vec<u8> = (0..=255u8).cycle().take(64).collect();
    group.bench_function("tx code, 6 digits", |b| {
        b.iter(|| generate_tx_code(InputMode::Numeric, 6, &mut FixedEntropy::new(black_box(bytes.clone()))).unwrap())
    });
    group.bench_function("pre-authorized code, 32 bytes", |b| {
        b.iter(|| generate_pre_authorized_code(&mut FixedEntropy::new(black_box(bytes.clone()))).unwrap())
    });
    #[cfg(feature = "getrandom")]
    group.bench_function("tx code, 6 digits, system entropy", |b| {
        b.iter(|| generate_tx_code(InputMode::Numeric, 6, &mut credoffer::SystemEntropy).unwrap())
    });
    group.finish();
}

#[cfg(feature = "qr")]
fn qr(c: &mut Criterion) {
    c.bench_function("qr/svg of the MATTR URI", |b| {
        b.iter(|| credoffer::qr::render_qr_svg(black_box(MATTR_URI)).unwrap())
    });
}

#[cfg(not(feature = "qr"))]
fn qr(_: &mut Criterion) {}

/// Prints the median over rounds of engine time / floor time, each round timing a batch of each.
fn interleaved_ratios() {
    let options = ParseOptions::default();
    let build = BuildOptions::default().dialect(Dialect::Mattr);
    let offer = mattr_offer();
    let floor_offer = floor_parse(MATTR_URI);
    println!("\ninterleaved, median of 200 rounds of 2000 runs each (engine / floor):");
    let parse = median_ratio(
        || drop(black_box(parse_offer_uri(black_box(MATTR_URI), &options).unwrap())),
        || drop(black_box(floor_parse(black_box(MATTR_URI)))),
    );
    println!("  parse  {parse}");
    let build = median_ratio(
        || drop(black_box(black_box(&offer).to_uri(&build).unwrap())),
        || drop(black_box(floor_build(black_box(&floor_offer)))),
    );
    println!("  build  {build}");
}

fn median_ratio(mut engine: impl FnMut(), mut floor: impl FnMut()) -> String {
    const ROUNDS: usize = 200;
    const RUNS: u32 = 2000;
    let time = |operation: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..RUNS {
            operation();
        }
        start.elapsed().as_secs_f64() * 1e9 / f64::from(RUNS)
    };
    let (mut ratios, mut engine_ns, mut floor_ns) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let floor = time(&mut floor);
        let engine = time(&mut engine);
        ratios.push(engine / floor);
        engine_ns.push(engine);
        floor_ns.push(floor);
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
    };
    format!(
        "{:.2}x   (engine {:.0} ns, floor {:.0} ns)",
        median(&mut ratios),
        median(&mut engine_ns),
        median(&mut floor_ns)
    )
}

criterion_group!(benches, parse_and_build, issuer_engine, qr);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs each benchmark once as a test; the ratios are for `cargo bench`.
    if std::env::args().any(|arg| arg == "--bench") {
        interleaved_ratios();
    }
}
