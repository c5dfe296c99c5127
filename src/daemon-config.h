/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "daemon.h"
#include "error.h"

#define DEFAULT_HOST        "unix:///run/sockerless.sock"
#define DEFAULT_DATA_ROOT   "/var/lib/sockerless"
#define DEFAULT_EXEC_ROOT   "/run/sockerless"
#define DEFAULT_PIDFILE     "/run/sockerless.pid"
#define DEFAULT_CONFIG_FILE "/etc/sockerless/daemon.json"

/* What the command line asked for besides settings. */
enum config_action {
        CONFIG_RUN,
        CONFIG_HELP,
        CONFIG_VERSION,
};

/* Parses the command line and the config file into config: flags win over
 * daemon.json, which wins over defaults. A key given both as a flag and in
 * the file, or an unknown key in the file, is an error as in dockerd. */
int config_load(int argc, char **argv, struct daemon_config *config, enum config_action *ret_action, struct error *err);

/* Reads the config file again for SIGHUP and applies the keys that can
 * change while running (log-level, debug, labels, live-restore, dns). */
int config_reload(struct daemon_config *config, struct error *err);

void config_clear(struct daemon_config *config);

/* Reads the networking keys (bridge, bip, fixed-cidr, mtu,
 * default-address-pools, ip-forward, ip-masq, icc, iptables, ipv6) into
 * config, with dockerd's defaults (daemon-config-network.c). */
int config_apply_network(struct daemon_config *config, json_object *settings, struct error *err);
void config_clear_network(struct daemon_config *config);

/* Prints the usage text to stdout. */
void config_print_help(void);
