// How a Kotlin app uses the bindings: data classes, sealed results, exceptions, AutoCloseable objects.
package org.credoffer.tests

import org.credoffer.*

const val ISSUER_CONFIG = """{"credentialIssuer":"https://issuer.example.com","credentialConfigurations":{"mdl":"mso_mdoc"}}"""

fun idiomaticTests() {
    test("the lint reports with the profile's rules, metadata and evidence") {
        val uri = buildOfferUri(
            """{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"],""" +
                """"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c0de"}}}""",
            defaultBuildOptions(),
        )
        val report = lint(uri, defaultLintOptions().copy(profile = Profile.HAIP))
        checkEqual(report.profile, Profile.HAIP, "profile")
        checkEqual(report.reference, null, "reference")
        checkEqual(codes(report.warnings), listOf("pre_authorized_without_tx_code", "haip_authorization_code"), "codes")
        check(report.warnings.all { !it.evidence.isNullOrEmpty() }) { "a lint finding without evidence" }
        check("#664" in report.warnings[0].evidence!!) { report.warnings[0].evidence!! }
        val authorization = """{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"],""" +
            """"grants":{"authorization_code":{}}}"""
        IssuerMetadata(
            """{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{"pid":{"format":"dc+sd-jwt"}}}""",
        ).use { metadata ->
            val scoped = lint(authorization, defaultLintOptions().copy(profile = Profile.HAIP, metadata = metadata))
            checkEqual(scoped.warnings.map { listOf(it.code, it.field) }, listOf(listOf("haip_scope", "credential_configuration_ids[0]")), "scope")
        }
        val itWallet = defaultLintOptions().copy(profile = parseProfile("it-wallet"))
        itWallet.build.base = "haip-vci://"
        checkEqual(codes(lint(authorization, itWallet).warnings), listOf("it_wallet_issuer_state", "it_wallet_scheme"), "it-wallet")
        try {
            parseProfile("HAIP")
            throw AssertionError("no exception")
        } catch (e: CredentialOfferException.UnknownProfile) {
            checkEqual(e.code, "unknown_profile", "code")
        }
    }

    test("a wallet resolves inline credential descriptions with the metadata") {
        val draft11 = """{"credential_issuer":"https://issuer.example.com","credentials":[""" +
            """{"format":"vc+sd-jwt","vct":"urn:eudi:pid:1"},{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}]}"""
        IssuerMetadata(
            """{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{""" +
                """"pid":{"format":"dc+sd-jwt","vct":"urn:eudi:pid:1"},"mdl":{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}}}""",
        ).use { metadata ->
            val read = parseOfferJson(draft11, defaultParseOptions())
            checkEqual(read.offer.legacyCredentials.size, 2, "inline descriptions")
            val resolved = metadata.resolveCredentialDescriptions(read.offer)
            checkEqual(resolved.credentialConfigurationIds, listOf("pid", "mdl"), "ids")
            checkEqual(resolved.legacyCredentials, emptyList<String>(), "no descriptions left")
            val parsed = metadata.resolveOfferJson(draft11, defaultParseOptions())
            checkEqual(parsed.source, Source.DRAFT11, "source")
            check("legacy_credential_description" in codes(read.warnings)) { "the reading warns" }
            check("legacy_credential_description" !in codes(parsed.warnings)) { "the resolved reading does not" }
        }
    }

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
        Issuer(ISSUER_CONFIG).use { issuer ->
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
            // The token endpoint: read the form, find the record by its lookup key, answer, store.
            val store = mutableMapOf(created.record.codeHash() to created.record)
            val request = when (val step = issuer.readTokenRequest(body)) {
                is TokenStep.Find -> step.request
                is TokenStep.Answer -> throw AssertionError("refused: ${step.answer.body()}")
            }
            check(code !in request.toString()) { "toString shows the transaction code: $request" }
            val answer = Entropy.system().use { issuer.answerTokenRequest(request, store[request.lookupKey()], 1_746_057_610uL, it) }
            checkEqual(answer.status().toInt(), 200, "status")
            checkEqual(answer.headers()["Cache-Control"], "no-store", "headers")
            val issued = answer.outcome() as? TokenOutcome.Issued ?: throw AssertionError("${answer.outcome()}")
            checkEqual(issued.token.credentialConfigurationIds to issued.token.userId, listOf("mdl") to created.userId, "issued")
            checkEqual(Json.parse(answer.body())["access_token"]!!.string, issued.token.accessToken, "access token")
            for (printed in listOf(answer, issued, issued.token)) {
                check(issued.token.accessToken !in printed.toString()) { "toString shows the access token: $printed" }
            }
            val stored = answer.recordToStore() ?: throw AssertionError("nothing to store")
            checkEqual(stored.state() to stored.version(), OfferState.REDEEMED to created.record.version() + 1uL, "stored")
            store[stored.codeHash()] = stored
            // A replay is refused and revokes the token issued from the code: the record to store says so.
            val again = Entropy.system().use { issuer.tokenEndpoint(body, store[stored.codeHash()], 1_746_057_611uL, it) }
            val rejected = again.outcome() as? TokenOutcome.Rejected ?: throw AssertionError("replay issued")
            checkEqual(rejected.error.error, TokenErrorCode.INVALID_GRANT, "replay")
            check(again.revokeIssuedTokens()) { "a replay must ask to revoke" }
            val revoked = again.recordToStore() ?: throw AssertionError("a replay must store the revocation")
            checkEqual(revoked.version(), stored.version() + 1uL, "revoked version")
            checkEqual(Json.parse(revoked.toJson())["accessToken"]!!["revoked"], Json.Bool(true, "true"), "revoked")
            checkEqual(Json.parse(again.toJson())["outcome"]!!["revokeIssuedTokens"], Json.Bool(true, "true"), "view")
            listOf(request, answer, again).forEach { it.close() }
        }
    }

    test("the host's own token answers") {
        val answers = listOf(
            Triple(TokenAnswer.busy(), 503, TokenErrorCode.TEMPORARILY_UNAVAILABLE),
            Triple(TokenAnswer.serverError(), 500, TokenErrorCode.SERVER_ERROR),
            Triple(TokenAnswer.unreadableBody(413u, "the body is too large"), 413, TokenErrorCode.INVALID_REQUEST),
        )
        for ((answer, status, code) in answers) {
            checkEqual(answer.status().toInt(), status, "status")
            val rejected = answer.outcome() as TokenOutcome.Rejected
            checkEqual(rejected.error.error, code, "code")
            checkEqual(Json.parse(answer.body())["error"]!!.string, rejected.error.errorCode, "body")
        }
        Issuer(ISSUER_CONFIG).use { issuer ->
            val step = issuer.readTokenRequest("grant_type=authorization_code&code=x")
            val answer = (step as? TokenStep.Answer)?.answer ?: throw AssertionError("$step")
            checkEqual(Json.parse(answer.body())["error"]!!.string, "unsupported_grant_type", "other grant")
        }
    }

    test("buildOfferUri and buildOfferJson read any draft and write strictly") {
        val draft11 = """{"credential_issuer":"https://issuer.example.com","credentials":["pid"]}"""
        checkEqual(
            buildOfferUri(draft11, defaultBuildOptions()),
            "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fissuer.example.com" +
                "%22%2C%22credential_configuration_ids%22%3A%5B%22pid%22%5D%7D",
            "uri",
        )
        checkEqual(
            buildOfferJson(draft11, defaultBuildOptions()),
            """{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"]}""",
            "json",
        )
        try {
            buildOfferUri("""{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":[" "]}""", defaultBuildOptions())
            throw AssertionError("no exception")
        } catch (e: CredentialOfferException.BlankValue) {
            checkEqual(e.errorCode(), "blank_value", "code")
        }
    }

    test("the issuer checks its metadata") {
        val metadata = { issuer: String, format: String ->
            IssuerMetadata("""{"credential_issuer":"$issuer","credential_configurations_supported":{"mdl":{"format":"$format"}}}""")
        }
        Issuer(ISSUER_CONFIG).use { issuer ->
            metadata("https://issuer.example.com", "mso_mdoc").use { issuer.checkMetadata(it) }
            try {
                metadata("https://other.example.com", "mso_mdoc").use { issuer.checkMetadata(it) }
                throw AssertionError("no exception")
            } catch (e: CredentialOfferException.IssuerMismatch) {
                checkEqual(e.field, "credential_issuer", "field")
            }
            try {
                metadata("https://issuer.example.com", "dc+sd-jwt").use { issuer.checkMetadata(it) }
                throw AssertionError("no exception")
            } catch (e: CredentialOfferException.InvalidMetadata) {
                checkEqual(e.field, "credential_configurations_supported.mdl.format", "field")
            }
        }
    }

    test("error views, and binding failures in their own family") {
        try {
            parseOfferUri("openid-credential-offer://?foo=bar", defaultParseOptions())
            throw AssertionError("no exception")
        } catch (e: CredentialOfferException.MissingOfferParameter) {
            val view = Json.parse(e.toJson())
            checkEqual(view["code"]!!.string to view["httpStatus"]!!.number.toInt(), "missing_offer_parameter" to 400, "view")
        }
        val offer = CredentialOffer("https://issuer.example.com", listOf("a"), emptyList(), null, mapOf("x" to "{not json"))
        try {
            offerToJson(offer, Dialect.V1)
            throw AssertionError("no exception")
        } catch (e: CredentialOfferException.Binding) {
            checkEqual(Triple(e.code, e.field, e.httpStatus().toInt()), Triple("invalid_argument", "extensions.x", 400), "binding")
            check(e.code in bindingErrorCodes() && e.code !in errorCodes()) { "${e.code} is not a binding code" }
            checkEqual(Json.parse(e.toJson())["code"]!!.string, "invalid_argument", "view")
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
