// The issuer-engine vectors (issuer, redeem, lifecycle, secret, wallet) on the Kotlin bindings.
package org.credoffer.tests

import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
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

/**
 * Runs `body`: an engine error is checked by [checkError], a success goes to `onSuccess` — and so does a value
 * that answers an expected error when `errorAsValue` (a fetch's `NotFound`).
 */
fun <T> engineOutcome(expect: Json, body: () -> T, errorAsValue: Boolean = false, onSuccess: (T) -> Unit) {
    val value = try {
        body()
    } catch (e: CredentialOfferException) {
        checkError(e, expect)
        return
    }
    if (expect["error"] != null && !errorAsValue) throw AssertionError("expected error ${expect["error"]!!.string}")
    onSuccess(value)
}

/**
 * What a fetch found, in its expectation's shape: a `NotFound` answer stands for the `offer_not_found` error (with
 * the status and MATTR body the expectation names) and the expiry it reports.
 */
fun fetchValue(fetch: OfferFetch, expect: Json): Json = when (fetch) {
    is OfferFetch.Served ->
        obj("offer" to str(fetch.offer.offerJson), "record" to recordValue(fetch.offer.record), "event" to eventValue(fetch.offer.event))
    is OfferFetch.NotFound -> Json.Obj(linkedMapOf<String, Json>("error" to str("offer_not_found")).apply {
        if (expect["status"] != null) put("status", num(fetch.status.toLong()))
        if (expect["body"] != null) put("body", Json.parse(fetch.body))
        fetch.expired?.let {
            put("record", recordValue(it.record))
            put("event", eventValue(it.event))
        }
    }, "")
}

fun recordValue(record: OfferRecord): Json {
    val text = record.toJson()
    OfferRecord.fromJson(text).use { checkEqual(it.toJson(), text, "record round trip") }
    return Json.parse(text)
}

val eventTime: DateTimeFormatter = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)

/** The event's JSON view, checked against its typed fields. */
fun eventValue(event: OfferEvent): Json {
    val value = Json.parse(event.json)
    checkEqual(value.keys.toList(), listOf("id", "type", "timestamp", "data"), "event members")
    checkEqual(value["id"]!!.string, event.id, "event id")
    checkEqual(value["type"]!!.string, event.eventType, "event type")
    checkEqual(event.id, "${event.offerId}.${event.version}", "event id of offer and version")
    checkEqual(event.eventType, "offer." + event.kind.name.lowercase(), "event kind")
    checkEqual(value["timestamp"]!!.string, eventTime.format(Instant.ofEpochSecond(event.at.toLong())), "event time")
    val data = linkedMapOf("offerId" to str(event.offerId), "userId" to str(event.userId))
    event.fetchCount?.let { data["fetchCount"] = num(it.toLong()) }
    event.failedAttemptsLeft?.let { data["failedAttemptsLeft"] = num(it.toLong()) }
    checkSame(value["data"]!!, Json.Obj(data, ""), "event data")
    return value
}

fun issuerFor(file: Json, case: Json) = Issuer(file["configs"]!![case["config"]!!.string]?.text ?: throw Malformed("config"))

val endpointMembers = mapOf(
    "authorization" to setOf("id", "note", "config", "endpoint", "body", "entropy_hex", "expect"),
    "pre-authorized" to setOf("id", "note", "config", "endpoint", "body", "now", "entropy_hex", "expect"),
    "delete" to setOf("id", "note", "config", "endpoint", "record", "now", "expect"),
    "serve" to setOf("id", "note", "config", "endpoint", "record", "token", "now", "expect"),
)

