// The issuer-engine vectors (issuer, redeem, lifecycle, secret, wallet) on the Swift bindings.

import CredOffer
import Foundation

func obj(_ members: [(String, JSONValue)]) -> JSONValue {
    .object(Dictionary(uniqueKeysWithValues: members), keys: members.map(\.0), text: "")
}
func str(_ value: String?) -> JSONValue { value.map { .string($0, text: "") } ?? .null(text: "null") }
func num<T: BinaryInteger>(_ value: T?) -> JSONValue { value.map { .number(Double($0), text: "") } ?? .null(text: "null") }
func bool(_ value: Bool) -> JSONValue { .bool(value, text: "") }
func arr(_ values: [String]) -> JSONValue { .array(values.map { str($0) }, text: "") }

func describe(_ json: JSONValue) -> String {
    switch json {
    case .object(let members, let keys, _): return "{" + keys.map { "\"\($0)\":" + describe(members[$0]!) }.joined(separator: ",") + "}"
    case .array(let items, _): return "[" + items.map(describe).joined(separator: ",") + "]"
    case .string(let value, _): return "\"\(value)\""
    case .number(let value, _): return "\(value)"
    case .bool(let value, _): return "\(value)"
    case .null: return "null"
    }
}

func expectSame(_ actual: JSONValue, _ expected: JSONValue?, _ what: String) throws {
    guard let expected, actual.same(as: expected) else {
        throw Failure(description: "\(what): got \(describe(actual)), expected \(expected.map(describe) ?? "nothing")")
    }
}

func number(_ json: JSONValue, _ key: String) throws -> UInt64 {
    guard let value = try member(json, key).number else { throw Failure(description: "malformed case: \(key) is not a number") }
    return UInt64(value)
}

func withoutMessages(_ body: JSONValue) throws -> JSONValue {
    guard case .object(var members, let keys, _) = body, let details = members["details"]?.list else { return body }
    members["details"] = .array(try details.map { detail in
        guard case .object(var fields, let detailKeys, _) = detail, let message = fields.removeValue(forKey: "msg")?.string,
            !message.isEmpty
        else { throw Failure(description: "a MATTR detail has no message") }
        return .object(fields, keys: detailKeys.filter { $0 != "msg" }, text: "")
    }, text: "")
    return .object(members, keys: keys, text: "")
}

/// An engine error against `{"error", "field"?, "status"?, "body"?}`.
func checkError(_ error: CredentialOfferError, _ expect: JSONValue) throws {
    guard expect["error"] != nil else { throw Failure(description: "unexpected error \(error.errorCode()): \(error.errorMessage())") }
    try checkKeys(expect, ["error", "field", "status", "body"])
    try expectEqual(error.errorCode(), try text(expect, "error"), "error code")
    if expect["field"] != nil { try expectEqual(error.errorField(), try text(expect, "field"), "error field") }
    if expect["status"] != nil { try expectEqual(UInt64(error.httpStatus()), try number(expect, "status"), "status") }
    if let body = expect["body"] { try expectSame(try withoutMessages(try JSONValue.parse(error.mattrBody())), body, "MATTR body") }
}

/// Runs `body`: an engine error goes to [checkError], a success to `onSuccess`.
/// Runs `body`: an engine error is checked by `checkError`, a success goes to `onSuccess` — and so does a value
/// that answers an expected error when `errorAsValue` (a fetch's `notFound`).
func engineOutcome<T>(
    _ expect: JSONValue, errorAsValue: Bool = false, _ body: () throws -> T, _ onSuccess: (T) throws -> Void
) throws {
    let value: T
    do {
        value = try body()
    } catch let error as CredentialOfferError {
        return try checkError(error, expect)
    }
    if expect["error"] != nil && !errorAsValue { throw Failure(description: "expected error \(try text(expect, "error"))") }
    try onSuccess(value)
}

