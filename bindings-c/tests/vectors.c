/*
 * Runs the shared test vectors (the JSON files in tests/vectors, described in tests/vectors/README.md) through
 * the C API. A case with a member this runner does not know fails, so a typo cannot turn a case into
 * one that tests nothing. Cases listed in the expected-failures file (`<file> <id> <reason>`) may fail;
 * if one passes, that is a failure too (the list must shrink).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

void run_vectors(const char *dir, const char *expected_failures);

typedef struct problem {
    char text[1024];
    bool set;
} problem;

static bool fail(problem *p, const char *format, ...) {
    if (!p->set) {
        va_list args;
        va_start(args, format);
        vsnprintf(p->text, sizeof p->text, format, args);
        va_end(args);
        p->set = true;
    }
    return false;
}

static bool only_members(const json *object, const char *const *allowed, const char *what, problem *p) {
    if (!object || object->type != JSON_OBJECT) {
        return fail(p, "malformed %s: not an object", what);
    }
    for (size_t i = 0; i < object->count; i++) {
        bool known = false;
        for (const char *const *name = allowed; *name; name++) {
            known = known || strcmp(object->keys[i], *name) == 0;
        }
        if (!known) {
            return fail(p, "malformed %s: unknown member \"%s\"", what, object->keys[i]);
        }
    }
    return true;
}

/* MATTR error bodies are compared without their `msg` members (messages may improve), after checking
 * each is a non-empty string. */
static bool mattr_body_matches(const credoffer_error *error, const json *expected, problem *p) {
    char *text = NULL;
    size_t len = 0;
    if (seen_status(credoffer_error_mattr_json(error, &text, &len, NULL)) != CREDOFFER_STATUS_OK) {
        return fail(p, "the error has no MATTR body");
    }
    json *actual = json_parse(text, len);
    credoffer_string_free(text);
    const json *details = json_get(actual, "details");
    bool ok = actual != NULL;
    for (size_t i = 0; ok && details && details->type == JSON_ARRAY && i < details->count; i++) {
        json *msg = json_take(details->items[i], "msg");
        ok = msg && msg->type == JSON_STRING && msg->text_len > 0;
        json_free(msg);
    }
    if (ok && !json_equal(actual, expected)) {
        char *got = json_write(actual, NULL);
        ok = fail(p, "MATTR body: got %s", got ? got : "?");
        free(got);
    } else if (!ok) {
        fail(p, "a MATTR detail has no message");
    }
    json_free(actual);
    return ok;
}

/* Checks a call's outcome against an `{"error", "field"?, "status"?, "body"?}` expectation, which may also
 * have the `members` the caller compares itself. Returns true when the expectation is an error and it
 * matched; sets a problem when it did not. `*handled` says whether the case is settled (an error was
 * expected or happened). */
static bool check_error_among(credoffer_status status, credoffer_error *error, const json *expect,
                              const char *const *members, problem *p, bool *handled) {
    const char *code = json_get_string(expect, "error");
    seen_error(error);
    *handled = code != NULL || status != CREDOFFER_STATUS_OK;
    if (!*handled) {
        return true;
    }
    const char *actual = credoffer_status_code((int)status);
    credoffer_str field = credoffer_error_field(error);
    credoffer_str message = credoffer_error_message(error);
    if (!code) {
        return fail(p, "expected success, got %s at %.*s: %.*s", actual, (int)field.len, field.data ? field.data : "-",
                    (int)message.len, message.data);
    }
    if (!only_members(expect, members, "error expectation", p)) {
        return false;
    }
    if (status == CREDOFFER_STATUS_OK) {
        return fail(p, "expected error %s, got success", code);
    }
    if (strcmp(code, actual) != 0) {
        return fail(p, "expected error %s, got %s at %.*s: %.*s", code, actual, (int)field.len,
                    field.data ? field.data : "-", (int)message.len, message.data);
    }
    const json *expected_field = json_get(expect, "field");
    if (expected_field && !json_string_is(expected_field, field.data ? field.data : "", field.len)) {
        return fail(p, "expected field %s, got %.*s", expected_field->text ? expected_field->text : "?",
                    (int)field.len, field.data ? field.data : "(none)");
    }
    const json *http_status = json_get(expect, "status");
    if (http_status && (http_status->type != JSON_NUMBER ||
                        strtoul(http_status->text, NULL, 10) != credoffer_error_http_status(error))) {
        return fail(p, "expected HTTP status %s, got %u", http_status->text ? http_status->text : "?",
                    (unsigned)credoffer_error_http_status(error));
    }
    const json *body = json_get(expect, "body");
    return !body || mattr_body_matches(error, body, p);
}

static bool check_error(credoffer_status status, credoffer_error *error, const json *expect, problem *p,
                        bool *handled) {
    static const char *const members[] = {"error", "field", "status", "body", NULL};
    return check_error_among(status, error, expect, members, p, handled);
}

/* An error that may still change the offer (a fetch reporting an expiry): the caller compares the
 * expectation's `record` and `event` with what the call handed out. */
static bool check_refusal(credoffer_status status, credoffer_error *error, const json *expect, problem *p,
                          bool *handled) {
    static const char *const members[] = {"error", "field", "status", "body", "record", "event", NULL};
    return check_error_among(status, error, expect, members, p, handled);
}

/* Compares the list of warning codes with `expected` (an array of strings; absent means none). */
typedef credoffer_status (*warning_reader)(const void *handle, size_t index, credoffer_warning *out,
                                           credoffer_error **error);

static credoffer_status read_offer_warning(const void *handle, size_t index, credoffer_warning *out,
                                           credoffer_error **error) {
    return credoffer_offer_warning((const credoffer_offer *)handle, index, out, error);
}

static credoffer_status read_metadata_warning(const void *handle, size_t index, credoffer_warning *out,
                                              credoffer_error **error) {
    return credoffer_metadata_result_warning((const credoffer_metadata_result *)handle, index, out, error);
}

static bool check_warnings(const void *handle, size_t count, warning_reader read, const json *expected, problem *p) {
    size_t expected_count = 0;
    if (expected) {
        if (expected->type != JSON_ARRAY) {
            return fail(p, "malformed case: warnings must be an array");
        }
        expected_count = expected->count;
    }
    if (count != expected_count) {
        credoffer_warning first;
        if (count > 0 && seen_status(read(handle, 0, &first, NULL)) == CREDOFFER_STATUS_OK) {
            return fail(p, "expected %zu warnings, got %zu (first: %.*s)", expected_count, count, (int)first.code.len,
                        first.code.data);
        }
        return fail(p, "expected %zu warnings, got %zu", expected_count, count);
    }
    for (size_t i = 0; i < count; i++) {
        credoffer_warning warning;
        if (seen_status(read(handle, i, &warning, NULL)) != CREDOFFER_STATUS_OK) {
            return fail(p, "warning %zu unreadable", i);
        }
        if (!json_string_is(expected->items[i], warning.code.data, warning.code.len)) {
            return fail(p, "warning %zu: expected %s, got %.*s", i,
                        expected->items[i]->type == JSON_STRING ? expected->items[i]->text : "?", (int)warning.code.len,
                        warning.code.data);
        }
    }
    return true;
}

static bool read_size(const json *limits, const char *name, size_t *out, problem *p) {
    const json *value = json_get(limits, name);
    if (!value) {
        return true;
    }
    if (value->type != JSON_NUMBER) {
        return fail(p, "malformed case: limits.%s must be a number", name);
    }
    *out = (size_t)strtoull(value->text, NULL, 10);
    return true;
}

