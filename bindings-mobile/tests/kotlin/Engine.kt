// The issuer-engine vectors (issuer, redeem, secret, wallet) on the Kotlin bindings.
package org.credoffer.tests

import org.credoffer.*

fun obj(vararg members: Pair<String, Json>) = Json.Obj(linkedMapOf(*members), "")
fun str(value: String?): Json = if (value == null) Json.Null("null") else Json.Str(value, "")
fun num(value: Long?): Json = if (value == null) Json.Null("null") else Json.Num(value.toDouble(), "")
fun bool(value: Boolean) = Json.Bool(value, "")
fun arr(values: List<String>) = Json.Arr(values.map { str(it) }, "")

fun checkSame(actual: Json, expected: Json?, what: String) =
    check(expected != null && actual.sameAs(expected)) { "$what: got ${actual.describe()}, expected ${expected?.text}" }

fun Json.describe(): String = when (this) {
    is Json.Obj -> members.entries.joinToString(",", "{", "}") { "\"${it.key}\":${it.value.describe()}" }
    is Json.Arr -> items.joinToString(",", "[", "]") { it.describe() }
    is Json.Str -> "\"$value\""
    else -> if (text.isEmpty()) toString() else text
}

fun Json.ulong(): ULong = number.toLong().toULong()

/** An engine error against `{"error", "field"?, "status"?, "body"?}` (MATTR bodies compared without `msg`). */
fun checkError(e: CredentialOfferException, expect: Json) {
    if (expect["error"] == null) throw AssertionError("unexpected error ${e.errorCode()}: ${e.errorMessage()}")
    checkKeys(expect, setOf("error", "field", "status", "body"))
    checkEqual(e.errorCode(), expect["error"]!!.string, "error code")
    expect["field"]?.let { checkEqual(e.errorField(), it.string, "error field") }
    expect["status"]?.let { checkEqual(e.httpStatus().toInt(), it.number.toInt(), "status") }
    expect["body"]?.let { checkSame(withoutMessages(Json.parse(e.mattrBody())), it, "MATTR body") }
}

fun withoutMessages(body: Json): Json {
    val details = body["details"] ?: return body
    val stripped = details.list.map { detail ->
        val members = LinkedHashMap((detail as Json.Obj).members)
        val message = members.remove("msg")
        check(message is Json.Str && message.value.isNotEmpty()) { "a MATTR detail has no message" }
        Json.Obj(members, "")
    }
    return Json.Obj(LinkedHashMap((body as Json.Obj).members).apply { put("details", Json.Arr(stripped, "")) }, "")
}

/** Runs `body`: an engine error is checked by [checkError], a success goes to `onSuccess`. */
fun <T> engineOutcome(expect: Json, body: () -> T, onSuccess: (T) -> Unit) {
    val value = try {
        body()
    } catch (e: CredentialOfferException) {
        checkError(e, expect)
        return
    }
    if (expect["error"] != null) throw AssertionError("expected error ${expect["error"]!!.string}")
    onSuccess(value)
}

fun recordValue(record: OfferRecord): Json {
    val text = record.toJson()
    OfferRecord.fromJson(text).use { checkEqual(it.toJson(), text, "record round trip") }
    return Json.parse(text)
}

fun issuerFor(file: Json, case: Json) = Issuer(file["configs"]!![case["config"]!!.string]?.text ?: throw Malformed("config"))

val endpointMembers = mapOf(
    "authorization" to setOf("id", "note", "config", "endpoint", "body", "entropy_hex", "expect"),
    "pre-authorized" to setOf("id", "note", "config", "endpoint", "body", "now", "entropy_hex", "expect"),
    "delete" to setOf("id", "note", "config", "endpoint", "record", "expect"),
    "serve" to setOf("id", "note", "config", "endpoint", "record", "token", "now", "expect"),
)

