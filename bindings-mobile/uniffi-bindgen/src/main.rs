//! `uniffi-bindgen generate --library <lib> --language kotlin|swift|python`: the generator, built from the
//! same uniffi version as `credoffer-mobile`, as uniffi requires.

fn main() {
    uniffi::uniffi_bindgen_main()
}
