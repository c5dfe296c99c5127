/* SPDX-License-Identifier: Apache-2.0 */
/* POST /containers/create: from the request body and the image's config
 * to a stored container, with Docker's merge rules and defaults. */
#include <stdio.h>
#include <sys/stat.h>

#include "container-volumes.h"
#include "create-config.h"
#include "create-isolation.h"
#include "create-options.h"
#include "crash-point.h"
#include "daemon.h"
#include "engine-internal.h"
#include "network.h"
#include "fsutil.h"
#include "image/image.h"
#include "jsonutil.h"
#include "log.h"
#include "names.h"
#include "namespace-modes.h"
#include "pool/backend.h"
#include "resources.h"
#include "strv.h"
#include "timeutil.h"
#include "userns.h"

/* Picks the container's name: the requested one, checked, or a generated one. */
static int choose_name(struct engine *e, const char *requested, char **ret, struct error *err)
{
        char *name = NULL;

        if (!isempty(requested)) {
                if (!container_name_is_valid(requested))
                        return error_set(err, -EINVAL,
                                         "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                         requested);
                if (asprintf(&name, "%s%s", requested[0] == '/' ? "" : "/", requested) < 0)
                        return -ENOMEM;
                *ret = name;
                return 0;
        }

        for (unsigned retry = 0; retry < 16; retry++) {
                _cleanup_free_ char *base = container_name_generate(retry);
                bool in_use;

                if (!base || asprintf(&name, "/%s", base) < 0)
                        return -ENOMEM;
                pthread_rwlock_rdlock(&e->lock);
                in_use = engine_table_find_name(e, name) != NULL;
                pthread_rwlock_unlock(&e->lock);
                if (!in_use) {
                        *ret = name;
                        return 0;
                }
                free(name);
        }
        return error_set(err, -EEXIST, "could not generate a free container name");
}

static int make_container_dir(struct engine *e, struct container *c, struct error *err)
{
        if (mkdirat(e->containers_dirfd, c->id, 0710) < 0)
                return error_set_errno(err, -errno, "creating the directory of container %s failed", c->id);
        return 0;
}

/* Assembles the container in memory from the request and the image. */
static int build_container(struct engine *e, json_object *req, struct image *img, struct container *c,
                           struct error *err)
{
        json_object *hc = json_field_object(req, "HostConfig");
        const char *network;
        int r;

        r = id_generate(c->id);
        if (r < 0)
                return r;
        c->created_ns = timeutil_now_ns();
        c->image = image_ref(img);
        c->image_id = strdup(img->id);
        c->config = create_config_build(req, image_container_config(img));
        c->host_config = hc ? json_tokener_parse(json_to_string(hc)) : json_object_new_object();
        if (!c->image_id || !c->config || !c->host_config)
                return -ENOMEM;

        create_host_config_defaults(c->host_config);
        create_merge_default_ulimits(c->host_config, e->daemon->config.default_ulimits);
        r = namespace_modes_resolve_donors(e, c->host_config, err);
        if (r < 0)
                return r;
        resources_create_defaults(c->host_config);
        network = json_field_string(c->host_config, "NetworkMode", "default");
        if (!*json_field_string(c->config, "Hostname", "")) {
                char hostname[256] = "";

                if (streq(network, "host"))
                        gethostname(hostname, sizeof(hostname) - 1);
                else
                        memcpy(hostname, c->id, ID_SHORT_LENGTH);
                json_set_string(c->config, "Hostname", hostname);
        }
        r = network_container_create(e, c, req, err);
        if (r < 0)
                return r;
        return create_command_build(c->config, &c->path, &c->args, err);
}

int engine_container_create(struct engine *e, json_object *request, const char *name, const char *pool,
                            json_object *warnings, struct container **ret, struct error *err)
{
        _cleanup_container_ struct container *c = NULL;
        _cleanup_image_ struct image *img = NULL;
        const char *image_ref;
        bool volumes_attached = false;
        json_object *hc;
        int r;

        if (!request)
                return error_set(err, -EINVAL, "config cannot be empty in order to create a container");
        r = create_request_check(request, err);
        if (r < 0)
                return r;
        image_ref = json_field_string(request, "Image", "");
        if (!*image_ref)
                return error_set(err, -EINVAL, "no image specified");
        hc = json_field_object(request, "HostConfig");
        r = create_host_config_check(hc, err);
        if (r >= 0)
                r = userns_check_host_config(e->daemon->userns_remap, hc, err);
        if (r >= 0)
                r = create_options_check(hc, warnings, err);
        if (r >= 0)
                r = resources_check(hc, "HostConfig", warnings, err);
        if (r >= 0)
                r = create_config_options_check(request, err);
        if (r >= 0)
                r = create_default_ulimits_check(e->daemon->config.default_ulimits, hc, err);
        if (r < 0)
                return r;

        r = image_store_lookup(e->daemon->images, image_ref, &img, err);
        if (r < 0)
                return r;

        c = container_new();
        if (!c)
                return -ENOMEM;
        r = choose_name(e, name, &c->name, err);
        if (r < 0)
                return r;
        r = build_container(e, request, img, c, err);
        if (r >= 0)
                r = container_volumes_build(e, c, err);
        if (r < 0)
                return r;
        if (pool && !(c->pool = strdup(pool)))
                return -ENOMEM;
        c->backend = engine_backend_for_pool(e, pool);
        c->state.status = CONTAINER_CREATED;

        r = engine_table_add(e, c, err);
        if (r < 0)
                return r;
        r = make_container_dir(e, c, err);
        if (r >= 0) {
                crash_point("create.after-dir");
                r = image_store_hold(e->daemon->images, img, c->id, err);
        }
        if (r >= 0)
                r = c->backend->ops->create(c->backend, c, err);
        if (r >= 0) {
                r = container_volumes_attach(e, c, err);
                volumes_attached = r >= 0;
        }
        if (r >= 0) {
                crash_point("create.before-definition");
                pthread_mutex_lock(&c->lock);
                r = engine_container_save_definition(e, c);
                if (r >= 0) {
                        crash_point("create.after-definition");
                        r = engine_container_save_state(e, c);
                }
                pthread_mutex_unlock(&c->lock);
                if (r < 0)
                        error_set_errno(err, r, "saving container %s failed", c->id);
        }
        if (r < 0) {
                if (volumes_attached)
                        container_volumes_detach(e, c, true);
                engine_table_remove(e, c);
                fs_rm_rf_at(e->containers_dirfd, c->id);
                image_store_release(e->daemon->images, c->id);
                return r;
        }

        engine_event_container(e, c, "create", NULL);
        crash_point("create.after-state");
        log_debug("Container %s created as %s from image %s", c->id, c->name, c->image_id);
        *ret = TAKE_PTR(c);
        return 0;
}
