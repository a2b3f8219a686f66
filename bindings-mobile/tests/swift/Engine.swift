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

func tokenErrorValue(_ error: TokenError) throws -> JSONValue {
    let body = try JSONValue.parse(error.body)
    guard case .object(_, let keys, _) = body, keys == ["error", "error_description"] else {
        throw Failure(description: "token error body members: \(error.body)")
    }
    try expectEqual(try text(body, "error"), error.errorCode, "token error body code")
    guard !(try text(body, "error_description")).isEmpty, error.httpStatus == 400 else {
        throw Failure(description: "token error body: \(error.body) (status \(error.httpStatus))")
    }
    return obj([
        ("error", str(error.errorCode)),
        ("failed_attempts_left", num(error.failedAttemptsLeft)),
        ("revoke_issued_tokens", bool(error.revokeIssuedTokens)),
    ])
}

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
    let request: TokenRequest
    do {
        request = try TokenRequest.fromForm(body: try text(testCase, "form"))
    } catch let error as CredentialOfferError {
        let actual = obj([
            ("request_error", obj([("code", str(error.errorCode())), ("field", str(error.errorField()))])),
            ("rejected", try tokenErrorValue(tokenErrorForRequestError(error: error))),
        ])
        return try expectSame(actual, expect, "outcome")
    }
    try engineOutcome(expect, {
        try issuer.redeem(record: try OfferRecord.fromJson(json: try member(testCase, "record").text), request: request,
                          now: try number(testCase, "now"))
    }) { redemption in
        let outcome: (String, JSONValue)
        switch redemption.outcome {
        case .issued(let userId, let ids):
            outcome = ("issued", obj([("user_id", str(userId)), ("credential_configuration_ids", arr(ids))]))
        case .rejected(let error):
            outcome = ("rejected", try tokenErrorValue(error))
        }
        let actual = obj([outcome, ("changed", bool(redemption.changed)), ("record", try recordValue(redemption.record))])
        try expectSame(actual, expect, "outcome")
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
