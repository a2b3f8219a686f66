// How a Swift app uses the bindings: structs, enums with associated values, thrown errors, classes.

import CredOffer

let issuerConfig = #"{"credentialIssuer":"https://issuer.example.com","credentialConfigurations":{"mdl":"mso_mdoc"}}"#

func idiomaticTests() {
    test("the lint reports with the profile's rules, metadata and evidence") {
        let uri = try buildOfferUri(
            json: #"{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"],"#
                + #""grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c0de"}}}"#,
            options: defaultBuildOptions()
        )
        var haip = defaultLintOptions()
        haip.profile = .haip
        let report = try lint(input: uri, options: haip)
        try expectEqual(report.profile, .haip, "profile")
        try expectEqual(report.reference, nil, "reference")
        try expectEqual(codes(report.warnings), ["pre_authorized_without_tx_code", "haip_authorization_code"], "codes")
        guard report.warnings.allSatisfy({ !($0.evidence ?? "").isEmpty }) else { throw Failure(description: "a finding without evidence") }
        guard report.warnings[0].evidence!.contains("#664") else { throw Failure(description: report.warnings[0].evidence!) }
        let authorization = #"{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"],"#
            + #""grants":{"authorization_code":{}}}"#
        haip.metadata = try IssuerMetadata(
            json: #"{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{"pid":{"format":"dc+sd-jwt"}}}"#
        )
        let scoped = try lint(input: authorization, options: haip)
        try expectEqual(scoped.warnings.map { [$0.code, $0.field] }, [["haip_scope", "credential_configuration_ids[0]"]], "scope")
        var itWallet = defaultLintOptions()
        itWallet.profile = try parseProfile(name: "it-wallet")
        itWallet.build.base = "haip-vci://"
        try expectEqual(codes(try lint(input: authorization, options: itWallet).warnings), ["it_wallet_issuer_state", "it_wallet_scheme"], "it-wallet")
        do {
            _ = try parseProfile(name: "HAIP")
            throw Failure(description: "no error")
        } catch CredentialOfferError.UnknownProfile(let code, _, _, _, _) {
            try expectEqual(code, "unknown_profile", "code")
        }
    }

    test("a wallet resolves inline credential descriptions with the metadata") {
        let draft11 = #"{"credential_issuer":"https://issuer.example.com","credentials":["#
            + #"{"format":"vc+sd-jwt","vct":"urn:eudi:pid:1"},{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}]}"#
        let metadata = try IssuerMetadata(
            json: #"{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{"#
                + #""pid":{"format":"dc+sd-jwt","vct":"urn:eudi:pid:1"},"mdl":{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}}}"#
        )
        let read = try parseOfferJson(json: draft11, options: defaultParseOptions())
        try expectEqual(read.offer.legacyCredentials.count, 2, "inline descriptions")
        let resolved = try metadata.resolveCredentialDescriptions(offer: read.offer)
        try expectEqual(resolved.credentialConfigurationIds, ["pid", "mdl"], "ids")
        try expectEqual(resolved.legacyCredentials, [], "no descriptions left")
        let parsed = try metadata.resolveOfferJson(json: draft11, options: defaultParseOptions())
        try expectEqual(parsed.source, .draft11, "source")
        try expectEqual(codes(read.warnings).contains("legacy_credential_description"), true, "the reading warns")
        try expectEqual(codes(parsed.warnings).contains("legacy_credential_description"), false, "the resolved reading does not")
    }

    test("a wallet reads an offer it built") {
        let offer = CredentialOffer(
            credentialIssuer: "https://issuer.example.com",
            credentialConfigurationIds: ["org.iso.18013.5.1.mDL"],
            legacyCredentials: [],
            grants: Grants(
                authorizationCode: nil,
                preAuthorizedCode: PreAuthorizedCodeGrant(
                    preAuthorizedCode: "oaKazRN8I0IbtZ0C7JuMn5",
                    txCode: TxCode(inputMode: .numeric, length: 6, description: "Check your email", extensions: [:]),
                    authorizationServer: nil,
                    extensions: [:]
                ),
                other: [:]
            ),
            extensions: ["request_parameters": #"{"login_hint":"user@example.com"}"#]
        )
        let uri = try offerToUri(offer: offer, options: defaultBuildOptions())
        guard uri.hasPrefix("openid-credential-offer://?credential_offer=%7B") else { throw Failure(description: uri) }
        guard case .byValue(let parsed) = try parseOfferUri(uri: uri, options: defaultParseOptions()) else {
            throw Failure(description: "by reference")
        }
        try expectEqual(parsed.offer, offer, "round trip")
        try expectEqual(parsed.source, .v1, "source")
        let printed: [Any] = [parsed, parsed.offer, parsed.offer.grants!.preAuthorizedCode!]
        for value in printed {
            for text in [String(describing: value), String(reflecting: value), "\(value)"] {
                guard !text.contains("oaKazRN8I0IbtZ0C7JuMn5") else {
                    throw Failure(description: "the text form shows the pre-authorized code: \(text)")
                }
            }
        }
        guard String(describing: parsed.offer).contains("Check your email") else {
            throw Failure(description: "the text form hides more than the code: \(parsed.offer)")
        }
    }

    test("errors are thrown as CredentialOfferError cases carrying code, description and field") {
        let offer = CredentialOffer(
            credentialIssuer: "https://issuer.example.com", credentialConfigurationIds: ["a", "a"],
            legacyCredentials: [], grants: nil, extensions: [:])
        do {
            _ = try offerToUri(offer: offer, options: defaultBuildOptions())
            throw Failure(description: "no error")
        } catch CredentialOfferError.DuplicateCredentialConfigurationId(let code, let description, let field, let value, let details) {
            try expectEqual(code, "duplicate_credential_configuration_id", "code")
            try expectEqual(field, "credential_configuration_ids[1]", "field")
            try expectEqual(value, #""a""#, "value (JSON text of the repeated id)")
            try expectEqual(details, [], "details")
            guard !description.isEmpty else { throw Failure(description: "empty description") }
        }
    }

    test("any error reads the same way without matching its case") {
        do {
            _ = try parseOfferUri(uri: "openid-credential-offer://?foo=bar", options: defaultParseOptions())
            throw Failure(description: "no error")
        } catch let error as CredentialOfferError {
            try expectEqual(error.errorCode(), "missing_offer_parameter", "code")
            guard !error.errorMessage().isEmpty, error.errorDetails().isEmpty else { throw Failure(description: "\(error)") }
        }
    }

    test("metadata is a class built from JSON") {
        let metadata = try IssuerMetadata(json: #"""
            {"credential_issuer":"https://issuer.example.com","authorization_servers":["https://as.example.com"],
             "credential_configurations_supported":{"mdl":{"format":"mso_mdoc"}}}
            """#)
        try expectEqual(metadata.credentialIssuer(), "https://issuer.example.com", "issuer")
        try expectEqual(metadata.authorizationServers(), ["https://as.example.com"], "servers")
        let offer = try parseOfferJson(
            json: #"{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["mdl"]}"#,
            options: defaultParseOptions()
        ).offer
        try expectEqual(try metadata.check(offer: offer).formats, [ConfigurationFormat(id: "mdl", format: "mso_mdoc")], "formats")
        do {
            _ = try IssuerMetadata(json: "[]")
            throw Failure(description: "no error")
        } catch CredentialOfferError.InvalidMetadata {
        }
    }

    test("issuer to wallet to token endpoint") {
        let issuer = try Issuer(configJson: issuerConfig)
        let created = try issuer.createPreAuthorizedOffer(
            body: #"{"credentials":["mdl"],"transactionCodeConfiguration":{}}"#, now: 1_746_057_600, entropy: Entropy.system())
        guard let code = created.transactionCode, code.count == 6, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else {
            throw Failure(description: "transaction code \(created.transactionCode ?? "none")")
        }
        guard !created.record.toJson().contains(code) else { throw Failure(description: "the record holds the code") }
        for text in [String(describing: created), String(reflecting: created)] {
            guard ![code, created.uri, created.responseJson].contains(where: text.contains), text.contains(created.id) else {
                throw Failure(description: "the text form of a created offer: \(text)")
            }
        }
        let body = try walletTokenRequest(scanned: created.uri) { prompt in
            guard prompt.inputMode == .numeric, prompt.length == 6 else { throw Failure(description: "\(prompt)") }
            return code
        }
        // The token endpoint: read the form, find the record by its lookup key, answer, store.
        var store = [created.record.codeHash(): created.record]
        guard case .find(let request) = issuer.readTokenRequest(form: body) else { throw Failure(description: "refused") }
        for text in [String(describing: request), String(reflecting: request)] where text.contains(code) {
            throw Failure(description: "the text form of a request shows the code: \(text)")
        }
        let answer = issuer.answerTokenRequest(
            request: request, record: store[request.lookupKey()], now: 1_746_057_610, entropy: Entropy.system())
        try expectEqual(answer.status(), 200, "status")
        try expectEqual(answer.headers()["Cache-Control"], "no-store", "headers")
        guard case .issued(let token) = answer.outcome() else { throw Failure(description: "\(answer.outcome())") }
        try expectEqual(token.credentialConfigurationIds, ["mdl"], "issued")
        try expectEqual(token.userId, created.userId, "user")
        try expectEqual(try text(try JSONValue.parse(answer.body()), "access_token"), token.accessToken, "access token")
        let shown: [Any] = [answer, token, answer.outcome()]
        for value in shown {
            for text in [String(describing: value), String(reflecting: value)] where text.contains(token.accessToken) {
                throw Failure(description: "the text form shows the access token: \(text)")
            }
        }
        guard let stored = answer.recordToStore() else { throw Failure(description: "nothing to store") }
        try expectEqual(stored.state(), .redeemed, "state")
        try expectEqual(stored.version(), created.record.version() + 1, "version")
        store[stored.codeHash()] = stored
        // A replay is refused and revokes the token issued from the code: the record to store says so.
        let again = issuer.tokenEndpoint(form: body, record: store[stored.codeHash()], now: 1_746_057_611, entropy: Entropy.system())
        guard case .rejected(let error) = again.outcome(), error.error == .invalidGrant, again.revokeIssuedTokens(),
            let revoked = again.recordToStore()
        else {
            throw Failure(description: "replay: \(again.outcome())")
        }
        try expectEqual(revoked.version(), stored.version() + 1, "revoked version")
        try expectEqual(try member(try member(try JSONValue.parse(revoked.toJson()), "accessToken"), "revoked").bool, true, "revoked")
        try expectEqual(try member(try member(try JSONValue.parse(again.toJson()), "outcome"), "revokeIssuedTokens").bool, true, "view")
    }

    test("the host's own token answers") {
        let answers: [(TokenAnswer, UInt16, TokenErrorCode)] = [
            (TokenAnswer.busy(), 503, .temporarilyUnavailable),
            (TokenAnswer.serverError(), 500, .serverError),
            (TokenAnswer.unreadableBody(status: 413, description: "the body is too large"), 413, .invalidRequest),
        ]
        for (answer, status, code) in answers {
            try expectEqual(answer.status(), status, "status")
            guard case .rejected(let error) = answer.outcome(), error.error == code else { throw Failure(description: "\(answer.outcome())") }
            try expectEqual(try text(try JSONValue.parse(answer.body()), "error"), error.errorCode, "body")
        }
        guard case .answer(let answer) = try Issuer(configJson: issuerConfig).readTokenRequest(form: "grant_type=authorization_code&code=x")
        else { throw Failure(description: "another grant type needs no lookup") }
        try expectEqual(try text(try JSONValue.parse(answer.body()), "error"), "unsupported_grant_type", "other grant")
    }

    test("buildOfferUri and buildOfferJson read any draft and write strictly") {
        let draft11 = #"{"credential_issuer":"https://issuer.example.com","credentials":["pid"]}"#
        try expectEqual(
            try buildOfferUri(json: draft11, options: defaultBuildOptions()),
            "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fissuer.example.com"
                + "%22%2C%22credential_configuration_ids%22%3A%5B%22pid%22%5D%7D",
            "uri")
        try expectEqual(
            try buildOfferJson(json: draft11, options: defaultBuildOptions()),
            #"{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"]}"#, "json")
        do {
            _ = try buildOfferUri(
                json: #"{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":[" "]}"#,
                options: defaultBuildOptions())
            throw Failure(description: "no error")
        } catch CredentialOfferError.BlankValue {
        }
    }

    test("the issuer checks its metadata") {
        let issuer = try Issuer(configJson: issuerConfig)
        func metadata(_ credentialIssuer: String, _ format: String) throws -> IssuerMetadata {
            try IssuerMetadata(json: #"{"credential_issuer":""# + credentialIssuer
                + #"","credential_configurations_supported":{"mdl":{"format":""# + format + #""}}}"#)
        }
        try issuer.checkMetadata(metadata: try metadata("https://issuer.example.com", "mso_mdoc"))
        do {
            try issuer.checkMetadata(metadata: try metadata("https://other.example.com", "mso_mdoc"))
            throw Failure(description: "no error")
        } catch CredentialOfferError.IssuerMismatch(_, _, let field, _, _) {
            try expectEqual(field, "credential_issuer", "field")
        }
        do {
            try issuer.checkMetadata(metadata: try metadata("https://issuer.example.com", "dc+sd-jwt"))
            throw Failure(description: "no error")
        } catch CredentialOfferError.InvalidMetadata(_, _, let field, _, _) {
            try expectEqual(field, "credential_configurations_supported.mdl.format", "field")
        }
    }

    test("error views, and binding failures in their own family") {
        do {
            _ = try parseOfferUri(uri: "openid-credential-offer://?foo=bar", options: defaultParseOptions())
            throw Failure(description: "no error")
        } catch let error as CredentialOfferError {
            let view = try JSONValue.parse(error.toJson())
            try expectEqual(try text(view, "code"), "missing_offer_parameter", "view code")
            try expectEqual(try number(view, "httpStatus"), 400, "view status")
        }
        let offer = CredentialOffer(
            credentialIssuer: "https://issuer.example.com", credentialConfigurationIds: ["a"],
            legacyCredentials: [], grants: nil, extensions: ["x": "{not json"])
        do {
            _ = try offerToJson(offer: offer, dialect: .v1)
            throw Failure(description: "no error")
        } catch CredentialOfferError.Binding(let code, _, let field, _, _) {
            try expectEqual(code, "invalid_argument", "code")
            try expectEqual(field, "extensions.x", "field")
            guard bindingErrorCodes().contains(code), !errorCodes().contains(code) else {
                throw Failure(description: "\(code) is not a binding code")
            }
        }
    }

    test("a wrong transaction code is refused before any request") {
        let parsed = try parseOfferJson(json: #"""
            {"credential_issuer":"https://i.example","credential_configuration_ids":["a"],"grants":
             {"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c","tx_code":{"length":4}}}}
            """#, options: defaultParseOptions())
        guard let prompt = try txCodePrompt(parsed: parsed) else { throw Failure(description: "no prompt") }
        do {
            try prompt.check(input: "12a4")
            throw Failure(description: "no error")
        } catch CredentialOfferError.TxCodeMismatch(_, _, let field, _, _) {
            try expectEqual(field, "tx_code", "field")
        }
    }

    test("QR code as SVG") {
        let svg = try renderQrSvg(text: "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1")
        guard svg.contains("<svg"), svg.contains("</svg>") else { throw Failure(description: String(svg.prefix(60))) }
        do {
            _ = try renderQrSvg(text: String(repeating: "x", count: 5000))
            throw Failure(description: "no error")
        } catch CredentialOfferError.QrTooLong {
        }
    }
}

/// The README's wallet: parse what was scanned, ask for the transaction code, build the token request.
func walletTokenRequest(scanned: String, askUser: (TxCodePrompt) throws -> String) throws -> String {
    let parsed: ParsedOffer
    switch try parseOfferUri(uri: scanned, options: defaultParseOptions()) {
    case .byValue(let offer):
        parsed = offer
    case .byReference(let url, _):
        throw Failure(description: "fetch \(url), then parseOfferJson(json:options:)")
    }
    var txCode: String?
    if let prompt = try txCodePrompt(parsed: parsed) {
        let typed = try askUser(prompt)
        try prompt.check(input: typed)
        txCode = typed
    }
    return try tokenRequestBody(offer: parsed.offer, txCode: txCode, clientId: nil)
}
