/* SPDX-License-Identifier: Apache-2.0 */
#include "names.h"

#include <ctype.h>
#include <stdio.h>
#include <sys/random.h>

#include "macro.h"

/* Word lists for generated names. The surnames honour people who shaped
 * operating systems, networking and computing. */
static const char *const adjectives[] = {
        "agile",  "amber",  "ample",  "balmy",   "bold",  "brave",   "bright",  "brisk",  "calm",     "candid",
        "clever", "cosmic", "crisp",  "daring",  "deft",  "eager",   "earnest", "fair",   "fearless", "fluent",
        "frank",  "gentle", "glad",   "golden",  "grand", "hardy",   "honest",  "humble", "jolly",    "keen",
        "kind",   "lively", "loyal",  "lucid",   "merry", "mellow",  "modest",  "nimble", "noble",    "patient",
        "plucky", "polite", "proud",  "quick",   "quiet", "radiant", "rapid",   "ready",  "robust",   "serene",
        "sharp",  "shiny",  "silent", "sincere", "sleek", "smart",   "solid",   "steady", "sturdy",   "sunny",
        "swift",  "tidy",   "upbeat", "valiant", "vivid", "warm",    "wise",    "witty",  "zealous",
};

static const char *const surnames[] = {
        "allen",    "babbage",    "backus",      "baran",     "bartik",   "berners",  "bosack",   "cerf",
        "codd",     "corbato",    "dijkstra",    "engelbart", "estrin",   "floyd",    "hamilton", "hopper",
        "kahn",     "kay",        "kernighan",   "knuth",     "lamport",  "liskov",   "lovelace", "mccarthy",
        "metcalfe", "minsky",     "mockapetris", "neumann",   "perlman",  "postel",   "ritchie",  "shannon",
        "sammet",   "stroustrup", "sutherland",  "tanenbaum", "thompson", "torvalds", "turing",   "wirth",
        "wilkes",   "wozniak",    "zuse",        "goldberg",  "hoare",    "iverson",  "joy",      "mcilroy",
};

bool container_name_is_valid(const char *name)
{
        const char *p = name[0] == '/' ? name + 1 : name;

        if (!isalnum((unsigned char)p[0]) || p[1] == '\0')
                return false;
        for (p++; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
                        return false;
        return true;
}

char *container_name_generate(unsigned retry)
{
        unsigned int pick[2] = { 0, 0 };
        char *name = NULL;
        int r;

        if (getrandom(pick, sizeof(pick), 0) != (ssize_t)sizeof(pick))
                pick[0] = (unsigned)getpid(), pick[1] = (unsigned)retry;

        if (retry > 0)
                r = asprintf(&name, "%s_%s%u", adjectives[pick[0] % ARRAY_SIZE(adjectives)],
                             surnames[pick[1] % ARRAY_SIZE(surnames)], pick[0] % 10);
        else
                r = asprintf(&name, "%s_%s", adjectives[pick[0] % ARRAY_SIZE(adjectives)],
                             surnames[pick[1] % ARRAY_SIZE(surnames)]);
        return r < 0 ? NULL : name;
}
