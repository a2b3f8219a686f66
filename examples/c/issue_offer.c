/*
 * Create a pre-authorized credential offer with libcredoffer, and print its URI and the transaction
 * code to send the user on another channel.
 *
 *   cc -std=c11 issue_offer.c $(pkg-config --cflags --libs credoffer) -o issue_offer
 */
#include <stdio.h>
#include <string.h>

#include <credoffer.h>

/* Prints why a call failed and returns its status. */
static int report(credoffer_status status, credoffer_error *error) {
    credoffer_str message = credoffer_error_message(error);
    fprintf(stderr, "error %s: %.*s\n", credoffer_status_code(status), (int)message.len, message.data);
    credoffer_error_free(error);
    return (int)status;
}

int main(void) {
    const char issuer[] = "https://issuer.example.com";
    const char mdl[] = "org.iso.18013.5.1.mDL";
    credoffer_error *error = NULL;
    credoffer_status status;

    /* Secrets from the operating system's CSPRNG (entropy NULL). */
    char *code = NULL;
    char *tx_code = NULL;
    status = credoffer_generate_pre_authorized_code(NULL, 0, &code, NULL, &error);
    if (status != CREDOFFER_STATUS_OK) return report(status, error);
    status = credoffer_generate_tx_code(CREDOFFER_INPUT_MODE_NUMERIC, 6, NULL, 0, &tx_code, NULL, &error);
    if (status != CREDOFFER_STATUS_OK) return report(status, error);

    /* The offer: one mDL, the pre-authorized code, and a 6-digit transaction code prompt. */
    credoffer_builder *builder = NULL;
    status = credoffer_builder_new(issuer, strlen(issuer), &builder, &error);
    if (status == CREDOFFER_STATUS_OK)
        status = credoffer_builder_add_configuration_id(builder, mdl, strlen(mdl), &error);
    if (status == CREDOFFER_STATUS_OK)
        status = credoffer_builder_pre_authorized_code(builder, code, strlen(code), &error);
    const char hint[] = "Enter the code we sent to your email";
    if (status == CREDOFFER_STATUS_OK)
        status = credoffer_builder_tx_code(builder, CREDOFFER_INPUT_MODE_NUMERIC, 6, hint, strlen(hint), &error);

    /* Written as a URI for a QR code or a deep link (1.0 dialect, openid-credential-offer://). */
    char *uri = NULL;
    if (status == CREDOFFER_STATUS_OK) status = credoffer_builder_to_uri(builder, NULL, &uri, NULL, &error);
    if (status == CREDOFFER_STATUS_OK) {
        printf("offer URI: %s\n", uri);
        printf("transaction code: %s\n", tx_code);
    }

    credoffer_string_free(uri);
    credoffer_builder_free(builder);
    credoffer_string_free(tx_code);
    credoffer_string_free(code);
    return status == CREDOFFER_STATUS_OK ? 0 : report(status, error);
}
