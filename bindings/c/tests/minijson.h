/*
 * minijson.h — a minimal, strict, single-file JSON (RFC 8259) reader for the C tests of grantex.
 *
 * Written for this repository (Apache-2.0, like the rest of it). Not a general-purpose library:
 *   - parses a whole document into a tree of mj_node (one malloc per node, freed with mj_free);
 *   - every node remembers its raw source span [start, end), so a sub-document can be handed on
 *     byte for byte (number spellings, duplicate member names and escapes are kept);
 *   - strings are decoded to UTF-8 (a lone surrogate escape becomes its 3-byte WTF-8 form);
 *   - numbers are kept as double and as their raw spelling;
 *   - mj_equal compares two trees as JSON values: objects as unordered maps, numbers by value.
 * Nesting depth is limited (MJ_MAX_DEPTH) so that hostile input cannot exhaust the stack.
 */
#ifndef MINIJSON_H
#define MINIJSON_H

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define MJ_MAX_DEPTH 256

typedef enum { MJ_NULL, MJ_FALSE, MJ_TRUE, MJ_NUMBER, MJ_STRING, MJ_ARRAY, MJ_OBJECT } mj_type;

typedef struct mj_node {
    mj_type type;
    const char *start; /* raw span in the source text */
    const char *end;
    double number;         /* MJ_NUMBER */
    char *string;          /* MJ_STRING: decoded, NUL-terminated (may contain NUL via \u0000) */
    size_t string_len;
    char *key;             /* member name when this node is an object member (decoded) */
    size_t key_len;
    struct mj_node *child; /* first element / member */
    struct mj_node *next;  /* next sibling */
    size_t count;          /* number of elements / members */
} mj_node;

typedef struct {
    const char *p;
    const char *end;
    const char *error;
} mj_parser;

static void mj_free(mj_node *n) {
    while (n) {
        mj_node *next = n->next;
        mj_free(n->child);
        free(n->string);
        free(n->key);
        free(n);
        n = next;
    }
}

static void mj_ws(mj_parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int mj_hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static size_t mj_put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string literal at ps->p (which is '"'); returns a malloc'd decoded copy. */
static char *mj_string(mj_parser *ps, size_t *len) {
    const char *p = ps->p + 1;
    /* Decoded text is never longer than the escaped text. */
    const char *q = p;
    while (q < ps->end && *q != '"') { if (*q == '\\') q++; q++; }
    if (q >= ps->end) { ps->error = "unterminated string"; return NULL; }
    char *out = malloc((size_t)(q - p) + 1);
    if (!out) { ps->error = "out of memory"; return NULL; }
    size_t n = 0;
    while (p < ps->end && *p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20) { ps->error = "control character in string"; free(out); return NULL; }
        if (c != '\\') { out[n++] = (char)c; p++; continue; }
        p++;
        if (p >= ps->end) break;
        switch (*p) {
        case '"': out[n++] = '"'; p++; break;
        case '\\': out[n++] = '\\'; p++; break;
        case '/': out[n++] = '/'; p++; break;
        case 'b': out[n++] = '\b'; p++; break;
        case 'f': out[n++] = '\f'; p++; break;
        case 'n': out[n++] = '\n'; p++; break;
        case 'r': out[n++] = '\r'; p++; break;
        case 't': out[n++] = '\t'; p++; break;
        case 'u': {
            unsigned cp, lo;
            if (ps->end - p < 5 || !mj_hex4(p + 1, &cp)) { ps->error = "bad \\u escape"; free(out); return NULL; }
            p += 5;
            if (cp >= 0xD800 && cp < 0xDC00 && ps->end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
                mj_hex4(p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            n += mj_put_utf8(out + n, cp);
            break;
        }
        default: ps->error = "bad escape"; free(out); return NULL;
        }
    }
    if (p >= ps->end) { ps->error = "unterminated string"; free(out); return NULL; }
    out[n] = '\0';
    *len = n;
    ps->p = p + 1;
    return out;
}

static mj_node *mj_value(mj_parser *ps, int depth);

static mj_node *mj_new(mj_parser *ps, mj_type t) {
    mj_node *n = calloc(1, sizeof *n);
    if (!n) { ps->error = "out of memory"; return NULL; }
    n->type = t;
    n->start = ps->p;
    return n;
}

static int mj_literal(mj_parser *ps, const char *word) {
    size_t len = strlen(word);
    if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0) { ps->error = "bad literal"; return 0; }
    ps->p += len;
    return 1;
}

static int mj_digits(mj_parser *ps) {
    const char *s = ps->p;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    return ps->p > s;
}

static mj_node *mj_value(mj_parser *ps, int depth) {
    if (depth > MJ_MAX_DEPTH) { ps->error = "nesting too deep"; return NULL; }
    mj_ws(ps);
    if (ps->p >= ps->end) { ps->error = "unexpected end"; return NULL; }
    char c = *ps->p;
    mj_node *n = NULL;
    if (c == '{' || c == '[') {
        int is_obj = c == '{';
        n = mj_new(ps, is_obj ? MJ_OBJECT : MJ_ARRAY);
        if (!n) return NULL;
        ps->p++;
        mj_ws(ps);
        mj_node **tail = &n->child;
        if (ps->p < ps->end && *ps->p == (is_obj ? '}' : ']')) { ps->p++; n->end = ps->p; return n; }
        for (;;) {
            char *key = NULL;
            size_t key_len = 0;
            if (is_obj) {
                mj_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"') { ps->error = "expected member name"; goto fail; }
                key = mj_string(ps, &key_len);
                if (!key) goto fail;
                mj_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') { free(key); ps->error = "expected ':'"; goto fail; }
                ps->p++;
            }
            mj_node *item = mj_value(ps, depth + 1);
            if (!item) { free(key); goto fail; }
            item->key = key;
            item->key_len = key_len;
            *tail = item;
            tail = &item->next;
            n->count++;
            mj_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
            if (ps->p < ps->end && *ps->p == (is_obj ? '}' : ']')) { ps->p++; break; }
            ps->error = "expected ',' or closing bracket";
            goto fail;
        }
    } else if (c == '"') {
        n = mj_new(ps, MJ_STRING);
        if (!n) return NULL;
        n->string = mj_string(ps, &n->string_len);
        if (!n->string) goto fail;
    } else if (c == 't' || c == 'f' || c == 'n') {
        n = mj_new(ps, c == 't' ? MJ_TRUE : c == 'f' ? MJ_FALSE : MJ_NULL);
        if (!n) return NULL;
        if (!mj_literal(ps, c == 't' ? "true" : c == 'f' ? "false" : "null")) goto fail;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        n = mj_new(ps, MJ_NUMBER);
        if (!n) return NULL;
        if (*ps->p == '-') ps->p++;
        if (ps->p < ps->end && *ps->p == '0') ps->p++;
        else if (!mj_digits(ps)) { ps->error = "bad number"; goto fail; }
        if (ps->p < ps->end && *ps->p == '.') { ps->p++; if (!mj_digits(ps)) { ps->error = "bad fraction"; goto fail; } }
        if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
            ps->p++;
            if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
            if (!mj_digits(ps)) { ps->error = "bad exponent"; goto fail; }
        }
        size_t len = (size_t)(ps->p - n->start);
        char buf[64];
        if (len >= sizeof buf) { ps->error = "number too long"; goto fail; }
        memcpy(buf, n->start, len);
        buf[len] = '\0';
        n->number = strtod(buf, NULL);
    } else {
        ps->error = "unexpected character";
        return NULL;
    }
    n->end = ps->p;
    return n;
fail:
    mj_free(n);
    return NULL;
}

