// How a Kotlin app uses the bindings: data classes, sealed results, exceptions, AutoCloseable objects.
package org.credoffer.tests

import org.credoffer.*

fun idiomaticTests() {
    test("a wallet reads an offer it built") {
        val offer = CredentialOffer(
            credentialIssuer = "https://issuer.example.com",
            credentialConfigurationIds = listOf("org.iso.18013.5.1.mDL"),
            legacyCredentials = emptyList(),
            grants = Grants(
                authorizationCode = null,
                preAuthorizedCode = PreAuthorizedCodeGrant(
                    preAuthorizedCode = "oaKazRN8I0IbtZ0C7JuMn5",
                    txCode = TxCode(inputMode = InputMode.NUMERIC, length = 6u, description = "Check your email", extensions = emptyMap()),
                    authorizationServer = null,
                    extensions = emptyMap(),
                ),
                other = emptyMap(),
            ),
            extensions = mapOf("request_parameters" to """{"login_hint":"user@example.com"}"""),
        )
        val uri = offerToUri(offer, defaultBuildOptions())
        check(uri.startsWith("openid-credential-offer://?credential_offer=%7B")) { uri }
        val parsed = when (val result = parseOfferUri(uri, defaultParseOptions())) {
            is OfferUri.ByValue -> result.parsed
            is OfferUri.ByReference -> throw AssertionError("by reference")
        }
        checkEqual(parsed.offer, offer, "round trip")
        checkEqual(parsed.source, Source.V1, "source")
        for (printed in listOf(parsed, parsed.offer, parsed.offer.grants!!.preAuthorizedCode!!)) {
            check("oaKazRN8I0IbtZ0C7JuMn5" !in printed.toString()) { "toString shows the pre-authorized code" }
        }
        check("Check your email" in parsed.offer.toString()) { "toString hides more than the code: ${parsed.offer}" }
    }

    test("errors are typed exceptions carrying code, description and field") {
        val offer = CredentialOffer("https://issuer.example.com", listOf("a", "a"), emptyList(), null, emptyMap())
        try {
            offerToUri(offer, defaultBuildOptions())
            throw AssertionError("no exception")
        } catch (e: CredentialOfferException.DuplicateCredentialConfigurationId) {
            checkEqual(e.code, "duplicate_credential_configuration_id", "code")
            checkEqual(e.errorCode(), e.code, "errorCode()")
            checkEqual(e.errorMessage(), e.description, "errorMessage()")
            checkEqual(e.field, "credential_configuration_ids[1]", "field")
            check(e.description.isNotBlank()) { "empty description" }
        }
    }

    test("every core error code has its own exception class") {
        val classes = CredentialOfferException::class.java.declaredClasses.map { it.simpleName }.toSet()
        val codes = errorCodes()
        check(codes.isNotEmpty() && codes.toSet().size == codes.size) { "codes: $codes" }
        for (code in codes) {
            val name = code.split('_').joinToString("") { part -> part.replaceFirstChar { it.uppercase() } }
            check(name in classes) { "no CredentialOfferException.$name for $code" }
        }
    }

    test("a by-reference offer says where to fetch it") {
        val uri = offerReferenceUri("https://issuer.example.com/offers/42", defaultBuildOptions())
        val result = parseOfferUri(uri, defaultParseOptions())
        check(result is OfferUri.ByReference && result.uri == "https://issuer.example.com/offers/42") { "$result" }
    }

    test("metadata is an AutoCloseable object") {
        val json = """{"credential_issuer":"https://issuer.example.com",
            "credential_configurations_supported":{"mdl":{"format":"mso_mdoc"}}}"""
        val offer = parseOfferJson(
            """{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["mdl"]}""",
            defaultParseOptions(),
        ).offer
        IssuerMetadata(json).use { metadata ->
            checkEqual(metadata.credentialIssuer(), "https://issuer.example.com", "issuer")
            checkEqual(metadata.check(offer).formats, listOf(ConfigurationFormat("mdl", "mso_mdoc")), "formats")
        }
        try {
            IssuerMetadata("[]")
            throw AssertionError("no exception")
        } catch (e: CredentialOfferException.InvalidMetadata) {
            checkEqual(e.errorCode(), "invalid_metadata", "code")
        }
    }

    test("issuer to wallet to token endpoint") {
        val config = """{"credentialIssuer":"https://issuer.example.com","credentialConfigurations":{"mdl":"mso_mdoc"}}"""
        Issuer(config).use { issuer ->
            val created = Entropy.system().use { entropy ->
                issuer.createPreAuthorizedOffer("""{"credentials":["mdl"],"transactionCodeConfiguration":{}}""", 1_746_057_600uL, entropy)
            }
            val code = created.transactionCode!!
            check(Regex("[0-9]{6}").matches(code)) { code }
            check(code !in created.record.toJson()) { "the record holds the code in plain text" }
            for (secret in listOf(code, created.uri, created.responseJson)) {
                check(secret !in created.toString()) { "toString shows a secret: $created" }
            }
            check(created.id in created.toString()) { "toString hides the id: $created" }
            val body = walletTokenRequest(created.uri) { prompt ->
                checkEqual(prompt.inputMode to prompt.length, InputMode.NUMERIC to 6u, "prompt")
                code
            }
            val redemption = TokenRequest.fromForm(body).use { issuer.redeem(created.record, it, 1_746_057_610uL) }
            val issued = redemption.outcome as? RedeemOutcome.Issued ?: throw AssertionError("${redemption.outcome}")
            checkEqual(issued.credentialConfigurationIds, listOf("mdl"), "issued")
            checkEqual(redemption.record.state(), OfferState.REDEEMED, "state")
            val again = TokenRequest.fromForm(body).use { issuer.redeem(redemption.record, it, 1_746_057_611uL) }
            val rejected = again.outcome as? RedeemOutcome.Rejected ?: throw AssertionError("replay issued")
            checkEqual(rejected.error.error, TokenErrorCode.INVALID_GRANT, "replay")
            check(rejected.error.revokeIssuedTokens) { "replay must revoke" }
        }
    }

    test("a wrong transaction code is refused before any request") {
        val parsed = parseOfferJson(
            """{"credential_issuer":"https://i.example","credential_configuration_ids":["a"],"grants":
               {"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c","tx_code":{"length":4}}}}""",
            defaultParseOptions(),
        )
        val prompt = txCodePrompt(parsed)!!
        try {
            prompt.check("12a4")
            throw AssertionError("no exception")
        } catch (e: CredentialOfferException.TxCodeMismatch) {
            checkEqual(e.errorField(), "tx_code", "field")
        }
    }

    test("QR code as SVG") {
        val svg = renderQrSvg("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1")
        check(svg.contains("<svg") && svg.trimEnd().endsWith("</svg>")) { svg.take(60) }
        try {
            renderQrSvg("x".repeat(5000))
            throw AssertionError("no exception")
        } catch (e: CredentialOfferException.QrTooLong) {
            checkEqual(e.errorCode(), "qr_too_long", "code")
        }
    }
}

/** The README's wallet: parse what was scanned, ask for the transaction code, build the token request. */
fun walletTokenRequest(scanned: String, askUser: (TxCodePrompt) -> String): String {
    val parsed = when (val uri = parseOfferUri(scanned, defaultParseOptions())) {
        is OfferUri.ByValue -> uri.parsed
        is OfferUri.ByReference -> throw AssertionError("fetch ${uri.uri}, then parseOfferJson(body, options)")
    }
    val txCode = txCodePrompt(parsed)?.let { prompt ->
        askUser(prompt).also { prompt.check(it) }
    }
    return tokenRequestBody(parsed.offer, txCode, null)
}
