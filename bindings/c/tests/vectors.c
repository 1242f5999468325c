/*
 * Runs the shared test vectors through the C ABI of grantex (include/grantex.h):
 *
 *   - tests/vectors/grant-tokens.json: every case through grantex_verifier_new + grantex_verifier_verify,
 *     through grantex_verifier_verify_compact (same status; the compact grant, decoded to JSON, equals the
 *     answer's value, or the output equals the answer's error message; the output buffer has exactly the
 *     announced size), and through the self-contained grantex_verify_grant_token_json; the answer must equal
 *     `expected` (success: the whole value as JSON; failure: the error code, and the status number must
 *     name the same code);
 *   - tests/vectors/audit.json: every chain case through grantex_audit_verify_chain_json, the report
 *     compared as JSON; the entries are handed on as their raw source text (the vectors rely on original
 *     number spellings and duplicate member names);
 *   - tests/vectors/sdjwt.json: every case through grantex_verifier_new + grantex_verifier_verify_sd_jwt and
 *     again through the self-contained grantex_verify_sd_jwt_json (options = the case's `options` plus its
 *     separate `now`; `jwks` names a key set); `expect` is {error: CODE} or members the answer value must
 *     carry (claims, disclosedClaims, keyBound), and both routes must give the same answer;
 *   - tests/vectors/vc.json: every case of kind `credential` through grantex_verify_credential_json (same
 *     `expect` rule; `statusLists` maps URLs to encodedList strings) and grantex_verify_credential_upstream_json
 *     (valid / code); every signed status-list credential / token through
 *     grantex_verify_status_list_credential_json / grantex_verify_status_list_token_json, the entries named by
 *     `expect` read from the verified list with grantex_status_list_get_json (as core/tests/json_api.rs does);
 *   - tests/vectors/did.json: every case through the DID functions (`expected` = the whole answer value);
 *   - grantex_present_sd_jwt_json and grantex_status_list_get_json on the upstream vectors;
 *   - argument checks (NULL, invalid UTF-8, NUL bytes and buffer sizes of the compact entry point), the status
 *     table, and one verifier shared by several threads.
 *
 * Usage: vectors VECTORS_DIR   (the tests/vectors directory)
 * Prints one line per failure and ends with "N passed, M failed"; exit status 1 when M > 0.
 * Every allocation is released, so that valgrind --leak-check=full reports nothing.
 */
#include "grantex.h"
#include "minijson.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *fmt, ...) {
    if (ok) {
        passed++;
        return;
    }
    failed++;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *grown = realloc(buf, cap);
            if (!grown) { free(buf); fclose(f); return NULL; }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096) break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Parses a library answer; frees the library string. NULL if it is not JSON. */
static mj_node *parse_answer(char *answer) {
    if (!answer) return NULL;
    mj_node *n = mj_parse(answer, strlen(answer), NULL);
    /* The tree points into the text for raw spans only; values are copies, so the text may go. */
    grantex_string_free(answer);
    return n;
}

/* Compares an answer with an `expected` object. Returns 1 if equal; *why describes the difference. */
static int answer_matches(const mj_node *answer, const mj_node *expected, const char **why) {
    const mj_node *want_ok = mj_get(expected, "ok");
    const mj_node *got_ok = mj_get(answer, "ok");
    if (!got_ok || !want_ok || got_ok->type != want_ok->type) { *why = "ok differs"; return 0; }
    if (want_ok->type == MJ_TRUE) {
        if (!mj_equal(mj_get(answer, "value"), mj_get(expected, "value"))) { *why = "value differs"; return 0; }
        return 1;
    }
    const char *want = mj_str(mj_get(mj_get(expected, "error"), "code"));
    const char *got = mj_str(mj_get(mj_get(answer, "error"), "code"));
    if (!want || !got || strcmp(want, got) != 0) { *why = "error code differs"; return 0; }
    return 1;
}

static const char *code_of(const mj_node *answer) {
    const char *code = mj_str(mj_get(mj_get(answer, "error"), "code"));
    return code ? code : "?";
}

/* Compares an answer with an `expect` object: {"error": CODE}, or members the answer's value must carry. */
static int answer_meets(const mj_node *answer, const mj_node *expect, const char **why) {
    const mj_node *got_ok = mj_get(answer, "ok");
    const char *want_code = mj_str(mj_get(expect, "error"));
    if (!got_ok) { *why = "no ok member"; return 0; }
    if (want_code) {
        if (got_ok->type != MJ_FALSE) { *why = "expected an error, got a value"; return 0; }
        if (strcmp(code_of(answer), want_code) != 0) { *why = "error code differs"; return 0; }
        return 1;
    }
    if (got_ok->type != MJ_TRUE) { *why = "expected a value, got an error"; return 0; }
    const mj_node *value = mj_get(answer, "value");
    for (const mj_node *m = expect->child; m; m = m->next) {
        if (!mj_equal(mj_get(value, m->key), m)) { *why = m->key; return 0; }
    }
    return 1;
}

/* Checks that a status number names the same code as an answer (OK for a value). */
static void check_status(const char *name, int32_t status, const mj_node *answer) {
    if (!answer) return;
    const mj_node *got_ok = mj_get(answer, "ok");
    const char *status_name = grantex_error_code_name(status);
    if (got_ok && got_ok->type == MJ_TRUE)
        check(status == GRANTEX_OK, "%s: status %d for an ok answer", name, status);
    else
        check(status_name && strcmp(status_name, code_of(answer)) == 0, "%s: status %d (%s) but answer %s", name,
              status, status_name ? status_name : "NULL", code_of(answer));
}

/* malloc'd concatenation of NUL-terminated pieces (the last argument is NULL). */
static char *concat(const char *first, ...) {
    va_list ap;
    size_t len = 0;
    va_start(ap, first);
    for (const char *p = first; p; p = va_arg(ap, const char *)) len += strlen(p);
    va_end(ap);
    char *out = malloc(len + 1);
    if (!out) abort();
    out[0] = '\0';
    char *end = out;
    va_start(ap, first);
    for (const char *p = first; p; p = va_arg(ap, const char *)) {
        size_t n = strlen(p);
        memcpy(end, p, n);
        end += n;
    }
    va_end(ap);
    *end = '\0';
    return out;
}

/* A growable text buffer (aborts when out of memory). */
typedef struct {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *grown = realloc(b->p, cap);
        if (!grown) abort();
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_cstr(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

/* Appends bytes as a JSON string literal (quote, backslash and control characters escaped). */
static void sb_json_string(sbuf *b, const char *s, size_t n) {
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            sb_put(b, esc, 2);
        } else if (c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            sb_put(b, esc, 6);
        } else {
            sb_put(b, (const char *)&s[i], 1);
        }
    }
    sb_put(b, "\"", 1);
}