fun runIssuer(case: Json, file: Json) {
    val endpoint = case["endpoint"]!!.string
    val members = endpointMembers[endpoint] ?: throw Malformed("endpoint $endpoint")
    checkKeys(case, members, members - "note")
    val expect = case["expect"]!!
    engineOutcome(expect, {
        issuerFor(file, case).use { issuer ->
            when (endpoint) {
                "authorization" -> Entropy.fixedHex(case["entropy_hex"]!!.string).use { entropy ->
                    val offer = issuer.createAuthorizationOffer(case["body"]!!.string, entropy)
                    obj("response" to Json.parse(offer.responseJson))
                }
                "pre-authorized" -> Entropy.fixedHex(case["entropy_hex"]!!.string).use { entropy ->
                    val offer = issuer.createPreAuthorizedOffer(case["body"]!!.string, case["now"]!!.ulong(), entropy)
                    obj("response" to Json.parse(offer.responseJson), "record" to recordValue(offer.record))
                }
                "delete" -> OfferRecord.fromJson(case["record"]!!.text).use { record ->
                    obj("record" to recordValue(issuer.delete(record)))
                }
                else -> OfferRecord.fromJson(case["record"]!!.text).use { record ->
                    val served = issuer.serveOffer(record, case["token"]!!.string, case["now"]!!.ulong())
                    obj("offer" to str(served.offerJson), "record" to recordValue(served.record))
                }
            }
        }
    }) { actual -> checkSame(actual, expect, "outcome") }
}

fun tokenErrorValue(error: TokenError): Json {
    val body = Json.parse(error.body)
    checkEqual(body.keys.toList(), listOf("error", "error_description"), "token error body members")
    checkEqual(body["error"]!!.string, error.errorCode, "token error body code")
    check(body["error_description"]!!.string.isNotEmpty()) { "empty error_description" }
    checkEqual(error.httpStatus.toInt(), 400, "token error status")
    return obj(
        "error" to str(error.errorCode),
        "failed_attempts_left" to num(error.failedAttemptsLeft?.toLong()),
        "revoke_issued_tokens" to bool(error.revokeIssuedTokens),
    )
}

fun runRedeem(case: Json, file: Json) {
    val members = setOf("id", "note", "config", "record", "form", "now", "expect")
    checkKeys(case, members, members - "note")
    val expect = case["expect"]!!
    val issuer = try {
        issuerFor(file, case)
    } catch (e: CredentialOfferException) {
        checkError(e, expect)
        return
    }
    issuer.use {
        val request = try {
            TokenRequest.fromForm(case["form"]!!.string)
        } catch (e: CredentialOfferException) {
            val actual = obj(
                "request_error" to obj("code" to str(e.errorCode()), "field" to str(e.errorField())),
                "rejected" to tokenErrorValue(tokenErrorForRequestError(e)),
            )
            checkSame(actual, expect, "outcome")
            return
        }
        engineOutcome(expect, {
            OfferRecord.fromJson(case["record"]!!.text).use { record -> issuer.redeem(record, request, case["now"]!!.ulong()) }
        }) { redemption ->
            val outcome = when (val o = redemption.outcome) {
                is RedeemOutcome.Issued -> "issued" to obj(
                    "user_id" to str(o.userId),
                    "credential_configuration_ids" to arr(o.credentialConfigurationIds),
                )
                is RedeemOutcome.Rejected -> "rejected" to tokenErrorValue(o.error)
            }
            val actual = obj(outcome, "changed" to bool(redemption.changed), "record" to recordValue(redemption.record))
            checkSame(actual, expect, "outcome")
        }
        request.close()
    }
}

