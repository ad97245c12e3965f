/* mounts.conf as containers/common reads it (file choice, line syntax), the safe copy of
 * its sources (links, limits, owner, atomic placement, marker-checked removal), and the
 * mounts stage on a hand-made context (read-only bind, engine's destinations skipped,
 * dry run writes nothing, FIPS as containers-common 0.50.1). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "conf/config.h"
#include "conf/config_mounts.h"
#include "conf/mounts_conf.h"
#include "launcher/pipeline.h"
#include "launcher/secrets_copy.h"
#include "launcher/stages.h"

/* ---- mounts.conf syntax ----------------------------------------------------------------- */

static void test_parse_lines(void **state)
{
    (void)state;
    const char *text = "# comment\n"
                       "\n"
                       "/a\n"
                       "/a:/b:/c\n"
                       "  /sp:/d\n"
                       "relative:/x\n"
                       "\t# indented comment\n"
                       "/crlf:/e\r\n"
                       "/last:/f";
    cleanup_mounts_conf rw_mounts_conf_t *c = NULL;
    assert_int_equal(rw_mounts_conf_parse(text, strlen(text), "m.conf", &c, NULL), 0);
    assert_int_equal(c->n, 5);
    assert_string_equal(c->entries[0].host, "/a");
    assert_string_equal(c->entries[0].dest, "/a");
    assert_string_equal(c->entries[1].host, "/a");
    assert_string_equal(c->entries[1].dest, "/b:/c");
    /* untrimmed, as upstream: the host path keeps its leading spaces (and is then
     * missing, so skipped) */
    assert_string_equal(c->entries[2].host, "  /sp");
    assert_string_equal(c->entries[2].dest, "/d");
    assert_string_equal(c->entries[3].host, "/crlf");
    assert_string_equal(c->entries[3].dest, "/e");
    assert_int_equal(c->entries[3].line, 8);
    assert_string_equal(c->entries[4].dest, "/f");
    assert_int_equal(c->skipped, 4);
    assert_false(c->truncated);
}

static void test_parse_long_line(void **state)
{
    (void)state;
    size_t n = RW_MOUNTS_CONF_MAX_LINE + 10;
    char *buf = malloc(n + 64);
    size_t o = (size_t)snprintf(buf, n + 64, "%s", "/first:/one\n/");
    memset(buf + o, 'x', RW_MOUNTS_CONF_MAX_LINE);
    o += RW_MOUNTS_CONF_MAX_LINE;
    snprintf(buf + o, n + 64 - o, "%s", "\n/after:/two\n");
    cleanup_mounts_conf rw_mounts_conf_t *c = NULL;
    assert_int_equal(rw_mounts_conf_parse(buf, strlen(buf), "m.conf", &c, NULL), 0);
    /* Go's scanner stops at the oversized line: nothing after it counts */
    assert_int_equal(c->n, 1);
    assert_true(c->truncated);
    free(buf);
}

static char g_dir[64];

static void write_file(const char *rel, const char *content, mode_t mode)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", g_dir, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    assert_int_equal(chmod(p, mode), 0);
}

