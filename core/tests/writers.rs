//! One writer rule: every writer refuses the same offers; only the parsed view writes what a lenient
//! reading accepted. And the issuer's own metadata must describe it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use credoffer::{
    BuildOptions, Dialect, Issuer, IssuerConfig, IssuerMetadata, ParseOptions, build_offer_json, build_offer_uri,
    parse_offer_json,
};

fn with_description(length: usize) -> String {
    format!(
        r#"{{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],"grants":{{
            "urn:ietf:params:oauth:grant-type:pre-authorized_code":{{"pre-authorized_code":"c",
            "tx_code":{{"length":6,"description":"{}"}}}}}}}}"#,
        "d".repeat(length)
    )
}

#[test]
fn every_writer_refuses_what_strict_reading_refuses() {
    let json = with_description(301);
    let parsed = parse_offer_json(&json, &ParseOptions::default()).unwrap();
    assert_eq!(parsed.warnings[0].code, "description_too_long");
    let options = BuildOptions::default();
    for refused in [
        parsed.offer.to_json(&options).unwrap_err(),
        parsed.offer.to_uri(&options).unwrap_err(),
        build_offer_json(&json, &options).unwrap_err(),
        build_offer_uri(&json, &options).unwrap_err(),
    ] {
        assert_eq!(refused.code(), "description_too_long");
    }
    // Written as read only where the name says so.
    assert!(parsed.offer.to_json_lenient(Dialect::V1).unwrap().contains(&"d".repeat(301)));
    assert!(parsed.to_json().contains(&"d".repeat(301)));
}

#[test]
fn json_in_json_out_in_any_dialect() {
    let json = with_description(10);
    let mattr = build_offer_json(&json, &BuildOptions { dialect: Dialect::Mattr, ..BuildOptions::default() }).unwrap();
    assert!(mattr.contains(r#""credentials":["a"]"#) && mattr.contains(r#""credential_configuration_ids":["a"]"#));
    let draft11 = build_offer_json(&json, &BuildOptions { dialect: Dialect::Draft11, ..BuildOptions::default() });
    assert!(draft11.unwrap().contains(r#""user_pin_required":true"#));
    let http = json.replace("https://", "http://");
    assert_eq!(build_offer_uri(&http, &BuildOptions::default()).unwrap_err().code(), "insecure_url");
    let insecure = BuildOptions { allow_insecure_http: true, ..BuildOptions::default() };
    assert!(build_offer_uri(&http, &insecure).unwrap().starts_with("openid-credential-offer://?credential_offer="));
}

#[test]
fn the_issuer_s_metadata_must_describe_it() {
    let issuer = Issuer::new(
        IssuerConfig::from_json(
            r#"{"credentialIssuer":"https://i.example/t","credentialConfigurations":{"mdl":"mso_mdoc","pid":"dc+sd-jwt"}}"#,
        )
        .unwrap(),
    )
    .unwrap();
    let metadata = |issuer: &str, supported: &str| {
        IssuerMetadata::from_json(&format!(
            r#"{{"credential_issuer":"{issuer}","credential_configurations_supported":{supported}}}"#
        ))
        .unwrap()
    };
    let both = r#"{"mdl":{"format":"mso_mdoc"},"pid":{"format":"dc+sd-jwt"},"extra":{"format":"jwt_vc_json"}}"#;
    assert!(issuer.check_metadata(&metadata("https://i.example/t", both)).is_ok());
    let error = issuer.check_metadata(&metadata("https://i.example/t/", both)).unwrap_err();
    assert_eq!((error.code(), error.field()), ("issuer_mismatch", Some("credential_issuer")));
    let error =
        issuer.check_metadata(&metadata("https://i.example/t", r#"{"mdl":{"format":"mso_mdoc"}}"#)).unwrap_err();
    assert_eq!(
        (error.code(), error.field()),
        ("unknown_credential_configuration", Some("credential_configurations_supported.pid"))
    );
}
