/* Tests of the engine functions: secrets, the wallet helpers, the issuer endpoints, redemption, QR. */
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
    CHECK_STATUS(credoffer_generate_pre_authorized_code(bytes, 0, &a, NULL, NULL), CREDOFFER_STATUS_ENTROPY_UNAVAILABLE);

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
    CHECK_STATUS(credoffer_generate_tx_code(CREDOFFER_INPUT_MODE_TEXT, 8, NULL, 0, &a, &len, NULL), CREDOFFER_STATUS_OK);
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
    CHECK_STATUS(credoffer_generate_pre_authorized_code(bytes, HUGE, &a, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
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

/* Redeems `form` and checks the outcome; returns the next record (free it) or NULL. */
static char *redeem(const credoffer_issuer *issuer, const char *record, const char *form, bool issued,
                    const char *token_error, bool changed) {
    credoffer_redemption *redemption = NULL;
    char *next = NULL;
    if (!CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT(record), TXT(form), NOW + 10, &redemption, NULL),
                      CREDOFFER_STATUS_OK)) {
        return NULL;
    }
    bool actual_issued = !issued, actual_changed = !changed;
    CHECK_STATUS(credoffer_redemption_issued(redemption, &actual_issued, NULL), CREDOFFER_STATUS_OK);
    CHECK(actual_issued == issued);
    CHECK_STATUS(credoffer_redemption_changed(redemption, &actual_changed, NULL), CREDOFFER_STATUS_OK);
    CHECK(actual_changed == changed);
    credoffer_token_error refusal;
    CHECK_STATUS(credoffer_redemption_token_error(redemption, &refusal, NULL), CREDOFFER_STATUS_OK);
    CHECK(str_is(refusal.error, token_error));
    char *body = NULL;
    size_t body_len = 99; /* stale: an issued token has no error body, and the length says so too */
    CHECK_STATUS(credoffer_redemption_token_error_json(redemption, &body, &body_len, NULL), CREDOFFER_STATUS_OK);
    CHECK(token_error ? body != NULL && strstr(body, token_error) != NULL && refusal.http_status == 400
                            && body_len == strlen(body)
                      : body == NULL && body_len == 0 && refusal.http_status == 0);
    credoffer_string_free(body);
    CHECK_STATUS(credoffer_redemption_record_json(redemption, &next, NULL, NULL), CREDOFFER_STATUS_OK);
    credoffer_redemption_free(redemption);
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
            issuer, TXT(bad_bodies[i]), NOW, NULL, 0, &response, NULL, &record, NULL, &error);
        if (!CHECK(status != CREDOFFER_STATUS_OK && error != NULL)) {
            fprintf(stderr, "  accepted: %s\n", bad_bodies[i]);
        }
        CHECK(response == NULL && record == NULL);
        seen_status(status);
        seen_error(error);
        credoffer_error_free(error);
    }
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, TXT("{garbage"), NOW, NULL, 0, &response, NULL,
                                                              &record, NULL, NULL),
                 CREDOFFER_STATUS_VALIDATION_FAILED);
    /* MATTR's rule, when configured: pre-authorized offers only for mdoc. */
    credoffer_issuer *mdoc_only = NULL;
    const char *mattr_config = "{\"credentialIssuer\":\"https://issuer.example.com\",\"dialect\":\"mattr\","
                               "\"preAuthorizedMdocOnly\":true,\"credentialConfigurations\":{\"pid\":\"dc+sd-jwt\"}}";
    CHECK_STATUS(credoffer_issuer_new(TXT(mattr_config), &mdoc_only, NULL), CREDOFFER_STATUS_OK);
    error = NULL;
    CHECK(credoffer_issuer_create_pre_authorized_offer(mdoc_only, TXT("{\"credentials\":[\"pid\"]}"), NOW, NULL, 0,
                                                       &response, NULL, &record, NULL, &error) != CREDOFFER_STATUS_OK);
    seen_error(error);
    credoffer_str field = credoffer_error_field(credoffer_error_detail(error, 0));
    CHECK(credoffer_error_status(credoffer_error_detail(error, 0)) == CREDOFFER_STATUS_UNSUPPORTED_FORMAT &&
          field.len > 0);
    credoffer_error_free(error);
    credoffer_issuer_free(mdoc_only);

    /* POST /v1/openid/offers/pre-authorized, then the token endpoint. */
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(
                     issuer, TXT("{\"credentials\":[\"mdl\"],\"transactionCodeConfiguration\":{}}"), NOW, NULL, 0,
                     &response, &response_len, &record, &record_len, NULL),
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
        char *after_wrong = redeem(issuer, record, wrong, false, "invalid_grant", true);
        credoffer_redemption *redemption = NULL;
        if (after_wrong) {
            CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT(after_wrong), TXT(wrong), NOW + 11, &redemption, NULL),
                         CREDOFFER_STATUS_OK);
            credoffer_token_error refusal;
            CHECK_STATUS(credoffer_redemption_token_error(redemption, &refusal, NULL), CREDOFFER_STATUS_OK);
            CHECK(refusal.has_failed_attempts_left && refusal.failed_attempts_left == 1 && !refusal.revoke_issued_tokens);
            credoffer_str s;
            size_t count = 9;
            CHECK_STATUS(credoffer_redemption_user_id(redemption, &s, NULL), CREDOFFER_STATUS_OK);
            CHECK(str_is(s, NULL));
            CHECK_STATUS(credoffer_redemption_id_count(redemption, &count, NULL), CREDOFFER_STATUS_OK);
            CHECK(count == 0);
            credoffer_redemption_free(redemption);
        }
        char *issued = after_wrong ? redeem(issuer, after_wrong, form, true, NULL, true) : NULL;
        if (issued) {
            redemption = NULL;
            CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT(after_wrong), TXT(form), NOW + 12, &redemption, NULL),
                         CREDOFFER_STATUS_OK);
            credoffer_str s;
            size_t count = 0;
            CHECK_STATUS(credoffer_redemption_user_id(redemption, &s, NULL), CREDOFFER_STATUS_OK);
            CHECK(s.data != NULL && s.len == 36);
            CHECK_STATUS(credoffer_redemption_id_count(redemption, &count, NULL), CREDOFFER_STATUS_OK);
            CHECK(count == 1);
            CHECK_STATUS(credoffer_redemption_id(redemption, 0, &s, NULL), CREDOFFER_STATUS_OK);
            CHECK(str_is(s, "mdl"));
            CHECK_STATUS(credoffer_redemption_id(redemption, 1, &s, NULL), CREDOFFER_STATUS_INDEX_OUT_OF_RANGE);
            credoffer_redemption_free(redemption);
            /* A second use: refused, and the host is told to revoke what the first use got. */
            redemption = NULL;
            CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT(issued), TXT(form), NOW + 13, &redemption, NULL),
                         CREDOFFER_STATUS_OK);
            credoffer_token_error refusal;
            CHECK_STATUS(credoffer_redemption_token_error(redemption, &refusal, NULL), CREDOFFER_STATUS_OK);
            CHECK(str_is(refusal.error, "invalid_grant") && refusal.revoke_issued_tokens);
            credoffer_redemption_free(redemption);
        }
        /* DELETE, twice. */
        char *deleted = NULL;
        CHECK_STATUS(credoffer_issuer_delete(issuer, TXT(record), &deleted, NULL, NULL), CREDOFFER_STATUS_OK);
        CHECK(deleted != NULL && strstr(deleted, "\"deleted\"") != NULL);
        char *again = NULL;
        error = NULL;
        if (deleted) {
            CHECK_STATUS(credoffer_issuer_delete(issuer, TXT(deleted), &again, NULL, &error),
                         CREDOFFER_STATUS_OFFER_NOT_FOUND);
            CHECK(credoffer_error_http_status(error) == 404);
            expect_error(error, CREDOFFER_STATUS_OFFER_NOT_FOUND, "id");
        }
        credoffer_string_free(deleted);
        /* Malformed token requests never reach the record. */
        error = NULL;
        redemption = NULL;
        CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT("{}"), TXT("pre-authorized_code=x"), NOW, &redemption, &error),
                     CREDOFFER_STATUS_INVALID_TOKEN_REQUEST);
        char *token_body = NULL;
        CHECK_STATUS(credoffer_error_token_error_json(error, &token_body, NULL, NULL), CREDOFFER_STATUS_OK);
        CHECK(token_body != NULL && strstr(token_body, "\"invalid_request\"") != NULL);
        credoffer_string_free(token_body);
        expect_error(error, CREDOFFER_STATUS_INVALID_TOKEN_REQUEST, "grant_type");
        error = NULL;
        CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT(record), TXT("grant_type=authorization_code&code=x"), NOW,
                                             &redemption, &error),
                     CREDOFFER_STATUS_UNSUPPORTED_GRANT_TYPE);
        CHECK_STATUS(credoffer_error_token_error_json(error, &token_body, NULL, NULL), CREDOFFER_STATUS_OK);
        CHECK(token_body != NULL && strstr(token_body, "\"unsupported_grant_type\"") != NULL);
        credoffer_string_free(token_body);
        credoffer_error_free(error);
        CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT("{\"id\":1}"), TXT(form), NOW, &redemption, NULL),
                     CREDOFFER_STATUS_INVALID_RECORD);
        CHECK(redemption == NULL);
        /* This record is by value: there is nothing to serve by reference. */
        char *served = NULL, *next = NULL;
        CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT(record), TXT("token"), NOW, &served, NULL, &next, NULL,
                                                  NULL),
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
                                                              NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, TXT("{}"), NOW, NULL, 0, &response, NULL, NULL,
                                                              NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, TXT("{}"), NOW, NULL, 0, NULL, NULL, &record,
                                                              NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, TXT("\xfe"), NOW, NULL, 0, &response, NULL,
                                                              &record, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_create_pre_authorized_offer(issuer, NULL, 4, NOW, NULL, 0, &response, NULL, &record,
                                                              NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(NULL, TXT("{}"), &record, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(issuer, NULL, 0, &record, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(issuer, TXT("{}"), NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(issuer, TXT("\xff"), &record, NULL, NULL), CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_delete(issuer, "{}", HUGE, &record, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_delete(issuer, TXT("not json"), &record, NULL, NULL), CREDOFFER_STATUS_INVALID_RECORD);
    char *served = NULL;
    CHECK_STATUS(credoffer_issuer_serve_offer(NULL, TXT("{}"), TXT("t"), NOW, &served, NULL, &record, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT("{}"), NULL, 0, NOW, &served, NULL, &record, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_RECORD);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, NULL, 0, TXT("t"), NOW, &served, NULL, &record, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT("{}"), TXT("t"), NOW, NULL, NULL, &record, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT("{}"), TXT("t"), NOW, &served, NULL, NULL, NULL, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, TXT("\xff"), TXT("t"), NOW, &served, NULL, &record, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_serve_offer(issuer, "{}", HUGE, TXT("t"), NOW, &served, NULL, &record, NULL, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    credoffer_redemption *redemption = NULL;
    CHECK_STATUS(credoffer_issuer_redeem(NULL, TXT("{}"), TXT("a=b"), NOW, &redemption, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT("{}"), NULL, 0, NOW, &redemption, NULL),
                 CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT("{}"), TXT("a=b"), NOW, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT("{}"), TXT("\xff=1"), NOW, &redemption, NULL),
                 CREDOFFER_STATUS_INVALID_UTF8);
    CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT("{}"), "a", HUGE, NOW, &redemption, NULL),
                 CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_issuer_redeem(issuer, TXT("{}"), TXT("grant_type=%FF"), NOW, &redemption, NULL),
                 CREDOFFER_STATUS_INVALID_TOKEN_REQUEST);
    CHECK(redemption == NULL && served == NULL);
    bool flag;
    size_t count;
    credoffer_str s;
    credoffer_token_error refusal;
    char *text = NULL;
    CHECK_STATUS(credoffer_redemption_issued(NULL, &flag, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_redemption_changed(NULL, &flag, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_redemption_user_id(NULL, &s, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_redemption_id_count(NULL, &count, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_redemption_id(NULL, 0, &s, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_redemption_token_error(NULL, &refusal, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_redemption_token_error_json(NULL, &text, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_redemption_record_json(NULL, &text, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    credoffer_redemption_free(NULL);
    /* Error functions on errors that did not come from the engine, and on NULL. */
    error = NULL;
    CHECK_STATUS(credoffer_issuer_new(NULL, 0, &none, &error), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK(credoffer_error_http_status(error) == 0);
    CHECK_STATUS(credoffer_error_mattr_json(error, &text, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_error_token_error_json(error, &text, NULL, NULL), CREDOFFER_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(credoffer_error_mattr_json(error, NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_error_token_error_json(error, NULL, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    credoffer_error_free(error);
    CHECK(credoffer_error_http_status(NULL) == 0);
    CHECK_STATUS(credoffer_error_mattr_json(NULL, &text, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(credoffer_error_token_error_json(NULL, &text, NULL, NULL), CREDOFFER_STATUS_NULL_ARGUMENT);
    CHECK(text == NULL);
    credoffer_issuer_free(issuer);
    credoffer_issuer_free(NULL);
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
    test_qr();
}
