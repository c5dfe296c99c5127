/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "log.h"
#include "macro.h"

struct image_store;
struct registry_context;
struct engine;
struct http_server;
struct seccomp_profile;
struct userns_remap;
struct volume_store;

/* The daemon's settings: command-line flags over daemon.json over defaults. */
struct daemon_config {
        char **hosts;      /* -H addresses, "unix:///run/sockerless.sock" by default */
        char *data_root;   /* --data-root, /var/lib/sockerless */
        char *exec_root;   /* --exec-root, /run/sockerless */
        char *pidfile;     /* --pidfile, /run/sockerless.pid */
        char *config_file; /* --config-file, /etc/sockerless/daemon.json */
        enum log_level log_level;
        bool live_restore;            /* "live-restore", on by default */
        char **dns;                   /* "dns": resolvers for containers' resolv.conf */
        char **dns_search;            /* "dns-search" */
        char **dns_options;           /* "dns-opts" */
        char *cgroup_parent;          /* "cgroup-parent", "sockerless" by default */
        char *group;                  /* "group": owner group of unix sockets, "docker" */
        char *userns_remap;           /* "userns-remap": "USER[:GROUP]", "default" or NULL */
        json_object *default_ulimits; /* "default-ulimits" as [{Name, Soft, Hard}], or NULL */
        json_object *labels;          /* "labels" as a JSON array of "k=v" */
        json_object *flags;           /* settings given as flags, kept for reloads */
        char *seccomp_profile;        /* "seccomp-profile": a file, "builtin", "unconfined" or NULL */
        char **insecure_registries;   /* "insecure-registries": hosts and CIDR ranges */
        char **registry_mirrors;      /* "registry-mirrors": URLs tried before Docker Hub */
        /* "max-concurrent-downloads" (layers at once per pull, 3 by default)
         * and "max-download-attempts" (per layer, 5 by default). */
        unsigned max_concurrent_downloads;
        unsigned max_download_attempts;
        unsigned max_concurrent_uploads; /* "max-concurrent-uploads": layers at once per push, 5 */
        char *crash_at;                  /* --crash-at: the armed crash point of tests, or NULL */
        /* Networking (daemon-config-network.c). */
        char *bridge;                       /* "bridge": the default bridge's interface, "none" for no default bridge */
        char *bip;                          /* "bip": the default bridge's address with its prefix, or NULL */
        char *fixed_cidr;                   /* "fixed-cidr": the default bridge's container addresses, or NULL */
        char *fixed_cidr_v6;                /* "fixed-cidr-v6" */
        unsigned mtu;                       /* "mtu" of the default bridge, 0 for 1500 */
        json_object *default_address_pools; /* "default-address-pools": [{"base", "size"}], or NULL */
        bool ip_forward;                    /* "ip-forward", true */
        bool ip_masq;                       /* "ip-masq", true */
        bool icc;                           /* "icc", true */
        bool iptables;                      /* "iptables": manage the nftables table, true */
        bool ipv6;                          /* "ipv6": IPv6 on the default bridge, false */
        /* The profile of the "seccomp-profile" file, parsed at start. */
        struct seccomp_profile *seccomp;
};

/* Everything the handlers reach through http_request_userdata(). */
struct daemon {
        struct daemon_config config;
        struct image_store *images;
        struct volume_store *volumes; /* the local driver's volumes (engine/volumes.h) */
        /* Insecure registries, mirrors and the token cache of pulls. */
        struct registry_context *registries;
        struct engine *engine;
        struct http_server *server;
        /* The resolved "userns-remap", NULL when the daemon does not remap. */
        struct userns_remap *userns_remap;
        char *monitor_path; /* the sockerless-monitor executable */
        char *init_path;    /* the sockerless-init executable (--init) */
        char engine_id[64]; /* stable daemon ID (/info "ID"), kept in <data-root>/engine-id */
        int64_t started_ns;
};

/* CA certificates of registries: <dir>/<host[:port]>/ca.crt, as dockerd
 * reads /etc/docker/certs.d. */
#define REGISTRY_CERTS_DIR "/etc/sockerless/certs.d"

/* The daemon's version, as /version reports it. */
#define SOCKERLESS_VERSION PACKAGE_VERSION
