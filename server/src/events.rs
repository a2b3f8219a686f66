//! An offer's events as a server-sent event stream: the stored ones first, then new ones as any
//! instance sharing the store writes them, until a terminal event.
//!
//! The stream reads the events table, a page at a time, and only when the client has taken what was
//! read before: a client that stops reading stops the reading (hyper stops polling the stream once the
//! socket's buffer is full), so a connection holds at most one page. An event this process writes wakes
//! the streams of its offer at once, and only those ([`StreamWakers`]); events other instances write are
//! found by polling every [`POLL_INTERVAL`].

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::watch;

use crate::store::{Store, StoredEvent, event_id};

/// How often an idle stream looks for events written by other instances.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Events read from the store at once.
const PAGE: usize = 32;

/// The version a `Last-Event-ID` names, if it is an event id of `offer_id` (`{offer_id}.{version}`).
pub fn version_in_last_event_id(offer_id: &str, last_event_id: &str) -> Option<u64> {
    let (offer, version) = last_event_id.trim().rsplit_once('.')?;
    let version = version.parse().ok()?;
    (offer == offer_id && event_id(offer, version) == last_event_id.trim()).then_some(version)
}

/// Where a stream starts: after which of whose events, and whether the offer had already ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamStart {
    /// The offer.
    pub offer_id: String,
    /// Events after this version are sent (0: all).
    pub after: u64,
    /// The offer had ended (redeemed, invalidated, deleted, its expiry reported) when the stream began:
    /// its terminal event is stored, maybe before `after` (a client reconnecting after it), so the
    /// stream sends what is stored and ends rather than wait for one.
    pub ended: bool,
}

/// Wakes the streams that follow an offer when this process stores one of its events. Per offer: were
/// every stream woken by every write, each write would cost a store read per open stream.
#[derive(Debug, Default)]
pub struct StreamWakers {
    by_offer: Mutex<HashMap<String, watch::Sender<()>>>,
}

impl StreamWakers {
    /// A receiver that changes when [`StreamWakers::wake`] is called for `offer_id`.
    pub fn subscribe(&self, offer_id: &str) -> watch::Receiver<()> {
        let mut by_offer = self.by_offer.lock().unwrap_or_else(PoisonError::into_inner);
        // Offers whose streams all ended are forgotten here, so the map holds the offers followed now.
        by_offer.retain(|_, sender| sender.receiver_count() > 0);
        by_offer.entry(offer_id.to_owned()).or_insert_with(|| watch::Sender::new(())).subscribe()
    }

    /// Wakes the streams of `offer_id`, if any.
    pub fn wake(&self, offer_id: &str) {
        let by_offer = self.by_offer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = by_offer.get(offer_id) {
            sender.send_replace(());
        }
    }

