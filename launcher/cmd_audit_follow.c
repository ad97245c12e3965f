/* `runwarden audit follow [--container ID] [--json]`: drains the eBPF event ring buffer into
 * the audit log continuously and prints each event. The draining is runwarden-bpf's job
 * (libbpf); this checks the arguments and the configuration, then hands over. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/cleanup.h"
#include "ebpf_helper.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: runwarden audit follow [--container ID] [--json]\n"
               "  Drains container events (exec, connect, sendmsg, socket, device, sysctl) from\n"
               "  the eBPF ring buffer into the audit log and prints them; --container prints\n"
               "  only that container's events (all are still recorded).\n");
}

int rw_cmd_audit_follow(int argc, char **argv)
{
    const char *container = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--container") == 0 && i + 1 < argc) {
            container = argv[++i];
        } else if (strncmp(argv[i], "--container=", 12) == 0) {
            container = argv[i] + 12;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    cleanup_config rw_config_t *cfg = NULL;
    rw_ebpf_config_t ec;
    rw_error_t *err = NULL;
    if (rw_ebpf_load_config(NULL, &cfg, &ec, &err) < 0) {
        fprintf(stderr, "runwarden: error: %s\n", err ? err->msg : "cannot load config");
        rw_error_free(err);
        return 1;
    }
    char *args[10];
    int n = 0;
    args[n++] = NULL;
    args[n++] = (char *)"follow";
    if (cfg->from_file) {
        args[n++] = (char *)"--config";
        args[n++] = cfg->path;
    }
    if (container) {
        args[n++] = (char *)"--container";
        args[n++] = (char *)container;
    }
    if (json)
        args[n++] = (char *)"--json";
    args[n] = NULL;
    int r = rw_ebpf_exec_helper(&ec, args);
    rw_config_ebpf_clear(&ec);
    fprintf(stderr, "runwarden: error: audit follow: cannot run the runwarden-bpf helper: %s\n",
            strerror(-r));
    return 1;
}
