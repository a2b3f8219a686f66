"""Python tests of the uniffi bindings: the shared vectors, then idiomatic use.

Run by `cargo xtask mobile-test` as `python3 test_credoffer.py <tests/vectors>` with the generated
`credoffer.py` (and the library beside it) on PYTHONPATH. Prints `N passed, N failed`.
"""

import json
import os
import sys
import unittest
from datetime import datetime, timezone

import credoffer as co

VECTORS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../tests/vectors")


def check_keys(obj, allowed, required=()):
    unknown = set(obj) - set(allowed)
    if unknown:
        raise AssertionError(f"malformed case: unknown members {sorted(unknown)}")
    missing = set(required) - set(obj)
    if missing:
        raise AssertionError(f"malformed case: missing members {sorted(missing)}")


def parse_options(options):
    check_keys(options, {"plus", "strict", "allow_insecure_http", "limits"})
    result = co.default_parse_options()
    if "plus" in options:
        result.plus = {"space": co.PlusPolicy.SPACE, "literal": co.PlusPolicy.LITERAL}[options["plus"]]
    result.strict = options.get("strict", result.strict)
    result.allow_insecure_http = options.get("allow_insecure_http", result.allow_insecure_http)
    limits = options.get("limits", {})
    check_keys(limits, {"max_uri_bytes", "max_json_bytes", "max_credential_configuration_ids", "max_depth"})
    for name, value in limits.items():
        setattr(result.limits, name, value)
    return result


def build_options(options):
    check_keys(options, {"dialect", "base", "allow_insecure_http"})
    result = co.default_build_options()
    if "dialect" in options:
        result.dialect = co.parse_dialect(options["dialect"])
    result.base = options.get("base", result.base)
    result.allow_insecure_http = options.get("allow_insecure_http", result.allow_insecure_http)
    return result


def without_messages(body):
    """A MATTR error body without its `msg` members (messages may improve), after checking each is there."""
    for detail in body.get("details", []):
        message = detail.pop("msg", None)
        if not isinstance(message, str) or not message:
            raise AssertionError(f"a MATTR detail has no message: {detail}")
    return body


def expect_error(test, expect, error):
    """Compares an error with `{"error", "field"?, "status"?, "body"?}`; a success shape makes it a failure."""
    if "error" not in expect:
        raise AssertionError(f"unexpected error {error!r}")
    check_keys(expect, {"error", "field", "status", "body"})
    test.assertEqual(error.code, expect["error"])
    test.assertEqual(error.error_code(), expect["error"])
    if "field" in expect:
        test.assertEqual(error.field, expect["field"])
    if "status" in expect:
        test.assertEqual(error.http_status(), expect["status"])
    if "body" in expect:
        test.assertEqual(without_messages(json.loads(error.mattr_body())), expect["body"])


def codes(warnings):
    return [w.code for w in warnings]


def run_parse(test, case):
    check_keys(case, {"id", "note", "input", "options", "expect"}, {"id", "input", "expect"})
    expect = case["expect"]
    try:
        result = co.parse_offer_uri(case["input"], parse_options(case.get("options", {})))
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    test.assertNotIn("error", expect, "expected an error")
    if result.is_by_value():
        check_keys(expect, {"offer", "source", "warnings"}, {"offer", "source", "warnings"})
        parsed = result.parsed
        view = json.loads(parsed.json)
        test.assertEqual(view["offer"], expect["offer"])
        test.assertEqual(view["source"], expect["source"])
        test.assertEqual([w["code"] for w in view["warnings"]], expect["warnings"])
        test.assertEqual(parsed.source_name, expect["source"])
        test.assertEqual(codes(parsed.warnings), expect["warnings"])
    else:
        check_keys(expect, {"reference", "warnings"}, {"reference", "warnings"})
        test.assertEqual(result.uri, expect["reference"])
        test.assertEqual(codes(result.warnings), expect["warnings"])


def run_build(test, case):
    check_keys(case, {"id", "note", "offer", "reference", "options", "expect"}, {"id", "expect"})
    if ("offer" in case) == ("reference" in case):
        raise AssertionError("malformed case: exactly one of offer and reference")
    expect = case["expect"]
    options = case.get("options", {})
    try:
        built = build_options(options)
        if "offer" in case:
            read = co.default_parse_options()
            read.allow_insecure_http = built.allow_insecure_http
            offer = co.parse_offer_json(json.dumps(case["offer"]), read).offer
            uri = co.offer_to_uri(offer, built)
            # JSON in, URI out, in one call: the same URI.
            test.assertEqual(co.build_offer_uri(json.dumps(case["offer"]), built), uri)
        else:
            uri = co.offer_reference_uri(case["reference"], built)
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    test.assertNotIn("error", expect, "expected an error")
    check_keys(expect, {"uri"}, {"uri"})
    test.assertEqual(uri, expect["uri"])


