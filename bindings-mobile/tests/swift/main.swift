// Swift tests of the uniffi bindings: the shared vectors, then idiomatic use and error handling.
// Prints `N passed, N failed`.

import CredOffer
import Foundation

struct Failure: Error, CustomStringConvertible {
    let description: String
}

var passed = 0
var failed = 0

func test(_ name: String, _ body: () throws -> Void) {
    do {
        try body()
        passed += 1
    } catch {
        failed += 1
        FileHandle.standardError.write("FAIL \(name): \(error)\n".data(using: .utf8)!)
    }
}

func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String) throws {
    guard actual == expected else { throw Failure(description: "\(what): got \(actual), expected \(expected)") }
}

func member(_ json: JSONValue, _ key: String) throws -> JSONValue {
    guard let value = json[key] else { throw Failure(description: "malformed case: no \(key)") }
    return value
}

func text(_ json: JSONValue, _ key: String) throws -> String {
    guard let value = try member(json, key).string else { throw Failure(description: "malformed case: \(key) is not a string") }
    return value
}

func checkKeys(_ json: JSONValue, _ allowed: Set<String>, required: Set<String> = []) throws {
    let unknown = json.keys.subtracting(allowed)
    guard unknown.isEmpty else { throw Failure(description: "malformed case: unknown members \(unknown.sorted())") }
    let missing = required.subtracting(json.keys)
    guard missing.isEmpty else { throw Failure(description: "malformed case: missing members \(missing.sorted())") }
}

func flag(_ json: JSONValue, _ key: String, _ current: Bool) throws -> Bool {
    guard let value = json[key] else { return current }
    guard let bool = value.bool else { throw Failure(description: "malformed case: \(key) is not a boolean") }
    return bool
}

func limit(_ json: JSONValue, _ key: String, _ current: UInt64) throws -> UInt64 {
    guard let value = json[key] else { return current }
    guard let number = value.number else { throw Failure(description: "malformed case: \(key) is not a number") }
    return UInt64(number)
}

func readParseOptions(_ options: JSONValue?) throws -> ParseOptions {
    var result = defaultParseOptions()
    guard let options else { return result }
    try checkKeys(options, ["plus", "strict", "allow_insecure_http", "limits"])
    if options["plus"] != nil {
        switch try text(options, "plus") {
        case "space": result.plus = .space
        case "literal": result.plus = .literal
        case let other: throw Failure(description: "malformed case: plus \(other)")
        }
    }
    result.strict = try flag(options, "strict", result.strict)
    result.allowInsecureHttp = try flag(options, "allow_insecure_http", result.allowInsecureHttp)
    if let limits = options["limits"] {
        try checkKeys(limits, ["max_uri_bytes", "max_json_bytes", "max_credential_configuration_ids", "max_depth"])
        result.limits.maxUriBytes = try limit(limits, "max_uri_bytes", result.limits.maxUriBytes)
        result.limits.maxJsonBytes = try limit(limits, "max_json_bytes", result.limits.maxJsonBytes)
        result.limits.maxCredentialConfigurationIds =
            try limit(limits, "max_credential_configuration_ids", result.limits.maxCredentialConfigurationIds)
        result.limits.maxDepth = try limit(limits, "max_depth", result.limits.maxDepth)
    }
    return result
}

func readBuildOptions(_ options: JSONValue?) throws -> BuildOptions {
    var result = defaultBuildOptions()
    guard let options else { return result }
    try checkKeys(options, ["dialect", "base", "allow_insecure_http"])
    if options["dialect"] != nil { result.dialect = try parseDialect(name: try text(options, "dialect")) }
    if options["base"] != nil { result.base = try text(options, "base") }
    result.allowInsecureHttp = try flag(options, "allow_insecure_http", result.allowInsecureHttp)
    return result
}

/// Runs `body`; an engine error is compared with `{"error", "field"?}`, success goes to `onSuccess`.
func outcome<T>(_ expect: JSONValue, _ body: () throws -> T, _ onSuccess: (T) throws -> Void) throws {
    let value: T
    do {
        value = try body()
    } catch let error as CredentialOfferError {
        guard expect["error"] != nil else {
            throw Failure(description: "unexpected error \(error.errorCode()): \(error.errorMessage())")
        }
        try checkKeys(expect, ["error", "field"])
        try expectEqual(error.errorCode(), try text(expect, "error"), "error code")
        if expect["field"] != nil { try expectEqual(error.errorField(), try text(expect, "field"), "error field") }
        return
    }
    if expect["error"] != nil { throw Failure(description: "expected error \(try text(expect, "error"))") }
    try onSuccess(value)
}

