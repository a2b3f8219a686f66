//! A host program that depends on `credoffer` and on serde_json with its default features. Cargo unifies
//! features across a build, so whatever serde_json features `credoffer` turns on apply to the host's own
//! types too; the tests in `tests/` check that the host's numbers still read as numbers.