static bool parse_options_of(const json *options, credoffer_parse_options *out, problem *p) {
    *out = credoffer_parse_options_default();
    if (!options) {
        return true;
    }
    static const char *const members[] = {"plus", "strict", "allow_insecure_http", "limits", NULL};
    if (!only_members(options, members, "options", p)) {
        return false;
    }
    const char *plus = json_get_string(options, "plus");
    if (plus && strcmp(plus, "literal") == 0) {
        out->flags |= CREDOFFER_PLUS_LITERAL;
    } else if (plus && strcmp(plus, "space") != 0) {
        return fail(p, "malformed case: plus is %s", plus);
    }
    if (json_get_true(options, "strict")) {
        out->flags |= CREDOFFER_STRICT;
    }
    if (json_get_true(options, "allow_insecure_http")) {
        out->flags |= CREDOFFER_ALLOW_INSECURE_HTTP;
    }
    const json *limits = json_get(options, "limits");
    if (limits) {
        static const char *const limit_members[] = {"max_uri_bytes", "max_json_bytes",
                                                    "max_credential_configuration_ids", "max_depth", NULL};
        return only_members(limits, limit_members, "limits", p) &&
               read_size(limits, "max_uri_bytes", &out->max_uri_bytes, p) &&
               read_size(limits, "max_json_bytes", &out->max_json_bytes, p) &&
               read_size(limits, "max_credential_configuration_ids", &out->max_credential_configuration_ids, p) &&
               read_size(limits, "max_depth", &out->max_depth, p);
    }
    return true;
}

/* Build options point into the case's JSON, which outlives the call. */
static bool build_options_of(const json *options, credoffer_build_options *out, problem *p) {
    memset(out, 0, sizeof *out);
    if (!options) {
        return true;
    }
    static const char *const members[] = {"dialect", "base", "allow_insecure_http", NULL};
    if (!only_members(options, members, "options", p)) {
        return false;
    }
    const json *dialect = json_get(options, "dialect");
    if (dialect && dialect->type == JSON_STRING) {
        out->dialect = dialect->text;
        out->dialect_len = dialect->text_len;
    }
    const json *base = json_get(options, "base");
    if (base && base->type == JSON_STRING) {
        out->base = base->text;
        out->base_len = base->text_len;
    }
    if (json_get_true(options, "allow_insecure_http")) {
        out->flags = CREDOFFER_ALLOW_INSECURE_HTTP;
    }
    return true;
}

/* The offer as read, from the engine's view of the parse (the one writer that writes a lenient reading back). */
static bool offer_json_equals(const credoffer_offer *offer, const json *expected, problem *p) {
    char *text = NULL;
    size_t len = 0;
    if (seen_status(credoffer_offer_to_view_json(offer, &text, &len, NULL)) != CREDOFFER_STATUS_OK) {
        return fail(p, "the offer has no view");
    }
    json *view = json_parse(text, len);
    const json *actual = json_get(view, "offer");
    bool same = json_equal(actual, expected);
    if (!same) {
        char *want = json_write(expected, NULL);
        fail(p, "offer: expected %s, got %s", want ? want : "?", text);
        free(want);
    }
    json_free(view);
    credoffer_string_free(text);
    return same;
}

static bool run_parse_case(const json *c, const json *file, problem *p) {
    (void)file;
    static const char *const members[] = {"id", "note", "input", "options", "expect", NULL};
    if (!only_members(c, members, "case", p)) {
        return false;
    }
    const json *input = json_get(c, "input");
    const json *expect = json_get(c, "expect");
    credoffer_parse_options options;
    if (!input || input->type != JSON_STRING || !expect) {
        return fail(p, "malformed case: input and expect are required");
    }
    if (!parse_options_of(json_get(c, "options"), &options, p)) {
        return false;
    }
    credoffer_offer *offer = NULL;
    credoffer_error *error = NULL;
    credoffer_status status = seen_status(credoffer_parse_uri(input->text, input->text_len, &options, &offer, &error));
    bool handled;
    bool ok = check_error(status, error, expect, p, &handled);
    credoffer_error_free(error);
    if (handled) {
        credoffer_offer_free(offer);
        return ok;
    }
    size_t warnings = 0;
    seen_status(credoffer_offer_warning_count(offer, &warnings, NULL));
    credoffer_str reference;
    seen_status(credoffer_offer_reference(offer, &reference, NULL));
    const json *expected_reference = json_get(expect, "reference");
    if (expected_reference) {
        static const char *const shape[] = {"reference", "warnings", NULL};
        ok = only_members(expect, shape, "expect", p);
        if (ok && !json_string_is(expected_reference, reference.data ? reference.data : "", reference.len)) {
            ok = fail(p, "expected reference %s, got %.*s", expected_reference->text, (int)reference.len,
                      reference.data ? reference.data : "(by value)");
        }
    } else {
        static const char *const shape[] = {"offer", "source", "warnings", NULL};
        ok = only_members(expect, shape, "expect", p);
        credoffer_str source;
        const char *expected_source = json_get_string(expect, "source");
        if (ok && reference.data) {
            ok = fail(p, "expected an offer by value, got a reference");
        }
        if (ok && seen_status(credoffer_offer_source(offer, &source, NULL)) == CREDOFFER_STATUS_OK &&
            !str_is(source, expected_source ? expected_source : "(missing)")) {
            ok = fail(p, "expected source %s, got %.*s", expected_source ? expected_source : "(missing)",
                      (int)source.len, source.data);
        }
        ok = ok && offer_json_equals(offer, json_get(expect, "offer"), p);
    }
    ok = ok && check_warnings(offer, warnings, read_offer_warning, json_get(expect, "warnings"), p);
    credoffer_offer_free(offer);
    return ok;
}

static bool run_build_case(const json *c, const json *file, problem *p) {
    (void)file;
    static const char *const members[] = {"id", "note", "offer", "reference", "options", "expect", NULL};
    if (!only_members(c, members, "case", p)) {
        return false;
    }
    const json *offer = json_get(c, "offer");
    const json *reference = json_get(c, "reference");
    const json *expect = json_get(c, "expect");
    if (!expect || (offer == NULL) == (reference == NULL) || (reference && reference->type != JSON_STRING)) {
        return fail(p, "malformed case: exactly one of offer and reference, and expect, are required");
    }
    credoffer_build_options options;
    if (!build_options_of(json_get(c, "options"), &options, p)) {
        return false;
    }
    char *uri = NULL;
    size_t uri_len = 0;
    credoffer_error *error = NULL;
    credoffer_status status;
    if (offer) {
        size_t len = 0;
        char *text = json_write(offer, &len);
        status = seen_status(credoffer_build_uri_from_json(text, len, &options, &uri, &uri_len, &error));
        free(text);
    } else {
        status = seen_status(
            credoffer_build_reference_uri(reference->text, reference->text_len, &options, &uri, &uri_len, &error));
    }
    bool handled;
    bool ok = check_error(status, error, expect, p, &handled);
    credoffer_error_free(error);
    if (!handled) {
        static const char *const shape[] = {"uri", NULL};
        const json *expected = json_get(expect, "uri");
        ok = only_members(expect, shape, "expect", p);
        if (ok && !json_string_is(expected, uri, uri_len)) {
            ok = fail(p, "expected %s, got %s", expected && expected->text ? expected->text : "?", uri);
        }
    }
    credoffer_string_free(uri);
    return ok;
}