func codes(_ warnings: [Warning]) -> [String] { warnings.map(\.code) }

func strings(_ json: JSONValue?) throws -> [String] {
    guard let json else { return [] }
    guard let items = json.list else { throw Failure(description: "malformed case: not a list") }
    return try items.map {
        guard let s = $0.string else { throw Failure(description: "malformed case: not a string") }
        return s
    }
}

func runParse(_ testCase: JSONValue) throws {
    try checkKeys(testCase, ["id", "note", "input", "options", "expect"], required: ["id", "input", "expect"])
    let expect = try member(testCase, "expect")
    try outcome(expect, { try parseOfferUri(uri: try text(testCase, "input"), options: try readParseOptions(testCase["options"])) }) {
        switch $0 {
        case .byValue(let parsed):
            try checkKeys(expect, ["offer", "source", "warnings"], required: ["offer", "source", "warnings"])
            let view = try JSONValue.parse(parsed.json)
            try expectSame(try member(view, "offer"), expect["offer"], "offer")
            try expectEqual(try text(view, "source"), try text(expect, "source"), "view source")
            let viewWarnings = try (try member(view, "warnings").list ?? []).map { try text($0, "code") }
            try expectEqual(viewWarnings, try strings(expect["warnings"]), "view warnings")
            try expectEqual(parsed.sourceName, try text(expect, "source"), "source")
            try expectEqual(codes(parsed.warnings), try strings(expect["warnings"]), "warnings")
        case .byReference(let uri, let warnings):
            try checkKeys(expect, ["reference", "warnings"], required: ["reference", "warnings"])
            try expectEqual(uri, try text(expect, "reference"), "reference")
            try expectEqual(codes(warnings), try strings(expect["warnings"]), "warnings")
        }
    }
}

func runBuild(_ testCase: JSONValue) throws {
    try checkKeys(testCase, ["id", "note", "offer", "reference", "options", "expect"], required: ["id", "expect"])
    guard (testCase["offer"] == nil) != (testCase["reference"] == nil) else {
        throw Failure(description: "malformed case: exactly one of offer and reference")
    }
    let expect = try member(testCase, "expect")
    try outcome(expect, { () throws -> String in
        let options = try readBuildOptions(testCase["options"])
        if let offer = testCase["offer"] {
            var read = defaultParseOptions()
            read.allowInsecureHttp = options.allowInsecureHttp
            let uri = try offerToUri(offer: try parseOfferJson(json: offer.text, options: read).offer, options: options)
            // JSON in, URI out, in one call: the same URI.
            try expectEqual(try buildOfferUri(json: offer.text, options: options), uri, "buildOfferUri")
            return uri
        }
        return try offerReferenceUri(reference: try text(testCase, "reference"), options: options)
    }) { uri in
        try checkKeys(expect, ["uri"], required: ["uri"])
        try expectEqual(uri, try text(expect, "uri"), "uri")
    }
}

func runMetadata(_ testCase: JSONValue) throws {
    let expect = try member(testCase, "expect")
    if testCase["well_known"] != nil {
        try checkKeys(testCase, ["id", "note", "well_known", "expect"])
        try outcome(expect, { try wellKnownMetadataUrl(credentialIssuer: try text(testCase, "well_known")) }) { url in
            try checkKeys(expect, ["url"], required: ["url"])
            try expectEqual(url, try text(expect, "url"), "url")
        }
        return
    }
    try checkKeys(testCase, ["id", "note", "offer", "metadata", "expect"], required: ["id", "offer", "metadata", "expect"])
    try outcome(expect, { () throws -> MetadataCheck in
        let offer = try parseOfferJson(json: try member(testCase, "offer").text, options: defaultParseOptions()).offer
        return try IssuerMetadata(json: try member(testCase, "metadata").text).check(offer: offer)
    }) { result in
        try checkKeys(expect, ["formats", "warnings"], required: ["formats"])
        let expected = try (try member(expect, "formats").list ?? []).map { try strings($0) }
        try expectEqual(result.formats.map { [$0.id, $0.format] }, expected, "formats")
        try expectEqual(codes(result.warnings), try strings(expect["warnings"]), "warnings")
    }
}