/* Loads and parses a JSON file; NULL (and a failure) when it cannot. *text must be freed after the tree. */
static mj_node *load(const char *path, char **text) {
    size_t len;
    *text = read_file(path, &len);
    if (!*text) { check(0, "cannot read %s", path); return NULL; }
    const char *err = NULL;
    mj_node *doc = mj_parse(*text, len, &err);
    if (!doc) { check(0, "%s: %s", path, err); free(*text); *text = NULL; }
    return doc;
}

/* ---------------------------------------------------------------- compact grants */

/* Reader of the compact layout of grantex_verifier_verify_compact (documented in grantex.h). */
typedef struct {
    const uint8_t *p;
    size_t len, i;
    int bad;
} creader;

static uint64_t cr_le(creader *r, size_t n) {
    if (r->bad || r->len - r->i < n) { r->bad = 1; return 0; }
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++) v |= (uint64_t)r->p[r->i + k] << (8 * k);
    r->i += n;
    return v;
}

static void cr_str(creader *r, sbuf *b) {
    uint64_t n = cr_le(r, 4);
    if (r->bad || r->len - r->i < n) { r->bad = 1; return; }
    sb_json_string(b, (const char *)r->p + r->i, (size_t)n);
    r->i += (size_t)n;
}

static void cr_list(creader *r, sbuf *b) {
    uint64_t n = cr_le(r, 4);
    sb_cstr(b, "[");
    for (uint64_t k = 0; k < n && !r->bad; k++) {
        if (k) sb_cstr(b, ",");
        cr_str(r, b);
    }
    sb_cstr(b, "]");
}

static void cr_uint(creader *r, size_t n, sbuf *b) {
    char digits[32];
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)cr_le(r, n));
    sb_cstr(b, digits);
}

/* The JSON text of the VerifiedGrant a compact grant holds (malloc'd); NULL when the bytes are malformed. */
static char *compact_to_json(const uint8_t *p, size_t len) {
    creader r = {p, len, 0, 0};
    sbuf b = {0};
    uint64_t version = cr_le(&r, 1), flags = cr_le(&r, 1);
    const uint64_t known = GRANTEX_COMPACT_HAS_AUDIENCE | GRANTEX_COMPACT_HAS_PARENT_AGENT_DID |
                           GRANTEX_COMPACT_HAS_PARENT_GRANT_ID | GRANTEX_COMPACT_HAS_DELEGATION_DEPTH |
                           GRANTEX_COMPACT_HAS_BUDGET_REMAINING | GRANTEX_COMPACT_HAS_STATUS;
    if (version != GRANTEX_COMPACT_VERSION || (flags & ~known)) r.bad = 1;
    sb_cstr(&b, "{\"issuedAt\":");
    cr_uint(&r, 8, &b);
    sb_cstr(&b, ",\"expiresAt\":");
    cr_uint(&r, 8, &b);
    const char *names[] = {"tokenId", "grantId", "principalId", "agentDid", "developerId", "issuer"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        sb_cstr(&b, ",\"");
        sb_cstr(&b, names[k]);
        sb_cstr(&b, "\":");
        cr_str(&r, &b);
    }
    sb_cstr(&b, ",\"scopes\":");
    cr_list(&r, &b);
    if (flags & GRANTEX_COMPACT_HAS_AUDIENCE) { sb_cstr(&b, ",\"audience\":"); cr_list(&r, &b); }
    if (flags & GRANTEX_COMPACT_HAS_PARENT_AGENT_DID) { sb_cstr(&b, ",\"parentAgentDid\":"); cr_str(&r, &b); }
    if (flags & GRANTEX_COMPACT_HAS_PARENT_GRANT_ID) { sb_cstr(&b, ",\"parentGrantId\":"); cr_str(&r, &b); }
    if (flags & GRANTEX_COMPACT_HAS_DELEGATION_DEPTH) { sb_cstr(&b, ",\"delegationDepth\":"); cr_uint(&r, 4, &b); }
    if (flags & GRANTEX_COMPACT_HAS_BUDGET_REMAINING) {
        uint64_t bits = cr_le(&r, 8);
        double budget;
        memcpy(&budget, &bits, sizeof budget);
        char digits[40];
        snprintf(digits, sizeof digits, "%.17g", budget);
        sb_cstr(&b, ",\"budgetRemaining\":");
        sb_cstr(&b, digits);
    }
    if (flags & GRANTEX_COMPACT_HAS_STATUS) {
        sb_cstr(&b, ",\"status\":{\"idx\":");
        cr_uint(&r, 8, &b);
        sb_cstr(&b, ",\"uri\":");
        cr_str(&r, &b);
        sb_cstr(&b, "}");
    }
    sb_cstr(&b, "}");
    if (r.bad || r.i != r.len) { free(b.p); return NULL; }
    return b.p;
}

/* Checks the compact entry point against an answer of grantex_verifier_verify for the same input: same status;
 * on success the grant equals the answer's value, on failure the output is the answer's error message. The
 * output buffer is exactly as large as announced, so that valgrind sees any write past it. */
static void check_compact(const char *name, const GrantexVerifier *v, const char *token, const char *options,
                          int32_t status, const mj_node *answer) {
    size_t need = (size_t)-1;
    int32_t first = grantex_verifier_verify_compact(v, token, strlen(token), options, strlen(options), NULL, 0, &need);
    check(first == status && need != (size_t)-1, "%s (compact): status %d, expected %d", name, first, status);
    uint8_t *out = malloc(need ? need : 1);
    size_t got = 0;
    int32_t second = grantex_verifier_verify_compact(v, token, strlen(token), options, strlen(options), out, need, &got);
    check(second == status && got == need, "%s (compact): second call status %d, size %zu of %zu", name, second,
          got, need);
    check(grantex_verifier_verify_compact(v, token, strlen(token), options, strlen(options), NULL, 0, NULL) ==
              status,
          "%s (compact): status without output", name);
    if (second == GRANTEX_OK && got == need) {
        char *json = compact_to_json(out, got);
        mj_node *grant = json ? mj_parse(json, strlen(json), NULL) : NULL;
        check(grant && mj_equal(grant, mj_get(answer, "value")), "%s (compact): grant differs from the answer: %s",
              name, json ? json : "malformed");
        mj_free(grant);
        free(json);
    } else if (got == need) {
        const char *message = mj_str(mj_get(mj_get(answer, "error"), "message"));
        check(message && strlen(message) == got && memcmp(message, out, got) == 0,
              "%s (compact): message differs from the answer's", name);
    }
    free(out);
}

/* ---------------------------------------------------------------- grant tokens */

typedef struct {
    const char *name;
    GrantexVerifier *verifier;
    char *raw; /* raw JWKS text */
} key_set;