fun runIssuer(case: Json, file: Json) {
    val endpoint = case["endpoint"]!!.string
    val members = endpointMembers[endpoint] ?: throw Malformed("endpoint $endpoint")
    checkKeys(case, members, members - "note")
    val expect = case["expect"]!!
    engineOutcome(expect, errorAsValue = endpoint == "serve", body = {
        issuerFor(file, case).use { issuer ->
            when (endpoint) {
                "authorization" -> Entropy.fixedHex(case["entropy_hex"]!!.string).use { entropy ->
                    val offer = issuer.createAuthorizationOffer(case["body"]!!.string, entropy)
                    obj("response" to Json.parse(offer.responseJson))
                }
                "pre-authorized" -> Entropy.fixedHex(case["entropy_hex"]!!.string).use { entropy ->
                    val offer = issuer.createPreAuthorizedOffer(case["body"]!!.string, case["now"]!!.ulong(), entropy)
                    obj(
                        "response" to Json.parse(offer.responseJson),
                        "record" to recordValue(offer.record),
                        "event" to eventValue(offer.event),
                    )
                }
                "delete" -> OfferRecord.fromJson(case["record"]!!.text).use { record ->
                    val deleted = issuer.delete(record, case["now"]!!.ulong())
                    obj("record" to recordValue(deleted.record), "event" to eventValue(deleted.event))
                }
                else -> OfferRecord.fromJson(case["record"]!!.text).use { record ->
                    fetchValue(issuer.serveOffer(record, case["token"]!!.string, case["now"]!!.ulong()), expect)
                }
            }
        }
    }) { actual -> checkSame(actual, expect, "outcome") }
}

fun rejectedValue(answer: TokenAnswer, error: TokenError): Json {
    checkEqual(answer.status().toInt(), 400, "token error status")
    val body = Json.parse(answer.body())
    checkEqual(body.keys.toList(), listOf("error", "error_description"), "token error body members")
    checkEqual(body["error"]!!.string, error.errorCode, "token error body code")
    check(body["error_description"]!!.string.isNotEmpty()) { "empty error_description" }
    checkEqual(answer.revokeIssuedTokens(), error.revokeIssuedTokens, "revokeIssuedTokens()")
    return obj(
        "error" to str(error.errorCode),
        "failed_attempts_left" to num(error.failedAttemptsLeft?.toLong()),
        "revoke_issued_tokens" to bool(error.revokeIssuedTokens),
    )
}

/** The engine's JSON view of an answer says what the answer's own accessors say. */
fun checkAnswerView(answer: TokenAnswer) {
    val view = Json.parse(answer.toJson())
    checkEqual(view["status"]!!.number.toInt(), answer.status().toInt(), "view status")
    checkEqual(view["body"]!!.string, answer.body(), "view body")
    val kind = when (answer.outcome()) {
        is TokenOutcome.Issued -> "issued"
        is TokenOutcome.Rejected -> "rejected"
        is TokenOutcome.Failed -> "failed"
    }
    checkEqual(view["outcome"]!!["kind"]!!.string, kind, "view outcome")
    val stored = answer.recordToStore()
    checkEqual(view["record"]?.describe(), stored?.let { Json.parse(it.toJson()).describe() }, "view record")
    val event = answer.event()
    checkEqual(view["event"]?.describe(), event?.let { eventValue(it).describe() }, "view event")
    checkEqual(stored == null, event == null, "an event exactly with a record to store")
}