    /// Offers with a sender (some may have no stream left until the next subscription prunes them).
    pub fn offers_followed(&self) -> usize {
        self.by_offer.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// What wakes a stream: this process storing an event of its offer, and the server stopping.
#[derive(Debug, Clone)]
pub struct Signals {
    /// Changes whenever this process stores an event of the stream's offer ([`StreamWakers::subscribe`]).
    pub written: watch::Receiver<()>,
    /// Becomes `true` when the server stops: streams end, rather than hold the shutdown until its
    /// deadline (the client reconnects elsewhere with `Last-Event-ID`).
    pub stopping: watch::Receiver<bool>,
}

/// The response: the offer's events after `start.after`, then live ones; ends after a terminal event.
/// A comment line every `keep_alive` keeps proxies from closing an idle stream.
pub fn stream(
    store: Arc<dyn Store>,
    start: StreamStart,
    signals: Signals,
    keep_alive: Duration,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let StreamStart { offer_id, after, ended } = start;
    let reader = Reader { store, offer_id, after, page: VecDeque::new(), signals, ended, finished: false };
    let events = futures_util::stream::unfold(reader, |mut reader| async move {
        reader.next().await.map(|event| (Ok(sse_event(&event)), reader))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(keep_alive).text("keep-alive"))
}

/// `id`, `event` (the type) and `data` (the event JSON, one line).
fn sse_event(event: &StoredEvent) -> Event {
    Event::default().id(event.id()).event(&event.kind).data(&event.json)
}

struct Reader {
    store: Arc<dyn Store>,
    offer_id: String,
    /// The version of the last event handed out.
    after: u64,
    page: VecDeque<StoredEvent>,
    signals: Signals,
    /// See [`StreamStart::ended`].
    ended: bool,
    /// A terminal event was handed out.
    finished: bool,
}

impl Reader {
    /// The next event, waiting for it as long as it takes; `None` after a terminal event, or when the
    /// store fails (the client reconnects with `Last-Event-ID` and misses nothing).
    async fn next(&mut self) -> Option<StoredEvent> {
        loop {
            if let Some(event) = self.page.pop_front() {
                self.after = event.version;
                // An offer that had ended is sent whole (a replay may follow its redemption).
                if event.terminal && !self.ended {
                    self.finished = true;
                    self.page.clear();
                }
                return Some(event);
            }
            if self.finished || *self.signals.stopping.borrow() {
                return None;
            }
            // Marked seen before reading: an event stored after the read wakes the wait below.
            self.signals.written.borrow_and_update();
            match self.store.events_after(&self.offer_id, self.after, PAGE).await {
                Ok(events) if !events.is_empty() => {
                    self.page.extend(events);
                    continue;
                }
                Ok(_) if self.ended => return None,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(offer = %self.offer_id, error = %e, "an event stream ended: the store failed");
                    return None;
                }
            }
            tokio::select! {
                changed = self.signals.written.changed() => if changed.is_err() {
                    tokio::time::sleep(POLL_INTERVAL).await;
                },
                _ = self.signals.stopping.changed() => {}
                () = tokio::time::sleep(POLL_INTERVAL) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::store::TestStore;

    /// What a slow client costs: the stream reads a page only when the client has taken the one before,
    /// so however long the offer's history, a connection holds at most one page of it.
    #[tokio::test]
    async fn a_stream_reads_a_page_only_when_the_last_is_taken() {
        // An offer with a history of 100 events, counting the reads of it.
        let reads = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&reads);
        let history = TestStore {
            events: Some(Box::new(move |offer_id, after, limit| {
                counted.fetch_add(1, Ordering::SeqCst);
                let last = 100.min(after + limit as u64);
                let event = |version| StoredEvent {
                    offer_id: offer_id.to_owned(),
                    version,
                    kind: "offer.fetched".to_owned(),
                    terminal: false,
                    json: "{}".to_owned(),
                };
                (after + 1..=last).map(event).collect()
            })),
        };
        let (_written, written) = watch::channel(());
        let (_stopping, stopping) = watch::channel(false);
        let mut reader = Reader {
            store: Arc::new(history),
            offer_id: "offer".to_owned(),
            after: 0,
            page: VecDeque::new(),
            signals: Signals { written, stopping },
            ended: true,
            finished: false,
        };
        for version in 1..=100 {
            let event = reader.next().await.unwrap();
            assert_eq!(event.version, version);
            let pages_read = usize::try_from(version.div_ceil(PAGE as u64)).unwrap();
            assert_eq!(reads.load(Ordering::SeqCst), pages_read, "after event {version}");
            assert!(reader.page.len() < PAGE, "{} events held", reader.page.len());
        }
        // The offer had ended: an empty read ends the stream.
        assert!(reader.next().await.is_none());
        assert_eq!(reads.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn a_write_wakes_the_streams_of_its_offer_only() {
        let wakers = StreamWakers::default();
        let (mut first, mut second, mut other) = (wakers.subscribe("a"), wakers.subscribe("a"), wakers.subscribe("b"));
        wakers.wake("a");
        assert!(first.has_changed().unwrap() && second.has_changed().unwrap());
        assert!(!other.has_changed().unwrap(), "another offer's stream sleeps on");
        first.borrow_and_update();
        wakers.wake("nobody follows this one");
        assert!(!first.has_changed().unwrap() && !other.has_changed().unwrap());
        second.borrow_and_update();
        other.borrow_and_update();
        drop((first, second));
        assert_eq!(wakers.offers_followed(), 2);
        let _later = wakers.subscribe("c");
        assert_eq!(wakers.offers_followed(), 2, "the offer nobody follows any more is forgotten");
        wakers.wake("b");
        assert!(other.has_changed().unwrap());
    }

    #[test]
    fn last_event_ids_name_a_version_of_this_offer() {
        let offer = "0e6f1a7c-1d7b-4a53-9c51-6a0f0f6b2d11";
        assert_eq!(version_in_last_event_id(offer, &format!("{offer}.3")), Some(3));
        assert_eq!(version_in_last_event_id(offer, &format!(" {offer}.12 ")), Some(12));
        assert_eq!(version_in_last_event_id(offer, "0e6f1a7c-1d7b-4a53-9c51-6a0f0f6b2d12.3"), None);
        assert_eq!(version_in_last_event_id(offer, &format!("{offer}.x")), None);
        assert_eq!(version_in_last_event_id(offer, &format!("{offer}.03")), None);
        assert_eq!(version_in_last_event_id(offer, offer), None);
    }
}
