/* Fuzz target: containers/storage metadata as runwarden reads it: images.json and
 * containers.json (scanner and records, by id and by name), storage.conf, bundle paths. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/storage_meta.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (4 << 20))
        return 0;
    const char *buf = (const char *)data;
    rw_error_t *err = NULL;
    rw_trust_image_rec_t img;
    if (rw_trust_images_find(buf, size, "images.json", ID, &img, &err) > 0) {
        json_t *j = rw_trust_image_rec_to_json(&img);
        rw_trust_image_rec_t back;
        if (j && rw_trust_image_rec_parse(j, "cache", &back, &err) == 0)
            rw_trust_image_rec_clear(&back);
        json_decref(j);
        const size_t *sizes = NULL;
        size_t n = 0;
        if (rw_trust_image_rec_sig_sizes(&img, NULL, &sizes, &n)) {
            size_t *off = NULL;
            const char *why = NULL;
            if (rw_trust_split_signatures(size, sizes, n, &off, &why) >= 0)
                free(off);
        }
        rw_trust_image_rec_clear(&img);
    }
    rw_error_free(err);
    err = NULL;
    if (rw_trust_images_find_name(buf, size, "images.json", "example.com/a:1", &img, &err) > 0)
        rw_trust_image_rec_clear(&img);
    rw_error_free(err);
    err = NULL;
    rw_trust_container_rec_t c;
    if (rw_trust_containers_find(buf, size, "containers.json", ID, &c, &err) > 0)
        rw_trust_container_rec_clear(&c);
    rw_error_free(err);
    err = NULL;
    rw_trust_storage_conf_t sc;
    if (rw_trust_storage_conf_parse(buf, size, "storage.conf", &sc, &err) == 0)
        rw_trust_storage_conf_clear(&sc);
    rw_error_free(err);
    if (size < 4096 && !memchr(buf, 0, size)) {
        char *s = strndup(buf, size);
        char *root = NULL, *drv = NULL, *id = NULL;
        if (s && rw_trust_bundle_shape(s, &root, &drv, &id) > 0) {
            free(root);
            free(drv);
            free(id);
        }
        char *fn = s ? rw_trust_bigdata_filename(s) : NULL;
        free(fn);
        free(s);
    }
    return 0;
}
