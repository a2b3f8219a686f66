//! Records under concurrency: token requests racing on one offer, through a compare-and-swap store.
//!
//! `redeem` is a pure function of (record, request, now), so two requests that read the same record
//! both get an answer computed from it. What makes redemption single-use is the host's write: it
//! stores the next record only if the version it read is still the stored one, and otherwise reads
//! again and redeems again. The store here is that pattern in memory (a mutex around a map: the
//! same contract as `UPDATE … SET record = ?, version = ? WHERE id = ? AND version = ?`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use credoffer::record::OfferState;
use credoffer::token::{RedeemOutcome, TokenError, TokenErrorCode, TokenRequest};
use credoffer::wallet::token_request_body;
use credoffer::{FixedEntropy, Issuer, IssuerConfig, OfferRecord, OfferUri, ParseOptions, parse_offer_uri};

const NOW: u64 = 1_746_057_600;

/// Records by id, stored as JSON the way a database or Redis would hold them.
#[derive(Default)]
struct Store {
    rows: Mutex<HashMap<String, (u64, String)>>,
}

impl Store {
    fn insert(&self, record: &OfferRecord) {
        self.rows.lock().unwrap().insert(record.id.clone(), (record.version, record.to_json()));
    }

    fn load(&self, id: &str) -> OfferRecord {
        let rows = self.rows.lock().unwrap();
        let (version, json) = rows.get(id).expect("the offer exists");
        let record = OfferRecord::from_json(json).unwrap();
        assert_eq!(record.version, *version);
        record
    }

    /// Stores `next` only if the stored version is still `expected`.
    fn compare_and_swap(&self, expected: u64, next: &OfferRecord) -> bool {
        let mut rows = self.rows.lock().unwrap();
        let row = rows.get_mut(&next.id).expect("the offer exists");
        if row.0 != expected {
            return false;
        }
        *row = (next.version, next.to_json());
        true
    }
}

/// The host's token endpoint: read, redeem, write back with compare-and-swap, retry on conflict.
/// Returns the outcome that was committed (or, when nothing changed, the one answered) and how many
/// times the write lost a race.
fn token_endpoint(issuer: &Issuer, store: &Store, id: &str, request: &TokenRequest) -> (RedeemOutcome, u32) {
    let mut conflicts = 0;
    loop {
        let record = store.load(id);
        let redemption = issuer.redeem(&record, request, NOW).unwrap();
        if !redemption.changed || store.compare_and_swap(record.version, &redemption.record) {
            return (redemption.outcome, conflicts);
        }
        conflicts += 1; // someone else wrote first: what we computed is void, start again
        thread::yield_now();
    }
}

fn entropy() -> FixedEntropy {
    FixedEntropy::new((0..=255u8).cycle().take(1024).collect::<Vec<_>>())
}

struct Offer {
    issuer: Issuer,
    record: OfferRecord,
    code: String,
    tx_code: String,
}

fn offer(max_failed_attempts: u32) -> Offer {
    let config = format!(
        r#"{{"credentialIssuer":"https://issuer.example.com","credentialConfigurations":{{"mdl":"mso_mdoc"}},
            "txCode":{{"maxFailedAttempts":{max_failed_attempts}}}}}"#
    );
    let issuer = Issuer::new(IssuerConfig::from_json(&config).unwrap()).unwrap();
    let created = issuer
        .create_pre_authorized_offer_json(
            r#"{"credentials":["mdl"],"transactionCodeConfiguration":{}}"#,
            NOW,
            &mut entropy(),
        )
        .unwrap();
    let Ok(OfferUri::ByValue(parsed)) = parse_offer_uri(&created.response.uri, &ParseOptions::default()) else {
        panic!("an offer by value")
    };
    let code = parsed.offer.pre_authorized_code_grant().unwrap().pre_authorized_code.clone();
    let tx_code = created.response.transaction_code.unwrap();
    Offer { issuer, record: created.record, code, tx_code }
}

fn request(code: &str, tx_code: &str) -> TokenRequest {
    let offer = credoffer::CredentialOffer::builder("https://issuer.example.com")
        .credential_configuration_id("mdl")
        .pre_authorized_code(code)
        .tx_code(credoffer::offer::TxCode::default())
        .build()
        .unwrap();
    TokenRequest::from_form(&token_request_body(&offer, Some(tx_code), None).unwrap()).unwrap()
}

