// The header as C++17: it compiles with -Wall -Wextra -Wpedantic -Werror, and its functions link and run.
#include <credoffer.h>

#include <cstdio>
#include <cstring>

int main() {
    const char *version = credoffer_version();
    credoffer_offer *offer = nullptr;
    credoffer_error *error = nullptr;
    const char uri[] = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo";
    credoffer_status status = credoffer_parse_uri(uri, std::strlen(uri), nullptr, &offer, &error);
    credoffer_str reference{};
    bool ok = version != nullptr && status == CREDOFFER_STATUS_OK && error == nullptr &&
              credoffer_offer_reference(offer, &reference, nullptr) == CREDOFFER_STATUS_OK && reference.len == 19 &&
              std::strncmp(reference.data, "https://i.example/o", 19) == 0;
    credoffer_offer_free(offer);
    std::printf("C++17: libcredoffer %s %s\n", version, ok ? "works" : "FAILED");
    return ok ? 0 : 1;
}