static bool run_metadata_case(const json *c, const json *file, problem *p) {
    (void)file;
    const json *expect = json_get(c, "expect");
    const json *well_known = json_get(c, "well_known");
    bool handled;
    bool ok;
    if (well_known) {
        static const char *const members[] = {"id", "note", "well_known", "expect", NULL};
        if (!only_members(c, members, "case", p) || well_known->type != JSON_STRING || !expect) {
            return fail(p, "malformed well_known case");
        }
        char *url = NULL;
        size_t len = 0;
        credoffer_error *error = NULL;
        credoffer_status status =
            seen_status(credoffer_well_known_url(well_known->text, well_known->text_len, &url, &len, &error));
        ok = check_error(status, error, expect, p, &handled);
        credoffer_error_free(error);
        if (!handled) {
            static const char *const shape[] = {"url", NULL};
            const json *expected = json_get(expect, "url");
            ok = only_members(expect, shape, "expect", p);
            if (ok && !json_string_is(expected, url, len)) {
                ok = fail(p, "expected %s, got %s", expected && expected->text ? expected->text : "?", url);
            }
        }
        credoffer_string_free(url);
        return ok;
    }
    static const char *const members[] = {"id", "note", "offer", "metadata", "expect", NULL};
    const json *offer_json = json_get(c, "offer");
    const json *metadata_json = json_get(c, "metadata");
    if (!only_members(c, members, "case", p) || !offer_json || !metadata_json || !expect) {
        return fail(p, "malformed case: offer, metadata and expect are required");
    }
    size_t len = 0;
    char *text = json_write(offer_json, &len);
    credoffer_offer *offer = NULL;
    credoffer_error *error = NULL;
    credoffer_status status = seen_status(credoffer_parse_json(text, len, NULL, &offer, &error));
    free(text);
    credoffer_metadata_result *result = NULL;
    if (status == CREDOFFER_STATUS_OK) {
        text = json_write(metadata_json, &len);
        status = seen_status(credoffer_metadata_check(text, len, offer, &result, &error));
        free(text);
    }
    ok = check_error(status, error, expect, p, &handled);
    credoffer_error_free(error);
    if (!handled) {
        static const char *const shape[] = {"formats", "warnings", NULL};
        const json *formats = json_get(expect, "formats");
        size_t count = 0;
        seen_status(credoffer_metadata_result_format_count(result, &count, NULL));
        ok = only_members(expect, shape, "expect", p);
        if (ok && (!formats || formats->type != JSON_ARRAY || formats->count != count)) {
            ok = fail(p, "expected %zu formats, got %zu", formats ? formats->count : 0, count);
        }
        for (size_t i = 0; ok && i < count; i++) {
            credoffer_str id, format;
            const json *pair = formats->items[i];
            seen_status(credoffer_metadata_result_format(result, i, &id, &format, NULL));
            if (pair->type != JSON_ARRAY || pair->count != 2 || !json_string_is(pair->items[0], id.data, id.len) ||
                !json_string_is(pair->items[1], format.data, format.len)) {
                ok = fail(p, "format %zu: got [%.*s, %.*s]", i, (int)id.len, id.data, (int)format.len, format.data);
            }
        }
        size_t warnings = 0;
        seen_status(credoffer_metadata_result_warning_count(result, &warnings, NULL));
        ok = ok && check_warnings(result, warnings, read_metadata_warning, json_get(expect, "warnings"), p);
    }
    credoffer_metadata_result_free(result);
    credoffer_offer_free(offer);
    return ok;
}


/* --- the engine files: issuer, redeem, secret, wallet (shapes as in core/tests/engine_vectors.rs) --- */

static bool same_json_text(const char *what, const json *expected, const char *text, size_t len, problem *p) {
    json *actual = text ? json_parse(text, len) : NULL;
    bool same = expected && actual && json_equal(actual, expected);
    if (!same) {
        char *want = expected ? json_write(expected, NULL) : NULL;
        fail(p, "%s: expected %s, got %s", what, want ? want : "(missing)", text ? text : "(none)");
        free(want);
    }
    json_free(actual);
    return same;
}

/* `expect.event` against the event a call handed out (`text` NULL for none): absent or null expects none. */
static bool same_event(const json *expect, const char *text, size_t len, problem *p) {
    const json *expected = json_get(expect, "event");
    if (!text) {
        return !expected || expected->type == JSON_NULL || fail(p, "expected an event, got none");
    }
    return same_json_text("event", expected, text, len, p);
}

/* Hex text to bytes; false when it is not hex (the C API takes bytes, so hex is the runner's job). */
static bool hex_bytes(const char *hex, unsigned char **out, size_t *len) {
    size_t n = strlen(hex);
    *out = NULL;
    *len = 0;
    if (n % 2) return false;
    *out = malloc(n / 2 + 1);
    if (!*out) return false;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned value;
        if (!strchr("0123456789abcdefABCDEF", hex[2 * i]) || !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]) ||
            hex[2 * i] == '\0' || hex[2 * i + 1] == '\0' || sscanf(hex + 2 * i, "%2x", &value) != 1) {
            free(*out);
            *out = NULL;
            return false;
        }
        (*out)[i] = (unsigned char)value;
    }
    *len = n / 2;
    return true;
}

static bool number_member(const json *c, const char *name, unsigned long long *out, problem *p) {
    const json *value = json_get(c, name);
    if (!value || value->type != JSON_NUMBER) {
        return fail(p, "malformed case: %s must be an integer", name);
    }
    *out = strtoull(value->text, NULL, 10);
    return true;
}

/* Makes the issuer a case names; on failure, the error decides the case (`*settled`). */
static credoffer_issuer *issuer_of(const json *c, const json *file, const json *expect, problem *p, bool *settled,
                                   bool *ok) {
    const char *name = json_get_string(c, "config");
    const json *config = name ? json_get(json_get(file, "configs"), name) : NULL;
    *settled = false;
    if (!config) {
        *settled = true;
        *ok = fail(p, "malformed case: no config named %s", name ? name : "(none)");
        return NULL;
    }
    size_t len = 0;
    char *text = json_write(config, &len);
    credoffer_issuer *issuer = NULL;
    credoffer_error *error = NULL;
    credoffer_status status = seen_status(credoffer_issuer_new(text, len, &issuer, &error));
    free(text);
    if (status != CREDOFFER_STATUS_OK) {
        bool handled;
        *ok = check_error(status, error, expect, p, &handled);
        *settled = true;
    }
    credoffer_error_free(error);
    return issuer;
}

static bool run_issuer_case(const json *c, const json *file, problem *p) {
    static const char *const members[] = {"id", "note", "config", "endpoint", "body", "now", "entropy_hex", "record",
                                          "token", "expect", NULL};
    const char *endpoint = json_get_string(c, "endpoint");
    const json *expect = json_get(c, "expect");
    if (!only_members(c, members, "case", p) || !endpoint || !expect) {
        return fail(p, "malformed case: endpoint and expect are required");
    }
    bool settled, ok = true;
    credoffer_issuer *issuer = issuer_of(c, file, expect, p, &settled, &ok);
    if (settled) {
        credoffer_issuer_free(issuer);
        return ok;
    }
    const char *body = json_get_string(c, "body");
    const json *body_json = json_get(c, "body");
    unsigned char *entropy = NULL;
    size_t entropy_len = 0;
    const char *hex = json_get_string(c, "entropy_hex");
    if (hex && !hex_bytes(hex, &entropy, &entropy_len)) {
        credoffer_issuer_free(issuer);
        return fail(p, "malformed case: entropy_hex is not hex");
    }
    /* A non-NULL pointer, even for zero bytes: the case's bytes, never the system's. */
    static const unsigned char none[1] = {0};
    const unsigned char *bytes = entropy ? entropy : none;
    char *record_text = json_get(c, "record") ? json_write(json_get(c, "record"), NULL) : NULL;
    char *out1 = NULL, *out2 = NULL, *event = NULL;
    size_t len1 = 0, len2 = 0, event_len = 0;
    credoffer_error *error = NULL;
    credoffer_status status;
    unsigned long long now = 0;
    if (strcmp(endpoint, "authorization") == 0 && body) {
        status = credoffer_issuer_create_authorization_offer(issuer, body, body_json->text_len, bytes, entropy_len, &out1,
                                                             &len1, &error);
    } else if (strcmp(endpoint, "pre-authorized") == 0 && body && number_member(c, "now", &now, p)) {
        status = credoffer_issuer_create_pre_authorized_offer(issuer, body, body_json->text_len, now, bytes, entropy_len,
                                                              &out1, &len1, &out2, &len2, &event, &event_len, &error);
    } else if (strcmp(endpoint, "delete") == 0 && record_text && number_member(c, "now", &now, p)) {
        status = credoffer_issuer_delete(issuer, record_text, strlen(record_text), now, &out2, &len2, &event, &event_len,
                                         &error);
    } else if (strcmp(endpoint, "serve") == 0 && record_text && json_get_string(c, "token") &&
               number_member(c, "now", &now, p)) {
        const json *token = json_get(c, "token");
        status = credoffer_issuer_serve_offer(issuer, record_text, strlen(record_text), token->text, token->text_len, now,
                                              &out1, &len1, &out2, &len2, &event, &event_len, &error);
    } else {
        ok = fail(p, "malformed case for endpoint %s", endpoint);
        status = CREDOFFER_STATUS_OK;
        expect = NULL;
    }
    if (expect) {
        seen_status(status);
        bool handled;
        ok = check_refusal(status, error, expect, p, &handled);
        if (handled && ok) {
            /* Refused, and perhaps changed all the same: serve's first meeting with an expiry. */
            const json *record = json_get(expect, "record");
            ok = (!out2 && !record) || same_json_text("record", record, out2, len2, p);
            ok = ok && same_event(expect, event, event_len, p);
        } else if (!handled) {
            static const char *const shapes[] = {"response", "record", "offer", "event", NULL};
            ok = only_members(expect, shapes, "expect", p);
            const json *response = json_get(expect, "response");
            const json *record = json_get(expect, "record");
            const json *offer = json_get(expect, "offer");
            if (ok && strcmp(endpoint, "serve") == 0) {
                ok = json_string_is(offer, out1, len1) || fail(p, "offer JSON: got %s", out1 ? out1 : "(none)");
            } else if (ok && out1) {
                ok = same_json_text("response", response, out1, len1, p);
            }
            if (ok && (out2 || record)) {
                ok = same_json_text("record", record, out2, len2, p);
            }
            ok = ok && same_event(expect, event, event_len, p);
        }
    }
    credoffer_error_free(error);
    credoffer_string_free(out1);
    credoffer_string_free(out2);
    credoffer_string_free(event);
    free(record_text);
    free(entropy);
    credoffer_issuer_free(issuer);
    return ok;
}