fun runSecret(case: Json, @Suppress("UNUSED_PARAMETER") file: Json) {
    val function = case["function"]!!.string
    val expect = case["expect"]!!
    if (function == "lookup_key") {
        checkKeys(case, setOf("id", "note", "function", "secret", "expect"), setOf("id", "function", "secret", "expect"))
        checkKeys(expect, setOf("value"), setOf("value"))
        checkEqual(lookupKey(case["secret"]!!.string), expect["value"]!!.string, "value")
        return
    }
    val members = when (function) {
        "tx_code" -> setOf("id", "note", "function", "input_mode", "length", "entropy_hex", "expect")
        "pre_authorized_code", "issuer_state", "uuid_v4" -> setOf("id", "note", "function", "entropy_hex", "expect")
        else -> throw Malformed("function $function")
    }
    checkKeys(case, members, members - "note")
    var entropy: Entropy? = null
    engineOutcome(expect, {
        val source = Entropy.fixedHex(case["entropy_hex"]!!.string).also { entropy = it }
        when (function) {
            "pre_authorized_code" -> generatePreAuthorizedCode(source)
            "issuer_state" -> generateIssuerState(source)
            "uuid_v4" -> generateUuidV4(source)
            else -> {
                val mode = when (case["input_mode"]!!.string) {
                    "numeric" -> InputMode.NUMERIC
                    "text" -> InputMode.TEXT
                    else -> throw Malformed("input_mode")
                }
                generateTxCode(mode, case["length"]!!.number.toInt().toUInt(), source)
            }
        }
    }) { value ->
        checkKeys(expect, setOf("value"), setOf("value"))
        checkEqual(value, expect["value"]!!.string, "value")
        checkEqual(entropy?.remaining(), 0uL, "entropy bytes left")
    }
    entropy?.close()
}

fun promptValue(prompt: TxCodePrompt?): Json = if (prompt == null) Json.Null("null") else obj(
    "input_mode" to str(prompt.inputMode.name.lowercase()),
    "length" to num(prompt.length?.toLong()),
    "max_length" to num(prompt.maxLength?.toLong()),
    "description" to str(prompt.description),
)

fun runWallet(case: Json, @Suppress("UNUSED_PARAMETER") file: Json) {
    checkKeys(case, setOf("id", "note", "input", "expect", "input_checks", "token_requests"), setOf("id", "input", "expect"))
    val expect = case["expect"]!!
    val input = case["input"]!!.string
    var parsed: ParsedOffer? = null
    engineOutcome(expect, {
        if (input.trimStart().startsWith("{")) {
            OfferUri.ByValue(parseOfferJson(input, defaultParseOptions()))
        } else {
            parseOfferUri(input, defaultParseOptions())
        }
    }) { result ->
        when (result) {
            is OfferUri.ByReference -> {
                checkKeys(expect, setOf("reference"), setOf("reference"))
                checkEqual(result.uri, expect["reference"]!!.string, "reference")
            }
            is OfferUri.ByValue -> parsed = result.parsed
        }
    }
    val offer = parsed ?: return
    checkKeys(expect, setOf("grants", "tx_code_prompt"), setOf("grants", "tx_code_prompt"))
    checkEqual(offeredGrants(offer.offer).map { it.identifier() }, strings(expect["grants"]), "grants")
    val prompt = txCodePrompt(offer)
    checkSame(promptValue(prompt), expect["tx_code_prompt"], "tx_code_prompt")
    for (inputCheck in case["input_checks"]?.list ?: emptyList()) {
        checkKeys(inputCheck, setOf("input", "expect"), setOf("input", "expect"))
        val typed = inputCheck["input"]!!.string
        val actual = try {
            (prompt ?: throw Malformed("input checks without a prompt")).check(typed)
            "ok"
        } catch (e: CredentialOfferException) {
            e.errorCode()
        }
        checkEqual(actual, inputCheck["expect"]!!.string, "input check \"$typed\"")
    }
    for (request in case["token_requests"]?.list ?: emptyList()) {
        checkKeys(request, setOf("tx_code", "client_id", "expect"), setOf("expect"))
        val requestExpect = request["expect"]!!
        engineOutcome(requestExpect, {
            tokenRequestBody(offer.offer, request["tx_code"]?.string, request["client_id"]?.string)
        }) { body ->
            checkKeys(requestExpect, setOf("body"), setOf("body"))
            checkEqual(body, requestExpect["body"]!!.string, "token request body")
        }
    }
}
