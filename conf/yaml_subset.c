/* Line-oriented reader for the YAML subset of registries.d. Each line is read once;
 * nesting is by indentation with spaces only (tabs are not YAML indentation). */
#include "yaml_subset.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/cleanup.h"
#include "../common/hash.h"
#include "../common/json_lex.h"

typedef struct yline {
    int no;
    size_t indent;
    const char *text; /* after the indentation */
    size_t len;       /* without trailing spaces / CR */
} yline_t;

typedef struct yparser {
    const char *file;
    rw_error_t **err;
    yline_t *lines;
    size_t n, pos;
} yparser_t;

static int yerr(yparser_t *p, int line, const char *why)
{
    return rw_error_set(p->err, EINVAL, "%s: line %d: %s", p->file, line, why);
}

void rw_yaml_free(rw_yaml_node_t *n)
{
    if (!n)
        return;
    free(n->scalar);
    for (size_t i = 0; i < n->n_pairs; i++) {
        free(n->pairs[i].key);
        rw_yaml_free(n->pairs[i].value);
    }
    free(n->pairs);
    free(n);
}

/* Reads a quoted scalar starting at s[0] (' or "). On success *used is the length
 * consumed including both quotes. */
static int read_quoted(yparser_t *p, int line, const char *s, size_t len, char **ret, size_t *used)
{
    char q = s[0];
    cleanup_free char *out = malloc(len * 4 + 1);
    if (!out)
        return -ENOMEM;
    size_t o = 0, i = 1;
    for (;;) {
        if (i >= len)
            return yerr(p, line,
                        "unterminated quoted string (multi-line scalars are not "
                        "supported)");
        char c = s[i];
        if (c == q) {
            if (q == '\'' && i + 1 < len && s[i + 1] == '\'') {
                out[o++] = '\'';
                i += 2;
                continue;
            }
            i++;
            break;
        }
        if (c == '\\' && q == '"') {
            if (i + 1 >= len)
                return yerr(p, line, "unterminated escape");
            char e = s[i + 1];
            i += 2;
            int digits = 0;
            switch (e) {
            case '\\':
            case '"':
            case '/':
                out[o++] = e;
                break;
            case 'n':
                out[o++] = '\n';
                break;
            case 't':
                out[o++] = '\t';
                break;
            case 'r':
                out[o++] = '\r';
                break;
            case ' ':
                out[o++] = ' ';
                break;
            case 'x':
                digits = 2;
                break;
            case 'u':
                digits = 4;
                break;
            case 'U':
                digits = 8;
                break;
            default:
                return yerr(p, line, "unsupported escape in a double-quoted string");
            }
            if (digits) {
                uint32_t cp = 0;
                for (int d = 0; d < digits; d++) {
                    int v = i < len ? rw_hex_digit((unsigned char)s[i]) : -1;
                    if (v < 0)
                        return yerr(p, line, "invalid hexadecimal escape");
                    cp = cp << 4 | (uint32_t)v;
                    i++;
                }
                if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                    return yerr(p, line, "escape gives an invalid character");
                o += rw_json_lex_utf8_put(cp, out + o);
            }
            continue;
        }
        out[o++] = c;
        i++;
    }
    out[o] = '\0';
    *used = i;
    *ret = TAKE_PTR(out);
    return 0;
}

/* After a token only spaces and a comment may follow. */
static bool rest_is_blank(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] == ' ')
        i++;
    return i == len || (s[i] == '#' && (i > 0));
}