static int run_grant_tokens(const char *path) {
    size_t len;
    char *text = read_file(path, &len);
    if (!text) { check(0, "cannot read %s", path); return 0; }
    const char *err = NULL;
    mj_node *doc = mj_parse(text, len, &err);
    if (!doc) { check(0, "%s: %s", path, err); free(text); return 0; }

    const mj_node *sets = mj_get(doc, "keySets");
    const mj_node *cases = mj_get(doc, "cases");
    check(sets && sets->type == MJ_OBJECT && cases && cases->type == MJ_ARRAY, "%s: no keySets/cases", path);
    if (!sets || !cases) { mj_free(doc); free(text); return 0; }

    key_set *keys = calloc(sets->count, sizeof *keys);
    size_t n_keys = 0;
    for (const mj_node *s = sets->child; s; s = s->next, n_keys++) {
        keys[n_keys].name = s->key;
        keys[n_keys].raw = mj_raw(s);
        char *error_json = NULL;
        int32_t status = grantex_verifier_new(keys[n_keys].raw, &keys[n_keys].verifier, &error_json);
        check(status == GRANTEX_OK && keys[n_keys].verifier && !error_json, "key set %s: status %d (%s)", s->key,
              status, error_json ? error_json : "");
        grantex_string_free(error_json);
    }

    int count = 0;
    for (const mj_node *c = cases->child; c; c = c->next) {
        const char *name = mj_str(mj_get(c, "name"));
        const char *set_name = mj_str(mj_get(c, "keySet"));
        const mj_node *token_node = mj_get(c, "token");
        const char *token = mj_str(token_node);
        const mj_node *options_node = mj_get(c, "options");
        const mj_node *expected = mj_get(c, "expected");
        name = name ? name : "?";
        if (!set_name || !token || !options_node || !expected) { check(0, "%s: malformed case", name); continue; }
        key_set *ks = NULL;
        for (size_t i = 0; i < n_keys; i++)
            if (strcmp(keys[i].name, set_name) == 0) ks = &keys[i];
        if (!ks || !ks->verifier) { check(0, "%s: no key set %s", name, set_name); continue; }
        count++;

        /* 1. Verifier handle. */
        char *options = mj_raw(options_node);
        char *answer_text = NULL;
        int32_t status = grantex_verifier_verify(ks->verifier, token, options, &answer_text);
        mj_node *answer = parse_answer(answer_text);
        const char *why = "answer is not JSON";
        int ok = answer && answer_matches(answer, expected, &why);
        check(ok, "%s (verifier): %s, got %s", name, why, answer ? code_of(answer) : "-");
        if (answer) {
            const mj_node *got_ok = mj_get(answer, "ok");
            const char *status_name = grantex_error_code_name(status);
            if (got_ok && got_ok->type == MJ_TRUE)
                check(status == GRANTEX_OK, "%s: status %d for an ok answer", name, status);
            else
                check(status_name && strcmp(status_name, code_of(answer)) == 0, "%s: status %d (%s) but answer %s",
                      name, status, status_name ? status_name : "NULL", code_of(answer));
        }
        /* The status alone (no answer requested) is the same. */
        check(grantex_verifier_verify(ks->verifier, token, options, NULL) == status, "%s: status without answer",
              name);
        /* The compact entry point agrees. */
        if (answer) check_compact(name, ks->verifier, token, options, status, answer);
        mj_free(answer);

        /* 2. Self-contained request {"jwks","token","options"} built from the raw source texts. */
        char *token_raw = mj_raw(token_node);
        size_t request_len = strlen(ks->raw) + strlen(token_raw) + strlen(options) + 64;
        char *request = malloc(request_len);
        snprintf(request, request_len, "{\"jwks\":%s,\"token\":%s,\"options\":%s}", ks->raw, token_raw, options);
        answer = parse_answer(grantex_verify_grant_token_json(request));
        why = "answer is not JSON";
        ok = answer && answer_matches(answer, expected, &why);
        check(ok, "%s (request): %s, got %s", name, why, answer ? code_of(answer) : "-");
        mj_free(answer);
        free(request);
        free(token_raw);
        free(options);
    }

    for (size_t i = 0; i < n_keys; i++) {
        grantex_verifier_free(keys[i].verifier);
        free(keys[i].raw);
    }
    free(keys);
    mj_free(doc);
    free(text);
    return count;
}

/* ---------------------------------------------------------------- audit chains */

static int run_audit(const char *path) {
    size_t len;
    char *text = read_file(path, &len);
    if (!text) { check(0, "cannot read %s", path); return 0; }
    const char *err = NULL;
    mj_node *doc = mj_parse(text, len, &err);
    if (!doc) { check(0, "%s: %s", path, err); free(text); return 0; }
    const mj_node *cases = mj_get(doc, "cases");
    int count = 0;
    for (const mj_node *c = cases ? cases->child : NULL; c; c = c->next) {
        const mj_node *entries = mj_get(c, "entries");
        const mj_node *expected = mj_get(c, "expected");
        const char *name = mj_str(mj_get(c, "name"));
        if (!entries || !expected) continue; /* entry-hash cases: no chain to verify */
        count++;
        char *raw = mj_raw(entries);
        mj_node *answer = parse_answer(grantex_audit_verify_chain_json(raw));
        const mj_node *got_ok = mj_get(answer, "ok");
        check(got_ok && got_ok->type == MJ_TRUE && mj_equal(mj_get(answer, "value"), expected),
              "audit %s: report differs (%s)", name ? name : "?", answer ? code_of(answer) : "not JSON");
        mj_free(answer);
        free(raw);
    }
    mj_free(doc);
    free(text);
    return count;
}

/* ---------------------------------------------------------------- SD-JWT presentations */