static void mk(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", g_dir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

/* A path under the test directory, in one of many rotating static buffers (a test uses
 * far fewer than there are). */
static const char *path_of(const char *rel)
{
    static char bufs[128][512];
    static unsigned next;
    char *b = bufs[next++ % 128];
    snprintf(b, sizeof(bufs[0]), "%s/%s", g_dir, rel);
    return b;
}

static int dir_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/rw-mounts-unit.XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int dir_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_pick(void **state)
{
    (void)state;
    const char *etc = path_of("etc.conf"), *share = path_of("share.conf"),
               *user = path_of("user.conf"), *only = path_of("only.conf");
    char *got = NULL;
    /* nothing exists */
    assert_int_equal(rw_mounts_conf_pick(NULL, false, user, etc, share, &got), 0);
    assert_null(got);
    write_file("share.conf", "/s\n", 0644);
    assert_int_equal(rw_mounts_conf_pick(NULL, false, user, etc, share, &got), 0);
    assert_string_equal(got, share);
    free(got);
    /* an empty /etc file wins over /usr/share: no merging */
    write_file("etc.conf", "", 0644);
    assert_int_equal(rw_mounts_conf_pick(NULL, false, user, etc, share, &got), 0);
    assert_string_equal(got, etc);
    free(got);
    /* the user file counts only when rootless */
    write_file("user.conf", "/u\n", 0644);
    assert_int_equal(rw_mounts_conf_pick(NULL, false, user, etc, share, &got), 0);
    assert_string_equal(got, etc);
    free(got);
    assert_int_equal(rw_mounts_conf_pick(NULL, true, user, etc, share, &got), 0);
    assert_string_equal(got, user);
    free(got);
    /* a configured file replaces the list, even when it is missing */
    assert_int_equal(rw_mounts_conf_pick(only, true, user, etc, share, &got), 0);
    assert_null(got);
    cleanup_free char *u = rw_mounts_conf_user_path("/home/al/");
    assert_string_equal(u, "/home/al/.config/containers/mounts.conf");
    assert_null(rw_mounts_conf_user_path("rel"));
}

/* ---- the copy --------------------------------------------------------------------------- */

static rw_secrets_copy_t new_copy(bool dry)
{
    rw_secrets_copy_t c = {.dry_run = dry,
                           .max_file_size = 1 << 20,
                           .max_total_size = 4 << 20,
                           .max_files = 100,
                           .symlinks = RW_SYMLINKS_ROOT_OWNED,
                           .base_fd = -1,
                           .tmp_fd = -1};
    return c;
}

static bool exists(const char *rel)
{
    struct stat st;
    const char *p = path_of(rel);
    return lstat(p, &st) == 0;
}

static void test_copy_tree(void **state)
{
    (void)state;
    mk("src");
    mk("src/sub");
    write_file("src/a.txt", "alpha\n", 0640);
    write_file("src/sub/b.txt", "beta\n", 04755); /* setuid must not survive */
    write_file("outside.txt", "outside\n", 0644);
    mk("other");
    write_file("other/secret", "secret\n", 0600);
    const char *src = path_of("src"), *base = path_of("secrets"), *outside = path_of("outside.txt"),
               *secret = path_of("other/secret");
    assert_int_equal(symlink("a.txt", path_of("src/inside-link")), 0);
    assert_int_equal(symlink(outside, path_of("src/root-link")), 0);
    assert_int_equal(symlink(secret, path_of("src/user-link")), 0);
    const char *ul = path_of("src/user-link");
    assert_int_equal(lchown(ul, 1234, 1234), 0); /* a link an unprivileged user made */
    assert_int_equal(symlink("/nonexistent/x", path_of("src/dangling")), 0);
    const char *fifo = path_of("src/fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const char *file_src = path_of("outside.txt");

    rw_secrets_copy_t c = new_copy(false);
    c.uid = 100000;
    c.gid = 100000;
    rw_error_t *err = NULL;
    assert_int_equal(rw_secrets_begin(&c, base, "ctr", &err), 0);
    json_t *files = json_array();
    int r = rw_secrets_add(&c, src, "/run/secrets", files, &err);
    if (r < 0)
        fail_msg("add: %s", err ? err->msg : "?");
    assert_int_equal(rw_secrets_add(&c, file_src, "/etc/one.conf", files, &err), 0);
    assert_true(rw_secrets_has(&c, "/run/secrets/a.txt"));
    assert_int_equal(rw_secrets_commit(&c, &err), 0);
    rw_secrets_end(&c);
    /* a.txt, sub/b.txt, inside-link, root-link, one.conf: names recorded, not content */
    assert_int_equal(json_array_size(files), 5);
    cleanup_free char *dumped = json_dumps(files, 0);
    assert_null(strstr(dumped, "alpha"));
    json_decref(files);

    struct stat st;
    const char *a = path_of("secrets/ctr/run/secrets/a.txt");
    assert_int_equal(stat(a, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_uid, 100000);
    const char *b = path_of("secrets/ctr/run/secrets/sub/b.txt");
    assert_int_equal(stat(b, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_true(exists("secrets/ctr/run/secrets/inside-link"));
    assert_true(exists("secrets/ctr/run/secrets/root-link"));
    assert_false(exists("secrets/ctr/run/secrets/user-link"));
    assert_false(exists("secrets/ctr/run/secrets/dangling"));
    assert_false(exists("secrets/ctr/run/secrets/fifo"));
    assert_true(exists("secrets/ctr/etc/one.conf"));
    /* the link became a regular file with the target's content */
    const char *il = path_of("secrets/ctr/run/secrets/inside-link");
    assert_int_equal(lstat(il, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    /* no staging directory is left behind */
    const char *sd = path_of("secrets");
    DIR *d = opendir(sd);
    struct dirent *de;
    int entries = 0;
    while ((de = readdir(d)))
        entries += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 1);

    /* a stricter policy does not follow the root-owned link out of the tree either */
    c = new_copy(false);
    c.symlinks = RW_SYMLINKS_BENEATH;
    assert_int_equal(rw_secrets_begin(&c, base, "ctr2", &err), 0);
    assert_int_equal(rw_secrets_add(&c, src, "/s", NULL, &err), 0);
    assert_int_equal(rw_secrets_commit(&c, &err), 0);
    rw_secrets_end(&c);
    assert_true(exists("secrets/ctr2/s/inside-link"));
    assert_false(exists("secrets/ctr2/s/root-link"));

    /* removal needs runwarden's marker for that very id */
    assert_int_equal(rw_secrets_remove(base, "ctr"), 0);
    assert_false(exists("secrets/ctr"));
    mk("secrets/notours");
    assert_int_equal(rw_secrets_remove(base, "notours"), -EPERM);
    assert_true(exists("secrets/notours"));
    assert_int_equal(rw_secrets_remove(base, "../other"), -EINVAL);
    assert_int_equal(rw_secrets_remove(base, "missing"), 0);
    rw_error_free(err);
}

static void test_copy_limits_and_dry_run(void **state)
{
    (void)state;
    mk("big");
    write_file("big/one", "0123456789", 0644);
    write_file("big/two", "0123456789", 0644);
    const char *src = path_of("big"), *base = path_of("secrets");
    rw_error_t *err = NULL;
    rw_secrets_copy_t c = new_copy(false);
    c.max_file_size = 5;
    assert_int_equal(rw_secrets_begin(&c, base, "lim", &err), 0);
    assert_true(rw_secrets_add(&c, src, "/x", NULL, &err) < 0);
    assert_non_null(strstr(err->msg, "more than the limit of 5"));
    rw_secrets_end(&c);
    assert_false(exists("secrets/lim"));
    rw_error_free(err);
    err = NULL;

    c = new_copy(false);
    c.max_files = 1;
    assert_int_equal(rw_secrets_begin(&c, base, "lim", &err), 0);
    assert_true(rw_secrets_add(&c, src, "/x", NULL, &err) < 0);
    assert_non_null(strstr(err->msg, "more than 1 files"));
    rw_secrets_end(&c);
    rw_error_free(err);
    err = NULL;

    c = new_copy(false);
    c.max_total_size = 15;
    assert_int_equal(rw_secrets_begin(&c, base, "lim", &err), 0);
    assert_true(rw_secrets_add(&c, src, "/x", NULL, &err) < 0);
    assert_non_null(strstr(err->msg, "more than 15 bytes in all"));
    rw_secrets_end(&c);
    rw_error_free(err);
    err = NULL;

    /* dry: counted and listed, nothing created */
    const char *dbase = path_of("dry-secrets");
    c = new_copy(true);
    json_t *files = json_array();
    assert_int_equal(rw_secrets_begin(&c, dbase, "d", &err), 0);
    assert_int_equal(rw_secrets_add(&c, src, "/x", files, &err), 0);
    assert_int_equal(rw_secrets_commit(&c, &err), 0);
    assert_int_equal(c.files, 2);
    assert_int_equal(c.bytes, 20);
    rw_secrets_end(&c);
    assert_int_equal(json_array_size(files), 2);
    json_decref(files);
    assert_false(exists("dry-secrets"));

    /* unsupported source type */
    const char *fifo = path_of("a-fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    c = new_copy(false);
    assert_int_equal(rw_secrets_begin(&c, base, "f", &err), 0);
    assert_true(rw_secrets_add(&c, fifo, "/x", NULL, &err) < 0);
    assert_non_null(strstr(err->msg, "unsupported file type"));
    rw_secrets_end(&c);
    rw_error_free(err);
}

/* ---- the stage -------------------------------------------------------------------------- */

static const char *spec_text =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"},"
    "\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\","
    "\"source\":\"proc\"},{\"destination\":\"/run/secrets/\",\"type\":\"bind\",\"source\":"
    "\"/var/lib/containers/x/userdata/run/secrets\",\"options\":[\"bind\"]}],"
    "\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":65536}],"
    "\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":65536}]}}";

static rw_config_t *stage_config(bool fips)
{
    const char *conf = path_of("mounts.conf"), *sec = path_of("stage-secrets"),
               *marker = path_of(fips ? "system-fips" : "no-fips-here");
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"mounts\":{\"mountsFile\":\"%s\",\"secretsDir\":\"%s\",\"fipsFile\":\"%s\"}}", conf,
             sec, marker);
    rw_config_t *cfg = NULL;
    assert_int_equal(rw_config_parse(text, strlen(text), "rw.json", &cfg, NULL), 0);
    return cfg;
}

