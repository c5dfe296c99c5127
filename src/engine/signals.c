/* SPDX-License-Identifier: Apache-2.0 */
#include "signals.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>

#include "macro.h"

static const struct {
        const char *name;
        int number;
} signal_names[] = {
        { "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS },       { "CHLD", SIGCHLD },
        { "CLD", SIGCHLD },  { "CONT", SIGCONT }, { "FPE", SIGFPE },       { "HUP", SIGHUP },
        { "ILL", SIGILL },   { "INT", SIGINT },   { "IO", SIGIO },         { "IOT", SIGIOT },
        { "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "POLL", SIGPOLL },     { "PROF", SIGPROF },
        { "PWR", SIGPWR },   { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV },     { "STKFLT", SIGSTKFLT },
        { "STOP", SIGSTOP }, { "SYS", SIGSYS },   { "TERM", SIGTERM },     { "TRAP", SIGTRAP },
        { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
        { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH },
        { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
};

/* Parses "RTMIN", "RTMIN+N" or "RTMAX-N" (Linux's 34 to 64). */
static int parse_realtime(const char *s)
{
        char *end;
        long offset = 0;

        if (strncasecmp(s, "RTMIN", 5) == 0) {
                if (s[5] == '\0')
                        return 34;
                if (s[5] != '+')
                        return -EINVAL;
                offset = strtol(s + 6, &end, 10);
                if (*end || offset < 0 || offset > 64 - 34)
                        return -EINVAL;
                return (int)(34 + offset);
        }
        if (strncasecmp(s, "RTMAX", 5) == 0) {
                if (s[5] == '\0')
                        return 64;
                if (s[5] != '-')
                        return -EINVAL;
                offset = strtol(s + 6, &end, 10);
                if (*end || offset < 0 || offset > 64 - 34)
                        return -EINVAL;
                return (int)(64 - offset);
        }
        return -EINVAL;
}

int signal_from_string(const char *s)
{
        const char *name = s;

        if (isempty(s))
                return -EINVAL;

        if (isdigit((unsigned char)s[0])) {
                char *end;
                long n = strtol(s, &end, 10);

                if (*end || n < 1 || n > 64)
                        return -EINVAL;
                return (int)n;
        }

        if (strncasecmp(name, "SIG", 3) == 0)
                name += 3;
        for (size_t i = 0; i < ARRAY_SIZE(signal_names); i++)
                if (strcasecmp(name, signal_names[i].name) == 0)
                        return signal_names[i].number;
        return parse_realtime(name);
}

const char *signal_to_string(int sig)
{
        static const char *const full_names[] = {
                [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT",   [SIGILL] = "SIGILL",
                [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS",     [SIGFPE] = "SIGFPE",
                [SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",   [SIGUSR2] = "SIGUSR2",
                [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",   [SIGCHLD] = "SIGCHLD",
                [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",   [SIGTTIN] = "SIGTTIN",
                [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",   [SIGWINCH] = "SIGWINCH",
        };

        if (sig <= 0 || (size_t)sig >= ARRAY_SIZE(full_names))
                return NULL;
        return full_names[sig];
}
