// Kotlin tests of the uniffi bindings: the shared vectors, then idiomatic use. Prints `N passed, N failed`.
package org.credoffer.tests

import java.io.File
import org.credoffer.*

class Malformed(message: String) : Exception(message)

var passed = 0
var failed = 0

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

fun <T> checkEqual(actual: T, expected: T, what: String) = check(actual == expected) { "$what: got $actual, expected $expected" }

fun test(name: String, body: () -> Unit) {
    try {
        body()
        passed++
    } catch (e: Throwable) {
        failed++
        System.err.println("FAIL $name: $e")
    }
}

fun checkKeys(obj: Json, allowed: Set<String>, required: Set<String> = emptySet()) {
    val unknown = obj.keys - allowed
    if (unknown.isNotEmpty()) throw Malformed("unknown members $unknown")
    val missing = required - obj.keys
    if (missing.isNotEmpty()) throw Malformed("missing members $missing")
}

fun parseOptions(options: Json?): ParseOptions {
    val result = defaultParseOptions()
    if (options == null) return result
    checkKeys(options, setOf("plus", "strict", "allow_insecure_http", "limits"))
    options["plus"]?.let {
        result.plus = when (it.string) {
            "space" -> PlusPolicy.SPACE
            "literal" -> PlusPolicy.LITERAL
            else -> throw Malformed("plus ${it.text}")
        }
    }
    options["strict"]?.let { result.strict = it.bool }
    options["allow_insecure_http"]?.let { result.allowInsecureHttp = it.bool }
    options["limits"]?.let { limits ->
        checkKeys(limits, setOf("max_uri_bytes", "max_json_bytes", "max_credential_configuration_ids", "max_depth"))
        limits["max_uri_bytes"]?.let { result.limits.maxUriBytes = it.number.toULong() }
        limits["max_json_bytes"]?.let { result.limits.maxJsonBytes = it.number.toULong() }
        limits["max_credential_configuration_ids"]?.let { result.limits.maxCredentialConfigurationIds = it.number.toULong() }
        limits["max_depth"]?.let { result.limits.maxDepth = it.number.toULong() }
    }
    return result
}

fun buildOptions(options: Json?): BuildOptions {
    val result = defaultBuildOptions()
    if (options == null) return result
    checkKeys(options, setOf("dialect", "base", "allow_insecure_http"))
    options["dialect"]?.let { result.dialect = parseDialect(it.string) }
    options["base"]?.let { result.base = it.string }
    options["allow_insecure_http"]?.let { result.allowInsecureHttp = it.bool }
    return result
}

/** Runs `body`; an engine error is compared with `{"error", "field"?}`, success goes to `onSuccess`. */
fun <T> outcome(expect: Json, body: () -> T, onSuccess: (T) -> Unit) {
    val value = try {
        body()
    } catch (e: CredentialOfferException) {
        if (expect["error"] == null) throw AssertionError("unexpected error ${e.errorCode()}: ${e.errorMessage()}")
        checkKeys(expect, setOf("error", "field"))
        checkEqual(e.errorCode(), expect["error"]!!.string, "error code")
        expect["field"]?.let { checkEqual(e.errorField(), it.string, "error field") }
        return
    }
    if (expect["error"] != null) throw AssertionError("expected error ${expect["error"]!!.string}")
    onSuccess(value)
}

fun codes(warnings: List<Warning>) = warnings.map { it.code }
fun strings(json: Json?) = json?.list?.map { it.string } ?: emptyList()

fun runParse(case: Json) {
    checkKeys(case, setOf("id", "note", "input", "options", "expect"), setOf("id", "input", "expect"))
    val expect = case["expect"]!!
    outcome(expect, { parseOfferUri(case["input"]!!.string, parseOptions(case["options"])) }) { result ->
        when (result) {
            is OfferUri.ByValue -> {
                checkKeys(expect, setOf("offer", "source", "warnings"), setOf("offer", "source", "warnings"))
                val view = Json.parse(result.parsed.json)
                checkSame(view["offer"]!!, expect["offer"], "offer")
                checkEqual(view["source"]!!.string, expect["source"]!!.string, "view source")
                checkEqual(view["warnings"]!!.list.map { it["code"]!!.string }, strings(expect["warnings"]), "view warnings")
                checkEqual(result.parsed.sourceName, expect["source"]!!.string, "source")
                checkEqual(codes(result.parsed.warnings), strings(expect["warnings"]), "warnings")
            }
            is OfferUri.ByReference -> {
                checkKeys(expect, setOf("reference", "warnings"), setOf("reference", "warnings"))
                checkEqual(result.uri, expect["reference"]!!.string, "reference")
                checkEqual(codes(result.warnings), strings(expect["warnings"]), "warnings")
            }
        }
    }
}

fun runBuild(case: Json) {
    checkKeys(case, setOf("id", "note", "offer", "reference", "options", "expect"), setOf("id", "expect"))
    if ((case["offer"] == null) == (case["reference"] == null)) throw Malformed("exactly one of offer and reference")
    val expect = case["expect"]!!
    outcome(expect, {
        val options = buildOptions(case["options"])
        val offer = case["offer"]
        if (offer != null) {
            val read = defaultParseOptions().copy(allowInsecureHttp = options.allowInsecureHttp)
            offerToUri(parseOfferJson(offer.text, read).offer, options).also { uri ->
                // JSON in, URI out, in one call: the same URI.
                checkEqual(buildOfferUri(offer.text, options), uri, "buildOfferUri")
            }
        } else {
            offerReferenceUri(case["reference"]!!.string, options)
        }
    }) { uri ->
        checkKeys(expect, setOf("uri"), setOf("uri"))
        checkEqual(uri, expect["uri"]!!.string, "uri")
    }
}

