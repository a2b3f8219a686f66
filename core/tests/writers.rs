//! One writer rule: every writer refuses the same offers; only the parsed view writes what a lenient
//! reading accepted. And the issuer's own metadata must describe it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use credoffer::uri::build_offer_json;
use credoffer::{
    BuildOptions, Dialect, Issuer, IssuerConfig, IssuerMetadata, ParseOptions, build_offer_uri, parse_offer_json,
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
    assert_eq!(parsed.warnings[0].code(), "description_too_long");
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
    let mattr = build_offer_json(&json, &BuildOptions::default().dialect(Dialect::Mattr)).unwrap();
    assert!(mattr.contains(r#""credentials":["a"]"#) && mattr.contains(r#""credential_configuration_ids":["a"]"#));
    let draft11 = build_offer_json(&json, &BuildOptions::default().dialect(Dialect::Draft11));
    assert!(draft11.unwrap().contains(r#""user_pin_required":true"#));
    let http = json.replace("https://", "http://");
    assert_eq!(build_offer_uri(&http, &BuildOptions::default()).unwrap_err().code(), "insecure_url");
    let insecure = BuildOptions::default().allow_insecure_http(true);
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

#[test]
fn offers_and_issuer_requests_share_one_rule_set() {
    let issuer = Issuer::new(
        IssuerConfig::from_json(
            r#"{"credentialIssuer":"https://i.example","credentialConfigurations":{"a":"mso_mdoc"}}"#,
        )
        .unwrap(),
    )
    .unwrap();
    let mut entropy = credoffer::FixedEntropy::new([1u8; 256]);
    // A typed request is held to the rules its JSON body is: blank and repeated ids, every one listed.
    let request = credoffer::issuer::AuthorizationOfferRequest {
        credentials: vec!["a".into(), " ".into(), "a".into()],
        request_parameters: None,
    };
    let error = issuer.create_authorization_offer(&request, &mut entropy).unwrap_err();
    let problems: Vec<(&str, Option<&str>)> = error.details().iter().map(|p| (p.code(), p.field())).collect();
    assert_eq!(
        problems,
        [("blank_value", Some("credentials[1]")), ("duplicate_credential_configuration_id", Some("credentials[2]"))]
    );
    // The offer stops at the first problem of the same rules, under its own member's name.
    let offer = parse_offer_json(
        r#"{"credential_issuer":"https://i.example","credential_configuration_ids":["a"," ","a"]}"#,
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert_eq!((offer.code(), offer.field()), ("blank_value", Some("credential_configuration_ids[1]")));
    assert_eq!(offer.message(), error.details()[0].message().replace("credentials", "credential_configuration_ids"));

    // One description rule, one message, in both places.
    let long = "d".repeat(301);
    let body = format!(r#"{{"credentials":["a"],"transactionCodeConfiguration":{{"description":"{long}"}}}}"#);
    let request = issuer.create_pre_authorized_offer_json(&body, 0, &mut entropy).unwrap_err();
    let strict = ParseOptions::default().strict(true);
    let offer = parse_offer_json(&with_description(301), &strict).unwrap_err();
    assert_eq!(request.details()[0].message(), offer.message());
    assert_eq!(request.details()[0].field(), Some("transactionCodeConfiguration.description"));
}