/// What a fetch found, in its expectation's shape: `notFound` stands for the `offer_not_found` error (with the
/// status and MATTR body the expectation names) and the expiry it reports.
func fetchValue(_ fetch: OfferFetch, _ expect: JSONValue) throws -> JSONValue {
    switch fetch {
    case .served(let offer):
        return obj([("offer", str(offer.offerJson)), ("record", try recordValue(offer.record)), ("event", try eventValue(offer.event))])
    case .notFound(let status, let body, let expired):
        var members: [(String, JSONValue)] = [("error", str("offer_not_found"))]
        if expect["status"] != nil { members.append(("status", num(status))) }
        if expect["body"] != nil { members.append(("body", try JSONValue.parse(body))) }
        if let expired {
            members.append(("record", try recordValue(expired.record)))
            members.append(("event", try eventValue(expired.event)))
        }
        return obj(members)
    }
}

func recordValue(_ record: OfferRecord) throws -> JSONValue {
    let json = record.toJson()
    try expectEqual(try OfferRecord.fromJson(json: json).toJson(), json, "record round trip")
    return try JSONValue.parse(json)
}

let eventTime: DateFormatter = {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
    return formatter
}()

/// `txCodeRejected` as `tx_code_rejected`.
func snakeCase(_ name: String) -> String {
    name.reduce(into: "") { out, character in
        if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
    }
}

/// The event's JSON view, checked against its typed fields.
func eventValue(_ event: OfferEvent) throws -> JSONValue {
    let value = try JSONValue.parse(event.json)
    guard case .object(_, let keys, _) = value, keys == ["id", "type", "timestamp", "data"] else {
        throw Failure(description: "event members: \(event.json)")
    }
    try expectEqual(try text(value, "id"), event.id, "event id")
    try expectEqual(try text(value, "type"), event.eventType, "event type")
    try expectEqual(event.id, "\(event.offerId).\(event.version)", "event id of offer and version")
    try expectEqual(event.eventType, "offer." + snakeCase(String(describing: event.kind)), "event kind")
    let at = eventTime.string(from: Date(timeIntervalSince1970: TimeInterval(event.at)))
    try expectEqual(try text(value, "timestamp"), at, "event time")
    var data: [(String, JSONValue)] = [("offerId", str(event.offerId)), ("userId", str(event.userId))]
    if let count = event.fetchCount { data.append(("fetchCount", num(count))) }
    if let left = event.failedAttemptsLeft { data.append(("failedAttemptsLeft", num(left))) }
    try expectSame(try member(value, "data"), obj(data), "event data")
    return value
}

func optionalEventValue(_ event: OfferEvent?) throws -> JSONValue {
    try event.map(eventValue) ?? .null(text: "null")
}

func issuerFor(_ file: JSONValue, _ testCase: JSONValue) throws -> Issuer {
    guard let config = try member(file, "configs")[try text(testCase, "config")] else { throw Failure(description: "malformed case: config") }
    return try Issuer(configJson: config.text)
}

let endpointMembers: [String: Set<String>] = [
    "authorization": ["id", "note", "config", "endpoint", "body", "entropy_hex", "expect"],
    "pre-authorized": ["id", "note", "config", "endpoint", "body", "now", "entropy_hex", "expect"],
    "delete": ["id", "note", "config", "endpoint", "record", "now", "expect"],
    "serve": ["id", "note", "config", "endpoint", "record", "token", "now", "expect"],
]

func runIssuer(_ testCase: JSONValue, _ file: JSONValue) throws {
    let endpoint = try text(testCase, "endpoint")
    guard let members = endpointMembers[endpoint] else { throw Failure(description: "malformed case: endpoint \(endpoint)") }
    try checkKeys(testCase, members, required: members.subtracting(["note"]))
    let expect = try member(testCase, "expect")
    try engineOutcome(expect, errorAsValue: endpoint == "serve", { () throws -> JSONValue in
        let issuer = try issuerFor(file, testCase)
        switch endpoint {
        case "authorization":
            let offer = try issuer.createAuthorizationOffer(
                body: try text(testCase, "body"), entropy: try Entropy.fixedHex(hex: try text(testCase, "entropy_hex")))
            return obj([("response", try JSONValue.parse(offer.responseJson))])
        case "pre-authorized":
            let offer = try issuer.createPreAuthorizedOffer(
                body: try text(testCase, "body"), now: try number(testCase, "now"),
                entropy: try Entropy.fixedHex(hex: try text(testCase, "entropy_hex")))
            return obj([
                ("response", try JSONValue.parse(offer.responseJson)), ("record", try recordValue(offer.record)),
                ("event", try eventValue(offer.event)),
            ])
        case "delete":
            let record = try OfferRecord.fromJson(json: try member(testCase, "record").text)
            let deleted = try issuer.delete(record: record, now: try number(testCase, "now"))
            return obj([("record", try recordValue(deleted.record)), ("event", try eventValue(deleted.event))])
        default:
            let record = try OfferRecord.fromJson(json: try member(testCase, "record").text)
            return try fetchValue(
                try issuer.serveOffer(record: record, token: try text(testCase, "token"), now: try number(testCase, "now")), expect)
        }
    }) { try expectSame($0, expect, "outcome") }
}