def run_metadata(test, case):
    expect = case["expect"]
    if "well_known" in case:
        check_keys(case, {"id", "note", "well_known", "expect"})
        try:
            url = co.well_known_metadata_url(case["well_known"])
        except co.CredentialOfferError as error:
            return expect_error(test, expect, error)
        test.assertNotIn("error", expect, "expected an error")
        check_keys(expect, {"url"}, {"url"})
        test.assertEqual(url, expect["url"])
        return
    check_keys(case, {"id", "note", "offer", "metadata", "expect"}, {"id", "offer", "metadata", "expect"})
    try:
        offer = co.parse_offer_json(json.dumps(case["offer"]), co.default_parse_options()).offer
        check = co.IssuerMetadata(json.dumps(case["metadata"])).check(offer)
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    test.assertNotIn("error", expect, "expected an error")
    check_keys(expect, {"formats", "warnings"}, {"formats"})
    test.assertEqual([[f.id, f.format] for f in check.formats], expect["formats"])
    test.assertEqual(codes(check.warnings), expect.get("warnings", []))


def lint_options(options):
    check_keys(options, {"profile", "dialect", "base", "metadata"})
    result = co.default_lint_options()
    if "profile" in options:
        result.profile = co.parse_profile(options["profile"])
    if "dialect" in options:
        result.build.dialect = co.parse_dialect(options["dialect"])
    result.build.base = options.get("base", result.build.base)
    if "metadata" in options:
        result.metadata = co.IssuerMetadata(json.dumps(options["metadata"]))
    return result


def warning_entries(warnings):
    """Warnings as the lint vectors write them: code, and field when there is one."""
    return [{"code": w.code} if w.field is None else {"code": w.code, "field": w.field} for w in warnings]


def run_lint(test, case):
    check_keys(case, {"id", "note", "input", "options", "expect"}, {"id", "input", "expect"})
    expect = case["expect"]
    options = case.get("options", {})
    try:
        report = co.lint(case["input"], lint_options(options))
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    test.assertNotIn("error", expect, "expected an error")
    check_keys(expect, {"warnings", "reference"}, {"warnings"})
    test.assertEqual(report.reference, expect.get("reference"))
    test.assertEqual(warning_entries(report.warnings), expect["warnings"])
    # The record and the engine's view say the same, evidence included.
    view = json.loads(report.json)
    test.assertEqual(view["profile"], options.get("profile"))
    test.assertEqual(view.get("reference"), report.reference)
    test.assertEqual(
        [(w.code, w.message, w.field, w.evidence) for w in report.warnings],
        [(w["code"], w["message"], w.get("field"), w.get("evidence")) for w in view["warnings"]],
    )


def run_resolve(test, case):
    check_keys(case, {"id", "note", "offer", "metadata", "expect"}, {"id", "offer", "metadata", "expect"})
    expect = case["expect"]
    offer_json = json.dumps(case["offer"])
    try:
        metadata = co.IssuerMetadata(json.dumps(case["metadata"]))
        offer = co.parse_offer_json(offer_json, co.default_parse_options()).offer
        resolved = metadata.resolve_credential_descriptions(offer)
        # The wallet helper reads and resolves in one call: the same offer, without the description warning.
        parsed = metadata.resolve_offer_json(offer_json, co.default_parse_options())
        test.assertEqual(parsed.offer, resolved)
        test.assertNotIn("legacy_credential_description", codes(parsed.warnings))
        written = co.offer_to_json(resolved, co.Dialect.V1)
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    test.assertNotIn("error", expect, "expected an error")
    check_keys(expect, {"offer"}, {"offer"})
    test.assertEqual(json.loads(written), expect["offer"])


def issuer_for(file, case):
    return co.Issuer(json.dumps(file["configs"][case["config"]]))


def record_value(test, record):
    text = record.to_json()
    test.assertEqual(co.OfferRecord.from_json(text).to_json(), text, "the record round-trips")
    return json.loads(text)