static int scalar_node(yparser_t *p, int line, const char *s, size_t len, rw_yaml_node_t **ret)
{
    rw_yaml_node_t *n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->line = line;
    *ret = n;
    while (len && s[len - 1] == ' ')
        len--;
    if (len == 0) {
        n->kind = RW_YAML_NULL;
        return 0;
    }
    if (s[0] == '"' || s[0] == '\'') {
        size_t used = 0;
        int r = read_quoted(p, line, s, len, &n->scalar, &used);
        if (r < 0)
            return r;
        if (!rest_is_blank(s + used, len - used))
            return yerr(p, line, "unexpected text after a quoted string");
        n->kind = RW_YAML_SCALAR;
        n->quoted = true;
        return 0;
    }
    if (len == 2 && s[0] == '{' && s[1] == '}') {
        n->kind = RW_YAML_MAP;
        return 0;
    }
    if (strchr("[{&*!|>%@`-?,]}", s[0]) && !(s[0] == '-' && len > 1 && s[1] != ' '))
        return yerr(p, line,
                    "unsupported YAML construct (only block mappings and scalars are "
                    "read here)");
    /* a plain scalar ends at " #" */
    size_t end = 0;
    while (end < len && !(s[end] == '#' && end > 0 && s[end - 1] == ' '))
        end++;
    while (end && s[end - 1] == ' ')
        end--;
    if ((end == 1 && s[0] == '~') || (end == 4 && strncmp(s, "null", 4) == 0) ||
        (end == 4 && strncmp(s, "Null", 4) == 0) || (end == 4 && strncmp(s, "NULL", 4) == 0)) {
        n->kind = RW_YAML_NULL;
        return 0;
    }
    for (size_t i = 0; i < end; i++)
        if (s[i] == ':' && (i + 1 == end || s[i + 1] == ' '))
            return yerr(p, line, "a mapping cannot start on the same line as its key");
    n->kind = RW_YAML_SCALAR;
    n->scalar = strndup(s, end);
    return n->scalar ? 0 : -ENOMEM;
}

static int parse_map(yparser_t *p, size_t indent, int depth, rw_yaml_node_t **ret);

/* One "key: value" line at p->pos. */
static int parse_pair(yparser_t *p, size_t indent, int depth, rw_yaml_pair_t *out)
{
    yline_t *l = &p->lines[p->pos];
    const char *s = l->text;
    size_t len = l->len, k_end = 0, v_start = 0;
    out->line = l->no;
    if (s[0] == '"' || s[0] == '\'') {
        size_t used = 0;
        int r = read_quoted(p, l->no, s, len, &out->key, &used);
        if (r < 0)
            return r;
        size_t i = used;
        while (i < len && s[i] == ' ')
            i++;
        if (i >= len || s[i] != ':' || (i + 1 < len && s[i + 1] != ' '))
            return yerr(p, l->no, "expected ':' after a quoted key");
        v_start = i + 1;
    } else {
        if (strchr("[{&*!|>%@`-?,#]}", s[0]))
            return yerr(p, l->no,
                        "unsupported YAML construct (only block mappings and "
                        "scalars are read here)");
        for (k_end = 0; k_end < len; k_end++)
            if (s[k_end] == ':' && (k_end + 1 == len || s[k_end + 1] == ' '))
                break;
        if (k_end == len)
            return yerr(p, l->no, "expected 'key: value'");
        size_t kl = k_end;
        while (kl && s[kl - 1] == ' ')
            kl--;
        if (!(out->key = strndup(s, kl)))
            return -ENOMEM;
        v_start = k_end + 1;
    }
    while (v_start < len && s[v_start] == ' ')
        v_start++;
    p->pos++;
    if (v_start >= len || s[v_start] == '#') {
        /* The value is the indented block that follows, or null. */
        if (p->pos < p->n && p->lines[p->pos].indent > indent) {
            if (depth + 1 >= RW_YAML_MAX_DEPTH)
                return yerr(p, p->lines[p->pos].no, "nesting is too deep");
            return parse_map(p, p->lines[p->pos].indent, depth + 1, &out->value);
        }
        return scalar_node(p, l->no, "", 0, &out->value);
    }
    int r = scalar_node(p, l->no, s + v_start, len - v_start, &out->value);
    if (r < 0)
        return r;
    if (p->pos < p->n && p->lines[p->pos].indent > indent)
        return yerr(p, p->lines[p->pos].no,
                    "unexpected indentation (multi-line scalars are "
                    "not supported)");
    return 0;
}

static int parse_map(yparser_t *p, size_t indent, int depth, rw_yaml_node_t **ret)
{
    rw_yaml_node_t *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    *ret = m;
    m->kind = RW_YAML_MAP;
    m->line = p->pos < p->n ? p->lines[p->pos].no : 0;
    while (p->pos < p->n) {
        yline_t *l = &p->lines[p->pos];
        if (l->indent < indent)
            break;
        if (l->indent > indent)
            return yerr(p, l->no, "unexpected indentation");
        rw_yaml_pair_t *np = realloc(m->pairs, (m->n_pairs + 1) * sizeof(*np));
        if (!np)
            return -ENOMEM;
        m->pairs = np;
        rw_yaml_pair_t *pair = &np[m->n_pairs++];
        memset(pair, 0, sizeof(*pair));
        int r = parse_pair(p, indent, depth, pair);
        if (r < 0)
            return r;
        for (size_t i = 0; i + 1 < m->n_pairs; i++)
            if (strcmp(m->pairs[i].key, pair->key) == 0)
                return yerr(p, pair->line, "duplicate key");
    }
    return 0;
}