static int run_sdjwt(const char *path) {
    char *text;
    mj_node *doc = load(path, &text);
    if (!doc) return 0;
    const mj_node *sets = mj_get(doc, "keySets");
    const mj_node *cases = mj_get(doc, "cases");
    check(sets && sets->type == MJ_OBJECT && cases && cases->type == MJ_ARRAY, "%s: no keySets/cases", path);
    if (!sets || !cases) { mj_free(doc); free(text); return 0; }

    key_set *keys = calloc(sets->count, sizeof *keys);
    size_t n_keys = 0;
    for (const mj_node *s = sets->child; s; s = s->next, n_keys++) {
        keys[n_keys].name = s->key;
        keys[n_keys].raw = mj_raw(s);
        int32_t status = grantex_verifier_new(keys[n_keys].raw, &keys[n_keys].verifier, NULL);
        check(status == GRANTEX_OK && keys[n_keys].verifier, "sd-jwt key set %s: status %d", s->key, status);
    }

    int count = 0;
    for (const mj_node *c = cases->child; c; c = c->next) {
        const char *name = mj_str(mj_get(c, "name"));
        const char *set_name = mj_str(mj_get(c, "jwks"));
        const mj_node *presentation_node = mj_get(c, "presentation");
        const char *presentation = mj_str(presentation_node);
        const mj_node *options_node = mj_get(c, "options");
        const mj_node *now = mj_get(c, "now");
        const mj_node *expect = mj_get(c, "expect");
        name = name ? name : "?";
        if (!set_name || !presentation || !options_node || options_node->type != MJ_OBJECT || !now ||
            now->type != MJ_NUMBER || !expect || expect->type != MJ_OBJECT) {
            check(0, "sd-jwt %s: malformed case", name);
            continue;
        }
        key_set *ks = NULL;
        for (size_t i = 0; i < n_keys; i++)
            if (strcmp(keys[i].name, set_name) == 0) ks = &keys[i];
        if (!ks || !ks->verifier) { check(0, "sd-jwt %s: no key set %s", name, set_name); continue; }
        count++;

        /* The options object with `now` added, spliced from the raw source texts. */
        char *options_raw = mj_raw(options_node);
        char *now_raw = mj_raw(now);
        const char *rest = options_raw + 1; /* after '{' */
        while (*rest == ' ' || *rest == '\n' || *rest == '\t' || *rest == '\r') rest++;
        char *options = concat("{\"now\":", now_raw, *rest == '}' ? "" : ",", rest, NULL);

        /* 1. Verifier handle. */
        char *answer_text = NULL;
        int32_t status = grantex_verifier_verify_sd_jwt(ks->verifier, presentation, options, &answer_text);
        mj_node *by_handle = parse_answer(answer_text);
        const char *why = "answer is not JSON";
        int ok = by_handle && answer_meets(by_handle, expect, &why);
        check(ok, "sd-jwt %s (verifier): %s, got %s", name, why, by_handle ? code_of(by_handle) : "-");
        check_status(name, status, by_handle);
        check(grantex_verifier_verify_sd_jwt(ks->verifier, presentation, options, NULL) == status,
              "sd-jwt %s: status without answer", name);

        /* 2. Self-contained request {"jwks","presentation","options"}. */
        char *presentation_raw = mj_raw(presentation_node);
        char *request =
            concat("{\"jwks\":", ks->raw, ",\"presentation\":", presentation_raw, ",\"options\":", options, "}", NULL);
        mj_node *by_request = parse_answer(grantex_verify_sd_jwt_json(request));
        why = "answer is not JSON";
        ok = by_request && answer_meets(by_request, expect, &why);
        check(ok, "sd-jwt %s (request): %s, got %s", name, why, by_request ? code_of(by_request) : "-");
        /* Both routes reach the same answer (values whole; errors by code). */
        const mj_node *handle_ok = mj_get(by_handle, "ok");
        check(by_handle && by_request &&
                  (handle_ok && handle_ok->type == MJ_TRUE
                       ? mj_equal(mj_get(by_handle, "value"), mj_get(by_request, "value"))
                       : strcmp(code_of(by_handle), code_of(by_request)) == 0),
              "sd-jwt %s: verifier and request answers differ", name);
        mj_free(by_handle);
        mj_free(by_request);
        free(request);
        free(presentation_raw);
        free(options);
        free(now_raw);
        free(options_raw);
    }

    for (size_t i = 0; i < n_keys; i++) {
        grantex_verifier_free(keys[i].verifier);
        free(keys[i].raw);
    }
    free(keys);
    mj_free(doc);
    free(text);
    return count;
}

/* ---------------------------------------------------------------- VC-JWT credentials */

/* Status of one entry of a list given as JSON text, through grantex_status_list_get_json; -1 on error. */
static double status_at(const char *list_json, const mj_node *index) {
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", index->number);
    char *request = concat("{\"list\":", list_json, ",\"index\":", digits, "}", NULL);
    mj_node *a = parse_answer(grantex_status_list_get_json(request));
    const mj_node *status = mj_get(mj_get(a, "value"), "status");
    double got = status && status->type == MJ_NUMBER ? status->number : -1;
    mj_free(a);
    free(request);
    return got;
}

/* A signed status-list case of vc.json (kind statusListCredential or statusListToken), as
 * core/tests/json_api.rs runs it: verified, then the entries of `expect` read from the verified list. */