func rejectedValue(_ answer: TokenAnswer, _ error: TokenError) throws -> JSONValue {
    let body = try JSONValue.parse(answer.body())
    guard case .object(_, let keys, _) = body, keys == ["error", "error_description"] else {
        throw Failure(description: "token error body members: \(answer.body())")
    }
    try expectEqual(try text(body, "error"), error.errorCode, "token error body code")
    guard !(try text(body, "error_description")).isEmpty, answer.status() == 400 else {
        throw Failure(description: "token error body: \(answer.body()) (status \(answer.status()))")
    }
    try expectEqual(answer.revokeIssuedTokens(), error.revokeIssuedTokens, "revokeIssuedTokens()")
    return obj([
        ("error", str(error.errorCode)),
        ("failed_attempts_left", num(error.failedAttemptsLeft)),
        ("revoke_issued_tokens", bool(error.revokeIssuedTokens)),
    ])
}

/// The engine's JSON view of an answer says what the answer's own accessors say.
func checkAnswerView(_ answer: TokenAnswer) throws {
    let view = try JSONValue.parse(answer.toJson())
    try expectEqual(try number(view, "status"), UInt64(answer.status()), "view status")
    try expectEqual(try text(view, "body"), answer.body(), "view body")
    let kind: String
    switch answer.outcome() {
    case .issued: kind = "issued"
    case .rejected: kind = "rejected"
    case .failed: kind = "failed"
    }
    try expectEqual(try text(try member(view, "outcome"), "kind"), kind, "view outcome")
    try expectEqual(view["record"].map(describe), try answer.recordToStore().map { describe(try JSONValue.parse($0.toJson())) }, "view record")
    let event = try answer.event()
    try expectEqual(view["event"].map(describe), try event.map { describe(try eventValue($0)) }, "view event")
    try expectEqual(answer.recordToStore() == nil, event == nil, "an event exactly with a record to store")
}