def event_value(test, event):
    """The event's JSON view, checked against its typed fields."""
    value = json.loads(event.json)
    test.assertEqual(list(value), ["id", "type", "timestamp", "data"])
    test.assertEqual((value["id"], value["type"]), (event.id, event.event_type))
    test.assertEqual(event.id, f"{event.offer_id}.{event.version}")
    test.assertEqual(event.event_type, "offer." + event.kind.name.lower())
    at = datetime.fromtimestamp(event.at, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    test.assertEqual(value["timestamp"], at)
    data = {"offerId": event.offer_id, "userId": event.user_id}
    if event.fetch_count is not None:
        data["fetchCount"] = event.fetch_count
    if event.failed_attempts_left is not None:
        data["failedAttemptsLeft"] = event.failed_attempts_left
    test.assertEqual(value["data"], data)
    return value


def optional_event_value(test, event):
    return None if event is None else event_value(test, event)


ENDPOINT_MEMBERS = {
    "authorization": {"id", "note", "config", "endpoint", "body", "entropy_hex", "expect"},
    "pre-authorized": {"id", "note", "config", "endpoint", "body", "now", "entropy_hex", "expect"},
    "delete": {"id", "note", "config", "endpoint", "record", "now", "expect"},
    "serve": {"id", "note", "config", "endpoint", "record", "token", "now", "expect"},
}


def run_issuer(test, case, file):
    endpoint = case["endpoint"]
    if endpoint not in ENDPOINT_MEMBERS:
        raise AssertionError(f"malformed case: endpoint {endpoint}")
    check_keys(case, ENDPOINT_MEMBERS[endpoint], ENDPOINT_MEMBERS[endpoint] - {"note"})
    expect = case["expect"]
    try:
        issuer = issuer_for(file, case)
        if endpoint == "authorization":
            offer = issuer.create_authorization_offer(case["body"], co.Entropy.fixed_hex(case["entropy_hex"]))
            actual = {"response": json.loads(offer.response_json)}
        elif endpoint == "pre-authorized":
            entropy = co.Entropy.fixed_hex(case["entropy_hex"])
            offer = issuer.create_pre_authorized_offer(case["body"], case["now"], entropy)
            actual = {"response": json.loads(offer.response_json), "record": record_value(test, offer.record),
                      "event": event_value(test, offer.event)}
        elif endpoint == "delete":
            deleted = issuer.delete(co.OfferRecord.from_json(json.dumps(case["record"])), case["now"])
            actual = {"record": record_value(test, deleted.record), "event": event_value(test, deleted.event)}
        else:
            record = co.OfferRecord.from_json(json.dumps(case["record"]))
            actual = fetch_value(test, issuer.serve_offer(record, case["token"], case["now"]), expect)
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    if "error" not in actual:
        test.assertNotIn("error", expect, "expected an error")
    test.assertEqual(actual, expect)


def fetch_value(test, fetch, expect):
    """What a fetch found, in its expectation's shape: NOT_FOUND stands for the `offer_not_found` error (with the
    status and MATTR body the expectation names) and the expiry it reports."""
    if fetch.is_served():
        offer = fetch.offer
        return {"offer": offer.offer_json, "record": record_value(test, offer.record),
                "event": event_value(test, offer.event)}
    actual = {"error": "offer_not_found"}
    if "status" in expect:
        actual["status"] = fetch.status
    if "body" in expect:
        actual["body"] = json.loads(fetch.body)
    if fetch.expired is not None:
        actual["record"] = record_value(test, fetch.expired.record)
        actual["event"] = event_value(test, fetch.expired.event)
    return actual


def rejected_value(test, answer, error):
    test.assertEqual(answer.status(), 400)
    body = json.loads(answer.body())
    test.assertEqual(list(body), ["error", "error_description"])
    test.assertEqual(body["error"], error.error_code)
    test.assertTrue(body["error_description"])
    test.assertEqual(answer.revoke_issued_tokens(), error.revoke_issued_tokens)
    return {
        "error": error.error_code,
        "failed_attempts_left": error.failed_attempts_left,
        "revoke_issued_tokens": error.revoke_issued_tokens,
    }


def answer_view_matches(test, answer):
    """The engine's JSON view of an answer says what the answer's own accessors say."""
    view = json.loads(answer.to_json())
    test.assertEqual((view["status"], view["body"]), (answer.status(), answer.body()))
    outcome = answer.outcome()
    kind = "issued" if outcome.is_issued() else "rejected" if outcome.is_rejected() else "failed"
    test.assertEqual(view["outcome"]["kind"], kind)
    stored = answer.record_to_store()
    test.assertEqual(view.get("record"), None if stored is None else json.loads(stored.to_json()))
    test.assertEqual(view.get("event"), optional_event_value(test, answer.event()))
    test.assertEqual(stored is None, answer.event() is None, "an event exactly with a record to store")


def run_redeem(test, case, file):
    """Every case through the engine's token endpoint: read the form, then answer against the record."""
    members = {"id", "note", "config", "record", "form", "now", "expect"}
    check_keys(case, members, members - {"note"})
    expect = case["expect"]
    try:
        issuer = issuer_for(file, case)
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    step = issuer.read_token_request(case["form"])
    if step.is_answer():
        # The body alone decides: the engine answers `invalid_request` before any lookup.
        check_keys(expect, {"request_error", "rejected"}, {"request_error", "rejected"})
        answer = step.answer
        answer_view_matches(test, answer)
        test.assertTrue(answer.outcome().is_rejected())
        test.assertIsNone(answer.record_to_store())
        test.assertEqual(rejected_value(test, answer, answer.outcome().error), expect["rejected"])
        return
    try:
        record = co.OfferRecord.from_json(json.dumps(case["record"]))
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    answer = issuer.answer_token_request(step.request, record, case["now"], co.Entropy.fixed(bytes(range(32))))
    answer_view_matches(test, answer)
    # Both steps in one call give the same answer (the same entropy gives the same access token).
    again = issuer.token_endpoint(case["form"], record, case["now"], co.Entropy.fixed(bytes(range(32))))
    test.assertEqual(again.to_json(), answer.to_json())
    outcome = answer.outcome()
    if outcome.is_failed():
        test.assertEqual(answer.status(), 500)
        test.assertEqual(json.loads(answer.body())["error"], "server_error")
        check_keys(expect, {"error", "field"}, {"error"})
        actual = {"error": outcome.error.code}
        if "field" in expect:
            actual["field"] = outcome.error.field
        test.assertEqual(actual, expect)
        return
    test.assertNotIn("error", expect, "expected an error")
    if outcome.is_issued():
        token = outcome.token
        test.assertEqual(answer.status(), 200)
        body = json.loads(answer.body())
        test.assertEqual(body, {"access_token": token.access_token, "token_type": "Bearer", "expires_in": 300})
        test.assertEqual(token.expires_in, 300)
        test.assertNotIn(token.access_token, str(token) + repr(token) + str(outcome) + repr(outcome))
        actual = {"issued": {"user_id": token.user_id, "credential_configuration_ids": token.credential_configuration_ids}}
    else:
        actual = {"rejected": rejected_value(test, answer, outcome.error)}
    stored = answer.record_to_store()
    actual["changed"] = stored is not None
    actual["record"] = record_value(test, stored if stored is not None else record)
    if stored is not None:
        actual["event"] = event_value(test, answer.event())
    test.assertEqual(actual, expect)


LIFECYCLE_MEMBERS = {
    "create": {"body", "entropy_hex"},
    "serve": {"token"},
    "token": {"form"},
    "delete": set(),
    "check_expiry": set(),
    "status": set(),
}


def run_lifecycle(test, case, file):
    """One offer, step by step: each step on the record the steps before it left."""
    check_keys(case, {"id", "note", "config", "steps"}, {"id", "config", "steps"})
    issuer = issuer_for(file, case)
    test.assertTrue(case["steps"], "steps is not empty")
    record = None
    for index, step in enumerate(case["steps"]):
        try:
            changed = run_lifecycle_step(test, issuer, step, record)
        except (AssertionError, co.CredentialOfferError) as error:
            raise AssertionError(f"steps[{index}] {step.get('op')}: {error}") from error
        record = changed if changed is not None else record


def run_lifecycle_step(test, issuer, step, record):
    """Runs one step; returns the next record when the step changed it."""
    op = step.get("op")
    if op not in LIFECYCLE_MEMBERS:
        raise AssertionError(f"malformed step: op {op}")
    members = {"op", "note", "now", "expect"} | LIFECYCLE_MEMBERS[op]
    check_keys(step, members, members - {"note"})
    test.assertTrue(op == "create" or record is not None, "the first step creates the offer")
    expect, now = step["expect"], step["now"]
    if op == "create":
        check_keys(expect, {"event"}, {"event"})
        created = issuer.create_pre_authorized_offer(step["body"], now, co.Entropy.fixed_hex(step["entropy_hex"]))
        test.assertEqual(event_value(test, created.event), expect["event"])
        return created.record
    if op == "serve":
        fetch = issuer.serve_offer(record, step["token"], now)
        check_keys(expect, {"error", "event"})
        change = fetch.offer if fetch.is_served() else fetch.expired
        test.assertEqual(None if fetch.is_served() else "offer_not_found", expect.get("error"))
        test.assertEqual(event_value(test, change.event) if change else None, expect.get("event"))
        return change.record if change else None
    if op == "delete":
        try:
            changed = issuer.delete(record, now)
        except co.CredentialOfferError as error:
            expect_error(test, expect, error)
            return None
        check_keys(expect, {"event"}, {"event"})
        test.assertEqual(event_value(test, changed.event), expect["event"])
        return changed.record
    if op == "token":
        check_keys(expect, {"http_status", "outcome", "oauth_error", "event"}, {"http_status", "outcome", "event"})
        answer = issuer.token_endpoint(step["form"], record, now, co.Entropy.fixed(bytes(range(32))))
        answer_view_matches(test, answer)
        outcome = answer.outcome()
        actual = {"http_status": answer.status(), "outcome": json.loads(answer.to_json())["outcome"]["kind"],
                  "event": optional_event_value(test, answer.event())}
        if outcome.is_rejected():
            actual["oauth_error"] = outcome.error.error_code
        test.assertEqual(actual, expect)
        return answer.record_to_store()
    if op == "check_expiry":
        check_keys(expect, {"event"}, {"event"})
        expired = issuer.check_expiry(record, now)
        test.assertEqual(None if expired is None else event_value(test, expired.event), expect["event"])
        return None if expired is None else expired.record
    check_keys(expect, {"status"}, {"status"})
    test.assertEqual(json.loads(co.offer_status(record, now)), expect["status"])
    return None


def run_secret(test, case, _file):
    function = case["function"]
    expect = case["expect"]
    if function == "lookup_key":
        check_keys(case, {"id", "note", "function", "secret", "expect"}, {"id", "function", "secret", "expect"})
        check_keys(expect, {"value"}, {"value"})
        test.assertEqual(co.lookup_key(case["secret"]), expect["value"])
        return
    members = {"id", "note", "function", "entropy_hex", "expect"}
    if function == "tx_code":
        members |= {"input_mode", "length"}
    elif function not in ("pre_authorized_code", "issuer_state", "uuid_v4"):
        raise AssertionError(f"malformed case: function {function}")
    check_keys(case, members, members - {"note"})
    try:
        entropy = co.Entropy.fixed_hex(case["entropy_hex"])
        if function == "pre_authorized_code":
            value = co.generate_pre_authorized_code(entropy)
        elif function == "issuer_state":
            value = co.generate_issuer_state(entropy)
        elif function == "uuid_v4":
            value = co.generate_uuid_v4(entropy)
        else:
            mode = {"numeric": co.InputMode.NUMERIC, "text": co.InputMode.TEXT}[case["input_mode"]]
            value = co.generate_tx_code(mode, case["length"], entropy)
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    test.assertNotIn("error", expect, "expected an error")
    check_keys(expect, {"value"}, {"value"})
    test.assertEqual(value, expect["value"])
    test.assertEqual(entropy.remaining(), 0, "the case gives exactly the bytes a success needs")


def prompt_value(prompt):
    if prompt is None:
        return None
    return {
        "input_mode": prompt.input_mode.name.lower(),
        "length": prompt.length,
        "max_length": prompt.max_length,
        "description": prompt.description,
    }


def run_introspect(test, case, _file):
    """The form's lookup key finds the case's record (`null`: none found); the answer comes from it."""
    check_keys(case, {"id", "note", "record", "form", "now", "expect"}, {"id", "record", "form", "now", "expect"})
    expect = case["expect"]
    if "request_error" in expect:
        check_keys(expect, {"request_error"}, {"request_error"})
        wanted = {"error": expect["request_error"]["code"], "field": expect["request_error"]["field"]}
        for call in (lambda: co.introspection_lookup_key(case["form"]), lambda: co.introspect(case["form"], None, case["now"])):
            with test.assertRaises(co.CredentialOfferError) as raised:
                call()
            expect_error(test, wanted, raised.exception)
        return
    check_keys(expect, {"body"}, {"body"})
    key = co.introspection_lookup_key(case["form"])
    record = None if case["record"] is None else co.OfferRecord.from_json(json.dumps(case["record"]))
    found = record if record is not None and record.access_token_hash() == key else None
    # What a host finds by the key, and the case's record as it stands, give the same answer.
    test.assertEqual(json.loads(co.introspect(case["form"], found, case["now"])), expect["body"])
    test.assertEqual(json.loads(co.introspect(case["form"], record, case["now"])), expect["body"])


def run_wallet(test, case, _file):
    check_keys(case, {"id", "note", "input", "expect", "input_checks", "token_requests"}, {"id", "input", "expect"})
    expect = case["expect"]
    try:
        if case["input"].lstrip().startswith("{"):
            parsed = co.parse_offer_json(case["input"], co.default_parse_options())
        else:
            result = co.parse_offer_uri(case["input"], co.default_parse_options())
            if result.is_by_reference():
                check_keys(expect, {"reference"}, {"reference"})
                test.assertEqual(result.uri, expect["reference"])
                return
            parsed = result.parsed
    except co.CredentialOfferError as error:
        return expect_error(test, expect, error)
    check_keys(expect, {"grants", "tx_code_prompt"}, {"grants", "tx_code_prompt"})
    test.assertEqual([grant.identifier() for grant in co.offered_grants(parsed.offer)], expect["grants"])
    prompt = co.tx_code_prompt(parsed)
    test.assertEqual(prompt_value(prompt), expect["tx_code_prompt"])
    for check in case.get("input_checks", []):
        check_keys(check, {"input", "expect"}, {"input", "expect"})
        if prompt is None:
            raise AssertionError("malformed case: input checks without a prompt")
        try:
            prompt.check(check["input"])
            actual = "ok"
        except co.CredentialOfferError as error:
            actual = error.code
        test.assertEqual(actual, check["expect"], check["input"])
    for request in case.get("token_requests", []):
        check_keys(request, {"tx_code", "client_id", "expect"}, {"expect"})
        try:
            body = co.token_request_body(parsed.offer, request.get("tx_code"), request.get("client_id"))
        except co.CredentialOfferError as error:
            expect_error(test, request["expect"], error)
            continue
        test.assertNotIn("error", request["expect"], "expected an error")
        check_keys(request["expect"], {"body"}, {"body"})
        test.assertEqual(body, request["expect"]["body"])


def plain(runner):
    return lambda test, case, _file: runner(test, case)


RUNNERS = {
    "parse.json": plain(run_parse),
    "build.json": plain(run_build),
    "metadata.json": plain(run_metadata),
    "lint.json": plain(run_lint),
    "resolve.json": plain(run_resolve),
    "issuer.json": run_issuer,
    "redeem.json": run_redeem,
    "lifecycle.json": run_lifecycle,
    "secret.json": run_secret,
    "wallet.json": run_wallet,
    "introspect.json": run_introspect,
}


class Vectors(unittest.TestCase):
    """One test method per vector case, added below."""


def add_vector_tests():
    known = 0
    for name in sorted(os.listdir(VECTORS)):
        runner = RUNNERS.get(name)
        if runner is None:
            continue
        with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
            file = json.load(f)
        known += 1
        for case in file["cases"]:
            def test(self, case=case, runner=runner, file=file):
                runner(self, case, file)
            setattr(Vectors, f"test_{name[:-5]}_{case['id']}", test)
    if known != len(RUNNERS):
        raise SystemExit(f"expected {len(RUNNERS)} vector files in {VECTORS}, found {known}")


ISSUER_CONFIG = '{"credentialIssuer":"https://issuer.example.com","credentialConfigurations":{"mdl":"mso_mdoc"}}'


class Idiomatic(unittest.TestCase):
    def test_wallet_reads_an_offer_and_its_tx_code(self):
        offer = co.CredentialOffer(
            credential_issuer="https://issuer.example.com",
            credential_configuration_ids=["org.iso.18013.5.1.mDL"],
            legacy_credentials=[],
            grants=co.Grants(
                authorization_code=None,
                pre_authorized_code=co.PreAuthorizedCodeGrant(
                    pre_authorized_code="oaKazRN8I0IbtZ0C7JuMn5",
                    tx_code=co.TxCode(input_mode=co.InputMode.NUMERIC, length=6, description="Check your email", extensions={}),
                    authorization_server=None,
                    extensions={},
                ),
                other={},
            ),
            extensions={"request_parameters": '{"login_hint":"user@example.com"}'},
        )
        uri = co.offer_to_uri(offer, co.default_build_options())
        self.assertTrue(uri.startswith("openid-credential-offer://?credential_offer=%7B"))
        result = co.parse_offer_uri(uri, co.default_parse_options())
        self.assertTrue(result.is_by_value())
        self.assertEqual(result.parsed.offer, offer)
        self.assertEqual(result.parsed.source, co.Source.V1)
        for printed in (result, result.parsed, result.parsed.offer, result.parsed.offer.grants.pre_authorized_code):
            self.assertNotIn("oaKazRN8I0IbtZ0C7JuMn5", str(printed))
            self.assertNotIn("oaKazRN8I0IbtZ0C7JuMn5", repr(printed))
        self.assertIn("Check your email", str(result.parsed.offer))

    def test_errors_carry_code_description_and_field(self):
        offer = co.CredentialOffer(
            credential_issuer="https://issuer.example.com",
            credential_configuration_ids=["a", "a"],
            legacy_credentials=[],
            grants=None,
            extensions={},
        )
        with self.assertRaises(co.CredentialOfferError.DuplicateCredentialConfigurationId) as caught:
            co.offer_to_uri(offer, co.default_build_options())
        error = caught.exception
        self.assertEqual(error.code, "duplicate_credential_configuration_id")
        self.assertEqual(error.error_code(), error.code)
        self.assertEqual(error.error_message(), error.description)
        self.assertTrue(error.description)
        self.assertEqual(error.field, "credential_configuration_ids[1]")

    def test_every_error_code_has_its_own_exception_class(self):
        classes = {name for name in dir(co.CredentialOfferError) if not name.startswith("_")}
        for code in co.error_codes():
            name = "".join(part.capitalize() for part in code.split("_"))
            self.assertIn(name, classes, code)

    def test_issuer_to_wallet_to_token_endpoint(self):
        issuer = co.Issuer(ISSUER_CONFIG)
        created = issuer.create_pre_authorized_offer(
            '{"credentials":["mdl"],"transactionCodeConfiguration":{}}', 1_746_057_600, co.Entropy.system()
        )
        self.assertRegex(created.transaction_code, r"^[0-9]{6}$")
        self.assertNotIn(created.transaction_code, created.record.to_json())
        # The wallet scans the URI, asks for the code, and builds its token request.
        parsed = co.parse_offer_uri(created.uri, co.default_parse_options()).parsed
        pre_authorized_code = parsed.offer.grants.pre_authorized_code.pre_authorized_code
        for secret in (created.transaction_code, pre_authorized_code):
            self.assertNotIn(secret, str(created))
            self.assertNotIn(secret, repr(created))
        self.assertIn(created.id, str(created))
        prompt = co.tx_code_prompt(parsed)
        self.assertEqual((prompt.input_mode, prompt.length), (co.InputMode.NUMERIC, 6))
        with self.assertRaises(co.CredentialOfferError.TxCodeMismatch):
            prompt.check("12")
        prompt.check(created.transaction_code)
        body = co.token_request_body(parsed.offer, created.transaction_code, None)
        # The token endpoint: read the form, find the record by its lookup key, answer, store.
        store = {created.record.code_hash(): created.record}
        step = issuer.read_token_request(body)
        self.assertTrue(step.is_find())
        self.assertNotIn(pre_authorized_code, str(step.request) + repr(step.request))
        self.assertEqual(step.request.client_id(), None)
        answer = issuer.answer_token_request(step.request, store.get(step.request.lookup_key()), 1_746_057_610, co.Entropy.system())
        self.assertEqual(answer.status(), 200)
        self.assertEqual(answer.headers()["Cache-Control"], "no-store")
        token = answer.outcome().token
        self.assertEqual((token.credential_configuration_ids, token.user_id, token.expires_in), (["mdl"], created.user_id, 300))
        self.assertEqual(json.loads(answer.body())["access_token"], token.access_token)
        for printed in (answer, token, answer.outcome()):
            self.assertNotIn(token.access_token, str(printed) + repr(printed))
        stored = answer.record_to_store()
        self.assertEqual((stored.state(), stored.version()), (co.OfferState.REDEEMED, created.record.version() + 1))
        store[stored.code_hash()] = stored
        # A replay is refused and revokes the token issued from the code: the record to store says so.
        again = issuer.token_endpoint(body, store[stored.code_hash()], 1_746_057_611, co.Entropy.system())
        self.assertEqual(again.status(), 400)
        self.assertEqual(again.outcome().error.error, co.TokenErrorCode.INVALID_GRANT)
        self.assertTrue(again.revoke_issued_tokens())
        revoked = again.record_to_store()
        self.assertEqual(revoked.version(), stored.version() + 1)
        self.assertTrue(json.loads(revoked.to_json())["accessToken"]["revoked"])
        self.assertEqual(json.loads(again.to_json())["outcome"]["revokeIssuedTokens"], True)

    def test_token_answers_of_the_host(self):
        cases = [
            (co.TokenAnswer.busy(), 503, co.TokenErrorCode.TEMPORARILY_UNAVAILABLE),
            (co.TokenAnswer.server_error(), 500, co.TokenErrorCode.SERVER_ERROR),
            (co.TokenAnswer.unreadable_body(413, "the body is too large"), 413, co.TokenErrorCode.INVALID_REQUEST),
        ]
        for answer, status, code in cases:
            self.assertEqual(answer.status(), status)
            self.assertEqual(answer.outcome().error.error, code)
            self.assertEqual(json.loads(answer.body())["error"], answer.outcome().error.error_code)
        step = co.Issuer(ISSUER_CONFIG).read_token_request("grant_type=authorization_code&code=x")
        self.assertTrue(step.is_answer())
        self.assertEqual(json.loads(step.answer.body())["error"], "unsupported_grant_type")

    def test_build_offer_uri_and_json_from_json_of_any_draft(self):
        draft11 = '{"credential_issuer":"https://issuer.example.com","credentials":["pid"]}'
        uri = co.build_offer_uri(draft11, co.default_build_options())
        self.assertEqual(
            uri,
            "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fissuer.example.com"
            "%22%2C%22credential_configuration_ids%22%3A%5B%22pid%22%5D%7D",
        )
        self.assertEqual(
            co.build_offer_json(draft11, co.default_build_options()),
            '{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"]}',
        )
        # The writer is strict even where the reader is lenient: a blank id is refused.
        with self.assertRaises(co.CredentialOfferError.BlankValue):
            co.build_offer_uri('{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":[" "]}',
                               co.default_build_options())

    def test_issuer_checks_its_metadata(self):
        issuer = co.Issuer(ISSUER_CONFIG)
        issuer.check_metadata(co.IssuerMetadata(
            '{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{"mdl":{"format":"mso_mdoc"}}}'))
        with self.assertRaises(co.CredentialOfferError.IssuerMismatch) as caught:
            issuer.check_metadata(co.IssuerMetadata(
                '{"credential_issuer":"https://other.example.com","credential_configurations_supported":{"mdl":{"format":"mso_mdoc"}}}'))
        self.assertEqual(caught.exception.field, "credential_issuer")
        with self.assertRaises(co.CredentialOfferError.InvalidMetadata) as caught:
            issuer.check_metadata(co.IssuerMetadata(
                '{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{"mdl":{"format":"dc+sd-jwt"}}}'))
        self.assertEqual(caught.exception.field, "credential_configurations_supported.mdl.format")

    def test_error_views_and_binding_failures(self):
        with self.assertRaises(co.CredentialOfferError.MissingOfferParameter) as caught:
            co.parse_offer_uri("openid-credential-offer://?foo=bar", co.default_parse_options())
        view = json.loads(caught.exception.to_json())
        self.assertEqual((view["code"], view["httpStatus"], view["details"]), ("missing_offer_parameter", 400, []))
        offer = co.parse_offer_json('{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["a"]}',
                                    co.default_parse_options()).offer
        offer.extensions["x"] = "{not json"
        with self.assertRaises(co.CredentialOfferError.Binding) as caught:
            co.offer_to_json(offer, co.Dialect.V1)
        error = caught.exception
        self.assertEqual((error.code, error.field, error.http_status()), ("invalid_argument", "extensions.x", 400))
        self.assertIn(error.code, co.binding_error_codes())
        self.assertNotIn(error.code, co.error_codes())
        self.assertEqual(json.loads(error.to_json())["code"], "invalid_argument")

    def test_qr_svg(self):
        svg = co.render_qr_svg("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%2F1")
        self.assertTrue(svg.startswith("<svg") or svg.startswith("<?xml"), svg[:40])
        self.assertIn("</svg>", svg)
        self.assertFalse(co.qr_is_uncomfortable("openid-credential-offer://?credential_offer_uri=x"))
        with self.assertRaises(co.CredentialOfferError.QrTooLong):
            co.render_qr_svg("x" * 5000)

    def test_lint_report_with_profile_metadata_and_evidence(self):
        uri = co.build_offer_uri(
            '{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"],'
            '"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c0de"}}}',
            co.default_build_options(),
        )
        options = co.default_lint_options()
        options.profile = co.Profile.HAIP
        report = co.lint(uri, options)
        self.assertEqual(report.profile, co.Profile.HAIP)
        self.assertIsNone(report.reference)
        self.assertEqual(codes(report.warnings), ["pre_authorized_without_tx_code", "haip_authorization_code"])
        self.assertIn("#664", report.warnings[0].evidence)
        self.assertTrue(all(w.evidence for w in report.warnings))
        self.assertEqual(json.loads(report.json)["profile"], "haip")
        # A parse warning is not the lint's: no evidence.
        plus = co.parse_offer_uri(uri.replace("c0de", "a+b"), co.default_parse_options()).parsed
        self.assertEqual([(w.code, w.evidence) for w in plus.warnings], [("ambiguous_plus", None)])

        authorization = (
            '{"credential_issuer":"https://issuer.example.com","credential_configuration_ids":["pid"],'
            '"grants":{"authorization_code":{}}}'
        )
        options.metadata = co.IssuerMetadata(
            '{"credential_issuer":"https://issuer.example.com",'
            '"credential_configurations_supported":{"pid":{"format":"dc+sd-jwt"}}}'
        )
        self.assertEqual(warning_entries(co.lint(authorization, options).warnings),
                         [{"code": "haip_scope", "field": "credential_configuration_ids[0]"}])
        options = co.default_lint_options()
        options.profile = co.parse_profile("it-wallet")
        options.build.base = "haip-vci://"
        self.assertEqual(codes(co.lint(authorization, options).warnings), ["it_wallet_issuer_state", "it_wallet_scheme"])
        with self.assertRaises(co.CredentialOfferError.UnknownProfile):
            co.parse_profile("HAIP")
        # The parse options reach the reading: an http issuer only when allowed.
        insecure = uri.replace("https%3A%2F%2Fissuer.example.com", "http%3A%2F%2Flocalhost%3A8080")
        with self.assertRaises(co.CredentialOfferError.InsecureUrl):
            co.lint(insecure, co.default_lint_options())
        options = co.default_lint_options()
        options.parse.allow_insecure_http = True
        self.assertEqual(codes(co.lint(insecure, options).warnings), ["pre_authorized_without_tx_code"])

    def test_wallet_resolves_inline_descriptions(self):
        metadata = co.IssuerMetadata(
            '{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{'
            '"pid":{"format":"dc+sd-jwt","vct":"urn:eudi:pid:1"},'
            '"mdl":{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}}}'
        )
        draft11 = (
            '{"credential_issuer":"https://issuer.example.com","credentials":[{"format":"vc+sd-jwt",'
            '"vct":"urn:eudi:pid:1"},{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}]}'
        )
        read = co.parse_offer_json(draft11, co.default_parse_options())
        self.assertEqual(read.offer.credential_configuration_ids, [])
        self.assertEqual(len(read.offer.legacy_credentials), 2)
        resolved = metadata.resolve_credential_descriptions(read.offer)
        self.assertEqual(resolved.credential_configuration_ids, ["pid", "mdl"])
        self.assertEqual(resolved.legacy_credentials, [])
        parsed = metadata.resolve_offer_json(draft11, co.default_parse_options())
        self.assertEqual(parsed.offer, resolved)
        self.assertEqual(parsed.source, co.Source.DRAFT11)
        self.assertIn("legacy_credential_description", codes(read.warnings))
        self.assertNotIn("legacy_credential_description", codes(parsed.warnings))
        self.assertEqual(json.loads(parsed.json)["offer"]["credential_configuration_ids"], ["pid", "mdl"])
        only_mdl = co.IssuerMetadata(
            '{"credential_issuer":"https://issuer.example.com","credential_configurations_supported":{'
            '"mdl":{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}}}'
        )
        with self.assertRaises(co.CredentialOfferError.UnknownCredentialConfiguration) as raised:
            only_mdl.resolve_credential_descriptions(read.offer)
        self.assertEqual(raised.exception.field, "credentials[0]")

    def test_metadata_object(self):
        metadata = co.IssuerMetadata(
            '{"credential_issuer":"https://issuer.example.com","authorization_servers":["https://as.example.com"],'
            '"credential_configurations_supported":{"mdl":{"format":"mso_mdoc"}}}'
        )
        self.assertEqual(metadata.credential_issuer(), "https://issuer.example.com")
        self.assertEqual(metadata.authorization_servers(), ["https://as.example.com"])
        with self.assertRaises(co.CredentialOfferError.InvalidMetadata):
            co.IssuerMetadata("[]")


def main():
    add_vector_tests()
    suite = unittest.TestSuite()
    loader = unittest.defaultTestLoader
    suite.addTests(loader.loadTestsFromTestCase(Vectors))
    suite.addTests(loader.loadTestsFromTestCase(Idiomatic))
    result = unittest.TextTestRunner(verbosity=0, stream=sys.stderr).run(suite)
    failed = len(result.failures) + len(result.errors)
    print(f"python: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(0 if failed == 0 and result.testsRun > 0 else 1)


if __name__ == "__main__":
    main()