fn wrong(tx_code: &str) -> String {
    if tx_code == "000000" { "000001".to_owned() } else { "000000".to_owned() }
}

/// Runs one request per thread, all released at once; returns each thread's committed outcome.
fn race(offer: &Offer, store: &Arc<Store>, requests: Vec<TokenRequest>) -> Vec<(RedeemOutcome, u32)> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let handles: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let (store, barrier, issuer, id) =
                (Arc::clone(store), Arc::clone(&barrier), offer.issuer.clone(), offer.record.id.clone());
            thread::spawn(move || {
                barrier.wait();
                token_endpoint(&issuer, &store, &id, &request)
            })
        })
        .collect();
    handles.into_iter().map(|handle| handle.join().unwrap()).collect()
}

fn issued(outcomes: &[(RedeemOutcome, u32)]) -> usize {
    outcomes.iter().filter(|(outcome, _)| matches!(outcome, RedeemOutcome::Issued { .. })).count()
}

/// Without compare-and-swap nothing stops a double redemption: both requests read version 1, and
/// both answers say "issue". This is why the host must write conditionally.
#[test]
fn redeem_alone_cannot_stop_a_race() {
    let offer = offer(3);
    let request = request(&offer.code, &offer.tx_code);
    let first = offer.issuer.redeem(&offer.record, &request, NOW).unwrap();
    let second = offer.issuer.redeem(&offer.record, &request, NOW).unwrap();
    assert!(matches!(first.outcome, RedeemOutcome::Issued { .. }));
    assert!(matches!(second.outcome, RedeemOutcome::Issued { .. }));
    assert_eq!((first.record.version, second.record.version), (2, 2));

    let store = Store::default();
    store.insert(&offer.record);
    assert!(store.compare_and_swap(1, &first.record));
    assert!(!store.compare_and_swap(1, &second.record), "the second write must lose");
}

#[test]
fn two_right_codes_racing_redeem_once() {
    let mut lost_races = 0;
    for _ in 0..200 {
        let offer = offer(3);
        let store = Arc::new(Store::default());
        store.insert(&offer.record);
        let request = || request(&offer.code, &offer.tx_code);
        let outcomes = race(&offer, &store, vec![request(), request()]);
        assert_eq!(issued(&outcomes), 1, "{outcomes:?}");
        let loser = outcomes.iter().find(|(outcome, _)| !matches!(outcome, RedeemOutcome::Issued { .. })).unwrap();
        match &loser.0 {
            RedeemOutcome::Rejected(TokenError {
                error: TokenErrorCode::InvalidGrant, revoke_issued_tokens, ..
            }) => {
                assert!(revoke_issued_tokens, "a replay asks to revoke what the code issued")
            }
            other => panic!("{other:?}"),
        }
        let stored = store.load(&offer.record.id);
        // Redeemed, then the replay reported (once).
        assert_eq!((stored.state, stored.version, stored.replayed_at), (OfferState::Redeemed, 3, Some(NOW)));
        lost_races += outcomes.iter().map(|(_, conflicts)| conflicts).sum::<u32>();
    }
    eprintln!("compare-and-swap conflicts seen over 200 races: {lost_races}");
}

/// Wrong transaction codes racing: every one is counted exactly once, however they interleave, until
/// the offer is invalidated; after that none is counted and the right code no longer works.
#[test]
fn wrong_codes_racing_are_counted_exactly() {
    for (threads, max_attempts) in [(2, 3), (4, 3), (4, 4), (6, 10), (8, 5)] {
        for _ in 0..25 {
            let offer = offer(max_attempts);
            let store = Arc::new(Store::default());
            store.insert(&offer.record);
            let requests = (0..threads).map(|_| request(&offer.code, &wrong(&offer.tx_code))).collect();
            let outcomes = race(&offer, &store, requests);
            assert_eq!(issued(&outcomes), 0);
            let counted = outcomes
                .iter()
                .filter(|(outcome, _)| {
                    matches!(outcome, RedeemOutcome::Rejected(TokenError { failed_attempts_left: Some(_), .. }))
                })
                .count();
            let expected = threads.min(max_attempts as usize);
            assert_eq!(counted, expected, "{threads} wrong codes, {max_attempts} attempts: {outcomes:?}");
            let mut left: Vec<u32> = outcomes
                .iter()
                .filter_map(|(outcome, _)| match outcome {
                    RedeemOutcome::Rejected(error) => error.failed_attempts_left,
                    RedeemOutcome::Issued { .. } => None,
                })
                .collect();
            left.sort_unstable();
            // Each counted attempt saw a distinct number of attempts left: no two read the same version.
            let distinct: Vec<u32> = (max_attempts - expected as u32..max_attempts).collect();
            assert_eq!(left, distinct);

            let stored = store.load(&offer.record.id);
            assert_eq!(stored.failed_attempts_left, max_attempts - expected as u32);
            assert_eq!(stored.version, 1 + expected as u64);
            let invalidated = threads >= max_attempts as usize;
            assert_eq!(stored.state == OfferState::Invalidated, invalidated);
            let (last, _) =
                token_endpoint(&offer.issuer, &store, &offer.record.id, &request(&offer.code, &offer.tx_code));
            assert_eq!(matches!(last, RedeemOutcome::Issued { .. }), !invalidated);
        }
    }
}

