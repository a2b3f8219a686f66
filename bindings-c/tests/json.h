/* A small JSON reader and writer for the test vectors: a tree of values, exact equality, output. */
#ifndef CREDOFFER_TEST_JSON_H
#define CREDOFFER_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json {
    json_type type;
    bool boolean;
    char *text;         /* JSON_STRING: the decoded bytes; JSON_NUMBER: the number as written */
    size_t text_len;
    size_t count;       /* JSON_ARRAY, JSON_OBJECT: how many items */
    struct json **items;
    char **keys;        /* JSON_OBJECT: decoded member names, NUL-terminated */
} json;

/* Parses `len` bytes; NULL when the text is not one JSON value. */
json *json_parse(const char *text, size_t len);
void json_free(json *value);

/* The member `key` of an object (the first, if repeated); NULL when absent or not an object. */
const json *json_get(const json *object, const char *key);
/* The string member `key`, NUL-terminated; NULL when absent or not a string. */
const char *json_get_string(const json *object, const char *key);
/* Whether the boolean member `key` is true. */
bool json_get_true(const json *object, const char *key);
/* Whether a string value equals `len` bytes at `bytes`. */
bool json_string_is(const json *value, const char *bytes, size_t len);

/* Takes member `key` out of an object (the first, if repeated); NULL when absent. Free it with json_free. */
json *json_take(json *object, const char *key);

/* Structural equality: objects compare as sets of members, numbers by value. */
bool json_equal(const json *a, const json *b);

/* Compact JSON text, NUL-terminated, to free with free(); `len` may be NULL. */
char *json_write(const json *value, size_t *len);

/* Reads a whole file; NULL on failure. Free with free(). */
char *read_file(const char *path, size_t *len);

#endif
