/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

int main(void)
{
        log_info("sockerlessd");
        return 0;
}