static int run_mounts(rw_ctx_t *ctx)
{
    rw_error_t *err = NULL;
    assert_true(rw_stage_mounts.applies(ctx));
    int r = rw_stage_mounts.run(ctx, &err);
    if (r < 0)
        fprintf(stderr, "mounts: %s\n", err ? err->msg : "?");
    rw_error_free(err);
    return r;
}

static const rw_spec_mount_t *find_mount(const rw_spec_t *s, const char *dest)
{
    for (size_t i = 0; i < s->n_mounts; i++)
        if (strcmp(s->mounts[i].destination, dest) == 0)
            return &s->mounts[i];
    return NULL;
}

static void prepare_sources(void)
{
    mk("host");
    mk("host/dir");
    write_file("host/dir/token", "t0ken\n", 0600);
    write_file("host/file.conf", "setting=1\n", 0644);
    const char *d = path_of("host/dir"), *f = path_of("host/file.conf"), *s = path_of("host/dir");
    char text[1024];
    snprintf(text, sizeof(text),
             "# secrets for every container\n%s:/run/secrets\n%s:/etc/app/file.conf\n"
             "%s:/opt/token-dir\n/nonexistent/source:/gone\n",
             s, f, d);
    write_file("mounts.conf", text, 0644);
    mk("bundle");
    mk("bundle/rootfs");
}