/// A right code racing wrong ones: the wrong ones are counted (before anything is consumed), the
/// right one issues at most once, and never after the offer has been invalidated.
#[test]
fn a_right_code_racing_wrong_ones() {
    for _ in 0..100 {
        let offer = offer(2);
        let store = Arc::new(Store::default());
        store.insert(&offer.record);
        let right = request(&offer.code, &offer.tx_code);
        let wrong = || request(&offer.code, &wrong(&offer.tx_code));
        let outcomes = race(&offer, &store, vec![wrong(), right, wrong()]);
        let stored = store.load(&offer.record.id);
        match stored.state {
            OfferState::Redeemed => assert_eq!(issued(&outcomes), 1),
            OfferState::Invalidated => {
                assert_eq!(issued(&outcomes), 0);
                assert_eq!(stored.failed_attempts_left, 0);
            }
            other => panic!("the race ended in {other:?}"),
        }
        // Every write was one transition: the version counts the committed ones exactly.
        let counted = outcomes
            .iter()
            .filter(|(outcome, _)| {
                matches!(outcome, RedeemOutcome::Rejected(TokenError { failed_attempts_left: Some(_), .. }))
            })
            .count();
        // A wrong code after the redemption is a replay: the first one is reported, so it writes too.
        let replay_reported = u64::from(stored.replayed_at.is_some());
        assert_eq!(stored.version, 1 + counted as u64 + issued(&outcomes) as u64 + replay_reported);
        assert_eq!(stored.failed_attempts_left, 2 - counted as u32);
    }
}

/// By reference, two wallets fetching the offer at once: both are served, each fetch counted once.
#[test]
fn racing_fetches_are_each_counted_once() {
    let config = r#"{"credentialIssuer":"https://issuer.example.com","credentialConfigurations":{"mdl":"mso_mdoc"},
        "offerUrlTemplate":"https://issuer.example.com/offers/{token}"}"#;
    let issuer = Issuer::new(IssuerConfig::from_json(config).unwrap()).unwrap();
    for _ in 0..100 {
        let created =
            issuer.create_pre_authorized_offer_json(r#"{"credentials":["mdl"]}"#, NOW, &mut entropy()).unwrap();
        let Ok(OfferUri::ByReference(reference)) = parse_offer_uri(&created.response.uri, &ParseOptions::default())
        else {
            panic!("an offer by reference")
        };
        let token = reference.uri.rsplit('/').next().unwrap().to_owned();
        let store = Arc::new(Store::default());
        store.insert(&created.record);
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (store, barrier, issuer, token, id) = (
                    Arc::clone(&store),
                    Arc::clone(&barrier),
                    issuer.clone(),
                    token.clone(),
                    created.record.id.clone(),
                );
                thread::spawn(move || {
                    barrier.wait();
                    loop {
                        let record = store.load(&id);
                        match issuer.serve_offer(&record, &token, NOW) {
                            Ok(served) if store.compare_and_swap(record.version, &served.record) => {
                                return Some(served.event.fetch_count);
                            }
                            Ok(_) => continue,
                            Err(_) => return None,
                        }
                    }
                })
            })
            .collect();
        let mut counts: Vec<Option<u32>> = handles.into_iter().map(|handle| handle.join().unwrap().flatten()).collect();
        counts.sort();
        // Both fetches served, each counted once: no lost update, no count reported twice.
        assert_eq!(counts, [Some(1), Some(2)]);
        assert_eq!(store.load(&created.record.id).fetch_count, 2);
    }
}