/// Every case through the engine's token endpoint: read the form, then answer against the record.
func runRedeem(_ testCase: JSONValue, _ file: JSONValue) throws {
    let members: Set<String> = ["id", "note", "config", "record", "form", "now", "expect"]
    try checkKeys(testCase, members, required: members.subtracting(["note"]))
    let expect = try member(testCase, "expect")
    let issuer: Issuer
    do {
        issuer = try issuerFor(file, testCase)
    } catch let error as CredentialOfferError {
        return try checkError(error, expect)
    }
    let form = try text(testCase, "form")
    let request: TokenRequest
    switch issuer.readTokenRequest(form: form) {
    case .answer(let answer):
        // The body alone decides: the engine answers `invalid_request` before any lookup.
        try checkKeys(expect, ["request_error", "rejected"], required: ["request_error", "rejected"])
        try checkAnswerView(answer)
        guard answer.recordToStore() == nil, case .rejected(let error) = answer.outcome() else {
            throw Failure(description: "a refused form: \(answer.outcome())")
        }
        return try expectSame(try rejectedValue(answer, error), expect["rejected"], "rejected")
    case .find(let found):
        request = found
    }
    let record: OfferRecord
    do {
        record = try OfferRecord.fromJson(json: try member(testCase, "record").text)
    } catch let error as CredentialOfferError {
        return try checkError(error, expect)
    }
    let now = try number(testCase, "now")
    let entropy = { Entropy.fixed(bytes: Data((0..<32).map { UInt8($0) })) }
    let answer = issuer.answerTokenRequest(request: request, record: record, now: now, entropy: entropy())
    try checkAnswerView(answer)
    // Both steps in one call give the same answer (the same entropy gives the same access token).
    let again = issuer.tokenEndpoint(form: form, record: record, now: now, entropy: entropy())
    try expectEqual(again.toJson(), answer.toJson(), "tokenEndpoint")
    let outcome: (String, JSONValue)
    switch answer.outcome() {
    case .failed(let error):
        try expectEqual(answer.status(), 500, "failed status")
        try expectEqual(try text(try JSONValue.parse(answer.body()), "error"), "server_error", "failed body")
        try checkKeys(expect, ["error", "field"], required: ["error"])
        try expectEqual(error.code, try text(expect, "error"), "error code")
        if expect["field"] != nil { try expectEqual(error.field, try text(expect, "field"), "error field") }
        return
    case .issued(let token):
        try expectEqual(answer.status(), 200, "issued status")
        let body = obj([("access_token", str(token.accessToken)), ("token_type", str("Bearer")), ("expires_in", num(300))])
        try expectSame(try JSONValue.parse(answer.body()), body, "body")
        try expectEqual(token.expiresIn, 300, "expiresIn")
        guard !String(describing: token).contains(token.accessToken) else { throw Failure(description: "the text form shows the token") }
        outcome = ("issued", obj([("user_id", str(token.userId)), ("credential_configuration_ids", arr(token.credentialConfigurationIds))]))
    case .rejected(let error):
        outcome = ("rejected", try rejectedValue(answer, error))
    }
    if expect["error"] != nil { throw Failure(description: "expected error \(try text(expect, "error"))") }
    let stored = answer.recordToStore()
    var actual = [outcome, ("changed", bool(stored != nil)), ("record", try recordValue(stored ?? record))]
    if let event = try answer.event() { actual.append(("event", try eventValue(event))) }
    try expectSame(obj(actual), expect, "outcome")
}

let lifecycleMembers: [String: Set<String>] = [
    "create": ["body", "entropy_hex"],
    "serve": ["token"],
    "token": ["form"],
    "delete": [],
    "check_expiry": [],
    "status": [],
]

/// One offer, step by step: each step on the record the steps before it left.
func runLifecycle(_ testCase: JSONValue, _ file: JSONValue) throws {
    try checkKeys(testCase, ["id", "note", "config", "steps"], required: ["id", "config", "steps"])
    guard let steps = try member(testCase, "steps").list, !steps.isEmpty else { throw Failure(description: "malformed case: no steps") }
    let issuer = try issuerFor(file, testCase)
    var record: OfferRecord?
    for (index, step) in steps.enumerated() {
        do {
            record = try lifecycleStep(issuer, step, record) ?? record
        } catch {
            throw Failure(description: "steps[\(index)] \(step["op"]?.string ?? "?"): \(error)")
        }
    }
}