/* The vectors' access-token bytes, 00 01 ... 1f, so that a redeemed record binds the token they expect. */
static const unsigned char ACCESS_TOKEN_BYTES[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                                     16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

/* A refusal as the vectors write it: `{"error", "failed_attempts_left", "revoke_issued_tokens"}`. */
static bool rejected_matches(const json *expected, const credoffer_token_answer *answer, problem *p) {
    static const char *const members[] = {"error", "failed_attempts_left", "revoke_issued_tokens", NULL};
    if (!only_members(expected, members, "rejected", p)) {
        return false;
    }
    credoffer_token_rejection refusal;
    bool revoke = false;
    uint16_t status = 0;
    credoffer_str body;
    seen_status(credoffer_token_answer_rejection(answer, &refusal, NULL));
    seen_status(credoffer_token_answer_revoke_issued_tokens(answer, &revoke, NULL));
    seen_status(credoffer_token_answer_status(answer, &status, NULL));
    seen_status(credoffer_token_answer_body(answer, &body, NULL));
    const json *expected_left = json_get(expected, "failed_attempts_left");
    bool left_ok = refusal.has_failed_attempts_left
                       ? expected_left && expected_left->type == JSON_NUMBER &&
                             strtoul(expected_left->text, NULL, 10) == refusal.failed_attempts_left
                       : !expected_left || expected_left->type == JSON_NULL;
    if (!json_string_is(json_get(expected, "error"), refusal.error.data, refusal.error.len) || !left_ok ||
        json_get_true(expected, "revoke_issued_tokens") != revoke || status != 400) {
        return fail(p, "rejected: got %d %.*s, attempts left %s%u, revoke %d", status, (int)refusal.error.len,
                    refusal.error.data ? refusal.error.data : "", refusal.has_failed_attempts_left ? "" : "none/",
                    refusal.failed_attempts_left, revoke);
    }
    /* The body is exactly the OAuth error: `{"error", "error_description"}`. */
    json *sent = body.data ? json_parse(body.data, body.len) : NULL;
    bool body_ok = sent && sent->type == JSON_OBJECT && sent->count == 2 &&
                   json_string_is(json_get(sent, "error"), refusal.error.data, refusal.error.len) &&
                   json_string_is(json_get(sent, "error_description"), refusal.description.data,
                                  refusal.description.len);
    json_free(sent);
    return body_ok || fail(p, "token error body: %.*s", (int)body.len, body.data ? body.data : "(none)");
}

/* An issued token as the vectors write it: `{"user_id", "credential_configuration_ids"}`. */
static bool issued_matches(const json *expected, const credoffer_token_answer *answer, problem *p) {
    credoffer_issued_token token;
    size_t count = 0;
    uint16_t status = 0;
    seen_status(credoffer_token_answer_issued(answer, &token, NULL));
    seen_status(credoffer_token_answer_id_count(answer, &count, NULL));
    seen_status(credoffer_token_answer_status(answer, &status, NULL));
    const json *ids = json_get(expected, "credential_configuration_ids");
    if (!json_string_is(json_get(expected, "user_id"), token.user_id.data, token.user_id.len) || !ids ||
        ids->type != JSON_ARRAY || ids->count != count || status != 200 || token.access_token.len != 43) {
        return fail(p, "issued %d to %.*s for %zu ids", status, (int)token.user_id.len,
                    token.user_id.data ? token.user_id.data : "", count);
    }
    for (size_t i = 0; i < count; i++) {
        credoffer_str id;
        seen_status(credoffer_token_answer_id(answer, i, &id, NULL));
        if (!json_string_is(ids->items[i], id.data, id.len)) {
            return fail(p, "issued id %zu differs", i);
        }
    }
    return true;
}

/* A redeem case through the token endpoint: read the form; when it leaves a lookup, answer against the
   case's record; the one-call endpoint must give the same answer. */
static bool run_redeem_case(const json *c, const json *file, problem *p) {
    static const char *const members[] = {"id", "note", "config", "record", "form", "now", "expect", NULL};
    const json *expect = json_get(c, "expect");
    const json *form = json_get(c, "form");
    unsigned long long now = 0;
    if (!only_members(c, members, "case", p) || !expect || !form || form->type != JSON_STRING ||
        !json_get(c, "record") || !number_member(c, "now", &now, p)) {
        return fail(p, "malformed case");
    }
    bool settled, ok = true;
    credoffer_issuer *issuer = issuer_of(c, file, expect, p, &settled, &ok);
    if (settled) {
        credoffer_issuer_free(issuer);
        return ok;
    }
    /* Both calls draw the same token, so their views compare equal. */
    const unsigned char *token_bytes = ACCESS_TOKEN_BYTES;
    size_t record_len = 0;
    char *record = json_write(json_get(c, "record"), &record_len);
    credoffer_token_request *request = NULL;
    credoffer_token_answer *answer = NULL, *again = NULL;
    credoffer_error *error = NULL;
    credoffer_status status =
        seen_status(credoffer_issuer_read_token_request(issuer, form->text, form->text_len, &request, &answer, NULL));
    if (status == CREDOFFER_STATUS_OK && request) {
        /* The host's lookup: the case's record is found when its codeHash is the request's key. */
        char *key = NULL;
        seen_status(credoffer_token_request_lookup_key(request, &key, NULL, NULL));
        const char *hash = json_get_string(json_get(c, "record"), "codeHash");
        bool found = !hash || (key && strcmp(key, hash) == 0);
        credoffer_string_free(key);
        status = seen_status(credoffer_issuer_answer_token_request(issuer, request, found ? record : NULL,
                                                                   found ? record_len : 0, now, token_bytes,
                                                                   sizeof ACCESS_TOKEN_BYTES, &answer, &error));
    }
    credoffer_status one_call = seen_status(credoffer_issuer_token_endpoint(
        issuer, form->text, form->text_len, record, record_len, now, token_bytes, sizeof ACCESS_TOKEN_BYTES, &again, NULL));
    char *view = NULL, *again_view = NULL;
    seen_status(credoffer_token_answer_to_json(answer, &view, NULL, NULL));
    seen_status(credoffer_token_answer_to_json(again, &again_view, NULL, NULL));
    if (one_call != status || (view || again_view) != (view && again_view && strcmp(view, again_view) == 0)) {
        ok = fail(p, "the one-call endpoint differs: %s against %s", again_view ? again_view : "(none)",
                  view ? view : "(none)");
    }
    uint32_t outcome = 0;
    credoffer_error *failure = NULL;
    seen_status(credoffer_token_answer_outcome(answer, &outcome, NULL));
    seen_status(credoffer_token_answer_failure(answer, &failure, NULL));
    if (!ok) {
        /* The difference is reported above. */
    } else if (json_get(expect, "request_error")) {
        /* The body alone decides: the engine answers before any lookup, and nothing is stored. The
           engine's reason (`request_error`) stays inside the engine: the answer says what OAuth says. */
        static const char *const shape[] = {"request_error", "rejected", NULL};
        char *next = NULL, *event = NULL;
        seen_status(credoffer_token_answer_record_json(answer, &next, NULL, NULL));
        seen_status(credoffer_token_answer_event_json(answer, &event, NULL, NULL));
        ok = only_members(expect, shape, "expect", p) &&
             ((request == NULL && status == CREDOFFER_STATUS_OK && next == NULL && event == NULL) ||
              fail(p, "the form was not answered at once")) &&
             rejected_matches(json_get(expect, "rejected"), answer, p);
        credoffer_string_free(next);
        credoffer_string_free(event);
    } else if (status != CREDOFFER_STATUS_OK || outcome == CREDOFFER_TOKEN_OUTCOME_FAILED) {
        /* A record the library cannot read fails the call; one the engine cannot judge is a 500 answer
           whose failure the host logs. Either way, the vectors' error. */
        uint16_t http = 0;
        seen_status(credoffer_token_answer_status(answer, &http, NULL));
        bool handled;
        ok = (status != CREDOFFER_STATUS_OK || http == 500 || fail(p, "a failed answer with status %d", http)) &&
             check_error(status != CREDOFFER_STATUS_OK ? status : credoffer_error_status(failure),
                         status != CREDOFFER_STATUS_OK ? error : failure, expect, p, &handled) &&
             (handled || fail(p, "expected an outcome, got an error"));
    } else {
        static const char *const shape[] = {"issued", "rejected", "changed", "record", "event", NULL};
        char *next = NULL, *event = NULL;
        size_t next_len = 0, event_len = 0;
        seen_status(credoffer_token_answer_record_json(answer, &next, &next_len, NULL));
        seen_status(credoffer_token_answer_event_json(answer, &event, &event_len, NULL));
        ok = only_members(expect, shape, "expect", p);
        if (ok && (next == NULL) != (event == NULL)) {
            ok = fail(p, "a changed record without an event, or an event without a change");
        }
        const json *expected_changed = json_get(expect, "changed");
        if (ok && (!expected_changed || expected_changed->type != JSON_BOOL || expected_changed->boolean != (next != NULL))) {
            ok = fail(p, "changed: got %d", next != NULL);
        }
        /* Nothing to store means the record stays as it was. */
        ok = ok && same_json_text("record", json_get(expect, "record"), next ? next : record,
                                  next ? next_len : record_len, p) &&
             same_event(expect, event, event_len, p);
        credoffer_string_free(next);
        credoffer_string_free(event);
        const json *expected_issued = json_get(expect, "issued");
        if (ok && (outcome == CREDOFFER_TOKEN_OUTCOME_ISSUED) != (expected_issued != NULL)) {
            ok = fail(p, "expected %s, got outcome %u", expected_issued ? "issued" : "rejected", outcome);
        }
        if (ok) {
            ok = expected_issued ? issued_matches(expected_issued, answer, p)
                                 : rejected_matches(json_get(expect, "rejected"), answer, p);
        }
    }
    credoffer_string_free(view);
    credoffer_string_free(again_view);
    credoffer_error_free(error);
    credoffer_error_free(failure);
    credoffer_token_request_free(request);
    credoffer_token_answer_free(answer);
    credoffer_token_answer_free(again);
    free(record);
    credoffer_issuer_free(issuer);
    return ok;
}

/* --- lifecycle.json: one offer, step by step, each step on the record the steps before it left --- */

/* A token step's answer (`credoffer_token_answer_to_json`) against `{"http_status", "outcome", "oauth_error"?}`. */
static bool answer_matches(const json *expect, const char *view_text, size_t view_len, problem *p) {
    json *view = view_text ? json_parse(view_text, view_len) : NULL;
    const json *outcome = json_get(view, "outcome");
    const json *error = json_get(outcome, "error");
    const json *expected_error = json_get(expect, "oauth_error");
    bool same = json_equal(json_get(view, "status"), json_get(expect, "http_status")) &&
                json_equal(json_get(outcome, "kind"), json_get(expect, "outcome")) &&
                (expected_error ? json_equal(error, expected_error) : !error || error->type != JSON_STRING);
    json_free(view);
    return same || fail(p, "answer: got %s", view_text ? view_text : "(none)");
}

static bool run_lifecycle_step(const credoffer_issuer *issuer, const json *step, char **record, problem *p) {
    static const char *const create_members[] = {"op", "note", "body", "now", "entropy_hex", "expect", NULL};
    static const char *const serve_members[] = {"op", "note", "token", "now", "expect", NULL};
    static const char *const token_members[] = {"op", "note", "form", "now", "expect", NULL};
    static const char *const plain_members[] = {"op", "note", "now", "expect", NULL};
    static const char *const event_shape[] = {"event", NULL};
    static const char *const answer_shape[] = {"http_status", "outcome", "oauth_error", "event", NULL};
    static const char *const status_shape[] = {"status", NULL};
    const char *op = json_get_string(step, "op");
    const json *expect = json_get(step, "expect");
    unsigned long long now = 0;
    if (!op || !expect || expect->type != JSON_OBJECT || !number_member(step, "now", &now, p)) {
        return fail(p, "malformed step: op, now and expect are required");
    }
    const json *input = json_get(step, strcmp(op, "create") == 0 ? "body" : strcmp(op, "serve") == 0 ? "token" : "form");
    const char *const *members = strcmp(op, "create") == 0  ? create_members
                                 : strcmp(op, "serve") == 0 ? serve_members
                                 : strcmp(op, "token") == 0 ? token_members
                                                            : plain_members;
    if (!only_members(step, members, "step", p)) {
        return false;
    }
    if (members != plain_members && (!input || input->type != JSON_STRING)) {
        return fail(p, "malformed %s step", op);
    }
    if (strcmp(op, "create") != 0 && !*record) {
        return fail(p, "malformed case: the first step must create the offer");
    }
    size_t record_len = *record ? strlen(*record) : 0;
    char *next = NULL, *event = NULL, *result = NULL; /* result: the response, offer, answer or status */
    size_t next_len = 0, event_len = 0, result_len = 0;
    credoffer_error *error = NULL;
    credoffer_status status = CREDOFFER_STATUS_OK;
    bool may_fail = false; /* whether the expectation may be an error */
    const char *const *shape = event_shape;
    if (strcmp(op, "create") == 0) {
        const char *hex = json_get_string(step, "entropy_hex");
        unsigned char *entropy = NULL;
        size_t entropy_len = 0;
        if (!hex || !hex_bytes(hex, &entropy, &entropy_len)) {
            return fail(p, "malformed create step: entropy_hex");
        }
        status = credoffer_issuer_create_pre_authorized_offer(issuer, input->text, input->text_len, now, entropy,
                                                              entropy_len, &result, &result_len, &next, &next_len,
                                                              &event, &event_len, &error);
        free(entropy);
    } else if (strcmp(op, "serve") == 0) {
        may_fail = true;
        status = credoffer_issuer_serve_offer(issuer, *record, record_len, input->text, input->text_len, now, &result,
                                              &result_len, &next, &next_len, &event, &event_len, &error);
    } else if (strcmp(op, "token") == 0) {
        credoffer_token_answer *answer = NULL;
        shape = answer_shape;
        status = credoffer_issuer_token_endpoint(issuer, input->text, input->text_len, *record, record_len, now,
                                                 ACCESS_TOKEN_BYTES, sizeof ACCESS_TOKEN_BYTES, &answer, &error);
        seen_status(credoffer_token_answer_record_json(answer, &next, &next_len, NULL));
        seen_status(credoffer_token_answer_event_json(answer, &event, &event_len, NULL));
        seen_status(credoffer_token_answer_to_json(answer, &result, &result_len, NULL));
        credoffer_token_answer_free(answer);
    } else if (strcmp(op, "delete") == 0) {
        may_fail = true;
        status = credoffer_issuer_delete(issuer, *record, record_len, now, &next, &next_len, &event, &event_len, &error);
    } else if (strcmp(op, "check_expiry") == 0) {
        status = credoffer_issuer_check_expiry(issuer, *record, record_len, now, &next, &next_len, &event, &event_len,
                                               &error);
    } else if (strcmp(op, "status") == 0) {
        shape = status_shape;
        status = credoffer_offer_status(*record, record_len, now, &result, &result_len, &error);
    } else {
        return fail(p, "malformed step: unknown op %s", op);
    }
    seen_status(status);
    bool handled = false, ok;
    if (may_fail) {
        ok = check_refusal(status, error, expect, p, &handled) && (!handled || same_event(expect, event, event_len, p));
    } else {
        seen_error(error);
        handled = status != CREDOFFER_STATUS_OK;
        ok = !handled || fail(p, "failed: %s", credoffer_status_code((int)status));
    }
    if (ok && !handled) {
        ok = only_members(expect, shape, "expect", p) &&
             (shape != status_shape || same_json_text("status", json_get(expect, "status"), result, result_len, p)) &&
             (shape != answer_shape || answer_matches(expect, result, result_len, p)) &&
             (shape == status_shape || same_event(expect, event, event_len, p));
    }
    if (ok && (next == NULL) != (event == NULL)) {
        ok = fail(p, "a changed record without an event, or an event without a change");
    }
    if (next) {
        credoffer_string_free(*record);
        *record = next;
    }
    credoffer_string_free(event);
    credoffer_string_free(result);
    credoffer_error_free(error);
    return ok;
}

static bool run_lifecycle_case(const json *c, const json *file, problem *p) {
    static const char *const members[] = {"id", "note", "config", "steps", NULL};
    const json *steps = json_get(c, "steps");
    if (!only_members(c, members, "case", p) || !steps || steps->type != JSON_ARRAY || steps->count == 0) {
        return fail(p, "malformed case: steps must be a non-empty array");
    }
    static const json no_error = {.type = JSON_OBJECT};
    bool settled, ok = true;
    credoffer_issuer *issuer = issuer_of(c, file, &no_error, p, &settled, &ok);
    char *record = NULL;
    for (size_t i = 0; !settled && ok && i < steps->count; i++) {
        problem step = {{0}, false};
        ok = run_lifecycle_step(issuer, steps->items[i], &record, &step);
        if (!ok) {
            fail(p, "steps[%zu] %s: %s", i, json_get_string(steps->items[i], "op") ? json_get_string(steps->items[i], "op") : "?",
                 step.text);
        }
    }
    credoffer_string_free(record);
    credoffer_issuer_free(issuer);
    return ok;
}

static bool run_secret_case(const json *c, const json *file, problem *p) {
    (void)file;
    const char *function = json_get_string(c, "function");
    const json *expect = json_get(c, "expect");
    if (!function || !expect) {
        return fail(p, "malformed case: function and expect are required");
    }
    char *value = NULL;
    size_t len = 0;
    credoffer_error *error = NULL;
    credoffer_status status;
    unsigned char *entropy = NULL;
    size_t entropy_len = 0;
    static const unsigned char none[1] = {0};
    if (strcmp(function, "lookup_key") == 0) {
        static const char *const members[] = {"id", "note", "function", "secret", "expect", NULL};
        const json *secret = json_get(c, "secret");
        if (!only_members(c, members, "case", p) || !secret || secret->type != JSON_STRING) {
            return fail(p, "malformed lookup_key case");
        }
        status = credoffer_lookup_key(secret->text, secret->text_len, &value, &len, &error);
    } else {
        static const char *const members[] = {"id", "note", "function", "input_mode", "length", "entropy_hex", "expect",
                                              NULL};
        const char *hex = json_get_string(c, "entropy_hex");
        if (!only_members(c, members, "case", p) || !hex) {
            return fail(p, "malformed case: entropy_hex is required");
        }
        if (!hex_bytes(hex, &entropy, &entropy_len)) {
            return fail(p, "entropy_hex is not hex (the C API takes bytes)");
        }
        const unsigned char *bytes = entropy ? entropy : none;
        if (strcmp(function, "pre_authorized_code") == 0) {
            status = credoffer_generate_pre_authorized_code(bytes, entropy_len, &value, &len, &error);
        } else if (strcmp(function, "issuer_state") == 0) {
            status = credoffer_generate_issuer_state(bytes, entropy_len, &value, &len, &error);
        } else if (strcmp(function, "uuid_v4") == 0) {
            status = credoffer_generate_uuid_v4(bytes, entropy_len, &value, &len, &error);
        } else if (strcmp(function, "tx_code") == 0) {
            const char *mode = json_get_string(c, "input_mode");
            unsigned long long length = 0;
            uint32_t input_mode = mode && strcmp(mode, "numeric") == 0 ? CREDOFFER_INPUT_MODE_NUMERIC
                                  : mode && strcmp(mode, "text") == 0  ? CREDOFFER_INPUT_MODE_TEXT
                                                                       : UINT32_MAX;
            if (input_mode == UINT32_MAX || !number_member(c, "length", &length, p) || length > UINT32_MAX) {
                free(entropy);
                return fail(p, "malformed tx_code case");
            }
            status = credoffer_generate_tx_code(input_mode, (uint32_t)length, bytes, entropy_len, &value, &len, &error);
        } else {
            free(entropy);
            return fail(p, "malformed case: unknown function %s", function);
        }
    }
    seen_status(status);
    bool handled;
    bool ok = check_error(status, error, expect, p, &handled);
    if (!handled) {
        static const char *const shape[] = {"value", NULL};
        ok = only_members(expect, shape, "expect", p);
        if (ok && !json_string_is(json_get(expect, "value"), value, len)) {
            ok = fail(p, "got %s", value ? value : "(none)");
        }
    }
    credoffer_error_free(error);
    credoffer_string_free(value);
    free(entropy);
    return ok;
}

static bool run_wallet_case(const json *c, const json *file, problem *p) {
    (void)file;
    static const char *const members[] = {"id", "note", "input", "expect", "input_checks", "token_requests", NULL};
    const json *input = json_get(c, "input");
    const json *expect = json_get(c, "expect");
    if (!only_members(c, members, "case", p) || !input || input->type != JSON_STRING || !expect) {
        return fail(p, "malformed case: input and expect are required");
    }
    credoffer_offer *offer = NULL;
    credoffer_error *error = NULL;
    credoffer_status status = seen_status(credoffer_parse_uri(input->text, input->text_len, NULL, &offer, &error));
    bool handled;
    bool ok = check_error(status, error, expect, p, &handled);
    credoffer_error_free(error);
    if (handled) {
        credoffer_offer_free(offer);
        return ok;
    }
    credoffer_str reference;
    seen_status(credoffer_offer_reference(offer, &reference, NULL));
    if (reference.data) {
        static const char *const shape[] = {"reference", NULL};
        ok = only_members(expect, shape, "expect", p) &&
             (json_string_is(json_get(expect, "reference"), reference.data, reference.len) ||
              fail(p, "reference: got %.*s", (int)reference.len, reference.data));
        credoffer_offer_free(offer);
        return ok;
    }
    static const char *const shape[] = {"grants", "tx_code_prompt", NULL};
    ok = only_members(expect, shape, "expect", p);
    uint32_t grants = 0;
    seen_status(credoffer_offer_grants(offer, &grants, NULL));
    const json *expected_grants = json_get(expect, "grants");
    static const char *const names[] = {"authorization_code", "urn:ietf:params:oauth:grant-type:pre-authorized_code"};
    size_t next = 0;
    for (size_t bit = 0; ok && bit < 2; bit++) {
        if (grants & (1u << bit)) {
            ok = (expected_grants && expected_grants->type == JSON_ARRAY && next < expected_grants->count &&
                  json_string_is(expected_grants->items[next], names[bit], strlen(names[bit]))) ||
                 fail(p, "grants differ at %s", names[bit]);
            next++;
        }
    }
    if (ok && (!expected_grants || next != expected_grants->count)) {
        ok = fail(p, "expected %zu grants, got %zu", expected_grants ? expected_grants->count : 0, next);
    }
    credoffer_tx_code_prompt prompt;
    seen_status(credoffer_offer_tx_code_prompt(offer, &prompt, NULL));
    const json *expected_prompt = json_get(expect, "tx_code_prompt");
    if (ok && (expected_prompt == NULL || (expected_prompt->type == JSON_NULL) == prompt.required)) {
        ok = fail(p, "tx_code_prompt: required is %d", prompt.required);
    }
    if (ok && prompt.required) {
        const char *mode = json_get_string(expected_prompt, "input_mode");
        const json *length = json_get(expected_prompt, "length");
        const json *max = json_get(expected_prompt, "max_length");
        const json *description = json_get(expected_prompt, "description");
        bool same_mode = mode && strcmp(mode, prompt.input_mode == CREDOFFER_INPUT_MODE_TEXT ? "text" : "numeric") == 0;
        bool same_length = prompt.has_length ? length && length->type == JSON_NUMBER &&
                                                   strtoul(length->text, NULL, 10) == prompt.length
                                             : length && length->type == JSON_NULL;
        bool same_max = prompt.has_max_length ? max && max->type == JSON_NUMBER &&
                                                    strtoul(max->text, NULL, 10) == prompt.max_length
                                              : max && max->type == JSON_NULL;
        bool same_description = prompt.description.data
                                    ? json_string_is(description, prompt.description.data, prompt.description.len)
                                    : description && description->type == JSON_NULL;
        if (!same_mode || !same_length || !same_max || !same_description) {
            ok = fail(p, "tx_code_prompt differs (mode %u, length %u, max %u)", prompt.input_mode, prompt.length,
                      prompt.max_length);
        }
    }
    const json *checks = json_get(c, "input_checks");
    for (size_t i = 0; ok && checks && i < checks->count; i++) {
        const json *check = checks->items[i];
        const json *check_input = json_get(check, "input");
        const char *expected_code = json_get_string(check, "expect");
        if (!check_input || check_input->type != JSON_STRING || !expected_code) {
            ok = fail(p, "malformed input check %zu", i);
            break;
        }
        credoffer_status result = seen_status(
            credoffer_offer_check_tx_code(offer, check_input->text, check_input->text_len, NULL));
        if (strcmp(credoffer_status_code((int)result), expected_code) != 0) {
            ok = fail(p, "input_checks[%zu]: expected %s, got %s", i, expected_code,
                      credoffer_status_code((int)result));
        }
    }
    const json *requests = json_get(c, "token_requests");
    for (size_t i = 0; ok && requests && i < requests->count; i++) {
        const json *request = requests->items[i];
        static const char *const request_members[] = {"tx_code", "client_id", "expect", NULL};
        const json *tx_code = json_get(request, "tx_code");
        const json *client_id = json_get(request, "client_id");
        const json *request_expect = json_get(request, "expect");
        if (!only_members(request, request_members, "token request", p) || !request_expect) {
            ok = false;
            break;
        }
        char *body = NULL;
        size_t body_len = 0;
        credoffer_error *request_error = NULL;
        credoffer_status result = seen_status(credoffer_offer_token_request(
            offer, tx_code ? tx_code->text : NULL, tx_code ? tx_code->text_len : 0, client_id ? client_id->text : NULL,
            client_id ? client_id->text_len : 0, &body, &body_len, &request_error));
        bool request_handled;
        ok = check_error(result, request_error, request_expect, p, &request_handled);
        if (!request_handled) {
            static const char *const body_shape[] = {"body", NULL};
            ok = only_members(request_expect, body_shape, "expect", p) &&
                 (json_string_is(json_get(request_expect, "body"), body, body_len) ||
                  fail(p, "token_requests[%zu]: got %s", i, body ? body : "(none)"));
        }
        credoffer_error_free(request_error);
        credoffer_string_free(body);
    }
    credoffer_offer_free(offer);
    return ok;
}

/* An introspect case: the form's lookup key finds the case's record (`null`: none found), then the answer
   from it. A form the engine refuses never reaches a record. */
static bool run_introspect_case(const json *c, const json *file, problem *p) {
    (void)file;
    static const char *const members[] = {"id", "note", "record", "form", "now", "expect", NULL};
    const json *expect = json_get(c, "expect");
    const json *form = json_get(c, "form");
    const json *record = json_get(c, "record");
    unsigned long long now = 0;
    if (!only_members(c, members, "case", p) || !expect || !form || form->type != JSON_STRING || !record ||
        !number_member(c, "now", &now, p)) {
        return fail(p, "malformed case");
    }
    char *key = NULL;
    credoffer_error *error = NULL;
    credoffer_status status =
        seen_status(credoffer_introspection_lookup_key(form->text, form->text_len, &key, NULL, &error));
    const json *request_error = json_get(expect, "request_error");
    bool ok = true;
    if (request_error) {
        static const char *const shape[] = {"request_error", NULL};
        const char *code = json_get_string(request_error, "code");
        const json *field = json_get(request_error, "field");
        credoffer_str actual_field = credoffer_error_field(error);
        ok = only_members(expect, shape, "expect", p) &&
             (status != CREDOFFER_STATUS_OK || fail(p, "expected %s, got a lookup key", code ? code : "?")) &&
             ((code && strcmp(code, credoffer_status_code((int)status)) == 0) ||
              fail(p, "expected %s, got %s", code ? code : "?", credoffer_status_code((int)status))) &&
             (!field || json_string_is(field, actual_field.data ? actual_field.data : "", actual_field.len) ||
              fail(p, "expected the field %s", field->text ? field->text : "?"));
        seen_error(error);
        credoffer_error_free(error);
        return ok;
    }
    if (status != CREDOFFER_STATUS_OK) {
        seen_error(error);
        credoffer_error_free(error);
        return fail(p, "the form was refused: %s", credoffer_status_code((int)status));
    }
    size_t record_len = 0;
    char *record_text = record->type == JSON_NULL ? NULL : json_write(record, &record_len);
    /* The host's lookup: the record stands for what its store finds by the key. */
    const json *bound = json_get(record, "accessToken");
    const char *hash = bound ? json_get_string(bound, "tokenHash") : NULL;
    if (record_text && hash && strcmp(hash, key) != 0) {
        /* Another token's record: a host would have found nothing, and the answer must be the same. */
        char *none = NULL;
        seen_status(credoffer_introspect(form->text, form->text_len, NULL, 0, now, &none, NULL, NULL));
        ok = same_json_text("answer without a record", json_get(expect, "body"), none, none ? strlen(none) : 0, p);
        credoffer_string_free(none);
    }
    char *answer = NULL;
    size_t answer_len = 0;
    status = seen_status(credoffer_introspect(form->text, form->text_len, record_text, record_len, now, &answer,
                                              &answer_len, &error));
    static const char *const shape[] = {"body", NULL};
    ok = ok && only_members(expect, shape, "expect", p) &&
         (status == CREDOFFER_STATUS_OK || fail(p, "introspection failed: %s", credoffer_status_code((int)status))) &&
         same_json_text("body", json_get(expect, "body"), answer, answer_len, p);
    seen_error(error);
    credoffer_error_free(error);
    credoffer_string_free(answer);
    credoffer_string_free(key);
    free(record_text);
    return ok;
}

/* --- lint.json, resolve.json --- */

/* Whether an optional string member of two objects is the same: both absent, or both the same string. */
static bool same_optional_string(const json *expected, const json *actual, const char *name) {
    const json *want = json_get(expected, name);
    const json *got = json_get(actual, name);
    return want == NULL ? got == NULL : got != NULL && json_equal(want, got);
}

/* The report's warnings as code and field, in order, against `expected` ([{"code", "field"?}]). */
static bool lint_warnings_match(const json *report, const json *expected, problem *p) {
    const json *actual = json_get(report, "warnings");
    if (!expected || expected->type != JSON_ARRAY) {
        return fail(p, "malformed case: expect.warnings must be an array");
    }
    if (!actual || actual->type != JSON_ARRAY) {
        return fail(p, "the report has no warnings array");
    }
    static const char *const shape[] = {"code", "field", NULL};
    for (size_t i = 0; i < expected->count || i < actual->count; i++) {
        const json *want = i < expected->count ? expected->items[i] : NULL;
        const json *got = i < actual->count ? actual->items[i] : NULL;
        if (want && !only_members(want, shape, "expected warning", p)) {
            return false;
        }
        if (!want || !got || !same_optional_string(want, got, "code") || !same_optional_string(want, got, "field")) {
            char *want_text = want ? json_write(want, NULL) : NULL;
            char *got_text = got ? json_write(got, NULL) : NULL;
            fail(p, "warning %zu: expected %s, got %s", i, want_text ? want_text : "(none)",
                 got_text ? got_text : "(none)");
            free(want_text);
            free(got_text);
            return false;
        }
    }
    return true;
}

static bool run_lint_case(const json *c, const json *file, problem *p) {
    (void)file;
    static const char *const members[] = {"id", "note", "input", "options", "expect", NULL};
    static const char *const option_members[] = {"profile", "dialect", "base", "metadata", NULL};
    const json *input = json_get(c, "input");
    const json *options = json_get(c, "options");
    const json *expect = json_get(c, "expect");
    if (!only_members(c, members, "case", p) || !input || input->type != JSON_STRING || !expect) {
        return fail(p, "malformed case: input and expect are required");
    }
    if (options && !only_members(options, option_members, "options", p)) {
        return false;
    }
    const json *profile = json_get(options, "profile");
    const json *metadata = json_get(options, "metadata");
    credoffer_build_options build;
    memset(&build, 0, sizeof build);
    const json *dialect = json_get(options, "dialect");
    const json *base = json_get(options, "base");
    if ((profile && profile->type != JSON_STRING) || (dialect && dialect->type != JSON_STRING) ||
        (base && base->type != JSON_STRING)) {
        return fail(p, "malformed case: profile, dialect and base are strings");
    }
    if (dialect) {
        build.dialect = dialect->text;
        build.dialect_len = dialect->text_len;
    }
    if (base) {
        build.base = base->text;
        build.base_len = base->text_len;
    }
    size_t metadata_len = 0;
    char *metadata_text = metadata ? json_write(metadata, &metadata_len) : NULL;
    char *report_text = NULL;
    size_t report_len = 0;
    credoffer_error *error = NULL;
    credoffer_status status = seen_status(credoffer_lint(
        input->text, input->text_len, profile ? profile->text : NULL, profile ? profile->text_len : 0, metadata_text,
        metadata_len, &build, NULL, &report_text, &report_len, &error));
    free(metadata_text);
    bool handled;
    bool ok = check_error(status, error, expect, p, &handled);
    credoffer_error_free(error);
    if (handled) {
        credoffer_string_free(report_text);
        return ok;
    }
    static const char *const shape[] = {"warnings", "reference", NULL};
    json *report = json_parse(report_text, report_len);
    const json *reported_profile = json_get(report, "profile");
    ok = only_members(expect, shape, "expect", p);
    if (ok && !report) {
        ok = fail(p, "the report is not JSON: %s", report_text);
    }
    if (ok && !(profile ? reported_profile && json_equal(profile, reported_profile)
                        : reported_profile && reported_profile->type == JSON_NULL)) {
        ok = fail(p, "the report names another profile: %s", report_text);
    }
    if (ok && !same_optional_string(expect, report, "reference")) {
        ok = fail(p, "reference differs: %s", report_text);
    }
    ok = ok && lint_warnings_match(report, json_get(expect, "warnings"), p);
    json_free(report);
    credoffer_string_free(report_text);
    return ok;
}

static bool run_resolve_case(const json *c, const json *file, problem *p) {
    (void)file;
    static const char *const members[] = {"id", "note", "offer", "metadata", "expect", NULL};
    const json *offer_json = json_get(c, "offer");
    const json *metadata_json = json_get(c, "metadata");
    const json *expect = json_get(c, "expect");
    if (!only_members(c, members, "case", p) || !offer_json || !metadata_json || !expect) {
        return fail(p, "malformed case: offer, metadata and expect are required");
    }
    size_t len = 0;
    char *text = json_write(offer_json, &len);
    credoffer_offer *offer = NULL;
    credoffer_offer *resolved = NULL;
    credoffer_error *error = NULL;
    credoffer_status status = seen_status(credoffer_parse_json(text, len, NULL, &offer, &error));
    free(text);
    if (status == CREDOFFER_STATUS_OK) {
        text = json_write(metadata_json, &len);
        status = seen_status(credoffer_offer_resolve(offer, text, len, &resolved, &error));
        free(text);
    }
    bool handled;
    bool ok = check_error(status, error, expect, p, &handled);
    credoffer_error_free(error);
    if (!handled) {
        static const char *const shape[] = {"offer", NULL};
        char *written = NULL;
        size_t written_len = 0;
        ok = only_members(expect, shape, "expect", p);
        if (ok && seen_status(credoffer_offer_to_json(resolved, NULL, 0, &written, &written_len, NULL)) !=
                      CREDOFFER_STATUS_OK) {
            ok = fail(p, "the resolved offer cannot be written as 1.0 JSON");
        }
        ok = ok && same_json_text("offer", json_get(expect, "offer"), written, written_len, p);
        credoffer_string_free(written);
    }
    credoffer_offer_free(resolved);
    credoffer_offer_free(offer);
    return ok;
}

typedef bool (*case_runner)(const json *c, const json *file, problem *p);

static const struct {
    const char *file;
    case_runner run;
    size_t minimum_cases;
} RUNNERS[] = {
    {"parse.json", run_parse_case, 200},
    {"build.json", run_build_case, 50},
    {"metadata.json", run_metadata_case, 25},
    {"lint.json", run_lint_case, 25},
    {"resolve.json", run_resolve_case, 10},
    {"issuer.json", run_issuer_case, 80},
    {"redeem.json", run_redeem_case, 40},
    {"lifecycle.json", run_lifecycle_case, 6},
    {"secret.json", run_secret_case, 25},
    {"wallet.json", run_wallet_case, 10},
    {"introspect.json", run_introspect_case, 10},
};

/* The expected-failures list: one `<file> <id> <reason>` per line, `#` comments. */
typedef struct expected_failure {
    char file[64];
    char id[192];
    bool used;
} expected_failure;

static size_t read_expected_failures(const char *path, expected_failure *out, size_t max) {
    size_t len = 0;
    char *text = read_file(path, &len);
    size_t count = 0;
    if (!text) {
        CHECK(!"the expected-failures file is readable");
        return 0;
    }
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        if (count < max && sscanf(line, "%63s %191s", out[count].file, out[count].id) == 2) {
            out[count].used = false;
            count++;
        }
    }
    free(text);
    return count;
}

