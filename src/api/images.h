/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "http/http.h"

/* The image routes: list, inspect, history, tag, remove, prune, load and
 * create. Create imports from the request body, and pulls fail with a
 * message saying that no registry client is built in. Handlers reach the
 * store through struct daemon. */
extern const struct http_route api_image_routes[];
extern const size_t api_image_routes_count;