/// Runs one step; returns the next record when the step changed it.
func lifecycleStep(_ issuer: Issuer, _ step: JSONValue, _ record: OfferRecord?) throws -> OfferRecord? {
    let op = try text(step, "op")
    guard let extra = lifecycleMembers[op] else { throw Failure(description: "malformed step: op \(op)") }
    let members = extra.union(["op", "note", "now", "expect"])
    try checkKeys(step, members, required: members.subtracting(["note"]))
    let expect = try member(step, "expect")
    let now = try number(step, "now")
    if op == "create" {
        try checkKeys(expect, ["event"], required: ["event"])
        let created = try issuer.createPreAuthorizedOffer(
            body: try text(step, "body"), now: now, entropy: try Entropy.fixedHex(hex: try text(step, "entropy_hex")))
        try expectSame(try eventValue(created.event), expect["event"], "event")
        return created.record
    }
    guard let current = record else { throw Failure(description: "malformed case: the first step creates the offer") }
    switch op {
    case "serve":
        var next: OfferRecord?
        try engineOutcome(expect, errorAsValue: true, { try issuer.serveOffer(record: current, token: try text(step, "token"), now: now) }) {
            fetch in
            var change: Transition?
            var error: String?
            switch fetch {
            case .served(let offer): change = Transition(record: offer.record, event: offer.event)
            case .notFound(_, _, let expired): (change, error) = (expired, "offer_not_found")
            }
            try checkKeys(expect, ["error", "event"], required: [])
            try expectSame(str(error), expect["error"] ?? .null(text: "null"), "error")
            try expectSame(try change.map { try eventValue($0.event) } ?? .null(text: "null"), expect["event"] ?? .null(text: "null"), "event")
            next = change?.record
        }
        return next
    case "delete":
        var next: OfferRecord?
        try engineOutcome(expect, { try issuer.delete(record: current, now: now) }) { deleted in
            try checkKeys(expect, ["event"], required: ["event"])
            try expectSame(try eventValue(deleted.event), expect["event"], "event")
            next = deleted.record
        }
        return next
    case "token":
        try checkKeys(expect, ["http_status", "outcome", "oauth_error", "event"], required: ["http_status", "outcome", "event"])
        let entropy = Entropy.fixed(bytes: Data((0..<32).map { UInt8($0) }))
        let answer = issuer.tokenEndpoint(form: try text(step, "form"), record: current, now: now, entropy: entropy)
        try checkAnswerView(answer)
        var members: [(String, JSONValue)] = [
            ("http_status", num(answer.status())),
            ("outcome", try member(try member(try JSONValue.parse(answer.toJson()), "outcome"), "kind")),
            ("event", try optionalEventValue(try answer.event())),
        ]
        if case .rejected(let error) = answer.outcome() { members.append(("oauth_error", str(error.errorCode))) }
        try expectSame(obj(members), expect, "answer")
        return answer.recordToStore()
    case "check_expiry":
        try checkKeys(expect, ["event"], required: ["event"])
        let expired = try issuer.checkExpiry(record: current, now: now)
        try expectSame(try optionalEventValue(expired?.event), expect["event"], "event")
        return expired?.record
    default:
        try checkKeys(expect, ["status"], required: ["status"])
        try expectSame(try JSONValue.parse(offerStatus(record: current, now: now)), expect["status"], "status")
        return nil
    }
}

func runSecret(_ testCase: JSONValue, _ file: JSONValue) throws {
    let function = try text(testCase, "function")
    let expect = try member(testCase, "expect")
    if function == "lookup_key" {
        try checkKeys(testCase, ["id", "note", "function", "secret", "expect"], required: ["id", "function", "secret", "expect"])
        try checkKeys(expect, ["value"], required: ["value"])
        return try expectEqual(lookupKey(secret: try text(testCase, "secret")), try text(expect, "value"), "value")
    }
    var members: Set<String> = ["id", "note", "function", "entropy_hex", "expect"]
    switch function {
    case "tx_code": members.formUnion(["input_mode", "length"])
    case "pre_authorized_code", "issuer_state", "uuid_v4": break
    default: throw Failure(description: "malformed case: function \(function)")
    }
    try checkKeys(testCase, members, required: members.subtracting(["note"]))
    var entropy: Entropy?
    try engineOutcome(expect, { () throws -> String in
        let source = try Entropy.fixedHex(hex: try text(testCase, "entropy_hex"))
        entropy = source
        switch function {
        case "pre_authorized_code": return try generatePreAuthorizedCode(entropy: source)
        case "issuer_state": return try generateIssuerState(entropy: source)
        case "uuid_v4": return try generateUuidV4(entropy: source)
        default:
            let mode: InputMode
            switch try text(testCase, "input_mode") {
            case "numeric": mode = .numeric
            case "text": mode = .text
            default: throw Failure(description: "malformed case: input_mode")
            }
            return try generateTxCode(inputMode: mode, length: UInt32(try number(testCase, "length")), entropy: source)
        }
    }) { value in
        try checkKeys(expect, ["value"], required: ["value"])
        try expectEqual(value, try text(expect, "value"), "value")
        try expectEqual(entropy?.remaining(), 0, "entropy bytes left")
    }
}

func promptValue(_ prompt: TxCodePrompt?) -> JSONValue {
    guard let prompt else { return .null(text: "null") }
    return obj([
        ("input_mode", str(prompt.inputMode == .numeric ? "numeric" : "text")),
        ("length", num(prompt.length)),
        ("max_length", num(prompt.maxLength)),
        ("description", str(prompt.description)),
    ])
}

