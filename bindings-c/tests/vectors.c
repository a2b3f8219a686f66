/*
 * Runs the shared test vectors (the JSON files in tests/vectors, described in tests/vectors/README.md) through
 * the C API. A case with a member this runner does not know fails, so a typo cannot turn a case into
 * one that tests nothing. Cases listed in the expected-failures file (`<file> <id> <reason>`) may fail;
 * if one passes, that is a failure too (the list must shrink).
 */
#include <stdarg.h>
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

/* Checks a call's outcome against an `{"error", "field"?}` expectation. Returns true when the
 * expectation is an error and it matched; sets a problem when it did not. `*handled` says whether the
 * case is settled (an error was expected or happened). */
static bool check_error(credoffer_status status, credoffer_error *error, const json *expect, problem *p,
                        bool *handled) {
    const char *code = json_get_string(expect, "error");
    seen_error(error);
    *handled = code != NULL || status != CREDOFFER_STATUS_OK;
    if (!*handled) {
        return true;
    }
    static const char *const members[] = {"error", "field", NULL};
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
    return true;
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

static bool offer_json_equals(const credoffer_offer *offer, const json *expected, problem *p) {
    char *text = NULL;
    size_t len = 0;
    if (seen_status(credoffer_offer_to_json(offer, "1.0", 3, &text, &len, NULL)) != CREDOFFER_STATUS_OK) {
        return fail(p, "the offer cannot be written as 1.0 JSON");
    }
    json *actual = json_parse(text, len);
    bool same = json_equal(actual, expected);
    if (!same) {
        char *want = json_write(expected, NULL);
        fail(p, "offer: expected %s, got %s", want ? want : "?", text);
        free(want);
    }
    json_free(actual);
    credoffer_string_free(text);
    return same;
}

static bool run_parse_case(const json *c, problem *p) {
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

static bool run_build_case(const json *c, problem *p) {
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

static bool run_metadata_case(const json *c, problem *p) {
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

typedef bool (*case_runner)(const json *c, problem *p);

static const struct {
    const char *file;
    case_runner run;
    size_t minimum_cases;
} RUNNERS[] = {
    {"parse.json", run_parse_case, 200},
    {"build.json", run_build_case, 50},
    {"metadata.json", run_metadata_case, 25},
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
            bool ok = id != NULL && RUNNERS[r].run(c, &p);
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
