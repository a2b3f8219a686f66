//! What happened to an offer, as typed events a host can store, send to webhooks or stream to a page.
//!
//! Every state change of an [`OfferRecord`] returns its event beside the next record, and every event
//! is exactly one change: the event's [`id`](OfferEvent::id) is the offer id and the version of the
//! record it produced. A host stores the record (compare-and-swap on the version read) and the event
//! in one transaction; when the swap loses, the event did not happen.
//!
//! | event                     | produced by |
//! |---------------------------|-------------|
//! | `offer.created`           | [`Issuer::create_pre_authorized_offer`](crate::Issuer::create_pre_authorized_offer) |
//! | `offer.fetched`           | [`Issuer::serve_offer`](crate::Issuer::serve_offer), with the fetch count |
//! | `offer.tx_code_rejected`  | the token endpoint: a wrong transaction code, with the attempts left |
//! | `offer.invalidated`       | the token endpoint: the last wrong transaction code |
//! | `offer.redeemed`          | the token endpoint: an access token was issued |
//! | `offer.replay_attempted`  | the token endpoint: the used code came back (tokens revoked), once per offer |
//! | `offer.deleted`           | [`Issuer::delete`](crate::Issuer::delete) |
//! | `offer.expired`           | [`Issuer::check_expiry`](crate::Issuer::check_expiry), or a token request that finds the offer expired; once per offer |
//!
//! No event carries a secret: no code, no hash, no claim.

use crate::record::{OfferRecord, OfferState};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OfferEventKind {
    /// The offer was created.
    Created,
    /// A wallet fetched the offer by reference.
    Fetched,
    /// A token request carried a wrong transaction code; attempts are left.
    TxCodeRejected,
    /// The last allowed wrong transaction code: the offer can never be redeemed.
    Invalidated,
    /// The code was redeemed and an access token issued.
    Redeemed,
    /// The redeemed code was presented again; the tokens issued from it are revoked.
    ReplayAttempted,
    /// The issuer deleted the offer.
    Deleted,
    /// The offer expired before it was redeemed.
    Expired,
}

impl OfferEventKind {
    /// Every kind, in the order an offer's life meets them.
    pub const ALL: [OfferEventKind; 8] = [
        OfferEventKind::Created,
        OfferEventKind::Fetched,
        OfferEventKind::TxCodeRejected,
        OfferEventKind::Invalidated,
        OfferEventKind::Redeemed,
        OfferEventKind::ReplayAttempted,
        OfferEventKind::Deleted,
        OfferEventKind::Expired,
    ];

    /// The stable name: `offer.created`, `offer.fetched`, … (the `type` of the event's JSON).
    pub const fn as_str(self) -> &'static str {
        match self {
            OfferEventKind::Created => "offer.created",
            OfferEventKind::Fetched => "offer.fetched",
            OfferEventKind::TxCodeRejected => "offer.tx_code_rejected",
            OfferEventKind::Invalidated => "offer.invalidated",
            OfferEventKind::Redeemed => "offer.redeemed",
            OfferEventKind::ReplayAttempted => "offer.replay_attempted",
            OfferEventKind::Deleted => "offer.deleted",
            OfferEventKind::Expired => "offer.expired",
        }
    }

    /// The kind named `name` ([`as_str`](Self::as_str)).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Whether the offer can never be redeemed after this event: a page following the offer can stop.
    /// A replay comes after the redemption, so it is not the end a page waits for.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            OfferEventKind::Invalidated | OfferEventKind::Redeemed | OfferEventKind::Deleted | OfferEventKind::Expired
        )
    }
}

/// One state change of one offer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OfferEvent {
    /// What happened.
    pub kind: OfferEventKind,
    /// The offer.
    pub offer_id: String,
    /// The user the offer is for.
    pub user_id: String,
    /// When, Unix seconds.
    pub at: u64,
    /// The version of the record this change produced.
    pub version: u64,
    /// How often the offer has been fetched by reference (for [`OfferEventKind::Fetched`]).
    pub fetch_count: Option<u32>,
    /// Wrong transaction codes still tolerated (for [`OfferEventKind::TxCodeRejected`] and
    /// [`OfferEventKind::Invalidated`]).
    pub failed_attempts_left: Option<u32>,
}

impl OfferEvent {
    /// The event of the change that produced `record` at `now`.
    pub(crate) fn of(kind: OfferEventKind, record: &OfferRecord, now: u64) -> Self {
        let attempts = matches!(kind, OfferEventKind::TxCodeRejected | OfferEventKind::Invalidated);
        Self {
            kind,
            offer_id: record.id.clone(),
            user_id: record.user_id.clone(),
            at: now,
            version: record.version,
            fetch_count: (kind == OfferEventKind::Fetched).then_some(record.fetch_count),
            failed_attempts_left: attempts.then_some(record.failed_attempts_left),
        }
    }

    /// A stable, unique id: `{offer id}.{version}`. Receivers deduplicate deliveries by it.
    pub fn id(&self) -> String {
        format!("{}.{}", self.offer_id, self.version)
    }
}

/// A state change: the record to store with compare-and-swap, and its event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transition {
    /// The next record.
    pub record: OfferRecord,
    /// What happened.
    pub event: OfferEvent,
}

impl Transition {
    pub(crate) fn new(kind: OfferEventKind, record: OfferRecord, now: u64) -> Self {
        let event = OfferEvent::of(kind, &record, now);
        Self { record, event }
    }
}

/// `offer.expired` for a live offer past its expiry that was not reported yet.
pub(crate) fn expiry_transition(record: &OfferRecord, now: u64) -> Option<Transition> {
    if record.state != OfferState::Active || now < record.expires_at || record.expiry_reported {
        return None;
    }
    let mut next = record.next();
    next.expiry_reported = true;
    // The event says when the offer expired, not when the sweep noticed.
    Some(Transition::new(OfferEventKind::Expired, next, record.expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_only_endings_are_terminal() {
        for kind in OfferEventKind::ALL {
            assert_eq!(OfferEventKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(OfferEventKind::from_name("offer.unknown"), None);
        let terminal: Vec<_> = OfferEventKind::ALL.into_iter().filter(|kind| kind.is_terminal()).collect();
        assert_eq!(
            terminal,
            [OfferEventKind::Invalidated, OfferEventKind::Redeemed, OfferEventKind::Deleted, OfferEventKind::Expired]
        );
    }
}