int rw_yaml_parse(const char *buf, size_t len, const char *file, rw_yaml_node_t **ret,
                  rw_error_t **err)
{
    yparser_t p = {.file = file, .err = err};
    cleanup_free yline_t *lines = NULL;
    size_t cap = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF) {
        buf += 3;
        len -= 3;
    }
    int no = 0;
    bool started = false;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - buf) : len;
        const char *s = buf + i;
        size_t l = e - i;
        i = e + 1;
        no++;
        if (memchr(s, '\0', l))
            return yerr(&p, no, "NUL byte");
        while (l && (s[l - 1] == '\r' || s[l - 1] == ' '))
            l--;
        size_t ind = 0;
        while (ind < l && s[ind] == ' ')
            ind++;
        if (ind < l && s[ind] == '\t')
            return yerr(&p, no, "tab in indentation");
        if (ind == l || s[ind] == '#')
            continue;
        if (ind == 0 && l >= 3 && strncmp(s, "---", 3) == 0 && (l == 3 || s[3] == ' ')) {
            if (started)
                return yerr(&p, no, "more than one YAML document");
            started = true;
            if (!rest_is_blank(s + 3, l - 3))
                return yerr(&p, no, "content after '---' is not supported");
            continue;
        }
        if (ind == 0 && l >= 3 && strncmp(s, "...", 3) == 0 && (l == 3 || s[3] == ' '))
            break;
        if (s[ind] == '%')
            return yerr(&p, no, "YAML directives are not supported");
        started = true;
        if (p.n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            yline_t *nl2 = realloc(lines, nc * sizeof(*nl2));
            if (!nl2)
                return -ENOMEM;
            lines = nl2;
            cap = nc;
        }
        lines[p.n++] = (yline_t){no, ind, s + ind, l - ind};
    }
    p.lines = lines;
    if (p.n == 0) {
        rw_yaml_node_t *n = calloc(1, sizeof(*n));
        if (!n)
            return -ENOMEM;
        n->kind = RW_YAML_NULL;
        *ret = n;
        return 0;
    }
    if (p.lines[0].indent != 0)
        return yerr(&p, p.lines[0].no, "the document must start at column 1");
    rw_yaml_node_t *root = NULL;
    int r = parse_map(&p, 0, 0, &root);
    if (r < 0) {
        rw_yaml_free(root);
        return r;
    }
    *ret = root;
    return 0;
}

int rw_yaml_bool(const rw_yaml_node_t *n)
{
    static const char *const yes[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                      "True", "TRUE", "on",  "On",  "ON",  NULL};
    static const char *const no[] = {"n",     "N",     "no",  "No",  "NO",  "false",
                                     "False", "FALSE", "off", "Off", "OFF", NULL};
    if (!n || n->kind != RW_YAML_SCALAR || n->quoted)
        return -1;
    for (const char *const *s = yes; *s; s++)
        if (strcmp(*s, n->scalar) == 0)
            return 1;
    for (const char *const *s = no; *s; s++)
        if (strcmp(*s, n->scalar) == 0)
            return 0;
    return -1;
}

bool rw_yaml_plain_is_typed(const rw_yaml_node_t *n)
{
    if (!n || n->kind != RW_YAML_SCALAR || n->quoted)
        return false;
    if (rw_yaml_bool(n) >= 0)
        return true;
    const char *s = n->scalar;
    if (*s == '+' || *s == '-')
        s++;
    if (strcasecmp(s, ".inf") == 0 || strcasecmp(s, ".nan") == 0)
        return true;
    bool digit = false;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digit = true;
        else if (*s != '.' && *s != '_' && *s != 'e' && *s != 'E' && *s != '+' && *s != '-')
            return false;
    }
    return digit;
}
