/* Parsing and formatting of the fixed line prefix shared by the writer and the verifier. */
#include "log_line.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool rw_audit_event_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > RW_AUDIT_EVENT_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* upper case is refused: one canonical spelling per line */
}

static int parse_hex32(const char *p, uint8_t out[RW_SHA256_LEN])
{
    for (size_t i = 0; i < RW_SHA256_LEN; i++) {
        int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EBADMSG;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int rw_audit_line_parse(const char *line, size_t len, rw_audit_line_t *out)
{
    static const char p_seq[] = "{\"seq\":";
    static const char p_prev[] = ",\"prev\":\"";
    static const char p_event[] = "\",\"event\":\"";
    size_t i = 0;
    if (len < 2 || line[len - 1] != '}')
        return -EBADMSG;
    if (len < sizeof(p_seq) - 1 || memcmp(line, p_seq, sizeof(p_seq) - 1) != 0)
        return -EBADMSG;
    i = sizeof(p_seq) - 1;
    uint64_t seq = 0;
    size_t digits = 0;
    while (i < len && line[i] >= '0' && line[i] <= '9') {
        if (digits == 0 && line[i] == '0' && i + 1 < len && line[i + 1] >= '0' &&
            line[i + 1] <= '9')
            return -EBADMSG; /* no leading zeros: one spelling per number */
        unsigned d = (unsigned)(line[i] - '0');
        if (seq > (UINT64_MAX - d) / 10)
            return -EBADMSG;
        seq = seq * 10 + d;
        digits++;
        i++;
    }
    if (digits == 0)
        return -EBADMSG;
    if (len - i < sizeof(p_prev) - 1 + RW_SHA256_HEX_LEN + sizeof(p_event) - 1 ||
        memcmp(line + i, p_prev, sizeof(p_prev) - 1) != 0)
        return -EBADMSG;
    i += sizeof(p_prev) - 1;
    if (parse_hex32(line + i, out->prev) < 0)
        return -EBADMSG;
    i += RW_SHA256_HEX_LEN;
    if (memcmp(line + i, p_event, sizeof(p_event) - 1) != 0)
        return -EBADMSG;
    i += sizeof(p_event) - 1;
    size_t start = i;
    while (i < len && line[i] != '"' && i - start <= RW_AUDIT_EVENT_MAX)
        i++;
    if (i >= len || line[i] != '"' || !rw_audit_event_name_ok(line + start, i - start))
        return -EBADMSG;
    memcpy(out->event, line + start, i - start);
    out->event[i - start] = '\0';
    i++;
    /* either more members or the end of the object */
    if (i >= len || (line[i] != ',' && line[i] != '}'))
        return -EBADMSG;
    if (line[i] == '}' && i != len - 1)
        return -EBADMSG;
    out->seq = seq;
    out->body_off = line[i] == ',' ? i + 1 : i;
    return 0;
}

size_t rw_audit_line_prefix(uint64_t seq, const uint8_t prev[RW_SHA256_LEN], char *out)
{
    char hex[RW_SHA256_HEX_LEN + 1];
    rw_hex(prev, RW_SHA256_LEN, hex);
    int n = snprintf(out, 100, "{\"seq\":%llu,\"prev\":\"%s\",", (unsigned long long)seq, hex);
    return n > 0 ? (size_t)n : 0;
}

size_t rw_audit_line_mac_offset(const char *line, size_t len, uint8_t mac[RW_SHA256_LEN])
{
    static const char p_mac[] = ",\"mac\":\"";
    if (len < RW_AUDIT_MAC_SUFFIX_LEN + 2)
        return 0;
    size_t off = len - RW_AUDIT_MAC_SUFFIX_LEN;
    if (memcmp(line + off, p_mac, sizeof(p_mac) - 1) != 0 || line[len - 2] != '"' ||
        line[len - 1] != '}')
        return 0;
    if (parse_hex32(line + off + sizeof(p_mac) - 1, mac) < 0)
        return 0;
    return off;
}
