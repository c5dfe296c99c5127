/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>

#include "macro.h"
#include "runtime/cli/cli.h"

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
} verbs[] = {
        { "run", cli_run, "create and run a container, wait for it and exit with its status" },
        { "spec", cli_spec, "print a default config.json for a busybox root filesystem in ./rootfs" },
};

void cli_error(const char *fmt, ...)
{
        va_list ap;

        fputs("sockerless-runtime: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: sockerless-runtime [--version] COMMAND [OPTIONS]\n\nAn OCI container runtime.\n\nCommands:\n");
        for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
                fprintf(f, "  %-6s %s\n", verbs[i].name, verbs[i].summary);
        fprintf(f, "\nRun 'sockerless-runtime COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (streq(argv[1], "--version") || streq(argv[1], "-v")) {
                printf("sockerless-runtime version %s\nspec: 1.0.2\n", PACKAGE_VERSION);
                return 0;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
                usage(stdout);
                return 0;
        }

        for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
                if (streq(argv[1], verbs[i].name))
                        return verbs[i].run(argc - 1, argv + 1);
        cli_error("unknown command \"%s\"", argv[1]);
        usage(stderr);
        return 2;
}
