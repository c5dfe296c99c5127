/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "macro.h"
#include "runtime/cli/cli.h"
#include "runtime/hooks.h"

struct cli_globals cli = { .root = CLI_DEFAULT_ROOT };

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
} verbs[] = {
        { "create", cli_create, "create a container that waits for start" },
        { "start", cli_start, "start the user's process of a created container" },
        { "run", cli_run, "create and run a container, wait for it and exit with its status" },
        { "exec", cli_exec, "run a new process in a running container" },
        { "state", cli_state, "print a container's state as JSON" },
        { "list", cli_list, "list the containers of the state directory" },
        { "ps", cli_ps, "list the processes of a container" },
        { "kill", cli_kill, "send a signal to a container's init (or to all its processes)" },
        { "pause", cli_pause, "freeze every process of a container" },
        { "resume", cli_resume, "thaw a paused container" },
        { "delete", cli_delete, "remove a stopped container (or, with --force, any)" },
        { "features", cli_features, "print what this runtime supports as JSON" },
        { "spec", cli_spec, "print a default config.json for a busybox root filesystem in ./rootfs" },
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: sockerless-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
                   "An OCI container runtime with runc's commands.\n\n"
                   "Commands:\n");
        for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
                fprintf(f, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
        fprintf(f, "\nGlobal options:\n"
                   "  --root DIR           state directory (default " CLI_DEFAULT_ROOT ")\n"
                   "  --log FILE           append log lines to FILE instead of stderr\n"
                   "  --log-format FORMAT  text or json (runc's JSON lines) for --log\n"
                   "  --debug              log debug lines too\n"
                   "  --systemd-cgroup     create cgroups through systemd (not supported: creating a\n"
                   "                       container fails)\n"
                   "  -v, --version        print the version\n"
                   "\nRun 'sockerless-runtime COMMAND --help' for the options of a command.\n");
}

bool cli_check_args(const char *verb, int n_args, int min, int max)
{
        if (n_args >= min && (max < 0 || n_args <= max))
                return true;
        if (min == max)
                cli_error("\"%s\" requires exactly %d argument(s)", verb, min);
        else if (n_args < min)
                cli_error("\"%s\" requires a minimum of %d argument(s)", verb, min);
        else
                cli_error("\"%s\" requires a maximum of %d argument(s)", verb, max);
        return false;
}

/* Takes the value of option name from "--name=value" or the next
 * argument; returns NULL (having reported it) when it is missing. */
static const char *option_value(const char *name, int argc, char **argv, int *i)
{
        const char *arg = argv[*i];
        size_t len = strlen(name);

        if (arg[len] == '=')
                return arg + len + 1;
        if (*i + 1 >= argc) {
                cli_error("option %s needs a value", name);
                return NULL;
        }
        return argv[++*i];
}

static bool is_option(const char *arg, const char *name)
{
        size_t len = strlen(name);

        return strncmp(arg, name, len) == 0 && (arg[len] == '\0' || arg[len] == '=');
}

/* Parses the global options; returns the index of the verb, 0 when the
 * program should exit with *ret_status. */
static int parse_globals(int argc, char **argv, int *ret_status)
{
        const char *format = NULL;
        int i;

        *ret_status = 1;
        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i];

                if (is_option(a, "--root") || is_option(a, "--log") || is_option(a, "--log-format")) {
                        const char *name = is_option(a, "--root")  ? "--root"
                                           : is_option(a, "--log") ? "--log"
                                                                   : "--log-format";
                        const char *value = option_value(name, argc, argv, &i);

                        if (!value)
                                return 0;
                        if (streq(name, "--root"))
                                cli.root = value;
                        else if (streq(name, "--log"))
                                cli.log = isempty(value) ? NULL : value;
                        else
                                format = value;
                } else if (streq(a, "--debug"))
                        cli.debug = true;
                else if (streq(a, "--systemd-cgroup"))
                        cli.systemd_cgroup = true;
                else if (streq(a, "--version") || streq(a, "-v")) {
                        printf("sockerless-runtime version %s\nspec: %s\n", PACKAGE_VERSION, RUNTIME_OCI_VERSION);
                        *ret_status = 0;
                        return 0;
                } else if (streq(a, "--help") || streq(a, "-h")) {
                        usage(stdout);
                        *ret_status = 0;
                        return 0;
                } else {
                        cli_error("unknown global option %s", a);
                        return 0;
                }
        }

        if (format && !streq(format, "text") && !streq(format, "json")) {
                cli_error("invalid log format \"%s\": use text or json", format);
                return 0;
        }
        cli.log_json = format && streq(format, "json");
        if (i == argc) {
                usage(stderr);
                return 0;
        }
        return i;
}

int main(int argc, char **argv)
{
        int status;
        int i;

        cli.argv = argv;
        i = parse_globals(argc, argv, &status);

        if (i == 0)
                return status;
        for (size_t v = 0; v < ARRAY_SIZE(verbs); v++)
                if (streq(argv[i], verbs[v].name))
                        return verbs[v].run(argc - i, argv + i);
        cli_error("unknown command \"%s\"", argv[i]);
        usage(stderr);
        return 1;
}