static void run_signed_status_list(const char *name, const char *kind, const mj_node *jwks, const mj_node *c) {
    const mj_node *token = mj_get(c, "token"), *options = mj_get(c, "options"), *expect = mj_get(c, "expect");
    const mj_node *now = mj_get(options, "now");
    int is_token = strcmp(kind, "statusListToken") == 0;
    if (!mj_str(token) || !now || !expect || expect->type != MJ_OBJECT ||
        (!is_token && !mj_get(options, "trustedIssuers"))) {
        check(0, "vc %s: malformed case", name);
        return;
    }
    char *jwks_raw = mj_raw(jwks), *token_raw = mj_raw(token), *now_raw = mj_raw(now);
    mj_node *answer;
    if (is_token) {
        char *request = concat("{\"jwks\":", jwks_raw, ",\"token\":", token_raw, ",\"now\":", now_raw, "}", NULL);
        answer = parse_answer(grantex_verify_status_list_token_json(request));
        free(request);
    } else {
        char *issuers = mj_raw(mj_get(options, "trustedIssuers"));
        const mj_node *id = mj_get(options, "expectedId");
        char *id_raw = id ? mj_raw(id) : NULL;
        char *request = concat("{\"jwks\":", jwks_raw, ",\"credential\":", token_raw, ",\"now\":", now_raw,
                               ",\"trustedIssuers\":", issuers, id_raw ? ",\"expectedId\":" : "",
                               id_raw ? id_raw : "", "}", NULL);
        answer = parse_answer(grantex_verify_status_list_credential_json(request));
        free(request);
        free(id_raw);
        free(issuers);
    }
    free(now_raw);
    free(token_raw);
    free(jwks_raw);

    const char *want_code = mj_str(mj_get(expect, "error"));
    const mj_node *ok = mj_get(answer, "ok");
    if (want_code) {
        check(ok && ok->type == MJ_FALSE && strcmp(code_of(answer), want_code) == 0, "vc %s: expected %s, got %s",
              name, want_code, answer ? code_of(answer) : "not JSON");
        mj_free(answer);
        return;
    }
    check(ok && ok->type == MJ_TRUE, "vc %s: expected a value, got %s", name, answer ? code_of(answer) : "not JSON");
    if (!ok || ok->type != MJ_TRUE) { mj_free(answer); return; }
    const mj_node *value = mj_get(answer, "value");
    /* The verified list in the form the status-list functions take. */
    sbuf list = {0};
    if (is_token) {
        const mj_node *claim = mj_get(value, "statusList");
        const mj_node *bits = mj_get(claim, "bits"), *lst = mj_get(claim, "lst");
        if (bits && bits->type == MJ_NUMBER && mj_str(lst)) {
            char digits[32];
            snprintf(digits, sizeof digits, "%.0f", bits->number);
            sb_cstr(&list, "{\"bits\":");
            sb_cstr(&list, digits);
            sb_cstr(&list, ",\"lst\":");
            sb_json_string(&list, mj_str(lst), strlen(mj_str(lst)));
            sb_cstr(&list, "}");
        }
    } else {
        const mj_node *encoded = mj_get(value, "encodedList"), *size = mj_get(value, "statusSize");
        if (mj_str(encoded) && size && size->type == MJ_NUMBER) {
            char digits[32];
            snprintf(digits, sizeof digits, "%.0f", size->number);
            sb_cstr(&list, "{\"encodedList\":");
            sb_json_string(&list, mj_str(encoded), strlen(mj_str(encoded)));
            sb_cstr(&list, ",\"statusSize\":");
            sb_cstr(&list, digits);
            sb_cstr(&list, "}");
        }
    }
    check(list.p != NULL, "vc %s: the answer holds no list", name);
    if (list.p && is_token) {
        check(mj_equal(mj_get(value, "subject"), mj_get(expect, "subject")), "vc %s: subject differs", name);
        const mj_node *statuses = mj_get(expect, "statuses");
        check(statuses && statuses->type == MJ_OBJECT && statuses->count > 0, "vc %s: no statuses", name);
        for (const mj_node *e = statuses ? statuses->child : NULL; e; e = e->next) {
            mj_node index = {.type = MJ_NUMBER, .number = strtod(e->key, NULL)};
            check(status_at(list.p, &index) == e->number, "vc %s: index %s", name, e->key);
        }
    } else if (list.p) {
        check(mj_equal(mj_get(value, "purposes"), mj_get(expect, "purposes")), "vc %s: purposes differ", name);
        const struct { const char *key; double bit; } groups[] = {{"set", 1}, {"clear", 0}};
        for (size_t g = 0; g < 2; g++) {
            const mj_node *indices = mj_get(expect, groups[g].key);
            check(indices && indices->type == MJ_ARRAY && indices->count > 0, "vc %s: no %s indices", name,
                  groups[g].key);
            for (const mj_node *i = indices ? indices->child : NULL; i; i = i->next)
                check(status_at(list.p, i) == groups[g].bit, "vc %s: index %.0f is not %s", name, i->number,
                      groups[g].key);
        }
    }
    free(list.p);
    mj_free(answer);
}

static int run_vc(const char *path, int *signed_lists) {
    char *text;
    mj_node *doc = load(path, &text);
    if (!doc) return 0;
    const mj_node *sets = mj_get(doc, "keySets");
    const mj_node *cases = mj_get(doc, "cases");
    check(sets && sets->type == MJ_OBJECT && cases && cases->type == MJ_ARRAY, "%s: no keySets/cases", path);
    int count = 0;
    *signed_lists = 0;
    for (const mj_node *c = cases ? cases->child : NULL; c; c = c->next) {
        const char *name = mj_str(mj_get(c, "name"));
        const char *kind = mj_str(mj_get(c, "kind"));
        name = name ? name : "?";
        const char *set_name = mj_str(mj_get(c, "jwks"));
        const mj_node *jwks = set_name ? mj_get(sets, set_name) : NULL;
        if (kind && jwks && (strcmp(kind, "statusListCredential") == 0 || strcmp(kind, "statusListToken") == 0)) {
            run_signed_status_list(name, kind, jwks, c);
            (*signed_lists)++;
            continue;
        }
        if (!kind || strcmp(kind, "credential") != 0) { check(0, "vc %s: unknown kind or key set", name); continue; }
        const mj_node *token = mj_get(c, "token");
        const mj_node *options_node = mj_get(c, "options");
        const mj_node *lists = mj_get(c, "statusLists");
        const mj_node *expect = mj_get(c, "expect");
        if (!jwks || !mj_str(token) || !options_node || !expect || expect->type != MJ_OBJECT) {
            check(0, "vc %s: malformed case", name);
            continue;
        }
        count++;
        char *jwks_raw = mj_raw(jwks), *token_raw = mj_raw(token), *options = mj_raw(options_node);
        char *lists_raw = lists && lists->type != MJ_NULL ? mj_raw(lists) : NULL;
        char *request = concat("{\"jwks\":", jwks_raw, ",\"credential\":", token_raw, ",\"options\":", options,
                               lists_raw ? ",\"statusLists\":" : "", lists_raw ? lists_raw : "", "}", NULL);

        mj_node *answer = parse_answer(grantex_verify_credential_json(request));
        const char *why = "answer is not JSON";
        int ok = answer && answer_meets(answer, expect, &why);
        check(ok, "vc %s: %s, got %s", name, why, answer ? code_of(answer) : "-");
        mj_free(answer);

        /* Upstream's response shape: valid, and the code on failure. */
        mj_node *upstream = parse_answer(grantex_verify_credential_upstream_json(request));
        const mj_node *valid = mj_get(upstream, "valid");
        const char *want_code = mj_str(mj_get(expect, "error"));
        const char *got_code = mj_str(mj_get(upstream, "code"));
        check(valid && (want_code ? valid->type == MJ_FALSE && got_code && strcmp(got_code, want_code) == 0
                                  : valid->type == MJ_TRUE && mj_equal(mj_get(upstream, "vcId"), mj_get(expect, "id"))),
              "vc %s (upstream shape): valid/code differ (%s)", name, got_code ? got_code : "-");
        mj_free(upstream);

        free(request);
        free(lists_raw);
        free(options);
        free(token_raw);
        free(jwks_raw);
    }
    mj_free(doc);
    free(text);
    return count;
}

/* ---------------------------------------------------------------- DIDs */

