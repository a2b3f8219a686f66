// The issuer-engine vectors (issuer, redeem, secret, wallet) on the Swift bindings.

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
func engineOutcome<T>(_ expect: JSONValue, _ body: () throws -> T, _ onSuccess: (T) throws -> Void) throws {
    let value: T
    do {
        value = try body()
    } catch let error as CredentialOfferError {
        return try checkError(error, expect)
    }
    if expect["error"] != nil { throw Failure(description: "expected error \(try text(expect, "error"))") }
    try onSuccess(value)
}

func recordValue(_ record: OfferRecord) throws -> JSONValue {
    let json = record.toJson()
    try expectEqual(try OfferRecord.fromJson(json: json).toJson(), json, "record round trip")
    return try JSONValue.parse(json)
}

func issuerFor(_ file: JSONValue, _ testCase: JSONValue) throws -> Issuer {
    guard let config = try member(file, "configs")[try text(testCase, "config")] else { throw Failure(description: "malformed case: config") }
    return try Issuer(configJson: config.text)
}

let endpointMembers: [String: Set<String>] = [
    "authorization": ["id", "note", "config", "endpoint", "body", "entropy_hex", "expect"],
    "pre-authorized": ["id", "note", "config", "endpoint", "body", "now", "entropy_hex", "expect"],
    "delete": ["id", "note", "config", "endpoint", "record", "expect"],
    "serve": ["id", "note", "config", "endpoint", "record", "token", "now", "expect"],
]

func runIssuer(_ testCase: JSONValue, _ file: JSONValue) throws {
    let endpoint = try text(testCase, "endpoint")
    guard let members = endpointMembers[endpoint] else { throw Failure(description: "malformed case: endpoint \(endpoint)") }
    try checkKeys(testCase, members, required: members.subtracting(["note"]))
    let expect = try member(testCase, "expect")
    try engineOutcome(expect, { () throws -> JSONValue in
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
            return obj([("response", try JSONValue.parse(offer.responseJson)), ("record", try recordValue(offer.record))])
        case "delete":
            let record = try OfferRecord.fromJson(json: try member(testCase, "record").text)
            return obj([("record", try recordValue(try issuer.delete(record: record)))])
        default:
            let record = try OfferRecord.fromJson(json: try member(testCase, "record").text)
            let served = try issuer.serveOffer(record: record, token: try text(testCase, "token"), now: try number(testCase, "now"))
            return obj([("offer", str(served.offerJson)), ("record", try recordValue(served.record))])
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
    let actual = obj([outcome, ("changed", bool(stored != nil)), ("record", try recordValue(stored ?? record))])
    try expectSame(actual, expect, "outcome")
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
