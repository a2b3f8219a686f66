/* A small JSON reader and writer for the test vectors (RFC 8259, strict, with a depth bound). */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 64 };

typedef struct reader {
    const char *at;
    const char *end;
    int depth;
} reader;

typedef struct buffer {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} buffer;

static void push(buffer *b, const char *bytes, size_t len) {
    if (b->failed) {
        return;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + len + 1) {
            cap *= 2;
        }
        char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, len);
    b->len += len;
    b->data[b->len] = '\0';
}

static void push_char(buffer *b, char c) { push(b, &c, 1); }

static void skip_space(reader *r) {
    while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r')) {
        r->at++;
    }
}

static json *new_value(json_type type) {
    json *value = calloc(1, sizeof *value);
    if (value) {
        value->type = type;
    }
    return value;
}

static bool add_item(json *container, json *item, char *key) {
    json **items = realloc(container->items, (container->count + 1) * sizeof *items);
    if (!items) {
        return false;
    }
    container->items = items;
    if (container->type == JSON_OBJECT) {
        char **keys = realloc(container->keys, (container->count + 1) * sizeof *keys);
        if (!keys) {
            return false;
        }
        container->keys = keys;
        keys[container->count] = key;
    }
    items[container->count++] = item;
    return true;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_hex4(reader *r, uint32_t *out) {
    if (r->end - r->at < 4) {
        return false;
    }
    uint32_t value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_digit(r->at[i]);
        if (digit < 0) {
            return false;
        }
        value = value * 16 + (uint32_t)digit;
    }
    r->at += 4;
    *out = value;
    return true;
}

static void push_utf8(buffer *b, uint32_t cp) {
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    push(b, out, n);
}

/* Reads a string after its opening quote into `b`. */
static bool read_string(reader *r, buffer *b) {
    push(b, "", 0);
    while (r->at < r->end) {
        unsigned char c = (unsigned char)*r->at++;
        if (c == '"') {
            return !b->failed;
        }
        if (c < 0x20) {
            return false;
        }
        if (c != '\\') {
            push_char(b, (char)c);
            continue;
        }
        if (r->at >= r->end) {
            return false;
        }
        char escape = *r->at++;
        switch (escape) {
        case '"': push_char(b, '"'); break;
        case '\\': push_char(b, '\\'); break;
        case '/': push_char(b, '/'); break;
        case 'b': push_char(b, '\b'); break;
        case 'f': push_char(b, '\f'); break;
        case 'n': push_char(b, '\n'); break;
        case 'r': push_char(b, '\r'); break;
        case 't': push_char(b, '\t'); break;
        case 'u': {
            uint32_t cp;
            if (!read_hex4(r, &cp)) {
                return false;
            }
            if (cp >= 0xD800 && cp < 0xDC00 && r->end - r->at >= 6 && r->at[0] == '\\' && r->at[1] == 'u') {
                reader peek = *r;
                peek.at += 2;
                uint32_t low;
                if (read_hex4(&peek, &low) && low >= 0xDC00 && low < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    *r = peek;
                }
            }
            push_utf8(b, cp);
            break;
        }
        default:
            return false;
        }
    }
    return false;
}

static json *read_value(reader *r);

static json *read_container(reader *r, json_type type) {
    char close = type == JSON_ARRAY ? ']' : '}';
    json *value = new_value(type);
    if (!value || ++r->depth > MAX_DEPTH) {
        json_free(value);
        return NULL;
    }
    skip_space(r);
    if (r->at < r->end && *r->at == close) {
        r->at++;
        r->depth--;
        return value;
    }
    for (;;) {
        char *key = NULL;
        skip_space(r);
        if (type == JSON_OBJECT) {
            buffer b = {0};
            if (r->at >= r->end || *r->at++ != '"' || !read_string(r, &b)) {
                free(b.data);
                json_free(value);
                return NULL;
            }
            key = b.data;
            skip_space(r);
            if (r->at >= r->end || *r->at++ != ':') {
                free(key);
                json_free(value);
                return NULL;
            }
        }
        json *item = read_value(r);
        if (!item || !add_item(value, item, key)) {
            free(key);
            json_free(item);
            json_free(value);
            return NULL;
        }
        skip_space(r);
        if (r->at < r->end && *r->at == ',') {
            r->at++;
            continue;
        }
        if (r->at < r->end && *r->at == close) {
            r->at++;
            r->depth--;
            return value;
        }
        json_free(value);
        return NULL;
    }
}

static bool literal(reader *r, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(r->end - r->at) < n || memcmp(r->at, word, n) != 0) {
        return false;
    }
    r->at += n;
    return true;
}

static json *read_number(reader *r) {
    const char *start = r->at;
    if (r->at < r->end && *r->at == '-') r->at++;
    if (r->at >= r->end || *r->at < '0' || *r->at > '9') return NULL;
    if (*r->at == '0') {
        r->at++;
    } else {
        while (r->at < r->end && *r->at >= '0' && *r->at <= '9') r->at++;
    }
    if (r->at < r->end && *r->at == '.') {
        r->at++;
        if (r->at >= r->end || *r->at < '0' || *r->at > '9') return NULL;
        while (r->at < r->end && *r->at >= '0' && *r->at <= '9') r->at++;
    }
    if (r->at < r->end && (*r->at == 'e' || *r->at == 'E')) {
        r->at++;
        if (r->at < r->end && (*r->at == '+' || *r->at == '-')) r->at++;
        if (r->at >= r->end || *r->at < '0' || *r->at > '9') return NULL;
        while (r->at < r->end && *r->at >= '0' && *r->at <= '9') r->at++;
    }
    json *value = new_value(JSON_NUMBER);
    if (!value) return NULL;
    size_t n = (size_t)(r->at - start);
    value->text = malloc(n + 1);
    if (!value->text) {
        free(value);
        return NULL;
    }
    memcpy(value->text, start, n);
    value->text[n] = '\0';
    value->text_len = n;
    return value;
}