/* Parses a whole document; NULL on error (*error set). */
static mj_node *mj_parse(const char *text, size_t len, const char **error) {
    mj_parser ps = {text, text + len, NULL};
    mj_node *root = mj_value(&ps, 0);
    if (root) {
        mj_ws(&ps);
        if (ps.p != ps.end) { ps.error = "trailing characters"; mj_free(root); root = NULL; }
    }
    if (error) *error = ps.error;
    return root;
}

/* Member of an object by name (the last one wins, as in JSON.parse); NULL if absent or not an object. */
static const mj_node *mj_get(const mj_node *obj, const char *key) {
    const mj_node *found = NULL;
    if (!obj || obj->type != MJ_OBJECT) return NULL;
    size_t len = strlen(key);
    for (const mj_node *m = obj->child; m; m = m->next)
        if (m->key_len == len && memcmp(m->key, key, len) == 0) found = m;
    return found;
}

static const char *mj_str(const mj_node *n) { return n && n->type == MJ_STRING ? n->string : NULL; }

/* A malloc'd NUL-terminated copy of the raw source text of a node. */
static char *mj_raw(const mj_node *n) {
    size_t len = (size_t)(n->end - n->start);
    char *s = malloc(len + 1);
    if (!s) return NULL;
    memcpy(s, n->start, len);
    s[len] = '\0';
    return s;
}

/* JSON value equality: objects as maps (same names, equal values), arrays in order, numbers by value. */
static int mj_equal(const mj_node *a, const mj_node *b) {
    if (!a || !b) return a == b;
    if (a->type != b->type) return 0;
    switch (a->type) {
    case MJ_NULL: case MJ_TRUE: case MJ_FALSE: return 1;
    case MJ_NUMBER: return a->number == b->number;
    case MJ_STRING: return a->string_len == b->string_len && memcmp(a->string, b->string, a->string_len) == 0;
    case MJ_ARRAY: {
        if (a->count != b->count) return 0;
        for (const mj_node *x = a->child, *y = b->child; x; x = x->next, y = y->next)
            if (!mj_equal(x, y)) return 0;
        return 1;
    }
    case MJ_OBJECT: {
        if (a->count != b->count) return 0;
        for (const mj_node *x = a->child; x; x = x->next) {
            const mj_node *y = NULL;
            for (const mj_node *m = b->child; m; m = m->next)
                if (m->key_len == x->key_len && memcmp(m->key, x->key, x->key_len) == 0) y = m;
            if (!y || !mj_equal(x, y)) return 0;
        }
        return 1;
    }
    }
    return 0;
}

#endif /* MINIJSON_H */
