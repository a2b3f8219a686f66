/* Tests of the engine functions: secrets, the wallet helpers, the issuer endpoints, the token endpoint, QR. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

static const size_t HUGE = SIZE_MAX;
static const uint64_t NOW = 1746057600; /* 2025-05-01T00:00:00Z */

static const char CONFIG[] = "{\"credentialIssuer\":\"https://issuer.example.com\","
                             "\"credentialConfigurations\":{\"mdl\":\"mso_mdoc\",\"pid\":\"dc+sd-jwt\"}}";

static bool all_chars_in(const char *text, const char *alphabet) {
    for (; *text; text++) {
        if (!strchr(alphabet, *text)) {
            return false;
        }
    }
    return true;
}

static void test_secrets(void) {
    char *a = NULL, *b = NULL;
    size_t len = 0;
    static const char BASE64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    CHECK_STATUS(credoffer_generate_pre_authorized_code(NULL, 0, &a, &len, NULL), CREDOFFER_STATUS_OK);
    CHECK(a != NULL && len == 43 && strlen(a) == 43 && all_chars_in(a, BASE64URL));
    CHECK_STATUS(credoffer_generate_pre_authorized_code(NULL, 0, &b, NULL, NULL), CREDOFFER_STATUS_OK);
    CHECK(a && b && strcmp(a, b) != 0);
    credoffer_string_free(a);
    credoffer_string_free(b);

    /* Caller bytes make the output deterministic; too few bytes is an error, never a weak code. */
    uint8_t bytes[64];
    for (size_t i = 0; i < sizeof bytes; i++) {
        bytes[i] = (uint8_t)(i * 7 + 1);
    }
    CHECK_STATUS(credoffer_generate_pre_authorized_code(bytes, 32, &a, NULL, NULL), CREDOFFER_STATUS_OK);
    CHECK_STATUS(credoffer_generate_pre_authorized_code(bytes, 32, &b, NULL, NULL), CREDOFFER_STATUS_OK);
    CHECK(a && b && strcmp(a, b) == 0);
    credoffer_string_free(a);
    credoffer_string_free(b);
    credoffer_error *error = NULL;
    CHECK_STATUS(credoffer_generate_pre_authorized_code(bytes, 31, &a, NULL, &error),
                 CREDOFFER_STATUS_ENTROPY_UNAVAILABLE);
    CHECK(a == NULL);
    expect_error(error, CREDOFFER_STATUS_ENTROPY_UNAVAILABLE, NULL);
    CHECK_STATUS(credoffer_generate_pre_authorized_code(bytes, 0, &a, NULL, NULL),
                 CREDOFFER_STATUS_ENTROPY_UNAVAILABLE);

    CHECK_STATUS(credoffer_generate_issuer_state(NULL, 0, &a, &len, NULL), CREDOFFER_STATUS_OK);
    CHECK(a != NULL && len == 22 && all_chars_in(a, BASE64URL));
    credoffer_string_free(a);
    CHECK_STATUS(credoffer_generate_issuer_state(bytes, 15, &a, NULL, NULL), CREDOFFER_STATUS_ENTROPY_UNAVAILABLE);

    CHECK_STATUS(credoffer_generate_uuid_v4(bytes, 16, &a, &len, NULL), CREDOFFER_STATUS_OK);
    CHECK(a != NULL && len == 36 && a[8] == '-' && a[14] == '4' && strchr("89ab", a[19]) != NULL);
    credoffer_string_free(a);
    CHECK_STATUS(credoffer_generate_uuid_v4(NULL, 0, &a, NULL, NULL), CREDOFFER_STATUS_OK);
    credoffer_string_free(a);

    CHECK_STATUS(credoffer_generate_tx_code(CREDOFFER_INPUT_MODE_NUMERIC, 6, NULL, 0, &a, &len, NULL),
                 CREDOFFER_STATUS_OK);
    CHECK(a != NULL && len == 6 && all_chars_in(a, "0123456789"));
    credoffer_string_free(a);
    CHECK_STATUS(credoffer_generate_tx_code(CREDOFFER_INPUT_MODE_TEXT, 8, NULL, 0, &a, &len, NULL),
                 CREDOFFER_STATUS_OK);
    CHECK(a != NULL && len == 8 && all_chars_in(a, "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"));
    credoffer_string_free(a);
    CHECK_STATUS(credoffer_generate_tx_code(CREDOFFER_INPUT_MODE_NUMERIC, 6, bytes, 2, &a, NULL, NULL),
                 CREDOFFER_STATUS_ENTROPY_UNAVAILABLE);
    error = NULL;
    CHECK_STATUS(credoffer_generate_tx_code(CREDOFFER_INPUT_MODE_UNSPECIFIED, 6, NULL, 0, &a, NULL, &error),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    expect_error(error, CREDOFFER_STATUS_INVALID_ARGUMENT, "input_mode");
    CHECK_STATUS(credoffer_generate_tx_code(9, 6, NULL, 0, &a, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK(a == NULL);

    CHECK_STATUS(credoffer_lookup_key(TXT("abc"), &a, &len, NULL), CREDOFFER_STATUS_OK);
    CHECK(a != NULL && strcmp(a, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0") == 0 && len == 43);
    credoffer_string_free(a);

    /* Hostile input. */
    CHECK_STATUS(credoffer_generate_pre_authorized_code(NULL, 5, &a, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_generate_pre_authorized_code(bytes, HUGE, &a, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_generate_pre_authorized_code(NULL, 0, NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_generate_issuer_state(NULL, 1, &a, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_generate_issuer_state(NULL, 0, NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_generate_uuid_v4(bytes, HUGE, &a, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_generate_uuid_v4(NULL, 0, NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_generate_tx_code(CREDOFFER_INPUT_MODE_NUMERIC, 6, NULL, 3, &a, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_generate_tx_code(CREDOFFER_INPUT_MODE_NUMERIC, 6, NULL, 0, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_lookup_key(NULL, 0, &a, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_lookup_key(TXT("abc"), NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_lookup_key(TXT("\xff"), &a, NULL, NULL), CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_lookup_key("abc", HUGE, &a, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK(a == NULL);
}

static void test_wallet(void) {
    const char *json = "{\"credential_issuer\":\"https://i.example\",\"credential_configuration_ids\":[\"a\"],"
                       "\"grants\":{\"urn:ietf:params:oauth:grant-type:pre-authorized_code\":{\"pre-authorized_code\":"
                       "\"c+/=\",\"tx_code\":{\"length\":6,\"description\":\"Sent by SMS\"}}}}";
    credoffer_offer *offer = NULL;
    CHECK_STATUS(credoffer_parse_json(TXT(json), NULL, &offer, NULL), CREDOFFER_STATUS_OK);
    credoffer_tx_code_prompt prompt;
    CHECK_STATUS(credoffer_offer_tx_code_prompt(offer, &prompt, NULL), CREDOFFER_STATUS_OK);
    CHECK(prompt.required && prompt.input_mode == CREDOFFER_INPUT_MODE_NUMERIC && prompt.has_length &&
          prompt.length == 6 && !prompt.has_max_length && str_is(prompt.description, "Sent by SMS"));
    CHECK_STATUS(credoffer_offer_check_tx_code(offer, TXT("012345"), NULL), CREDOFFER_STATUS_OK);
    credoffer_error *error = NULL;
    CHECK_STATUS(credoffer_offer_check_tx_code(offer, TXT("12345"), &error), CREDOFFER_STATUS_TX_CODE_MISMATCH);
    expect_error(error, CREDOFFER_STATUS_TX_CODE_MISMATCH, "tx_code");
    CHECK_STATUS(credoffer_offer_check_tx_code(offer, TXT("12345a"), NULL), CREDOFFER_STATUS_TX_CODE_MISMATCH);
    char *body = NULL;
    size_t len = 0;
    CHECK_STATUS(credoffer_offer_token_request(offer, TXT("012345"), TXT("wallet"), &body, &len, NULL),
                 CREDOFFER_STATUS_OK);
    const char *expected = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code"
                           "&pre-authorized_code=c%2B%2F%3D&tx_code=012345&client_id=wallet";
    CHECK(body != NULL && strcmp(body, expected) == 0 && len == strlen(expected));
    credoffer_string_free(body);
    CHECK_STATUS(credoffer_offer_token_request(offer, NULL, 0, NULL, 0, &body, NULL, NULL),
                 CREDOFFER_STATUS_TX_CODE_MISMATCH);
    /* Hostile input. */
    CHECK_STATUS(credoffer_offer_tx_code_prompt(NULL, &prompt, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_offer_tx_code_prompt(offer, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_offer_check_tx_code(NULL, TXT("1"), NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_offer_check_tx_code(offer, NULL, 0, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_offer_check_tx_code(offer, TXT("\xff"), NULL), CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_offer_check_tx_code(offer, "1", HUGE, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_offer_token_request(NULL, NULL, 0, NULL, 0, &body, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_offer_token_request(offer, NULL, 0, NULL, 0, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_offer_token_request(offer, NULL, 2, NULL, 0, &body, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_offer_token_request(offer, TXT("1"), TXT("\xff"), &body, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK(body == NULL);
    credoffer_offer_free(offer);

    /* No tx code asked; no pre-authorized grant at all. */
    CHECK_STATUS(credoffer_parse_json(TXT("{\"credential_issuer\":\"https://i.example\","
                                          "\"credential_configuration_ids\":[\"a\"]}"),
                                      NULL, &offer, NULL),
                 CREDOFFER_STATUS_OK);
    CHECK_STATUS(credoffer_offer_tx_code_prompt(offer, &prompt, NULL), CREDOFFER_STATUS_OK);
    CHECK(!prompt.required && prompt.input_mode == CREDOFFER_INPUT_MODE_UNSPECIFIED && !prompt.has_length &&
          str_is(prompt.description, NULL));
    CHECK_STATUS(credoffer_offer_check_tx_code(offer, TXT("1234"), NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    error = NULL;
    CHECK_STATUS(credoffer_offer_token_request(offer, NULL, 0, NULL, 0, &body, NULL, &error),
                 CREDOFFER_STATUS_MISSING_GRANT);
    expect_error(error, CREDOFFER_STATUS_MISSING_GRANT, "grants");
    credoffer_offer_free(offer);

    /* A draft 11 PIN: at most 8 digits. */
    CHECK_STATUS(credoffer_parse_json(TXT("{\"credential_issuer\":\"https://i.example\",\"credentials\":[\"a\"],"
                                          "\"grants\":{\"urn:ietf:params:oauth:grant-type:pre-authorized_code\":{"
                                          "\"pre-authorized_code\":\"c\",\"user_pin_required\":true}}}"),
                                      NULL, &offer, NULL),
                 CREDOFFER_STATUS_OK);
    CHECK_STATUS(credoffer_offer_tx_code_prompt(offer, &prompt, NULL), CREDOFFER_STATUS_OK);
    CHECK(prompt.required && prompt.has_max_length && prompt.max_length == 8 && !prompt.has_length);
    CHECK_STATUS(credoffer_offer_check_tx_code(offer, TXT("123456789"), NULL), CREDOFFER_STATUS_TX_CODE_MISMATCH);
    credoffer_offer_free(offer);

    /* By reference: nothing to prompt for yet. */
    CHECK_STATUS(credoffer_parse_uri(TXT("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo"),
                                     NULL, &offer, NULL),
                 CREDOFFER_STATUS_OK);
    CHECK_STATUS(credoffer_offer_tx_code_prompt(offer, &prompt, NULL), CREDOFFER_STATUS_BY_REFERENCE);
    CHECK_STATUS(credoffer_offer_check_tx_code(offer, TXT("1"), NULL), CREDOFFER_STATUS_BY_REFERENCE);
    CHECK_STATUS(credoffer_offer_token_request(offer, NULL, 0, NULL, 0, &body, NULL, NULL),
                 CREDOFFER_STATUS_BY_REFERENCE);
    credoffer_offer_free(offer);
}

/* The pre-authorized code inside an offer URI (from a response's "uri"). */
static char *code_of(const char *uri) {
    credoffer_offer *offer = NULL;
    char *code = NULL;
    credoffer_str s;
    if (seen_status(credoffer_parse_uri(uri, strlen(uri), NULL, &offer, NULL)) == CREDOFFER_STATUS_OK &&
        seen_status(credoffer_offer_pre_authorized_code(offer, &s, NULL)) == CREDOFFER_STATUS_OK && s.data) {
        code = malloc(s.len + 1);
        if (code) {
            memcpy(code, s.data, s.len);
            code[s.len] = '\0';
        }
    }
    credoffer_offer_free(offer);
    return code;
}

static const char GRANT[] = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code";

/* Entropy for access tokens: a fixed token makes the answers comparable. */
static const uint8_t TOKEN_BYTES[32] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                        7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};

/* Whether the answer's body is JSON with this `error` (NULL: the access-token response). */
static bool body_is(const credoffer_token_answer *answer, const char *oauth_error) {
    credoffer_str body;
    if (seen_status(credoffer_token_answer_body(answer, &body, NULL)) != CREDOFFER_STATUS_OK || !body.data) {
        return false;
    }
    json *parsed = json_parse(body.data, body.len);
    bool ok = oauth_error ? json_get_string(parsed, "error") && strcmp(json_get_string(parsed, "error"), oauth_error) == 0 &&
                                json_get_string(parsed, "error_description") != NULL
                          : json_get_string(parsed, "access_token") && json_get_string(parsed, "token_type") &&
                                strcmp(json_get_string(parsed, "token_type"), "Bearer") == 0 &&
                                json_get(parsed, "expires_in") && strcmp(json_get(parsed, "expires_in")->text, "300") == 0;
    json_free(parsed);
    return ok;
}

/* Runs both steps of the token endpoint on `form` against `record`, checks the answer against the
   one-call endpoint's, and returns it (free it), or NULL when a step failed. */
static credoffer_token_answer *answer_token(const credoffer_issuer *issuer, const char *record, const char *form,
                                            uint64_t now) {
    credoffer_token_request *request = NULL;
    credoffer_token_answer *answer = NULL, *again = NULL;
    if (!CHECK_STATUS(credoffer_issuer_read_token_request(issuer, TXT(form), &request, &answer, NULL),
                      CREDOFFER_STATUS_OK)) {
        return NULL;
    }
    CHECK((request == NULL) != (answer == NULL));
    if (request) {
        /* The host's lookup: the record whose codeHash is the key (this test holds only one). */
        char *key = NULL;
        size_t key_len = 0;
        CHECK_STATUS(credoffer_token_request_lookup_key(request, &key, &key_len, NULL), CREDOFFER_STATUS_OK);
        json *stored = record ? json_parse(record, strlen(record)) : NULL;
        const char *hash = json_get_string(stored, "codeHash");
        bool found = key && hash && strcmp(key, hash) == 0 && key_len == strlen(key);
        json_free(stored);
        credoffer_string_free(key);
        CHECK_STATUS(credoffer_issuer_answer_token_request(issuer, request, found ? record : NULL,
                                                           found ? strlen(record) : 0, now, TOKEN_BYTES,
                                                           sizeof TOKEN_BYTES, &answer, NULL),
                     CREDOFFER_STATUS_OK);
        credoffer_token_request_free(request);
    }
    CHECK_STATUS(credoffer_issuer_token_endpoint(issuer, TXT(form), record, record ? strlen(record) : 0, now,
                                                 TOKEN_BYTES, sizeof TOKEN_BYTES, &again, NULL),
                 CREDOFFER_STATUS_OK);
    char *view = NULL, *again_view = NULL;
    size_t view_len = 0;
    CHECK_STATUS(credoffer_token_answer_to_json(answer, &view, &view_len, NULL), CREDOFFER_STATUS_OK);
    CHECK_STATUS(credoffer_token_answer_to_json(again, &again_view, NULL, NULL), CREDOFFER_STATUS_OK);
    CHECK(view && again_view && strcmp(view, again_view) == 0 && view_len == strlen(view));
    credoffer_string_free(view);
    credoffer_string_free(again_view);
    credoffer_token_answer_free(again);
    return answer;
}

/* Answers `form` and checks status, outcome and OAuth error (NULL: issued); returns the record to
   store (free it), or NULL when there is none. */
static char *redeem(const credoffer_issuer *issuer, const char *record, const char *form, const char *oauth_error,
                    bool stores) {
    credoffer_token_answer *answer = answer_token(issuer, record, form, NOW + 10);
    if (!CHECK(answer != NULL)) {
        return NULL;
    }
    uint16_t status = 0;
    uint32_t outcome = 0;
    CHECK_STATUS(credoffer_token_answer_status(answer, &status, NULL), CREDOFFER_STATUS_OK);
    CHECK_STATUS(credoffer_token_answer_outcome(answer, &outcome, NULL), CREDOFFER_STATUS_OK);
    CHECK(oauth_error ? status == 400 && outcome == CREDOFFER_TOKEN_OUTCOME_REJECTED
                      : status == 200 && outcome == CREDOFFER_TOKEN_OUTCOME_ISSUED);
    CHECK(body_is(answer, oauth_error));
    credoffer_token_rejection refusal;
    CHECK_STATUS(credoffer_token_answer_rejection(answer, &refusal, NULL), CREDOFFER_STATUS_OK);
    CHECK(str_is(refusal.error, oauth_error));
    char *next = NULL;
    size_t next_len = 99; /* stale: nothing to store sets the length to 0 too */
    CHECK_STATUS(credoffer_token_answer_record_json(answer, &next, &next_len, NULL), CREDOFFER_STATUS_OK);
    CHECK(stores ? next != NULL && next_len == strlen(next) : next == NULL && next_len == 0);
    credoffer_token_answer_free(answer);
    return next;
}

static void test_issuer(void) {
    credoffer_issuer *issuer = NULL;
    credoffer_error *error = NULL;
    CHECK_STATUS(credoffer_issuer_new(TXT(CONFIG), &issuer, NULL), CREDOFFER_STATUS_OK);
    if (!issuer) {
        return;
    }
    /* POST /v1/openid/offers */
    char *response = NULL, *record = NULL;
    size_t response_len = 0, record_len = 0;
    CHECK_STATUS(credoffer_issuer_create_authorization_offer(issuer, TXT("{\"credentials\":[\"pid\"]}"), NULL, 0,
                                                             &response, &response_len, NULL),
                 CREDOFFER_STATUS_OK);
    json *parsed = response ? json_parse(response, response_len) : NULL;
    const char *uri = json_get_string(parsed, "uri");
    CHECK(uri != NULL && strncmp(uri, "openid-credential-offer://?credential_offer=", 44) == 0);
    json_free(parsed);
    credoffer_string_free(response);
    CHECK_STATUS(credoffer_issuer_create_authorization_offer(issuer, TXT("{\"credentials\":[],\"userId\":7,\"x\":1}"),
                                                             NULL, 0, &response, NULL, &error),
                 CREDOFFER_STATUS_VALIDATION_FAILED);
    CHECK(response == NULL);
    CHECK(credoffer_error_detail_count(error) >= 2);
    CHECK(credoffer_error_http_status(error) == 400);
    char *mattr = NULL;
    CHECK_STATUS(credoffer_error_mattr_json(error, &mattr, NULL, NULL), CREDOFFER_STATUS_OK);
    json *body = mattr ? json_parse(mattr, strlen(mattr)) : NULL;
    const json *details = json_get(body, "details");
    CHECK(json_get_string(body, "code") != NULL && details != NULL && details->type == JSON_ARRAY &&
          details->count == credoffer_error_detail_count(error));
    json_free(body);
    credoffer_string_free(mattr);
    expect_error(error, CREDOFFER_STATUS_VALIDATION_FAILED, NULL);

    /* Every request problem the engine lists becomes a detail with its own status. */
    static const char *const bad_bodies[] = {
        "{\"credentials\":[\"mdl\"],\"userId\":\"not-a-uuid\"}",
        "{\"credentials\":[\"mdl\"],\"expiresIn\":{\"minutes\":60}}",
        "{\"credentials\":[\"mdl\"],\"claims\":5}",
        "{\"credentials\":[\"mdl\"],\"surprise\":true}",
        "{\"credentials\":[\"unknown-configuration\"]}",
    };
    for (size_t i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0]; i++) {
        error = NULL;
        credoffer_status status = credoffer_issuer_create_pre_authorized_offer(
            issuer, TXT(bad_bodies[i]), NOW, NULL, 0, &response, NULL, &record, NULL, NULL, NULL, &error);
        if (!CHECK(status != CREDOFFER_STATUS_OK && error != NULL)) {
            fprintf(stderr, "  accepted: %s\n", bad_bodies[i]);
        }
        CHECK(response == NULL && record == NULL);
        seen_status(status);
        seen_error(error);
        credoffer_error_free(error);
    }
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, TXT("{garbage"), NOW, NULL, 0, &response, NULL,
                                                              &record, NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_VALIDATION_FAILED);
    /* MATTR's rule, when configured: pre-authorized offers only for mdoc. */
    credoffer_issuer *mdoc_only = NULL;
    const char *mattr_config = "{\"credentialIssuer\":\"https://issuer.example.com\",\"dialect\":\"mattr\","
                               "\"preAuthorizedMdocOnly\":true,\"credentialConfigurations\":{\"pid\":\"dc+sd-jwt\"}}";
    CHECK_STATUS(credoffer_issuer_new(TXT(mattr_config), &mdoc_only, NULL), CREDOFFER_STATUS_OK);
    error = NULL;
    CHECK(credoffer_issuer_create_pre_authorized_offer(mdoc_only, TXT("{\"credentials\":[\"pid\"]}"), NOW, NULL, 0,
                                                       &response, NULL, &record, NULL, NULL, NULL,
                                                       &error) != CREDOFFER_STATUS_OK);
    seen_error(error);
    credoffer_str field = credoffer_error_field(credoffer_error_detail(error, 0));
    CHECK(credoffer_error_status(credoffer_error_detail(error, 0)) == CREDOFFER_STATUS_UNSUPPORTED_FORMAT &&
          field.len > 0);
    credoffer_error_free(error);
    credoffer_issuer_free(mdoc_only);

    /* POST /v1/openid/offers/pre-authorized, then the token endpoint. */
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(
                     issuer, TXT("{\"credentials\":[\"mdl\"],\"transactionCodeConfiguration\":{}}"), NOW, NULL, 0,
                     &response, &response_len, &record, &record_len, NULL, NULL, NULL),
                 CREDOFFER_STATUS_OK);
    parsed = response ? json_parse(response, response_len) : NULL;
    const char *tx_code = json_get_string(parsed, "transactionCode");
    char *code = code_of(json_get_string(parsed, "uri") ? json_get_string(parsed, "uri") : "");
    CHECK(tx_code != NULL && strlen(tx_code) == 6 && code != NULL && record != NULL && strlen(record) == record_len);
    CHECK(json_get_string(parsed, "expiresAt") != NULL && strcmp(json_get_string(parsed, "expiresAt"),
                                                                "2025-05-01T00:05:00.000Z") == 0);
    CHECK(record != NULL && code != NULL && tx_code != NULL && strstr(record, code) == NULL &&
          strstr(record, tx_code) == NULL);
    if (tx_code && code && record) {
        char form[512], wrong[512];
        snprintf(form, sizeof form,
                 "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Apre-authorized_code"
                 "&pre-authorized_code=%s&tx_code=%s",
                 code, tx_code);
        snprintf(wrong, sizeof wrong,
                 "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Apre-authorized_code"
                 "&pre-authorized_code=%s&tx_code=%s",
                 code, strcmp(tx_code, "000000") == 0 ? "000001" : "000000");
        char *after_wrong = redeem(issuer, record, wrong, "invalid_grant", true);
        credoffer_token_answer *answer = after_wrong ? answer_token(issuer, after_wrong, wrong, NOW + 11) : NULL;
        if (answer) {
            credoffer_token_rejection refusal;
            CHECK_STATUS(credoffer_token_answer_rejection(answer, &refusal, NULL), CREDOFFER_STATUS_OK);
            CHECK(refusal.has_failed_attempts_left && refusal.failed_attempts_left == 1 && refusal.description.len > 0);
            bool revoke = true;
            CHECK_STATUS(credoffer_token_answer_revoke_issued_tokens(answer, &revoke, NULL), CREDOFFER_STATUS_OK);
            CHECK(!revoke);
            credoffer_issued_token token;
            size_t count = 9;
            CHECK_STATUS(credoffer_token_answer_issued(answer, &token, NULL), CREDOFFER_STATUS_OK);
            CHECK(str_is(token.access_token, NULL) && str_is(token.user_id, NULL) && token.expires_in == 0);
            CHECK_STATUS(credoffer_token_answer_id_count(answer, &count, NULL), CREDOFFER_STATUS_OK);
            CHECK(count == 0);
            credoffer_error *failure = (credoffer_error *)1;
            CHECK_STATUS(credoffer_token_answer_failure(answer, &failure, NULL), CREDOFFER_STATUS_OK);
            CHECK(failure == NULL);
            credoffer_token_answer_free(answer);
        }
        char *issued = after_wrong ? redeem(issuer, after_wrong, form, NULL, true) : NULL;
        char with_client[600];
        snprintf(with_client, sizeof with_client, "%s&client_id=wallet-1", form);
        answer = issued ? answer_token(issuer, after_wrong, with_client, NOW + 12) : NULL;
        if (answer) {
            credoffer_issued_token token;
            credoffer_str s, body;
            size_t count = 0;
            CHECK_STATUS(credoffer_token_answer_issued(answer, &token, NULL), CREDOFFER_STATUS_OK);
            CHECK(token.access_token.len == 43 && token.expires_in == 300 && token.user_id.len == 36 &&
                  str_is(token.client_id, "wallet-1"));
            CHECK_STATUS(credoffer_token_answer_body(answer, &body, NULL), CREDOFFER_STATUS_OK);
            CHECK(body.data && token.access_token.data &&
                  strstr(body.data, "\"access_token\":\"") == body.data + 1 &&
                  memcmp(body.data + 17, token.access_token.data, token.access_token.len) == 0);
            CHECK_STATUS(credoffer_token_answer_id_count(answer, &count, NULL), CREDOFFER_STATUS_OK);
            CHECK(count == 1);
            CHECK_STATUS(credoffer_token_answer_id(answer, 0, &s, NULL), CREDOFFER_STATUS_OK);
            CHECK(str_is(s, "mdl"));
            CHECK_STATUS(credoffer_token_answer_id(answer, 1, &s, NULL), CREDOFFER_STATUS_INDEX_OUT_OF_RANGE);
            credoffer_token_rejection refusal;
            CHECK_STATUS(credoffer_token_answer_rejection(answer, &refusal, NULL), CREDOFFER_STATUS_OK);
            CHECK(str_is(refusal.error, NULL) && !refusal.has_failed_attempts_left);
            /* The view is the engine's: the outcome names its kind and carries the token. */
            char *view = NULL;
            CHECK_STATUS(credoffer_token_answer_to_json(answer, &view, NULL, NULL), CREDOFFER_STATUS_OK);
            json *parsed = view ? json_parse(view, strlen(view)) : NULL;
            const json *outcome = json_get(parsed, "outcome");
            CHECK(json_get(parsed, "status") && strcmp(json_get(parsed, "status")->text, "200") == 0 &&
                  json_get(json_get(parsed, "record"), "redeemedAt") != NULL && outcome &&
                  strcmp(json_get_string(outcome, "kind") ? json_get_string(outcome, "kind") : "", "issued") == 0 &&
                  json_string_is(json_get(outcome, "accessToken"), token.access_token.data, token.access_token.len) &&
                  strcmp(json_get_string(outcome, "clientId") ? json_get_string(outcome, "clientId") : "",
                         "wallet-1") == 0);
            json_free(parsed);
            credoffer_string_free(view);
            credoffer_token_answer_free(answer);
            /* A second use: refused, and the host is told to revoke what the first use got. */
            answer = answer_token(issuer, issued, form, NOW + 13);
            credoffer_token_rejection replay;
            bool revoke = false;
            CHECK_STATUS(credoffer_token_answer_rejection(answer, &replay, NULL), CREDOFFER_STATUS_OK);
            CHECK_STATUS(credoffer_token_answer_revoke_issued_tokens(answer, &revoke, NULL), CREDOFFER_STATUS_OK);
            CHECK(str_is(replay.error, "invalid_grant") && revoke);
            credoffer_token_answer_free(answer);
        }
        /* A code no record has: the host found nothing, and the answer is invalid_grant with nothing to store. */
        char unknown[600];
        snprintf(unknown, sizeof unknown, "%s&pre-authorized_code=not-a-code", GRANT);
        credoffer_string_free(redeem(issuer, record, unknown, "invalid_grant", false));
        /* A record keyed with HMAC on an issuer without the key: the engine cannot judge, 500 and a failure to log. */
        const char *salted = strstr(record, "\"sha256-salted\"");
        char *keyed = salted ? malloc(strlen(record) + 1) : NULL;
        if (CHECK(keyed != NULL)) {
            size_t head = (size_t)(salted - record);
            memcpy(keyed, record, head);
            strcpy(keyed + head, "\"hmac-sha256\"");
            strcat(keyed, salted + strlen("\"sha256-salted\""));
            credoffer_token_answer *failed = NULL;
            CHECK_STATUS(credoffer_issuer_token_endpoint(issuer, TXT(form), TXT(keyed), NOW, NULL, 0, &failed, NULL),
                         CREDOFFER_STATUS_OK);
            uint16_t status = 0;
            uint32_t outcome = 0;
            credoffer_error *failure = NULL;
            char *next = (char *)1;
            CHECK_STATUS(credoffer_token_answer_status(failed, &status, NULL), CREDOFFER_STATUS_OK);
            CHECK_STATUS(credoffer_token_answer_outcome(failed, &outcome, NULL), CREDOFFER_STATUS_OK);
            CHECK_STATUS(credoffer_token_answer_record_json(failed, &next, NULL, NULL), CREDOFFER_STATUS_OK);
            CHECK_STATUS(credoffer_token_answer_failure(failed, &failure, NULL), CREDOFFER_STATUS_OK);
            CHECK(status == 500 && outcome == CREDOFFER_TOKEN_OUTCOME_FAILED && body_is(failed, "server_error") &&
                  next == NULL);
            CHECK(failure != NULL && credoffer_error_http_status(failure) == 500);
            expect_error(failure, CREDOFFER_STATUS_INVALID_CONFIGURATION, "hmacKeyHex");
            credoffer_token_answer_free(failed);
        }
        free(keyed);
        /* DELETE, twice. */
        char *deleted = NULL;
        CHECK_STATUS(credoffer_issuer_delete(issuer, TXT(record), NOW, &deleted, NULL, NULL, NULL, NULL),
                     CREDOFFER_STATUS_OK);
        CHECK(deleted != NULL && strstr(deleted, "\"deleted\"") != NULL);
        char *again = NULL;
        error = NULL;
        if (deleted) {
            CHECK_STATUS(credoffer_issuer_delete(issuer, TXT(deleted), NOW, &again, NULL, NULL, NULL, &error),
                         CREDOFFER_STATUS_OFFER_NOT_FOUND);
            CHECK(credoffer_error_http_status(error) == 404);
            expect_error(error, CREDOFFER_STATUS_OFFER_NOT_FOUND, "id");
        }
        credoffer_string_free(deleted);
        /* Malformed token requests are answered before any lookup. */
        static const struct {
            const char *form;
            const char *oauth_error;
        } malformed[] = {
            {"pre-authorized_code=x", "invalid_request"},
            {"grant_type=authorization_code&code=x", "unsupported_grant_type"},
            {"grant_type=%FF", "invalid_request"},
            {"\xff\xfe=1", "invalid_request"},
        };
        for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
            credoffer_token_request *request = (credoffer_token_request *)1;
            answer = NULL;
            CHECK_STATUS(credoffer_issuer_read_token_request(issuer, TXT(malformed[i].form), &request, &answer, NULL),
                         CREDOFFER_STATUS_OK);
            CHECK(request == NULL && answer != NULL && body_is(answer, malformed[i].oauth_error));
            char *next = (char *)1;
            CHECK_STATUS(credoffer_token_answer_record_json(answer, &next, NULL, NULL), CREDOFFER_STATUS_OK);
            CHECK(next == NULL);
            credoffer_token_answer_free(answer);
            credoffer_string_free(redeem(issuer, record, malformed[i].form, malformed[i].oauth_error, false));
        }
        answer = NULL;
        error = NULL;
        CHECK_STATUS(credoffer_issuer_token_endpoint(issuer, TXT(form), TXT("{\"id\":1}"), NOW, NULL, 0, &answer, &error),
                     CREDOFFER_STATUS_INVALID_RECORD);
        CHECK(answer == NULL);
        expect_error(error, CREDOFFER_STATUS_INVALID_RECORD, NULL);
        /* This record is by value: there is nothing to serve by reference. */
        char *served = NULL, *next = NULL;
        CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT(record), TXT("token"), NOW, &served, NULL, &next, NULL,
                                                  NULL, NULL, NULL),
                     CREDOFFER_STATUS_OFFER_NOT_FOUND);
        CHECK(served == NULL && next == NULL);
        credoffer_string_free(after_wrong);
        credoffer_string_free(issued);
    }
    free(code);
    json_free(parsed);
    credoffer_string_free(response);
    credoffer_string_free(record);
    response = NULL;
    record = NULL;

    /* Hostile input to every issuer function. */
    credoffer_issuer *none = NULL;
    error = NULL;
    CHECK_STATUS(credoffer_issuer_new(TXT("{\"credentialIssuer\":5}"), &none, &error),
                 CREDOFFER_STATUS_INVALID_CONFIGURATION);
    CHECK(credoffer_error_http_status(error) == 500);
    expect_error(error, CREDOFFER_STATUS_INVALID_CONFIGURATION, NULL);
    CHECK_STATUS(credoffer_issuer_new(NULL, 0, &none, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_new(TXT(CONFIG), NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_new(TXT("{\"credentialIssuer\":\"\xff\"}"), &none, NULL), CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_new(CONFIG, HUGE, &none, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_new(TXT("[1,2"), &none, NULL), CREDOFFER_STATUS_INVALID_CONFIGURATION);
    CHECK(none == NULL);
    CHECK_STATUS(credoffer_issuer_create_authorization_offer(NULL, TXT("{}"), NULL, 0, &response, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_authorization_offer(issuer, NULL, 0, NULL, 0, &response, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_authorization_offer(issuer, TXT("{}"), NULL, 0, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_authorization_offer(issuer, TXT("{\"\xff\":1}"), NULL, 0, &response, NULL,
                                                             NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_create_authorization_offer(issuer, "{}", HUGE, NULL, 0, &response, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_authorization_offer(issuer, TXT("{}"), NULL, 9, &response, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(NULL, TXT("{}"), NOW, NULL, 0, &response, NULL, &record,
                                                              NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, TXT("{}"), NOW, NULL, 0, &response, NULL, NULL,
                                                              NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, TXT("{}"), NOW, NULL, 0, NULL, NULL, &record,
                                                              NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, TXT("\xfe"), NOW, NULL, 0, &response, NULL,
                                                              &record, NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, NULL, 4, NOW, NULL, 0, &response, NULL, &record,
                                                              NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(NULL, TXT("{}"), NOW, &record, NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(issuer, NULL, 0, NOW, &record, NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(issuer, TXT("{}"), NOW, NULL, NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(issuer, TXT("\xff"), NOW, &record, NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_delete(issuer, "{}", HUGE, NOW, &record, NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(issuer, TXT("not json"), NOW, &record, NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_RECORD);
    char *served = NULL;
    CHECK_STATUS(credoffer_issuer_serve_offer(NULL, TXT("{}"), TXT("t"), NOW, &served, NULL, &record, NULL, NULL,
                                              NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT("{}"), NULL, 0, NOW, &served, NULL, &record, NULL, NULL,
                                              NULL, NULL),
                 CREDOFFER_STATUS_INVALID_RECORD);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, NULL, 0, TXT("t"), NOW, &served, NULL, &record, NULL, NULL,
                                              NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT("{}"), TXT("t"), NOW, NULL, NULL, &record, NULL, NULL, NULL,
                                              NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT("{}"), TXT("t"), NOW, &served, NULL, NULL, NULL, NULL, NULL,
                                              NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT("\xff"), TXT("t"), NOW, &served, NULL, &record, NULL, NULL,
                                              NULL, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, "{}", HUGE, TXT("t"), NOW, &served, NULL, &record, NULL, NULL,
                                              NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    char *event = NULL;
    CHECK_STATUS(credoffer_issuer_check_expiry(NULL, TXT("{}"), NOW, &record, NULL, &event, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_check_expiry(issuer, NULL, 0, NOW, &record, NULL, &event, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_check_expiry(issuer, TXT("{}"), NOW, NULL, NULL, &event, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_check_expiry(issuer, TXT("\xff"), NOW, &record, NULL, &event, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_check_expiry(issuer, TXT("not json"), NOW, &record, NULL, &event, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_RECORD);
    CHECK(record == NULL && event == NULL);
    char *status_json = NULL;
    CHECK_STATUS(credoffer_offer_status(NULL, 0, NOW, &status_json, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_offer_status(TXT("{}"), NOW, NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_offer_status("{}", HUGE, NOW, &status_json, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    error = NULL;
    CHECK_STATUS(credoffer_offer_status(TXT("{\"id\":1}"), NOW, &status_json, NULL, &error),
                 CREDOFFER_STATUS_INVALID_RECORD);
    expect_error(error, CREDOFFER_STATUS_INVALID_RECORD, NULL);
    CHECK(status_json == NULL);
    CHECK_STATUS(credoffer_token_answer_event_json(NULL, &event, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    credoffer_token_request *request = NULL;
    credoffer_token_answer *answer = NULL;
    CHECK_STATUS(credoffer_issuer_read_token_request(NULL, TXT("a=b"), &request, &answer, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_read_token_request(issuer, NULL, 0, &request, &answer, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_read_token_request(issuer, TXT("a=b"), NULL, &answer, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_read_token_request(issuer, TXT("a=b"), &request, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_read_token_request(issuer, "a", HUGE, &request, &answer, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_token_endpoint(NULL, TXT("a=b"), NULL, 0, NOW, NULL, 0, &answer, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_token_endpoint(issuer, NULL, 0, NULL, 0, NOW, NULL, 0, &answer, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_token_endpoint(issuer, TXT("a=b"), NULL, 0, NOW, NULL, 0, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_token_endpoint(issuer, TXT("a=b"), NULL, 3, NOW, NULL, 0, &answer, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_token_endpoint(issuer, TXT("a=b"), TXT("\xff"), NOW, NULL, 0, &answer, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_token_endpoint(issuer, TXT("a=b"), NULL, 0, NOW, NULL, 5, &answer, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_answer_token_request(issuer, NULL, NULL, 0, NOW, NULL, 0, &answer, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_answer_token_request(NULL, NULL, NULL, 0, NOW, NULL, 0, &answer, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK(request == NULL && answer == NULL && served == NULL);
    /* A real request, for the second step's argument checks. */
    char form[160];
    snprintf(form, sizeof form, "%s&pre-authorized_code=abc", GRANT);
    CHECK_STATUS(credoffer_issuer_read_token_request(issuer, TXT(form), &request, &answer, NULL), CREDOFFER_STATUS_OK);
    CHECK_STATUS(credoffer_issuer_answer_token_request(issuer, request, NULL, 0, NOW, NULL, 0, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_answer_token_request(issuer, request, TXT("{\"id\":1}"), NOW, NULL, 0, &answer, NULL),
                 CREDOFFER_STATUS_INVALID_RECORD);
    CHECK_STATUS(credoffer_issuer_answer_token_request(issuer, request, "{}", HUGE, NOW, NULL, 0, &answer, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_answer_token_request(issuer, request, NULL, 0, NOW, TOKEN_BYTES, 8, &answer, NULL),
                 CREDOFFER_STATUS_OK);
    /* Too few entropy bytes for the token, but no record: refused before any token is drawn. */
    CHECK(body_is(answer, "invalid_grant"));
    credoffer_token_answer_free(answer);
    credoffer_token_request_free(request);
    credoffer_token_request_free(NULL);
    char *text = NULL;
    CHECK_STATUS(credoffer_token_request_lookup_key(NULL, &text, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    uint16_t status;
    uint32_t outcome;
    bool flag;
    size_t count;
    credoffer_str s;
    credoffer_token_rejection refusal;
    credoffer_issued_token token;
    credoffer_error *failure = NULL;
    CHECK_STATUS(credoffer_token_answer_status(NULL, &status, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_body(NULL, &s, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_record_json(NULL, &text, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_outcome(NULL, &outcome, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_revoke_issued_tokens(NULL, &flag, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_rejection(NULL, &refusal, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_issued(NULL, &token, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_id_count(NULL, &count, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_id(NULL, 0, &s, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_failure(NULL, &failure, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_to_json(NULL, &text, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    credoffer_token_answer_free(NULL);
    CHECK(text == NULL && failure == NULL);
    /* Metadata: does it describe this issuer. */
    static const char METADATA[] = "{\"credential_issuer\":\"https://issuer.example.com\",\"credential_configurations_supported\":"
                                   "{\"mdl\":{\"format\":\"mso_mdoc\"},\"pid\":{\"format\":\"dc+sd-jwt\"}}}";
    CHECK_STATUS(credoffer_issuer_check_metadata(issuer, TXT(METADATA), NULL), CREDOFFER_STATUS_OK);
    error = NULL;
    CHECK_STATUS(credoffer_issuer_check_metadata(issuer, TXT("{\"credential_issuer\":\"https://issuer.example.com\","
                                                             "\"credential_configurations_supported\":{\"mdl\":{\"format\":"
                                                             "\"mso_mdoc\"},\"pid\":{\"format\":\"jwt_vc_json\"}}}"),
                                                 &error),
                 CREDOFFER_STATUS_INVALID_METADATA);
    expect_error(error, CREDOFFER_STATUS_INVALID_METADATA, "credential_configurations_supported.pid.format");
    error = NULL;
    CHECK_STATUS(credoffer_issuer_check_metadata(issuer, TXT("{\"credential_issuer\":\"https://issuer.example.com\","
                                                             "\"credential_configurations_supported\":{\"mdl\":{\"format\":"
                                                             "\"mso_mdoc\"}}}"),
                                                 &error),
                 CREDOFFER_STATUS_UNKNOWN_CREDENTIAL_CONFIGURATION);
    expect_error(error, CREDOFFER_STATUS_UNKNOWN_CREDENTIAL_CONFIGURATION, "credential_configurations_supported.pid");
    error = NULL;
    CHECK_STATUS(credoffer_issuer_check_metadata(issuer, TXT("{\"credential_issuer\":\"https://issuer.example.com/\","
                                                             "\"credential_configurations_supported\":{}}"),
                                                 &error),
                 CREDOFFER_STATUS_ISSUER_MISMATCH);
    expect_error(error, CREDOFFER_STATUS_ISSUER_MISMATCH, "credential_issuer");
    CHECK_STATUS(credoffer_issuer_check_metadata(issuer, TXT("[]"), NULL), CREDOFFER_STATUS_INVALID_METADATA);
    CHECK_STATUS(credoffer_issuer_check_metadata(NULL, TXT(METADATA), NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_check_metadata(issuer, NULL, 0, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_check_metadata(issuer, TXT("\"\xff\""), NULL), CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_check_metadata(issuer, METADATA, HUGE, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    /* Error functions on errors that did not come from the engine, and on NULL. */
    error = NULL;
    CHECK_STATUS(credoffer_issuer_new(NULL, 0, &none, &error), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK(credoffer_error_http_status(error) == 0);
    CHECK_STATUS(credoffer_error_mattr_json(error, &text, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_error_to_json(error, &text, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_error_mattr_json(error, NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_error_to_json(error, NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    credoffer_error_free(error);
    CHECK(credoffer_error_http_status(NULL) == 0);
    CHECK_STATUS(credoffer_error_mattr_json(NULL, &text, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_error_to_json(NULL, &text, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK(text == NULL);
    credoffer_issuer_free(issuer);
    credoffer_issuer_free(NULL);
}

/* The host's own answers, and the headers every answer carries. */
static void test_host_token_answers(void) {
    static const struct {
        uint16_t asked, status;
        const char *oauth_error;
    } cases[] = {{413, 413, "invalid_request"}, {415, 400, "invalid_request"}, {0, 500, "server_error"},
                 {1, 503, "temporarily_unavailable"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        credoffer_token_answer *answer = NULL;
        if (cases[i].asked >= 400) {
            CHECK_STATUS(credoffer_token_answer_new_unreadable_body(cases[i].asked, TXT("send a form"), &answer, NULL),
                         CREDOFFER_STATUS_OK);
        } else if (cases[i].asked == 0) {
            CHECK_STATUS(credoffer_token_answer_new_server_error(&answer, NULL), CREDOFFER_STATUS_OK);
        } else {
            CHECK_STATUS(credoffer_token_answer_new_busy(&answer, NULL), CREDOFFER_STATUS_OK);
        }
        uint16_t status = 0;
        uint32_t outcome = 0;
        credoffer_token_rejection refusal;
        CHECK_STATUS(credoffer_token_answer_status(answer, &status, NULL), CREDOFFER_STATUS_OK);
        CHECK_STATUS(credoffer_token_answer_outcome(answer, &outcome, NULL), CREDOFFER_STATUS_OK);
        CHECK_STATUS(credoffer_token_answer_rejection(answer, &refusal, NULL), CREDOFFER_STATUS_OK);
        CHECK(status == cases[i].status && outcome == CREDOFFER_TOKEN_OUTCOME_REJECTED &&
              str_is(refusal.error, cases[i].oauth_error) && body_is(answer, cases[i].oauth_error));
        CHECK(cases[i].asked < 400 || str_is(refusal.description, "send a form"));
        credoffer_token_answer_free(answer);
    }
    credoffer_token_answer *answer = NULL;
    CHECK_STATUS(credoffer_token_answer_new_unreadable_body(413, NULL, 0, &answer, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_new_unreadable_body(413, TXT("\xff"), &answer, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_token_answer_new_unreadable_body(413, TXT("x"), NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_new_server_error(NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_answer_new_busy(NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK(answer == NULL);

    CHECK(credoffer_token_response_header_count() == 3);
    static const char *const headers[][2] = {
        {"Content-Type", "application/json"}, {"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
    for (size_t i = 0; i < 3; i++) {
        credoffer_str name, value;
        CHECK_STATUS(credoffer_token_response_header(i, &name, &value, NULL), CREDOFFER_STATUS_OK);
        CHECK(str_is(name, headers[i][0]) && str_is(value, headers[i][1]));
    }
    credoffer_str name = {"stale", 5}, value = {"stale", 5};
    CHECK_STATUS(credoffer_token_response_header(3, &name, &value, NULL), CREDOFFER_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(str_is(name, NULL) && str_is(value, NULL));
    CHECK_STATUS(credoffer_token_response_header(0, NULL, &value, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_token_response_header(0, &name, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
}

/* A secret handed to credoffer_issuer_new never comes back in an error, whatever its shape. */
static void test_issuer_keeps_secrets(void) {
    static const char KEY[] = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    static const char *const members[] = {
        "\"hmacKeyHex\":1234567890123456789",
        "\"hmacKeyHex\":\"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\","
        "\"previousHmacKeysHex\":\"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\"",
        "\"hmacKeyHex\":\"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\","
        "\"previousHmacKeysHex\":[1234567890123456789]",
        "\"hmacKeyHex\":\"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2\"",
        "\"hmacKeyHex\":\"not hex: 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\"",
    };
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        char config[512];
        snprintf(config, sizeof config,
                 "{\"credentialIssuer\":\"https://issuer.example.com\",\"credentialConfigurations\":{\"mdl\":"
                 "\"mso_mdoc\"},%s}",
                 members[i]);
        credoffer_issuer *issuer = NULL;
        credoffer_error *error = NULL;
        CHECK_STATUS(credoffer_issuer_new(TXT(config), &issuer, &error), CREDOFFER_STATUS_INVALID_CONFIGURATION);
        credoffer_str message = credoffer_error_message(error), field = credoffer_error_field(error);
        char *view = NULL;
        CHECK_STATUS(credoffer_error_to_json(error, &view, NULL, NULL), CREDOFFER_STATUS_OK);
        char shown[1024];
        snprintf(shown, sizeof shown, "%.*s %.*s %s", (int)message.len, message.data ? message.data : "",
                 (int)field.len, field.data ? field.data : "", view ? view : "");
        if (!CHECK(issuer == NULL && message.len > 0 && strstr(shown, KEY) == NULL &&
                   strstr(shown, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2") == NULL &&
                   strstr(shown, "1234567890123456789") == NULL)) {
            fprintf(stderr, "  shown: %s\n", shown);
        }
        CHECK(str_is(field, "hmacKeyHex") || str_is(field, "previousHmacKeysHex"));
        credoffer_string_free(view);
        credoffer_error_free(error);
    }
}

static void test_qr(void) {
    char *svg = NULL;
    size_t len = 0;
    const char *uri = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo";
    CHECK_STATUS(credoffer_qr_svg(TXT(uri), &svg, &len, NULL), CREDOFFER_STATUS_OK);
    CHECK(svg != NULL && strstr(svg, "<svg") != NULL && strstr(svg, "<path") != NULL && strlen(svg) == len);
    credoffer_string_free(svg);
    size_t long_len = 4000;
    char *long_text = malloc(long_len);
    if (long_text) {
        memset(long_text, 'a', long_len);
        credoffer_error *error = NULL;
        CHECK_STATUS(credoffer_qr_svg(long_text, long_len, &svg, NULL, &error), CREDOFFER_STATUS_QR_TOO_LONG);
        expect_error(error, CREDOFFER_STATUS_QR_TOO_LONG, NULL);
        free(long_text);
    }
    CHECK_STATUS(credoffer_qr_svg(NULL, 0, &svg, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_qr_svg(TXT(uri), NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_qr_svg(TXT("\xff"), &svg, NULL, NULL), CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_qr_svg(uri, HUGE, &svg, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK(svg == NULL);
}

void test_engine(void) {
    test_secrets();
    test_wallet();
    test_issuer();
    test_host_token_answers();
    test_issuer_keeps_secrets();
    test_qr();
}