static void test_stage(void **state)
{
    (void)state;
    prepare_sources();
    char *bundle = (char *)path_of("bundle");
    rw_config_t *cfg = stage_config(false);
    char *argv[] = {"runc", "create", "--bundle", bundle, "ctr-9", NULL};
    rw_invocation_t inv;
    assert_int_equal(rw_cli_parse(5, argv, RW_FLAVOR_RUNC, &inv), 0);

    /* dry run (runwarden check): the mounts and the hook appear, nothing is written */
    rw_ctx_t ctx;
    assert_int_equal(rw_ctx_init(&ctx, cfg, &inv, "/usr/bin/runc"), 0);
    ctx.dry_run = true;
    assert_int_equal(rw_spec_parse(spec_text, strlen(spec_text), "c.json", &ctx.spec, NULL), 0);
    assert_int_equal(run_mounts(&ctx), 0);
    assert_non_null(find_mount(ctx.spec, "/etc/app/file.conf"));
    assert_false(exists("stage-secrets"));
    rw_ctx_clear(&ctx);

    assert_int_equal(rw_ctx_init(&ctx, cfg, &inv, "/usr/bin/runc"), 0);
    assert_int_equal(rw_spec_parse(spec_text, strlen(spec_text), "c.json", &ctx.spec, NULL), 0);
    assert_int_equal(run_mounts(&ctx), 0);
    const rw_spec_mount_t *m = find_mount(ctx.spec, "/etc/app/file.conf");
    assert_non_null(m);
    const char *want = path_of("stage-secrets/ctr-9/etc/app/file.conf");
    assert_string_equal(m->source, want);
    bool ro = false;
    for (char **o = m->options; o && *o; o++)
        ro = ro || strcmp(*o, "ro") == 0;
    assert_true(ro);
    assert_non_null(find_mount(ctx.spec, "/opt/token-dir"));
    /* the engine mounts /run/secrets itself: not a second time */
    size_t n_secrets = 0;
    for (size_t i = 0; i < ctx.spec->n_mounts; i++)
        n_secrets += strncmp(ctx.spec->mounts[i].destination, "/run/secrets", 12) == 0;
    assert_int_equal(n_secrets, 1);
    assert_false(exists("stage-secrets/ctr-9/run"));
    assert_null(find_mount(ctx.spec, "/gone"));
    /* owned by what container root maps to */
    struct stat st;
    assert_int_equal(stat(want, &st), 0);
    assert_int_equal(st.st_uid, 200000);
    /* the poststop hook */
    bool hook = false;
    for (size_t i = 0; i < ctx.spec->n_hooks; i++)
        hook = hook || (strcmp(ctx.spec->hooks[i].stage, "poststop") == 0 &&
                        strcmp(ctx.spec->hooks[i].args[2], "mounts-cleanup") == 0);
    assert_true(hook);
    /* the facts name files, never their content */
    cleanup_free char *facts = json_dumps(ctx.facts, 0);
    assert_non_null(strstr(facts, "token"));
    assert_null(strstr(facts, "t0ken"));
    assert_null(strstr(facts, "setting=1"));

    /* the same bundle run again (plain runc users reuse bundles): the binds of the earlier
     * container's copy are replaced by this container's, not kept beside them */
    cleanup_free char *again = rw_spec_serialize(ctx.spec, NULL);
    rw_ctx_clear(&ctx);
    char *argv3[] = {"runc", "create", "--bundle", bundle, "ctr-11", NULL};
    assert_int_equal(rw_cli_parse(5, argv3, RW_FLAVOR_RUNC, &inv), 0);
    assert_int_equal(rw_ctx_init(&ctx, cfg, &inv, "/usr/bin/runc"), 0);
    assert_int_equal(rw_spec_parse(again, strlen(again), "c.json", &ctx.spec, NULL), 0);
    assert_int_equal(run_mounts(&ctx), 0);
    size_t n_file = 0;
    for (size_t i = 0; i < ctx.spec->n_mounts; i++)
        if (strcmp(ctx.spec->mounts[i].destination, "/etc/app/file.conf") == 0) {
            n_file++;
            assert_string_equal(ctx.spec->mounts[i].source,
                                path_of("stage-secrets/ctr-11/etc/app/file.conf"));
        }
    assert_int_equal(n_file, 1);
    size_t n_cleanup = 0;
    for (size_t i = 0; i < ctx.spec->n_hooks; i++)
        n_cleanup += strcmp(ctx.spec->hooks[i].args[2], "mounts-cleanup") == 0;
    assert_int_equal(n_cleanup, 1);
    rw_ctx_clear(&ctx);

    /* a container another stage refused gets nothing */
    char *argv2[] = {"runc", "create", "--bundle", bundle, "ctr-10", NULL};
    assert_int_equal(rw_cli_parse(5, argv2, RW_FLAVOR_RUNC, &inv), 0);
    assert_int_equal(rw_ctx_init(&ctx, cfg, &inv, "/usr/bin/runc"), 0);
    assert_int_equal(rw_spec_parse(spec_text, strlen(spec_text), "c.json", &ctx.spec, NULL), 0);
    assert_int_equal(rw_ctx_finding(&ctx, RW_SEV_REFUSE, "x", "x.rule", "f", "v", "fix"), 0);
    assert_int_equal(run_mounts(&ctx), 0);
    assert_false(exists("stage-secrets/ctr-10"));
    assert_int_equal(ctx.spec->n_changes, 0);
    rw_ctx_clear(&ctx);
    rw_config_free(cfg);
}