void run_vectors(const char *dir, const char *expected_failures_path) {
    enum { MAX_EXPECTED = 64 };
    static expected_failure expected[MAX_EXPECTED];
    size_t expected_count = read_expected_failures(expected_failures_path, expected, MAX_EXPECTED);
    for (size_t r = 0; r < sizeof RUNNERS / sizeof RUNNERS[0]; r++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, RUNNERS[r].file);
        size_t len = 0;
        char *text = read_file(path, &len);
        json *file = text ? json_parse(text, len) : NULL;
        free(text);
        const json *cases = json_get(file, "cases");
        if (!CHECK(cases != NULL && cases->type == JSON_ARRAY && cases->count >= RUNNERS[r].minimum_cases)) {
            fprintf(stderr, "  %s: unreadable, or too few cases\n", path);
            json_free(file);
            continue;
        }
        size_t passed = 0;
        for (size_t i = 0; i < cases->count; i++) {
            const json *c = cases->items[i];
            const char *id = json_get_string(c, "id");
            problem p = {{0}, false};
            bool ok = id != NULL && RUNNERS[r].run(c, file, &p);
            expected_failure *listed = NULL;
            for (size_t e = 0; id && e < expected_count; e++) {
                if (strcmp(expected[e].file, RUNNERS[r].file) == 0 && strcmp(expected[e].id, id) == 0) {
                    listed = &expected[e];
                    listed->used = true;
                }
            }
            if (listed) {
                if (!CHECK(!ok)) {
                    fprintf(stderr, "  %s %s passes: remove it from the expected failures\n", RUNNERS[r].file, id);
                }
                continue;
            }
            if (!CHECK(ok)) {
                fprintf(stderr, "  %s %s: %s\n", RUNNERS[r].file, id ? id : "(no id)", p.set ? p.text : "failed");
            } else {
                passed++;
            }
        }
        printf("%s: %zu/%zu cases passed\n", RUNNERS[r].file, passed, cases->count);
        json_free(file);
    }
    for (size_t e = 0; e < expected_count; e++) {
        if (!CHECK(expected[e].used)) {
            fprintf(stderr, "  expected failure %s %s names no case\n", expected[e].file, expected[e].id);
        }
    }
}