/** Every case through the engine's token endpoint: read the form, then answer against the record. */
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
        val request = when (val step = issuer.readTokenRequest(case["form"]!!.string)) {
            is TokenStep.Answer -> {
                // The body alone decides: the engine answers `invalid_request` before any lookup.
                checkKeys(expect, setOf("request_error", "rejected"), setOf("request_error", "rejected"))
                step.answer.use { answer ->
                    checkAnswerView(answer)
                    check(answer.recordToStore() == null) { "a refused form stores nothing" }
                    val rejected = answer.outcome() as? TokenOutcome.Rejected ?: throw AssertionError("${answer.outcome()}")
                    checkSame(rejectedValue(answer, rejected.error), expect["rejected"], "rejected")
                }
                return
            }
            is TokenStep.Find -> step.request
        }
        val record = try {
            OfferRecord.fromJson(case["record"]!!.text)
        } catch (e: CredentialOfferException) {
            checkError(e, expect)
            return
        }
        val now = case["now"]!!.ulong()
        val answer = Entropy.fixed(ByteArray(32) { it.toByte() }).use { issuer.answerTokenRequest(request, record, now, it) }
        checkAnswerView(answer)
        // Both steps in one call give the same answer (the same entropy gives the same access token).
        val again = Entropy.fixed(ByteArray(32) { it.toByte() }).use { issuer.tokenEndpoint(case["form"]!!.string, record, now, it) }
        checkEqual(again.toJson(), answer.toJson(), "tokenEndpoint")
        val outcome = when (val o = answer.outcome()) {
            is TokenOutcome.Failed -> {
                checkEqual(answer.status().toInt(), 500, "failed status")
                checkEqual(Json.parse(answer.body())["error"]!!.string, "server_error", "failed body")
                checkKeys(expect, setOf("error", "field"), setOf("error"))
                checkEqual(o.error.code, expect["error"]!!.string, "error code")
                expect["field"]?.let { checkEqual(o.error.field, it.string, "error field") }
                return
            }
            is TokenOutcome.Issued -> {
                checkEqual(answer.status().toInt(), 200, "issued status")
                val body = Json.parse(answer.body())
                checkSame(body, obj("access_token" to str(o.token.accessToken), "token_type" to str("Bearer"), "expires_in" to num(300)), "body")
                checkEqual(o.token.expiresIn, 300uL, "expiresIn")
                check(o.token.accessToken !in o.toString()) { "toString shows the access token" }
                "issued" to obj("user_id" to str(o.token.userId), "credential_configuration_ids" to arr(o.token.credentialConfigurationIds))
            }
            is TokenOutcome.Rejected -> "rejected" to rejectedValue(answer, o.error)
        }
        if (expect["error"] != null) throw AssertionError("expected error ${expect["error"]!!.string}")
        val stored = answer.recordToStore()
        val actual = obj(outcome, "changed" to bool(stored != null), "record" to recordValue(stored ?: record))
        answer.event()?.let { actual.members["event"] = eventValue(it) }
        checkSame(actual, expect, "outcome")
        listOf(answer, again, record, request).forEach { it.close() }
    }
}

val lifecycleMembers = mapOf(
    "create" to setOf("body", "entropy_hex"),
    "serve" to setOf("token"),
    "token" to setOf("form"),
    "delete" to emptySet(),
    "check_expiry" to emptySet(),
    "status" to emptySet(),
)

/** One offer, step by step: each step on the record the steps before it left. */
fun runLifecycle(case: Json, file: Json) {
    checkKeys(case, setOf("id", "note", "config", "steps"), setOf("id", "config", "steps"))
    val steps = case["steps"]!!.list
    check(steps.isNotEmpty()) { "no steps" }
    issuerFor(file, case).use { issuer ->
        var record: OfferRecord? = null
        steps.forEachIndexed { index, step ->
            val where = "steps[$index] ${step["op"]?.text}"
            val next = try {
                lifecycleStep(issuer, step, record)
            } catch (e: Exception) {
                throw AssertionError("$where: ${e.message}", e)
            } catch (e: AssertionError) {
                throw AssertionError("$where: ${e.message}", e)
            }
            if (next != null) {
                record?.close()
                record = next
            }
        }
        record?.close()
    }
}

