/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "http/http.h"

/* The image routes: list, inspect, history, tag, remove, prune, load and
 * create. Create imports from the request body or pulls from a registry.
 * Handlers reach the store through struct daemon. */
extern const struct http_route api_image_routes[];
extern const size_t api_image_routes_count;

/* Pulls fromImage for POST /images/create (images-pull.c). */
void api_image_pull(struct http_request *req, const char *image);

/* POST /images/{name}/push (images-push.c). */
void api_image_push(struct http_request *req);

/* POST /auth and GET /distribution/{name}/json (images-pull.c). */
extern const struct http_route api_distribution_routes[];
extern const size_t api_distribution_routes_count;

/* GET /images/search (images-search.c). */
void api_image_search(struct http_request *req);
