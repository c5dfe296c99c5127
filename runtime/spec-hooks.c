/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>

#include "runtime/hooks.h"
#include "runtime/spec-internal.h"
#include "runtime/spec-json.h"
#include "strv.h"

/* The names config.json gives the hook lists, by enum runtime_hook_kind. */
static const char *const hook_keys[_RUNTIME_HOOK_KIND_MAX] = {
        [RUNTIME_HOOK_PRESTART] = "prestart",
        [RUNTIME_HOOK_CREATE_RUNTIME] = "createRuntime",
        [RUNTIME_HOOK_CREATE_CONTAINER] = "createContainer",
        [RUNTIME_HOOK_START_CONTAINER] = "startContainer",
        [RUNTIME_HOOK_POSTSTART] = "poststart",
        [RUNTIME_HOOK_POSTSTOP] = "poststop",
};

const char *runtime_hook_kind_name(enum runtime_hook_kind kind)
{
        return kind >= 0 && kind < _RUNTIME_HOOK_KIND_MAX ? hook_keys[kind] : NULL;
}

static int parse_hook(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_hook *h = (struct runtime_hook *)items + index;
        int64_t timeout = 0;
        int r;

        r = spec_json_string(obj, path, "path", &h->path, err);
        if (r < 0)
                return r;
        if (isempty(h->path))
                return spec_json_invalid(err, path, "path", "missing");
        /* The runtime spec requires an absolute path, which also keeps the
         * lookup independent of the runtime's working directory and PATH. */
        if (h->path[0] != '/')
                return spec_json_invalid(err, path, "path", "must be an absolute path");

        r = spec_json_strv(obj, path, "args", &h->args, err);
        if (r < 0)
                return r;
        r = spec_json_strv(obj, path, "env", &h->env, err);
        if (r < 0)
                return r;

        r = spec_json_int64(obj, path, "timeout", &timeout, err);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(obj, "timeout", NULL) && timeout <= 0)
                return spec_json_invalid(err, path, "timeout", "must be greater than zero");
        if (timeout > INT_MAX / 1000)
                return spec_json_invalid(err, path, "timeout", "out of range");
        h->timeout_s = (int)timeout;
        return 0;
}

int spec_parse_hooks(json_object *obj, struct runtime_spec *spec, struct error *err)
{
        json_object *hooks;
        int r;

        r = spec_json_object(obj, "", "hooks", &hooks, err);
        if (r < 0 || !hooks)
                return r;

        for (int kind = 0; kind < _RUNTIME_HOOK_KIND_MAX; kind++) {
                r = spec_json_parse_array(hooks, "hooks", hook_keys[kind], sizeof(struct runtime_hook), parse_hook,
                                          (void **)&spec->hooks[kind], &spec->n_hooks[kind], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

void spec_hooks_done(struct runtime_spec *spec)
{
        for (int kind = 0; kind < _RUNTIME_HOOK_KIND_MAX; kind++) {
                for (size_t i = 0; i < spec->n_hooks[kind]; i++) {
                        free(spec->hooks[kind][i].path);
                        strv_free(spec->hooks[kind][i].args);
                        strv_free(spec->hooks[kind][i].env);
                }
                free(spec->hooks[kind]);
                spec->hooks[kind] = NULL;
                spec->n_hooks[kind] = 0;
        }
}