/* Every case of did.json through the DID functions: `expected` is the answer's whole value, `error` its code. */
static int run_did(const char *path) {
    char *text;
    mj_node *doc = load(path, &text);
    if (!doc) return 0;
    const mj_node *cases = mj_get(doc, "cases");
    check(cases && cases->type == MJ_ARRAY && cases->count > 0, "%s: no cases", path);
    int count = 0;
    for (const mj_node *c = cases ? cases->child : NULL; c; c = c->next) {
        const char *name = mj_str(mj_get(c, "name"));
        const char *kind = mj_str(mj_get(c, "kind"));
        const char *did = mj_str(mj_get(c, "did"));
        const char *url = mj_str(mj_get(c, "url"));
        const char *agent_id = mj_str(mj_get(c, "agentId"));
        const mj_node *expected = mj_get(c, "expected");
        const char *want_code = mj_str(mj_get(c, "error"));
        name = name ? name : "?";
        kind = kind ? kind : "?";
        char *answer_text = NULL;
        if (strcmp(kind, "did-web-url") == 0 && did) answer_text = grantex_did_web_to_url_json(did);
        else if (strcmp(kind, "did-web-url") == 0 && url) answer_text = grantex_did_web_from_url_json(url);
        else if (strcmp(kind, "did-key") == 0 && did) answer_text = grantex_did_key_to_jwk_json(did);
        else if (strcmp(kind, "agent-did") == 0 && did) answer_text = grantex_agent_did_to_id_json(did);
        else if (strcmp(kind, "agent-did") == 0 && agent_id) answer_text = grantex_agent_id_to_did_json(agent_id);
        else if (strcmp(kind, "document-key") == 0 && did) {
            /* The document as an object, or as its exact text (a JSON string) to keep duplicate members. */
            const mj_node *document = mj_get(c, "document");
            if (!document) document = mj_get(c, "documentJson");
            const mj_node *reference = mj_get(c, "reference"), *purpose = mj_get(c, "purpose");
            if (document && mj_str(reference)) {
                char *did_raw = mj_raw(mj_get(c, "did")), *document_raw = mj_raw(document);
                char *reference_raw = mj_raw(reference), *purpose_raw = purpose ? mj_raw(purpose) : NULL;
                char *request = concat("{\"did\":", did_raw, ",\"document\":", document_raw, ",\"reference\":",
                                       reference_raw, purpose_raw ? ",\"purpose\":" : "",
                                       purpose_raw ? purpose_raw : "", "}", NULL);
                answer_text = grantex_did_document_key_json(request);
                free(request);
                free(purpose_raw);
                free(reference_raw);
                free(document_raw);
                free(did_raw);
            }
        }
        if (!answer_text || (!expected == !want_code)) {
            check(0, "did %s: malformed case", name);
            grantex_string_free(answer_text);
            continue;
        }
        count++;
        mj_node *answer = parse_answer(answer_text);
        const mj_node *ok = mj_get(answer, "ok");
        if (want_code)
            check(ok && ok->type == MJ_FALSE && strcmp(code_of(answer), want_code) == 0, "did %s: expected %s, got %s",
                  name, want_code, answer ? code_of(answer) : "not JSON");
        else
            check(ok && ok->type == MJ_TRUE && mj_equal(mj_get(answer, "value"), expected),
                  "did %s: value differs (%s)", name, answer ? code_of(answer) : "not JSON");
        mj_free(answer);
    }
    mj_free(doc);
    free(text);
    return count;
}

/* ---------------------------------------------------------------- presentation and status lists */