/// The form's lookup key finds the case's record (`null`: none found); the answer comes from it.
func runIntrospect(_ testCase: JSONValue, _ file: JSONValue) throws {
    let members: Set<String> = ["id", "note", "record", "form", "now", "expect"]
    try checkKeys(testCase, members, required: members.subtracting(["note"]))
    let expect = try member(testCase, "expect")
    let form = try text(testCase, "form")
    let now = try number(testCase, "now")
    if let requestError = expect["request_error"] {
        try checkKeys(expect, ["request_error"], required: ["request_error"])
        let wanted = obj([("error", try member(requestError, "code")), ("field", try member(requestError, "field"))])
        let calls: [() throws -> Void] = [
            { _ = try introspectionLookupKey(form: form) }, { _ = try introspect(form: form, record: nil, now: now) },
        ]
        for call in calls {
            do {
                try call()
                throw Failure(description: "expected \(requestError)")
            } catch let error as CredentialOfferError {
                try checkError(error, wanted)
            }
        }
        return
    }
    try checkKeys(expect, ["body"], required: ["body"])
    let key = try introspectionLookupKey(form: form)
    let stored = try member(testCase, "record")
    var record: OfferRecord?
    if case .null = stored {} else { record = try OfferRecord.fromJson(json: stored.text) }
    let found = record?.accessTokenHash() == key ? record : nil
    // What a host finds by the key, and the case's record as it stands, give the same answer.
    try expectSame(try JSONValue.parse(try introspect(form: form, record: found, now: now)), expect["body"], "body")
    try expectSame(try JSONValue.parse(try introspect(form: form, record: record, now: now)), expect["body"], "body")
}

func runWallet(_ testCase: JSONValue, _ file: JSONValue) throws {
    try checkKeys(testCase, ["id", "note", "input", "expect", "input_checks", "token_requests"], required: ["id", "input", "expect"])
    let expect = try member(testCase, "expect")
    let input = try text(testCase, "input")
    var parsedOffer: ParsedOffer?
    try engineOutcome(expect, { () throws -> OfferUri in
        if input.drop(while: { $0.isWhitespace }).hasPrefix("{") {
            return .byValue(parsed: try parseOfferJson(json: input, options: defaultParseOptions()))
        }
        return try parseOfferUri(uri: input, options: defaultParseOptions())
    }) { result in
        switch result {
        case .byReference(let uri, _):
            try checkKeys(expect, ["reference"], required: ["reference"])
            try expectEqual(uri, try text(expect, "reference"), "reference")
        case .byValue(let parsed):
            parsedOffer = parsed
        }
    }
    guard let parsed = parsedOffer else { return }
    try checkKeys(expect, ["grants", "tx_code_prompt"], required: ["grants", "tx_code_prompt"])
    try expectEqual(try offeredGrants(offer: parsed.offer).map { $0.identifier() }, try strings(expect["grants"]), "grants")
    let prompt = try txCodePrompt(parsed: parsed)
    try expectSame(promptValue(prompt), expect["tx_code_prompt"], "tx_code_prompt")
    for inputCheck in testCase["input_checks"]?.list ?? [] {
        try checkKeys(inputCheck, ["input", "expect"], required: ["input", "expect"])
        guard let prompt else { throw Failure(description: "malformed case: input checks without a prompt") }
        let typed = try text(inputCheck, "input")
        var actual = "ok"
        do {
            try prompt.check(input: typed)
        } catch let error as CredentialOfferError {
            actual = error.errorCode()
        }
        try expectEqual(actual, try text(inputCheck, "expect"), "input check \"\(typed)\"")
    }
    for request in testCase["token_requests"]?.list ?? [] {
        try checkKeys(request, ["tx_code", "client_id", "expect"], required: ["expect"])
        let requestExpect = try member(request, "expect")
        try engineOutcome(requestExpect, {
            try tokenRequestBody(offer: parsed.offer, txCode: request["tx_code"]?.string, clientId: request["client_id"]?.string)
        }) { body in
            try checkKeys(requestExpect, ["body"], required: ["body"])
            try expectEqual(body, try text(requestExpect, "body"), "token request body")
        }
    }
}