fun runMetadata(case: Json) {
    val expect = case["expect"]!!
    val wellKnown = case["well_known"]
    if (wellKnown != null) {
        checkKeys(case, setOf("id", "note", "well_known", "expect"))
        outcome(expect, { wellKnownMetadataUrl(wellKnown.string) }) { url ->
            checkKeys(expect, setOf("url"), setOf("url"))
            checkEqual(url, expect["url"]!!.string, "url")
        }
        return
    }
    checkKeys(case, setOf("id", "note", "offer", "metadata", "expect"), setOf("id", "offer", "metadata", "expect"))
    outcome(expect, {
        val offer = parseOfferJson(case["offer"]!!.text, defaultParseOptions()).offer
        IssuerMetadata(case["metadata"]!!.text).use { it.check(offer) }
    }) { result ->
        checkKeys(expect, setOf("formats", "warnings"), setOf("formats"))
        val expected = expect["formats"]!!.list.map { pair -> pair.list.map { it.string } }
        checkEqual(result.formats.map { listOf(it.id, it.format) }, expected, "formats")
        checkEqual(codes(result.warnings), strings(expect["warnings"]), "warnings")
    }
}

fun lintOptions(options: Json?): LintOptions {
    val result = defaultLintOptions()
    if (options == null) return result
    checkKeys(options, setOf("profile", "dialect", "base", "metadata"))
    options["profile"]?.let { result.profile = parseProfile(it.string) }
    options["dialect"]?.let { result.build.dialect = parseDialect(it.string) }
    options["base"]?.let { result.build.base = it.string }
    options["metadata"]?.let { result.metadata = IssuerMetadata(it.text) }
    return result
}

fun runLint(case: Json) {
    checkKeys(case, setOf("id", "note", "input", "options", "expect"), setOf("id", "input", "expect"))
    val expect = case["expect"]!!
    outcome(expect, { lint(case["input"]!!.string, lintOptions(case["options"])) }) { report ->
        checkKeys(expect, setOf("warnings", "reference"), setOf("warnings"))
        checkEqual(report.reference, expect["reference"]?.string, "reference")
        val expected = expect["warnings"]!!.list.map { warning ->
            checkKeys(warning, setOf("code", "field"), setOf("code"))
            listOf(warning["code"]!!.string, warning["field"]?.string)
        }
        checkEqual(report.warnings.map { listOf(it.code, it.field) }, expected, "warnings")
        // The record and the engine's view say the same, evidence included.
        val view = Json.parse(report.json)
        checkEqual(view["profile"]!!.text, case["options"]?.get("profile")?.text ?: "null", "view profile")
        checkEqual(
            view["warnings"]!!.list.map { listOf(it["code"]!!.string, it["message"]!!.string, it["field"]?.string, it["evidence"]?.string) },
            report.warnings.map { listOf(it.code, it.message, it.field, it.evidence) },
            "view warnings",
        )
    }
}

fun runResolve(case: Json) {
    checkKeys(case, setOf("id", "note", "offer", "metadata", "expect"), setOf("id", "offer", "metadata", "expect"))
    val expect = case["expect"]!!
    val offerJson = case["offer"]!!.text
    outcome(expect, {
        IssuerMetadata(case["metadata"]!!.text).use { metadata ->
            val offer = parseOfferJson(offerJson, defaultParseOptions()).offer
            val resolved = metadata.resolveCredentialDescriptions(offer)
            // The wallet helper reads and resolves in one call: the same offer, without the description warning.
            val parsed = metadata.resolveOfferJson(offerJson, defaultParseOptions())
            checkEqual(parsed.offer, resolved, "resolveOfferJson")
            check("legacy_credential_description" !in codes(parsed.warnings)) { "the description warning stays" }
            offerToJson(resolved, Dialect.V1)
        }
    }) { written ->
        checkKeys(expect, setOf("offer"), setOf("offer"))
        checkSame(Json.parse(written), expect["offer"], "offer")
    }
}

/** The runner of each vector file; engine runners also get the whole file (its named configurations). */
val runners: Map<String, (Json, Json) -> Unit> = mapOf(
    "parse.json" to { case, _ -> runParse(case) },
    "build.json" to { case, _ -> runBuild(case) },
    "metadata.json" to { case, _ -> runMetadata(case) },
    "lint.json" to { case, _ -> runLint(case) },
    "resolve.json" to { case, _ -> runResolve(case) },
    "issuer.json" to ::runIssuer,
    "redeem.json" to ::runRedeem,
    "lifecycle.json" to ::runLifecycle,
    "secret.json" to ::runSecret,
    "wallet.json" to ::runWallet,
    "introspect.json" to ::runIntrospect,
)

fun runVectors(dir: File) {
    val files = dir.listFiles()?.filter { it.name in runners }?.sortedBy { it.name } ?: emptyList()
    check(files.size == runners.size) { "expected ${runners.keys} in $dir, found ${files.map { it.name }}" }
    for (file in files) {
        val runner = runners.getValue(file.name)
        val vectors = Json.parse(file.readText())
        for (case in vectors["cases"]!!.list) {
            test("${file.name} ${case["id"]?.text}") { runner(case, vectors) }
        }
    }
}

fun main(args: Array<String>) {
    val vectors = File(args.firstOrNull() ?: "tests/vectors")
    test("vector files") { runVectors(vectors) }
    idiomaticTests()
    println("kotlin: $passed passed, $failed failed")
    if (failed > 0 || passed == 0) kotlin.system.exitProcess(1)
}
