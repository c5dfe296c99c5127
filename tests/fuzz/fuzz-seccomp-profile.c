/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the parser of Docker seccomp profiles, which API clients send in
 * --security-opt seccomp=<JSON>, and the conversion of what it accepts to
 * the OCI object for a few hosts and capability sets. */
#include <stddef.h>
#include <stdint.h>

#include "engine/seccomp-profile.h"
#include "jsonutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *const no_caps[] = { NULL };
static char *const some_caps[] = { (char *)"CAP_CHOWN", (char *)"CAP_SYS_ADMIN", (char *)"CAP_KILL", NULL };

static const struct seccomp_host hosts[] = {
        { .arch = "amd64", .kernel_major = 6, .kernel_minor = 1 },
        { .arch = "arm64", .kernel_major = 4, .kernel_minor = 8 },
        { .arch = "", .kernel_major = 0, .kernel_minor = 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct seccomp_profile *p = NULL;
        struct error err = ERROR_INIT;

        if (seccomp_profile_parse((const char *)data, size, &p, &err) < 0) {
                error_clear(&err);
                return 0;
        }
        for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
                json_object *obj = NULL;

                if (seccomp_profile_to_oci(p, &hosts[i], i == 0 ? no_caps : some_caps, &obj) == 0)
                        (void)json_to_string(obj);
                json_object_put(obj);
        }
        seccomp_profile_free(p);
        return 0;
}
