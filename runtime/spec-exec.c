/* SPDX-License-Identifier: Apache-2.0 */
/* The process of `docker exec`, made from the container's. */
#include <sys/prctl.h>

#include "runtime/spec-internal.h"
#include "strv.h"

static int copy_strv(char *const *from, char ***ret)
{
        _cleanup_strv_free_ char **copy = calloc(1, sizeof(char *));

        if (!copy)
                return -ENOMEM;
        STRV_FOREACH (s, from)
                if (strv_append(&copy, *s) < 0)
                        return -ENOMEM;
        strv_free(*ret);
        *ret = TAKE_PTR(copy);
        return 0;
}

static int replace_string(char **field, const char *value)
{
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

/* The caller's bounding set, read capability by capability because the
 * kernel may know more of them than libcap's headers. */
static uint64_t bounding_set(void)
{
        uint64_t set = 0;

        for (int cap = 0; cap < 64; cap++) {
                int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

                if (r < 0)
                        break;
                if (r > 0)
                        set |= UINT64_C(1) << cap;
        }
        return set;
}

int runtime_spec_set_exec_process(struct runtime_spec *spec, const struct runtime_exec_process *p, struct error *err)
{
        struct runtime_process *process = &spec->process;

        if (!p->args || !p->args[0])
                return error_set(err, -EINVAL, "the process to execute has no command");
        if (p->cwd && p->cwd[0] != '/')
                return error_set(err, -EINVAL, "the working directory %s is not an absolute path", p->cwd);

        if (copy_strv(p->args, &process->args) < 0 || copy_strv(p->env, &process->env) < 0)
                return -ENOMEM;
        if (p->cwd && replace_string(&process->cwd, p->cwd) < 0)
                return -ENOMEM;
        if (p->user && replace_string(&spec->user, p->user) < 0)
                return -ENOMEM;
        process->terminal = p->terminal;
        process->console_height = p->terminal ? p->console_height : 0;
        process->console_width = p->terminal ? p->console_width : 0;
        if (p->privileged) {
                uint64_t all = bounding_set();

                process->capabilities.bounding = all;
                process->capabilities.permitted = all;
                process->capabilities.effective = all;
        }
        spec->has_process = true;
        return 0;
}
