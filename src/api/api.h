/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "daemon.h"
#include "engine/engine.h"
#include "http/http.h"

/* The route tables of the Docker API, one per resource. */
extern const struct http_route api_system_routes[];
extern const size_t api_system_routes_count;
extern const struct http_route api_container_routes[];
extern const size_t api_container_routes_count;
extern const struct http_route api_exec_routes[];
extern const size_t api_exec_routes_count;
extern const struct http_route api_volume_routes[];
extern const size_t api_volume_routes_count;
extern const struct http_route api_network_routes[];
extern const size_t api_network_routes_count;
extern const struct http_route api_unimplemented_routes[];
extern const size_t api_unimplemented_routes_count;

static inline struct daemon *api_daemon(const struct http_request *req)
{
        return http_request_userdata(req);
}

/* Looks up the container of the {id} path parameter. On failure replies
 * with Docker's error and returns NULL. */
struct container *api_find_container(struct http_request *req);

/* Replies with err's status and message, logging server-side failures
 * (5xx) once with the request's path. */
void api_reply_error(struct http_request *req, int code, const struct error *err);

/* Handlers of the container routes, by file. */
void api_container_create(struct http_request *req);
void api_container_inspect(struct http_request *req);
void api_container_list(struct http_request *req);
void api_container_prune(struct http_request *req);
void api_container_start(struct http_request *req);
void api_container_stop(struct http_request *req);
void api_container_kill(struct http_request *req);
void api_container_restart(struct http_request *req);
void api_container_wait(struct http_request *req);
void api_container_remove(struct http_request *req);
void api_container_attach(struct http_request *req);
void api_container_logs(struct http_request *req);
void api_container_resize(struct http_request *req);
void api_container_update(struct http_request *req);
void api_container_changes(struct http_request *req);
void api_container_export(struct http_request *req);
void api_commit(struct http_request *req);
void api_container_archive_head(struct http_request *req);
void api_container_archive_get(struct http_request *req);
void api_container_archive_put(struct http_request *req);

/* Handlers of the exec routes (exec.c). */
void api_exec_create(struct http_request *req);
void api_exec_start(struct http_request *req);
void api_exec_resize(struct http_request *req);
void api_exec_inspect(struct http_request *req);

/* Builds the JSON of inspect and list. Call with c->lock held. */
json_object *api_container_inspect_json(struct daemon *d, struct container *c);
json_object *api_container_summary_json(struct daemon *d, struct container *c);
/* The summary with Docker's SizeRw and SizeRootFs; takes c->lock itself. */
json_object *api_container_summary_with_sizes(struct daemon *d, struct container *c);

/* docker pause, unpause, rename and top (containers-state.c), docker
 * stats (containers-stats.c), GET /events (events.c). */
void api_container_pause(struct http_request *req);
void api_container_unpause(struct http_request *req);
void api_container_rename(struct http_request *req);
void api_container_top(struct http_request *req);
void api_container_stats(struct http_request *req);
void api_events(struct http_request *req);

/* Returns inspect (consumed) with Docker's SizeRw and SizeRootFs after
 * GraphDriver, for GET /containers/{id}/json?size=1. Takes no lock. */
json_object *api_container_inspect_with_sizes(struct daemon *d, struct container *c, json_object *inspect);

/* GET /system/df (system-df.c). */
void api_system_df(struct http_request *req);

/* Writes Docker's status text of a container ("Up 5 seconds", "Exited (0)
 * 3 minutes ago", "Created") into buf. */
void api_container_status_text(const struct container_state *s, char *buf, size_t size);
