/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "daemon-config.h"
#include "daemon-run.h"
#include "log.h"

int main(int argc, char **argv)
{
        struct daemon_config config = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        enum config_action action;
        int r;

        r = config_load(argc, argv, &config, &action, &err);
        if (r < 0) {
                fprintf(stderr, "sockerlessd: %s\n", error_message(&err, r));
                config_clear(&config);
                return 1;
        }
        if (action == CONFIG_HELP) {
                config_print_help();
                return 0;
        }
        if (action == CONFIG_VERSION) {
                printf("Sockerless version %s\n", SOCKERLESS_VERSION);
                return 0;
        }

        log_set_level(config.log_level);
        r = daemon_run(&config);
        config_clear(&config);
        return r < 0 ? 1 : 0;
}