func readLintOptions(_ options: JSONValue?) throws -> LintOptions {
    var result = defaultLintOptions()
    guard let options else { return result }
    try checkKeys(options, ["profile", "dialect", "base", "metadata"])
    if options["profile"] != nil { result.profile = try parseProfile(name: try text(options, "profile")) }
    if options["dialect"] != nil { result.build.dialect = try parseDialect(name: try text(options, "dialect")) }
    if options["base"] != nil { result.build.base = try text(options, "base") }
    if let metadata = options["metadata"] { result.metadata = try IssuerMetadata(json: metadata.text) }
    return result
}

func runLint(_ testCase: JSONValue) throws {
    try checkKeys(testCase, ["id", "note", "input", "options", "expect"], required: ["id", "input", "expect"])
    let expect = try member(testCase, "expect")
    try outcome(expect, { try lint(input: try text(testCase, "input"), options: try readLintOptions(testCase["options"])) }) { report in
        try checkKeys(expect, ["warnings", "reference"], required: ["warnings"])
        try expectEqual(report.reference, expect["reference"]?.string, "reference")
        let expected: [[String?]] = try (try member(expect, "warnings").list ?? []).map { warning in
            try checkKeys(warning, ["code", "field"], required: ["code"])
            return [try text(warning, "code"), warning["field"]?.string]
        }
        try expectEqual(report.warnings.map { [$0.code, $0.field] }, expected, "warnings")
        // The record and the engine's view say the same, evidence included.
        let view = try JSONValue.parse(report.json)
        try expectEqual(try member(view, "profile").text, testCase["options"]?["profile"]?.text ?? "null", "view profile")
        let viewWarnings: [[String?]] = try (try member(view, "warnings").list ?? []).map {
            [try text($0, "code"), try text($0, "message"), $0["field"]?.string, $0["evidence"]?.string]
        }
        try expectEqual(viewWarnings, report.warnings.map { [$0.code, $0.message, $0.field, $0.evidence] }, "view warnings")
    }
}

func runResolve(_ testCase: JSONValue) throws {
    try checkKeys(testCase, ["id", "note", "offer", "metadata", "expect"], required: ["id", "offer", "metadata", "expect"])
    let expect = try member(testCase, "expect")
    let offerJson = try member(testCase, "offer").text
    try outcome(expect, { () throws -> String in
        let metadata = try IssuerMetadata(json: try member(testCase, "metadata").text)
        let offer = try parseOfferJson(json: offerJson, options: defaultParseOptions()).offer
        let resolved = try metadata.resolveCredentialDescriptions(offer: offer)
        // The wallet helper reads and resolves in one call: the same offer, without the description warning.
        let parsed = try metadata.resolveOfferJson(json: offerJson, options: defaultParseOptions())
        try expectEqual(parsed.offer, resolved, "resolveOfferJson")
        guard !codes(parsed.warnings).contains("legacy_credential_description") else {
            throw Failure(description: "the description warning stays")
        }
        return try offerToJson(offer: resolved, dialect: .v1)
    }) { written in
        try checkKeys(expect, ["offer"], required: ["offer"])
        try expectSame(try JSONValue.parse(written), expect["offer"], "offer")
    }
}

/// The runner of each vector file; engine runners also get the whole file (its named configurations).
let runners: [String: (JSONValue, JSONValue) throws -> Void] = [
    "parse.json": { testCase, _ in try runParse(testCase) },
    "build.json": { testCase, _ in try runBuild(testCase) },
    "metadata.json": { testCase, _ in try runMetadata(testCase) },
    "lint.json": { testCase, _ in try runLint(testCase) },
    "resolve.json": { testCase, _ in try runResolve(testCase) },
    "issuer.json": runIssuer,
    "redeem.json": runRedeem,
    "lifecycle.json": runLifecycle,
    "secret.json": runSecret,
    "wallet.json": runWallet,
    "introspect.json": runIntrospect,
]

func runVectors(_ directory: String) throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { runners[$0] != nil }.sorted()
    try expectEqual(names, runners.keys.sorted(), "vector files")
    for name in names {
        let file = try JSONValue.parse(try String(contentsOfFile: directory + "/" + name, encoding: .utf8))
        for testCase in try member(file, "cases").list ?? [] {
            test("\(name) \(testCase["id"]?.text ?? "?")") { try runners[name]!(testCase, file) }
        }
    }
}

let arguments = CommandLine.arguments
test("vector files") { try runVectors(arguments.count > 1 ? arguments[1] : "vectors") }
idiomaticTests()
print("swift: \(passed) passed, \(failed) failed")
exit(failed == 0 && passed > 0 ? 0 : 1)
