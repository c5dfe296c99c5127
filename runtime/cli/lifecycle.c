/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "fsutil.h"
#include "runtime/cgroup-procs.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/lifecycle.h"
#include "runtime/hooks.h"
#include "timeutil.h"

int cli_parse_create_options(const char *verb, int argc, char **argv, bool with_console_socket, void (*usage)(FILE *f),
                             struct cli_create_options *ret)
{
        /* --console-socket comes last, so that run can drop it by ending
         * its copy of the table there. */
        static const struct option all_longopts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "pid-file", required_argument, NULL, 'p' },
                { "no-new-keyring", no_argument, NULL, 'k' },
                { "no-pivot", no_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                { "console-socket", required_argument, NULL, 'c' },
                {},
        };
        struct option longopts[ARRAY_SIZE(all_longopts)];
        int c;

        memcpy(longopts, all_longopts, sizeof(longopts));
        if (!with_console_socket)
                longopts[ARRAY_SIZE(longopts) - 2] = (struct option){};

        *ret = (struct cli_create_options){ .bundle = "." };
        while ((c = getopt_long(argc, argv, "+b:h", longopts, NULL)) >= 0)
                switch (c) {
                case 'b':
                        ret->bundle = optarg;
                        break;
                case 'p':
                        ret->pid_file = optarg;
                        break;
                case 'c':
                        ret->console_socket = optarg;
                        break;
                case 'k':
                        ret->no_new_keyring = true;
                        break;
                case 'n':
                        cli_error("--no-pivot is not supported: the runtime always uses pivot_root");
                        return -EOPNOTSUPP;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return -EINVAL;
                }
        if (!cli_check_args(verb, argc - optind, 1, 1))
                return -EINVAL;
        ret->id = argv[optind];
        return 1;
}

/* Reads the bundle's config.json: its text is parsed, and copied into the
 * state directory, where exec, kill and delete read it later whatever
 * happens to the bundle meanwhile. */
static int read_config(const char *bundle, char **ret_text, size_t *ret_len, struct runtime_spec **ret_spec,
                       struct error *err)
{
        _cleanup_free_ char *path = fs_path_join(bundle, "config.json");
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        if (!path)
                return -ENOMEM;
        r = fs_read_file_at(AT_FDCWD, path, 4u << 20, &text, &len);
        if (r < 0)
                return error_set_errno(err, r, "failed to read %s", path);
        r = runtime_spec_parse(text, len, ret_spec, err);
        if (r < 0)
                return r;
        *ret_text = TAKE_PTR(text);
        *ret_len = len;
        return 0;
}

int cli_prepare_container(const char *id, const char *bundle, struct cli_new_container *ret)
{
        _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *text = NULL, *abs = NULL, *cgroup_path = NULL;
        size_t len = 0;
        int r;

        r = store_check_id(id, &err);
        if (r < 0)
                goto fail;
        if (cli.systemd_cgroup) {
                r = error_set(&err, -EOPNOTSUPP, "--systemd-cgroup: the systemd cgroup driver is not supported");
                goto fail;
        }
        abs = realpath(bundle, NULL);
        if (!abs) {
                r = error_set_errno(&err, negative_errno(), "failed to open bundle %s", bundle);
                goto fail;
        }
        r = read_config(abs, &text, &len, &spec, &err);
        if (r < 0)
                goto fail;
        r = cgroup_path_for(spec->linux_config.cgroups_path, NULL, id, &cgroup_path, &err);
        if (r < 0)
                goto fail;
        r = store_create(id, text, len, &err);
        if (r < 0)
                goto fail;

        *ret = (struct cli_new_container){
                .id = id,
                .bundle = TAKE_PTR(abs),
                .spec = TAKE_PTR(spec),
                .cgroup_path = TAKE_PTR(cgroup_path),
        };
        return 0;

fail:
        cli_error("%s", error_message(&err, r));
        return r;
}

int cli_create_container(const struct cli_new_container *n, struct runtime_container **ret, struct error *err)
{
        struct runtime_create_options opts = {
                .id = n->id,
                .bundle = n->bundle,
                .stdin_fd = STDIN_FILENO,
                .stdout_fd = STDOUT_FILENO,
                .stderr_fd = STDERR_FILENO,
                .no_new_keyring = n->no_new_keyring,
        };

        return runtime_container_create(n->spec, &opts, ret, err);
}

int cli_record_container(const struct cli_new_container *n, const struct runtime_container *c)
{
        _cleanup_free_ char *rootfs = NULL;
        struct store_container rec = {
                .id = (char *)n->id,
                .pid = runtime_container_pid(c),
                .bundle = n->bundle,
                .created_ns = timeutil_now_ns(),
                .cgroup_path = n->cgroup_path,
                .no_new_keyring = n->no_new_keyring,
        };
        int r;

        rootfs =
                n->spec->root_path[0] == '/' ? strdup(n->spec->root_path) : fs_path_join(n->bundle, n->spec->root_path);
        if (!rootfs)
                return -ENOMEM;
        rec.rootfs = rootfs;
        r = store_process_start_time(rec.pid, &rec.start_time);
        if (r < 0)
                return r;
        return store_save(&rec);
}

int cli_mark_started(const char *id)
{
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        int r;

        r = store_load(id, &rec, NULL);
        if (r < 0)
                return r;
        rec->started = true;
        return store_save(rec);
}

void cli_new_container_done(struct cli_new_container *n)
{
        free(n->bundle);
        runtime_spec_free(n->spec);
        free(n->cgroup_path);
        *n = (struct cli_new_container){};
}

void cli_run_poststart(const struct runtime_spec *spec, const struct store_container *rec)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct runtime_state st = {
                .id = rec->id,
                .status = "running",
                .pid = rec->pid,
                .bundle = rec->bundle,
                .annotations = spec->annotations,
        };
        int r;

        r = runtime_hooks_run(spec, RUNTIME_HOOK_POSTSTART, &st, &err);
        if (r < 0)
                cli_warn("%s", error_message(&err, r));
}

/* Runs each poststop hook, going on after a failure. */
static void run_poststop(const struct runtime_spec *spec, const struct store_container *rec)
{
        _cleanup_free_ char *state = NULL;
        struct runtime_state st = {
                .id = rec->id,
                .status = "stopped",
                .pid = rec->pid,
                .bundle = rec->bundle,
                .annotations = spec->annotations,
        };

        if (!runtime_hooks_any(spec, RUNTIME_HOOK_POSTSTOP))
                return;
        state = runtime_state_to_json(&st);
        if (!state)
                return;
        for (size_t i = 0; i < spec->n_hooks[RUNTIME_HOOK_POSTSTOP]; i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                const struct runtime_hook *hook = &spec->hooks[RUNTIME_HOOK_POSTSTOP][i];
                int r = runtime_hook_run(hook, state, &err);

                if (r < 0)
                        cli_warn("error running poststop hook #%zu (%s): %s", i, hook->path, error_message(&err, r));
        }
}

int cli_destroy_container(const struct store_container *rec, const struct runtime_spec *spec)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = cgroup_open(rec->cgroup_path, true, &cg, &err);
        if (r >= 0)
                r = cgroup_destroy(cg);
        if (r < 0) {
                cli_error("failed to remove the cgroup of container %s: %s", rec->id, error_message(&err, r));
                return r;
        }
        cli_debug("container %s: cgroup %s removed", rec->id, rec->cgroup_path);
        if (spec)
                run_poststop(spec, rec);
        r = store_remove(rec->id);
        if (r < 0)
                cli_error("failed to remove the state of container %s: %s", rec->id, strerror(-r));
        return r;
}
