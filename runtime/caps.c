/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/capability.h>

#include "runtime/caps.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cap_t, cap_free)

static bool has(uint64_t mask, cap_value_t cap)
{
        return cap < 64 && (mask & (UINT64_C(1) << cap));
}

int caps_drop_bounding(const struct runtime_capabilities *caps, struct error *err)
{
        cap_value_t last = cap_max_bits();

        for (cap_value_t cap = 0; cap < last; cap++) {
                if (has(caps->bounding, cap))
                        continue;
                if (cap_drop_bound(cap) < 0)
                        return error_set_errno(err, negative_errno(),
                                               "failed to drop capability %d from the bounding set", (int)cap);
        }
        return 0;
}

static int set_flag(cap_t state, cap_flag_t flag, uint64_t mask, cap_value_t last)
{
        for (cap_value_t cap = 0; cap < last; cap++) {
                if (!has(mask, cap))
                        continue;
                if (cap_set_flag(state, flag, 1, &cap, CAP_SET) < 0)
                        return negative_errno();
        }
        return 0;
}

int caps_apply(const struct runtime_capabilities *caps, struct error *err)
{
        _cleanup_(cap_freep) cap_t state = NULL;
        cap_value_t last = cap_max_bits();
        int r;

        state = cap_init();
        if (!state)
                return -ENOMEM;
        r = set_flag(state, CAP_EFFECTIVE, caps->effective, last);
        if (r >= 0)
                r = set_flag(state, CAP_PERMITTED, caps->permitted, last);
        if (r >= 0)
                r = set_flag(state, CAP_INHERITABLE, caps->inheritable, last);
        if (r < 0)
                return error_set_errno(err, r, "failed to build the capability sets");
        if (cap_set_proc(state) < 0)
                return error_set_errno(err, negative_errno(),
                                       "failed to set the capabilities (is every permitted one available here?)");

        if (cap_reset_ambient() < 0)
                return error_set_errno(err, negative_errno(), "failed to clear the ambient capabilities");
        for (cap_value_t cap = 0; cap < last; cap++) {
                if (!has(caps->ambient, cap))
                        continue;
                if (cap_set_ambient(cap, CAP_SET) < 0)
                        return error_set_errno(
                                err, negative_errno(),
                                "failed to raise ambient capability %d (it must be permitted and inheritable)",
                                (int)cap);
        }
        return 0;
}