static void test_stage_fips(void **state)
{
    (void)state;
    prepare_sources();
    write_file("system-fips", "", 0644);
    mk("bundle/rootfs/usr");
    mk("bundle/rootfs/usr/share");
    mk("bundle/rootfs/usr/share/crypto-policies");
    mk("bundle/rootfs/usr/share/crypto-policies/back-ends");
    mk("bundle/rootfs/usr/share/crypto-policies/back-ends/FIPS");
    char *bundle = (char *)path_of("bundle");
    rw_config_t *cfg = stage_config(true);
    char *argv[] = {"runc", "create", "--bundle", bundle, "ctr-f", NULL};
    rw_invocation_t inv;
    assert_int_equal(rw_cli_parse(5, argv, RW_FLAVOR_RUNC, &inv), 0);
    rw_ctx_t ctx;
    assert_int_equal(rw_ctx_init(&ctx, cfg, &inv, "/usr/bin/runc"), 0);
    ctx.bundle_fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ctx.config_dirfd = ctx.bundle_fd;
    const char *no_secrets =
        "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"},"
        "\"root\":{\"path\":\"rootfs\"},\"mounts\":[]}";
    assert_int_equal(rw_spec_parse(no_secrets, strlen(no_secrets), "c.json", &ctx.spec, NULL), 0);
    assert_int_equal(run_mounts(&ctx), 0);
    /* mounts.conf's /run/secrets copy gets the system-fips marker, mounted once */
    assert_true(exists("stage-secrets/ctr-f/run/secrets/system-fips"));
    assert_true(exists("stage-secrets/ctr-f/run/secrets/token"));
    assert_non_null(find_mount(ctx.spec, "/run/secrets"));
    const rw_spec_mount_t *be = find_mount(ctx.spec, "/etc/crypto-policies/back-ends");
    assert_non_null(be);
    const char *fips_dir = path_of("bundle/rootfs/usr/share/crypto-policies/back-ends/FIPS");
    assert_string_equal(be->source, fips_dir);
    rw_ctx_clear(&ctx);

    /* an image whose FIPS back-ends is a link to /etc: resolved inside the rootfs, never
     * the host's /etc */
    assert_int_equal(rmdir(fips_dir), 0);
    assert_int_equal(symlink("/etc", fips_dir), 0);
    mk("bundle/rootfs/etc");
    char *argv2[] = {"runc", "create", "--bundle", bundle, "ctr-g", NULL};
    assert_int_equal(rw_cli_parse(5, argv2, RW_FLAVOR_RUNC, &inv), 0);
    assert_int_equal(rw_ctx_init(&ctx, cfg, &inv, "/usr/bin/runc"), 0);
    ctx.bundle_fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ctx.config_dirfd = ctx.bundle_fd;
    assert_int_equal(rw_spec_parse(no_secrets, strlen(no_secrets), "c.json", &ctx.spec, NULL), 0);
    assert_int_equal(run_mounts(&ctx), 0);
    be = find_mount(ctx.spec, "/etc/crypto-policies/back-ends");
    assert_non_null(be);
    assert_string_equal(be->source, path_of("bundle/rootfs/etc"));
    rw_ctx_clear(&ctx);
    rw_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_lines),
        cmocka_unit_test(test_parse_long_line),
        cmocka_unit_test_setup_teardown(test_pick, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_copy_tree, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_copy_limits_and_dry_run, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_stage, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_stage_fips, dir_setup, dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