static void run_helpers(const char *upstream_path) {
    char *text;
    mj_node *doc = load(upstream_path, &text);
    if (doc) {
        const mj_node *sd = mj_get(doc, "sdJwt");
        const mj_node *full = mj_get(sd, "full");
        const mj_node *scopes_only = mj_get(sd, "presentationScopesOnly");
        check(mj_str(full) && mj_str(scopes_only), "upstream sdJwt.full / presentationScopesOnly");
        if (mj_str(full) && mj_str(scopes_only)) {
            char *full_raw = mj_raw(full);
            /* Dotted path and explicit segments. */
            const char *paths[] = {"[\"credentialSubject.scopes\"]", "[[\"credentialSubject\",\"scopes\"]]"};
            for (size_t i = 0; i < 2; i++) {
                char *request = concat("{\"sdJwt\":", full_raw, ",\"disclose\":", paths[i], "}", NULL);
                mj_node *a = parse_answer(grantex_present_sd_jwt_json(request));
                check(a && mj_equal(mj_get(a, "value"), scopes_only), "present_sd_jwt %s: %s", paths[i],
                      a ? code_of(a) : "not JSON");
                mj_free(a);
                free(request);
            }
            char *request = concat("{\"sdJwt\":", full_raw, ",\"disclose\":[\"credentialSubject.nope\"]}", NULL);
            mj_node *a = parse_answer(grantex_present_sd_jwt_json(request));
            const mj_node *ok = mj_get(a, "ok");
            check(ok != NULL, "present_sd_jwt with an unknown path answers");
            mj_free(a);
            free(request);
            free(full_raw);
        }
        mj_free(doc);
        free(text);
    }

    /* The upstream list with bit 42 set. */
    static const char bit42[] = "H4sIAAAAAAAAA-3BMQEAAAzDoEiZf5WT0Qeo6gIAAAAAAAAAAAAAAAAAAACGHjOa7TAAQAAA";
    const struct { const char *index; double status; } entries[] = {{"42", 1}, {"41", 0}, {"43", 0}, {"0", 0}};
    for (size_t i = 0; i < sizeof entries / sizeof *entries; i++) {
        char *request = concat("{\"list\":\"", bit42, "\",\"index\":", entries[i].index, "}", NULL);
        mj_node *a = parse_answer(grantex_status_list_get_json(request));
        const mj_node *status = mj_get(mj_get(a, "value"), "status");
        check(status && status->type == MJ_NUMBER && status->number == entries[i].status, "status list index %s",
              entries[i].index);
        mj_free(a);
        free(request);
    }
    const char *bad[][2] = {{"{\"list\":\"not base64!\",\"index\":1}", "INVALID_STATUS_LIST"},
                            {"{\"list\":\"H4sIAAAAAAAAA-3BMQEAAAzDoEiZf5WT0Qeo6gIAAAAAAAAAAAAAAAAAAACGHjOa7TAAQAAA\","
                             "\"index\":99999999}", "INVALID_STATUS_LIST"},
                            {"{\"list\":\"x\"}", "INVALID_INPUT"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mj_node *a = parse_answer(grantex_status_list_get_json(bad[i][0]));
        check(a && strcmp(code_of(a), bad[i][1]) == 0, "status list %s: expected %s, got %s", bad[i][0], bad[i][1],
              a ? code_of(a) : "not JSON");
        mj_free(a);
    }
}

/* ---------------------------------------------------------------- API edges */

typedef struct {
    const GrantexVerifier *verifier;
    const char *token;
    const char *options;
    int mismatches;
} thread_job;

static void *verify_many(void *arg) {
    thread_job *job = arg;
    uint8_t out[4096];
    for (int i = 0; i < 10; i++) {
        char *answer = NULL;
        if (grantex_verifier_verify(job->verifier, job->token, job->options, &answer) != GRANTEX_OK) job->mismatches++;
        grantex_string_free(answer);
        size_t len = 0;
        if (grantex_verifier_verify_compact(job->verifier, job->token, strlen(job->token), job->options,
                                            strlen(job->options), out, sizeof out, &len) != GRANTEX_OK ||
            len == 0 || len > sizeof out || out[0] != GRANTEX_COMPACT_VERSION)
            job->mismatches++;
    }
    return NULL;
}

/* Argument edges of grantex_verifier_verify_compact, on a valid token. */
static void check_compact_edges(const GrantexVerifier *v, const char *token, const char *options) {
    size_t token_len = strlen(token), options_len = strlen(options), need = 0, len = 0;
    check(grantex_verifier_verify_compact(v, token, token_len, options, options_len, NULL, 0, &need) == GRANTEX_OK &&
              need > 2,
          "compact: size query");
    /* Too small by one byte: nothing is written, the size is announced. */
    uint8_t *out = malloc(need + 16);
    memset(out, 0xAB, need + 16);
    check(grantex_verifier_verify_compact(v, token, token_len, options, options_len, out, need - 1, &len) ==
              GRANTEX_OK && len == need,
          "compact: short buffer");
    int untouched = 1;
    for (size_t i = 0; i < need + 16; i++) untouched &= out[i] == 0xAB;
    check(untouched, "compact: a short buffer was written to");
    /* Large enough: exactly need bytes are written. */
    check(grantex_verifier_verify_compact(v, token, token_len, options, options_len, out, need + 8, &len) ==
              GRANTEX_OK && len == need && out[0] == GRANTEX_COMPACT_VERSION && out[need] == 0xAB,
          "compact: roomy buffer");
    /* The inputs need no NUL terminator: a token followed by garbage, with its length. */
    char *padded = concat(token, "garbage", NULL);
    check(grantex_verifier_verify_compact(v, padded, token_len, options, options_len, NULL, 0, NULL) == GRANTEX_OK,
          "compact: length-delimited token");
    free(padded);
    /* NULL, NUL bytes and invalid UTF-8. */
    struct {
        const GrantexVerifier *v;
        const char *token;
        size_t token_len;
        const char *options;
        size_t options_len;
        int32_t want;
        const char *what;
    } cases[] = {
        {NULL, token, token_len, options, options_len, GRANTEX_STATUS_INVALID_INPUT, "verifier = NULL"},
        {v, NULL, 5, options, options_len, GRANTEX_STATUS_INVALID_INPUT, "token = NULL with a length"},
        {v, NULL, 0, options, options_len, GRANTEX_STATUS_MALFORMED_TOKEN, "token = NULL, length 0 (empty)"},
        {v, token, token_len, NULL, 3, GRANTEX_STATUS_INVALID_INPUT, "options = NULL with a length"},
        {v, token, token_len, NULL, 0, GRANTEX_STATUS_INVALID_OPTIONS, "options = NULL, length 0 (empty)"},
        {v, "a.b\0c", 5, options, options_len, GRANTEX_STATUS_INVALID_INPUT, "NUL byte in the token"},
        {v, token, token_len, "{\"now\":1}\0", 11, GRANTEX_STATUS_INVALID_INPUT, "NUL byte in the options"},
        {v, "a.b.\xc3", 5, options, options_len, GRANTEX_STATUS_INVALID_INPUT, "invalid UTF-8"},
        {v, token, token_len, "{\"now\":1}", 9, GRANTEX_STATUS_INVALID_OPTIONS, "no issuer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(out, 0, need + 16);
        len = 0;
        int32_t status = grantex_verifier_verify_compact(cases[i].v, cases[i].token, cases[i].token_len,
                                                         cases[i].options, cases[i].options_len, out, need + 16, &len);
        /* On failure the output is the message. */
        check(status == cases[i].want && len > 0 && len <= need + 16 && out[len - 1] != 0,
              "compact %s: status %d (%s), message length %zu", cases[i].what, status,
              grantex_error_code_name(status) ? grantex_error_code_name(status) : "?", len);
    }
    free(out);
}

static void run_api_checks(const char *grant_tokens_path) {
    /* Status names. */
    check(strcmp(grantex_error_code_name(GRANTEX_OK), "OK") == 0, "name of 0");
    check(strcmp(grantex_error_code_name(GRANTEX_STATUS_EXPIRED), "EXPIRED") == 0, "name of EXPIRED");
    check(strcmp(grantex_error_code_name(GRANTEX_STATUS_INTERNAL), "INTERNAL") == 0, "name of INTERNAL");
    check(strcmp(grantex_error_code_name(GRANTEX_STATUS_JWKS_UNAVAILABLE), "JWKS_UNAVAILABLE") == 0,
          "name of JWKS_UNAVAILABLE (the last code)");
    check(grantex_error_code_name(-1) == NULL && grantex_error_code_name(GRANTEX_STATUS_JWKS_UNAVAILABLE + 1) == NULL,
          "names of non-statuses");
    check(grantex_version() && strlen(grantex_version()) > 0, "version");

    /* NULL and invalid UTF-8. */
    GrantexVerifier *v = (GrantexVerifier *)&passed; /* must be overwritten with NULL */
    char *error_json = NULL;
    check(grantex_verifier_new(NULL, &v, &error_json) == GRANTEX_STATUS_INVALID_INPUT && v == NULL && error_json,
          "verifier_new(NULL)");
    mj_node *e = parse_answer(error_json);
    check(e && strcmp(mj_str(mj_get(e, "code")) ? mj_str(mj_get(e, "code")) : "", "INVALID_INPUT") == 0,
          "verifier_new(NULL) error_json");
    mj_free(e);
    check(grantex_verifier_new("{}", NULL, NULL) == GRANTEX_STATUS_INVALID_INPUT, "verifier_new(out = NULL)");
    check(grantex_verifier_new("{\"keys\":[]}\xff", &v, NULL) == GRANTEX_STATUS_INVALID_INPUT && !v,
          "verifier_new(bad UTF-8)");
    error_json = NULL;
    check(grantex_verifier_new("[1,2]", &v, &error_json) == GRANTEX_STATUS_INVALID_JWKS && !v && error_json,
          "verifier_new(not a JWKS)");
    grantex_string_free(error_json);
    check(grantex_verifier_new("{\"keys\":[]}", &v, NULL) == GRANTEX_OK && v, "verifier_new(empty JWKS)");
    char *answer = NULL;
    check(grantex_verifier_verify(NULL, "a.b.c", "{}", &answer) == GRANTEX_STATUS_INVALID_INPUT && answer,
          "verify(verifier = NULL)");
    grantex_string_free(answer);
    check(grantex_verifier_verify(v, NULL, "{}", NULL) == GRANTEX_STATUS_INVALID_INPUT, "verify(token = NULL)");
    check(grantex_verifier_verify(v, "a.b.c", NULL, NULL) == GRANTEX_STATUS_INVALID_INPUT, "verify(options = NULL)");
    check(grantex_verifier_verify(v, "a.b.\xc3", "{}", NULL) == GRANTEX_STATUS_INVALID_INPUT, "verify(bad UTF-8)");
    check(grantex_verifier_verify(v, "a.b.c", "{\"now\":1}", NULL) == GRANTEX_STATUS_INVALID_OPTIONS,
          "verify(no issuer)");
    answer = NULL;
    check(grantex_verifier_verify_sd_jwt(NULL, "a~", "{}", &answer) == GRANTEX_STATUS_INVALID_INPUT && answer,
          "verify_sd_jwt(verifier = NULL)");
    grantex_string_free(answer);
    check(grantex_verifier_verify_sd_jwt(v, NULL, "{}", NULL) == GRANTEX_STATUS_INVALID_INPUT,
          "verify_sd_jwt(presentation = NULL)");
    check(grantex_verifier_verify_sd_jwt(v, "a~", NULL, NULL) == GRANTEX_STATUS_INVALID_INPUT,
          "verify_sd_jwt(options = NULL)");
    check(grantex_verifier_verify_sd_jwt(v, "a~\xff", "{}", NULL) == GRANTEX_STATUS_INVALID_INPUT,
          "verify_sd_jwt(bad UTF-8)");
    check(grantex_verifier_verify_sd_jwt(v, "a~", "{\"now\":1}", NULL) == GRANTEX_STATUS_INVALID_OPTIONS,
          "verify_sd_jwt(no issuer)");
    check(grantex_verifier_verify_sd_jwt(v, "a~", "{\"now\":1,\"anyIssuer\":true,\"kbAlg\":[]}", NULL) ==
              GRANTEX_STATUS_INVALID_OPTIONS,
          "verify_sd_jwt(unknown option)");
    grantex_verifier_free(v);
    grantex_verifier_free(NULL);
    grantex_string_free(NULL);
    char *(*json_fns[])(const char *) = {grantex_verify_grant_token_json,        grantex_jwk_thumbprint_json,
                                         grantex_decode_unverified_json,         grantex_audit_verify_chain_json,
                                         grantex_verify_sd_jwt_json,             grantex_present_sd_jwt_json,
                                         grantex_verify_credential_json,         grantex_verify_credential_upstream_json,
                                         grantex_status_list_get_json,           grantex_verify_status_list_credential_json,
                                         grantex_verify_status_list_token_json,  grantex_did_web_to_url_json,
                                         grantex_did_web_from_url_json,          grantex_did_key_to_jwk_json,
                                         grantex_agent_did_to_id_json,           grantex_agent_id_to_did_json,
                                         grantex_did_document_key_json};
    for (size_t i = 0; i < sizeof json_fns / sizeof *json_fns; i++) {
        mj_node *a = parse_answer(json_fns[i](NULL));
        check(a && strcmp(code_of(a), "INVALID_INPUT") == 0, "json function %zu (NULL)", i);
        mj_free(a);
        a = parse_answer(json_fns[i]("\xff"));
        check(a && mj_get(a, "ok") && mj_get(a, "ok")->type == MJ_FALSE, "json function %zu (bad UTF-8)", i);
        mj_free(a);
    }

    /* Thumbprint (RFC 7638 §3.1 example key) and unverified decoding. */
    mj_node *t = parse_answer(grantex_jwk_thumbprint_json(
        "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSo"
        "c_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAt"
        "aSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBn"
        "iIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}"));
    check(t && strcmp(mj_str(mj_get(t, "value")) ? mj_str(mj_get(t, "value")) : "",
                      "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs") == 0,
          "RFC 7638 thumbprint");
    mj_free(t);

    /* One verifier, four threads: the first valid case of the vectors. */
    size_t len;
    char *text = read_file(grant_tokens_path, &len);
    mj_node *doc = text ? mj_parse(text, len, NULL) : NULL;
    const mj_node *c = doc ? mj_get(doc, "cases")->child : NULL;
    for (; c; c = c->next) {
        const mj_node *ok = mj_get(mj_get(c, "expected"), "ok");
        if (ok && ok->type == MJ_TRUE) break;
    }
    check(c != NULL, "a valid case for the thread test");
    if (c) {
        char *jwks = mj_raw(mj_get(mj_get(doc, "keySets"), mj_str(mj_get(c, "keySet"))));
        char *options = mj_raw(mj_get(c, "options"));
        GrantexVerifier *shared = NULL;
        check(grantex_verifier_new(jwks, &shared, NULL) == GRANTEX_OK, "thread test verifier");
        thread_job jobs[4];
        pthread_t threads[4];
        for (int i = 0; i < 4; i++) {
            jobs[i] = (thread_job){shared, mj_str(mj_get(c, "token")), options, 0};
            pthread_create(&threads[i], NULL, verify_many, &jobs[i]);
        }
        for (int i = 0; i < 4; i++) {
            pthread_join(threads[i], NULL);
            check(jobs[i].mismatches == 0, "thread %d: %d failed verifications", i, jobs[i].mismatches);
        }
        check_compact_edges(shared, mj_str(mj_get(c, "token")), options);
        grantex_verifier_free(shared);
        free(jwks);
        free(options);
    }
    mj_free(doc);
    free(text);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    char *grant_tokens = concat(dir, "/grant-tokens.json", NULL), *audit = concat(dir, "/audit.json", NULL);
    char *sdjwt = concat(dir, "/sdjwt.json", NULL), *vc = concat(dir, "/vc.json", NULL);
    char *upstream = concat(dir, "/upstream/grant-tokens.json", NULL), *did = concat(dir, "/did.json", NULL);
    printf("grantex %s (C ABI)\n", grantex_version());
    int before = failed;
    int tokens = run_grant_tokens(grant_tokens);
    printf("grant-token vectors: %d cases (verifier handle + compact + self-contained request), %d failures\n", tokens,
           failed - before);
    before = failed;
    int chains = run_audit(audit);
    printf("audit chain vectors: %d cases, %d failures\n", chains, failed - before);
    before = failed;
    int presentations = run_sdjwt(sdjwt);
    printf("sd-jwt vectors: %d cases (verifier handle + self-contained request), %d failures\n", presentations,
           failed - before);
    before = failed;
    int signed_lists = 0;
    int credentials = run_vc(vc, &signed_lists);
    printf("vc vectors: %d credential cases (answer + upstream shape) and %d signed status-list cases, %d failures\n",
           credentials, signed_lists, failed - before);
    before = failed;
    int dids = run_did(did);
    printf("did vectors: %d cases, %d failures\n", dids, failed - before);
    before = failed;
    run_helpers(upstream);
    printf("present/status-list checks: %d failures\n", failed - before);
    before = failed;
    run_api_checks(grant_tokens);
    printf("API checks: %d failures\n", failed - before);
    free(grant_tokens);
    free(audit);
    free(sdjwt);
    free(vc);
    free(upstream);
    free(did);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
