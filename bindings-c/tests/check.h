/* A minimal test harness: CHECK counts, failures print where and what, main prints the totals. */
#ifndef CREDOFFER_TEST_CHECK_H
#define CREDOFFER_TEST_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <credoffer.h>

extern int checks_passed;
extern int checks_failed;

/* Records one check; prints the failed ones. Returns `ok`. */
bool check_at(bool ok, const char *what, const char *file, int line);
#define CHECK(cond) check_at((cond), #cond, __FILE__, __LINE__)

/* Records the status a call returned (for the every-status coverage check) and returns it. */
credoffer_status seen_status(credoffer_status status);

/* Records the statuses of an error and of its details (validation problems). */
void seen_error(const credoffer_error *error);

/* Checks an error handle's status and (when not NULL) field, records it, and frees it. */
void expect_error(credoffer_error *error, credoffer_status status, const char *field);

/* The engine tests (secrets, wallet, issuer, QR), in test_engine.c. */
void test_engine(void);

/* Checks that `actual` is `expected`, naming both codes on failure. */
bool check_status_at(credoffer_status actual, credoffer_status expected, const char *what, const char *file,
                     int line);
#define CHECK_STATUS(call, expected) check_status_at(seen_status(call), (expected), #call, __FILE__, __LINE__)

/* Whether a borrowed string holds exactly `expected` (NULL: the value is absent). */
bool str_is(credoffer_str actual, const char *expected);

/* A text argument: pointer and length. */
#define TXT(s) (s), strlen(s)

#endif