/** Runs one step; returns the next record when the step changed it. */
fun lifecycleStep(issuer: Issuer, step: Json, record: OfferRecord?): OfferRecord? {
    val op = step["op"]?.string ?: throw Malformed("op")
    val members = (lifecycleMembers[op] ?: throw Malformed("op $op")) + setOf("op", "note", "now", "expect")
    checkKeys(step, members, members - "note")
    val expect = step["expect"]!!
    val now = step["now"]!!.ulong()
    if (op == "create") {
        checkKeys(expect, setOf("event"), setOf("event"))
        val created = Entropy.fixedHex(step["entropy_hex"]!!.string).use { issuer.createPreAuthorizedOffer(step["body"]!!.string, now, it) }
        checkSame(eventValue(created.event), expect["event"], "event")
        return created.record
    }
    val current = record ?: throw Malformed("the first step creates the offer")
    return when (op) {
        "serve" -> {
            var next: OfferRecord? = null
            engineOutcome(expect, errorAsValue = true, body = { issuer.serveOffer(current, step["token"]!!.string, now) }) { fetch ->
                val change = when (fetch) {
                    is OfferFetch.Served -> Transition(fetch.offer.record, fetch.offer.event)
                    is OfferFetch.NotFound -> fetch.expired
                }
                checkKeys(expect, setOf("error", "event"), emptySet())
                checkSame(str(if (fetch is OfferFetch.NotFound) "offer_not_found" else null), str(expect["error"]?.string), "error")
                checkSame(change?.let { eventValue(it.event) } ?: Json.Null("null"), expect["event"] ?: Json.Null("null"), "event")
                next = change?.record
            }
            next
        }
        "delete" -> {
            var next: OfferRecord? = null
            engineOutcome(expect, { issuer.delete(current, now) }) { deleted ->
                checkKeys(expect, setOf("event"), setOf("event"))
                checkSame(eventValue(deleted.event), expect["event"], "event")
                next = deleted.record
            }
            next
        }
        "token" -> {
            checkKeys(expect, setOf("http_status", "outcome", "oauth_error", "event"), setOf("http_status", "outcome", "event"))
            val answer = Entropy.fixed(ByteArray(32) { it.toByte() }).use { issuer.tokenEndpoint(step["form"]!!.string, current, now, it) }
            answer.use {
                checkAnswerView(answer)
                val actual = obj(
                    "http_status" to num(answer.status().toLong()),
                    "outcome" to Json.parse(answer.toJson())["outcome"]!!["kind"]!!,
                    "event" to (answer.event()?.let { eventValue(it) } ?: Json.Null("null")),
                )
                (answer.outcome() as? TokenOutcome.Rejected)?.let { actual.members["oauth_error"] = str(it.error.errorCode) }
                checkSame(actual, expect, "answer")
                answer.recordToStore()
            }
        }
        "check_expiry" -> {
            checkKeys(expect, setOf("event"), setOf("event"))
            val expired = issuer.checkExpiry(current, now)
            checkSame(expired?.let { eventValue(it.event) } ?: Json.Null("null"), expect["event"], "event")
            expired?.record
        }
        else -> {
            checkKeys(expect, setOf("status"), setOf("status"))
            checkSame(Json.parse(offerStatus(current, now)), expect["status"], "status")
            null
        }
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

/** The form's lookup key finds the case's record (`null`: none found); the answer comes from it. */
fun runIntrospect(case: Json, @Suppress("UNUSED_PARAMETER") file: Json) {
    val members = setOf("id", "note", "record", "form", "now", "expect")
    checkKeys(case, members, members - "note")
    val expect = case["expect"]!!
    val form = case["form"]!!.string
    val now = case["now"]!!.ulong()
    expect["request_error"]?.let { requestError ->
        checkKeys(expect, setOf("request_error"), setOf("request_error"))
        val wanted = obj("error" to requestError["code"]!!, "field" to requestError["field"]!!)
        for (call in listOf({ introspectionLookupKey(form) }, { introspect(form, null, now) })) {
            try {
                call()
                throw AssertionError("expected ${requestError.describe()}")
            } catch (e: CredentialOfferException) {
                checkError(e, wanted)
            }
        }
        return
    }
    checkKeys(expect, setOf("body"), setOf("body"))
    val key = introspectionLookupKey(form)
    val record = case["record"]!!.let { if (it is Json.Null) null else OfferRecord.fromJson(it.text) }
    val found = record?.takeIf { it.accessTokenHash() == key }
    // What a host finds by the key, and the case's record as it stands, give the same answer.
    checkSame(Json.parse(introspect(form, found, now)), expect["body"], "body")
    checkSame(Json.parse(introspect(form, record, now)), expect["body"], "body")
}

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
