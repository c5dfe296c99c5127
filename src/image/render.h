/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"
#include "image.h"

/*
 * The image API's JSON, field for field as Docker Engine 20.10 sends it for
 * API 1.41: GET /images/{name}/json, /images/{name}/history and /images/json.
 */

/* Docker's ImageInspect of img. */
json_object *image_render_inspect(const struct image *img);

/* Docker's history list of img, newest first. Fails when the config's
 * history names more layers than the image has. */
int image_render_history(const struct image *img, json_object **ret, struct error *err);

/* Fills the Id and Tags of the history rows below the top one with the
 * images img was committed from: its parent on the second row, that
 * image's parent on the third, as far as the parents go. */
void image_render_history_parents(struct image_store *s, const struct image *img, json_object *history);

/* Lists for GET /images/json the images of s that pass filters (an object
 * of string arrays: dangling, label, before, since, reference), newest
 * first. Untagged images that other images were committed from are left
 * out unless all is set. Errors carry Docker's messages: an unknown
 * filter is -EINVAL, a before/since image that does not exist -ENOENT,
 * and a bad reference pattern -EIO (Docker replies with status 500). */
int image_render_list(struct image_store *s, json_object *filters, bool all, json_object **ret, struct error *err);
