/* SPDX-License-Identifier: Apache-2.0 */
/* GET /containers/{id}/stats: one sample, or one a second. */
#include <time.h>

#include "api.h"
#include "jsonutil.h"
#include "log.h"
#include "timeutil.h"

/* dockerd's stats collector samples every container once a second. */
#define STATS_INTERVAL_MS 1000

struct stats_job {
        struct engine *engine;
        struct container *container;
        bool stream;
        bool one_shot;
        int64_t previous_read_ns; /* 0 before the first sample */
        json_object *previous_cpu;
        bool warned; /* a failed sample was logged: once per stream */
};

static void stats_job_free(struct stats_job *job)
{
        container_unref(job->container);
        json_object_put(job->previous_cpu);
        free(job);
}

/* The CPU stats of Go's zero StatsJSON. */
static json_object *zero_cpu_stats(void)
{
        json_object *cpu = json_object_new_object(), *usage = json_object_new_object();
        json_object *throttling = json_object_new_object();

        json_object_object_add(usage, "total_usage", json_object_new_int(0));
        json_object_object_add(usage, "usage_in_kernelmode", json_object_new_int(0));
        json_object_object_add(usage, "usage_in_usermode", json_object_new_int(0));
        json_object_object_add(throttling, "periods", json_object_new_int(0));
        json_object_object_add(throttling, "throttled_periods", json_object_new_int(0));
        json_object_object_add(throttling, "throttled_time", json_object_new_int(0));
        json_object_object_add(cpu, "cpu_usage", usage);
        json_object_object_add(cpu, "throttling_data", throttling);
        return cpu;
}

/* The stats of a container that does not run: Go's zero StatsJSON, which
 * dockerd sends with only the name and ID set. */
static json_object *empty_sample(void)
{
        static const char *const blkio_fields[] = {
                "io_service_bytes_recursive", "io_serviced_recursive",  "io_queue_recursive",
                "io_service_time_recursive",  "io_wait_time_recursive", "io_merged_recursive",
                "io_time_recursive",          "sectors_recursive",
        };
        json_object *sample = json_object_new_object(), *blkio = json_object_new_object();

        for (size_t i = 0; i < ARRAY_SIZE(blkio_fields); i++)
                json_object_object_add(blkio, blkio_fields[i], NULL);
        json_object_object_add(sample, "pids_stats", json_object_new_object());
        json_object_object_add(sample, "blkio_stats", blkio);
        json_object_object_add(sample, "num_procs", json_object_new_int(0));
        json_object_object_add(sample, "storage_stats", json_object_new_object());
        json_object_object_add(sample, "cpu_stats", zero_cpu_stats());
        json_object_object_add(sample, "memory_stats", json_object_new_object());
        return sample;
}

static void add_time(json_object *obj, const char *key, int64_t ns)
{
        char buf[TIMEUTIL_RFC3339_MAX];

        json_object_object_add(obj, key, json_object_new_string(timeutil_format_rfc3339(ns, buf, sizeof(buf))));
}

/* Takes a sample, or an empty one (read_ns 0) when the container does not
 * run or its sample failed. */
static json_object *take_sample(struct stats_job *job, int64_t *ret_read_ns)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *sample = NULL;
        int r;

        *ret_read_ns = timeutil_now_ns();
        r = engine_container_stats(job->engine, job->container, &sample, &err);
        if (r >= 0)
                return sample;
        if (r != -ESRCH && !job->warned) {
                log_warn("Failed to collect the stats of container %s: %s", job->container->id, error_message(&err, r));
                job->warned = true;
        }
        *ret_read_ns = 0;
        return empty_sample();
}

/* Docker's StatsJSON in its field order: the sample's fields with read,
 * preread and precpu_stats, then name, id and networks. Remembers the
 * sample's CPU stats for the next one. */
static json_object *compose(struct stats_job *job, json_object *sample, int64_t read_ns)
{
        json_object *out = json_object_new_object(), *networks = NULL;

        add_time(out, "read", read_ns);
        add_time(out, "preread", job->previous_read_ns);
        json_object_object_foreach (sample, key, value) {
                if (streq(key, "networks")) {
                        networks = value;
                        continue;
                }
                json_object_object_add(out, key, json_object_get(value));
                if (!streq(key, "cpu_stats"))
                        continue;
                json_object_object_add(out, "precpu_stats",
                                       job->previous_cpu ? json_object_get(job->previous_cpu) : zero_cpu_stats());
        }
        pthread_mutex_lock(&job->container->lock);
        json_object_object_add(out, "name", json_object_new_string(job->container->name));
        pthread_mutex_unlock(&job->container->lock);
        json_object_object_add(out, "id", json_object_new_string(job->container->id));
        if (networks)
                json_object_object_add(out, "networks", json_object_get(networks));

        json_object_put(job->previous_cpu);
        job->previous_cpu = json_object_get(json_object_object_get(sample, "cpu_stats"));
        job->previous_read_ns = read_ns;
        return out;
}

static void sleep_ms(int ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void stats_stream(struct http_stream *stream, void *userdata)
{
        struct stats_job *job = userdata;
        /* Without one-shot, a single reply still waits for a second
         * sample, so that its precpu_stats give a CPU percentage. */
        bool priming = !job->stream && !job->one_shot;

        while (!http_stream_closed(stream) && !engine_streams_ended(job->engine)) {
                _cleanup_json_ json_object *sample = NULL;
                json_object *out;
                int64_t read_ns;

                sample = take_sample(job, &read_ns);
                out = compose(job, sample, read_ns);
                if (priming) {
                        json_object_put(out);
                        priming = false;
                        sleep_ms(STATS_INTERVAL_MS);
                        continue;
                }
                if (http_stream_write_json(stream, out) < 0 || !job->stream)
                        break;
                sleep_ms(STATS_INTERVAL_MS);
        }
        stats_job_free(job);
}

void api_container_stats(struct http_request *req)
{
        struct stats_job *job;
        struct container *c;
        bool running;

        job = calloc(1, sizeof(*job));
        if (!job) {
                http_reply_error(req, -ENOMEM, NULL);
                return;
        }
        job->stream = http_query_bool(req, "stream", true);
        /* one-shot came with API 1.41. */
        job->one_shot = http_request_api_version(req) >= 141 && http_query_bool(req, "one-shot", false);
        if (job->stream && job->one_shot) {
                free(job);
                http_reply_error_status(req, 400, "cannot have stream=true and one-shot=true");
                return;
        }
        c = api_find_container(req);
        if (!c) {
                free(job);
                return;
        }
        job->engine = api_daemon(req)->engine;
        job->container = c;

        /* A container that does not run gets one empty sample at once. */
        pthread_mutex_lock(&c->lock);
        running = container_is_running(c) && c->state.status != CONTAINER_RESTARTING;
        pthread_mutex_unlock(&c->lock);
        if (!running && !job->stream)
                job->one_shot = true;
        http_reply_stream(req, 200, "application/json", stats_stream, job);
}