static json *read_value(reader *r) {
    skip_space(r);
    if (r->at >= r->end) return NULL;
    switch (*r->at) {
    case '{': r->at++; return read_container(r, JSON_OBJECT);
    case '[': r->at++; return read_container(r, JSON_ARRAY);
    case '"': {
        r->at++;
        buffer b = {0};
        json *value = new_value(JSON_STRING);
        if (!value || !read_string(r, &b)) {
            free(b.data);
            free(value);
            return NULL;
        }
        value->text = b.data;
        value->text_len = b.len;
        return value;
    }
    case 't':
    case 'f': {
        bool truth = *r->at == 't';
        if (!literal(r, truth ? "true" : "false")) return NULL;
        json *value = new_value(JSON_BOOL);
        if (value) value->boolean = truth;
        return value;
    }
    case 'n': return literal(r, "null") ? new_value(JSON_NULL) : NULL;
    default: return read_number(r);
    }
}

json *json_parse(const char *text, size_t len) {
    reader r = {text, text + len, 0};
    json *value = read_value(&r);
    skip_space(&r);
    if (value && r.at != r.end) {
        json_free(value);
        return NULL;
    }
    return value;
}

void json_free(json *value) {
    if (!value) return;
    for (size_t i = 0; i < value->count; i++) {
        json_free(value->items[i]);
        if (value->keys) free(value->keys[i]);
    }
    free(value->items);
    free(value->keys);
    free(value->text);
    free(value);
}

const json *json_get(const json *object, const char *key) {
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < object->count; i++) {
        if (strcmp(object->keys[i], key) == 0) return object->items[i];
    }
    return NULL;
}

const char *json_get_string(const json *object, const char *key) {
    const json *value = json_get(object, key);
    return value && value->type == JSON_STRING ? value->text : NULL;
}

bool json_get_true(const json *object, const char *key) {
    const json *value = json_get(object, key);
    return value && value->type == JSON_BOOL && value->boolean;
}

bool json_string_is(const json *value, const char *bytes, size_t len) {
    return value && value->type == JSON_STRING && value->text_len == len && memcmp(value->text, bytes, len) == 0;
}

json *json_take(json *object, const char *key) {
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < object->count; i++) {
        if (strcmp(object->keys[i], key) == 0) {
            json *value = object->items[i];
            free(object->keys[i]);
            memmove(object->items + i, object->items + i + 1, (object->count - i - 1) * sizeof *object->items);
            memmove(object->keys + i, object->keys + i + 1, (object->count - i - 1) * sizeof *object->keys);
            object->count--;
            return value;
        }
    }
    return NULL;
}

bool json_equal(const json *a, const json *b) {
    if (!a || !b || a->type != b->type) return false;
    switch (a->type) {
    case JSON_NULL: return true;
    case JSON_BOOL: return a->boolean == b->boolean;
    case JSON_NUMBER: return strtod(a->text, NULL) == strtod(b->text, NULL);
    case JSON_STRING: return json_string_is(b, a->text, a->text_len);
    case JSON_ARRAY:
        if (a->count != b->count) return false;
        for (size_t i = 0; i < a->count; i++) {
            if (!json_equal(a->items[i], b->items[i])) return false;
        }
        return true;
    case JSON_OBJECT:
        if (a->count != b->count) return false;
        for (size_t i = 0; i < a->count; i++) {
            if (!json_equal(a->items[i], json_get(b, a->keys[i]))) return false;
        }
        return true;
    }
    return false;
}

static void write_string(buffer *b, const char *text, size_t len) {
    push_char(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\') {
            push_char(b, '\\');
            push_char(b, (char)c);
        } else if (c < 0x20) {
            char escape[7];
            snprintf(escape, sizeof escape, "\\u%04x", c);
            push(b, escape, 6);
        } else {
            push_char(b, (char)c);
        }
    }
    push_char(b, '"');
}

static void write_value(buffer *b, const json *value) {
    switch (value->type) {
    case JSON_NULL: push(b, "null", 4); break;
    case JSON_BOOL: value->boolean ? push(b, "true", 4) : push(b, "false", 5); break;
    case JSON_NUMBER: push(b, value->text, value->text_len); break;
    case JSON_STRING: write_string(b, value->text, value->text_len); break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        push_char(b, value->type == JSON_ARRAY ? '[' : '{');
        for (size_t i = 0; i < value->count; i++) {
            if (i) push_char(b, ',');
            if (value->type == JSON_OBJECT) {
                write_string(b, value->keys[i], strlen(value->keys[i]));
                push_char(b, ':');
            }
            write_value(b, value->items[i]);
        }
        push_char(b, value->type == JSON_ARRAY ? ']' : '}');
        break;
    }
}

char *json_write(const json *value, size_t *len) {
    buffer b = {0};
    write_value(&b, value);
    if (b.failed) {
        free(b.data);
        return NULL;
    }
    if (len) *len = b.len;
    return b.data;
}

char *read_file(const char *path, size_t *len) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    buffer b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, file)) > 0) {
        push(&b, chunk, n);
    }
    bool failed = ferror(file) || b.failed;
    fclose(file);
    if (failed) {
        free(b.data);
        return NULL;
    }
    if (!b.data) push(&b, "", 0);
    if (len) *len = b.len;
    return b.data;
}
