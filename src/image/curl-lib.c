/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded with dlopen on the first call of one of its functions.
 *
 * libcurl links OpenSSL's libssl, Kerberos, LDAP, libssh2, nghttp2 and
 * more, and curl_global_init initializes OpenSSL. A daemon that never
 * talks to a registry needs none of it: loading libcurl and libarchive on
 * first use took a new daemon's RSS from 14.4 to 8.0 MiB
 * (docs/benchmarks.md, "Memory"). This file defines the libcurl
 * functions the daemon calls, with their own names and prototypes, so
 * callers include <curl/curl.h> and call them as usual. The first call
 * loads the library and runs curl_global_init. Each call then goes through
 * a table of pointers to the library's functions.
 *
 * When the library cannot be loaded, the failure is logged once and the
 * functions fail as libcurl does: the constructors return NULL (which
 * callers report as out of memory) and the others CURLE_FAILED_INIT or
 * CURLM_INTERNAL_ERROR.
 */

/* This file defines curl_easy_setopt and curl_easy_getinfo, which
 * curl/typecheck-gcc.h otherwise turns into macros. */
#define CURL_DISABLE_TYPECHECK 1

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include "dlutil.h"
#include "log.h"
#include "macro.h"

/* The soname of libcurl 7.16 and later, 8.x included. */
#define CURL_SONAME "libcurl.so.4"

/* The functions the daemon calls, in the X-macro form of dlutil.h. */
#define CURL_FUNCTIONS(X, V)                                                                                      \
        V(curl_easy_cleanup, (CURL * easy), (easy))                                                               \
        X(char *, curl_easy_escape, (CURL * easy, const char *string, int length), (easy, string, length), NULL)  \
        X(CURL *, curl_easy_init, (void), (), NULL)                                                               \
        X(CURLcode, curl_easy_perform, (CURL * easy), (easy), CURLE_FAILED_INIT)                                  \
        V(curl_easy_reset, (CURL * easy), (easy))                                                                 \
        X(const char *, curl_easy_strerror, (CURLcode code), (code), "libcurl could not be loaded")               \
        V(curl_free, (void *p), (p))                                                                              \
        X(CURLMcode, curl_multi_add_handle, (CURLM * multi, CURL * easy), (multi, easy), CURLM_INTERNAL_ERROR)    \
        X(CURLMcode, curl_multi_cleanup, (CURLM * multi), (multi), CURLM_INTERNAL_ERROR)                          \
        X(CURLMsg *, curl_multi_info_read, (CURLM * multi, int *queued), (multi, queued), NULL)                   \
        X(CURLM *, curl_multi_init, (void), (), NULL)                                                             \
        X(CURLMcode, curl_multi_perform, (CURLM * multi, int *running), (multi, running), CURLM_INTERNAL_ERROR)   \
        X(CURLMcode, curl_multi_poll,                                                                             \
          (CURLM * multi, struct curl_waitfd extra_fds[], unsigned int n_extra_fds, int timeout_ms, int *ret),    \
          (multi, extra_fds, n_extra_fds, timeout_ms, ret), CURLM_INTERNAL_ERROR)                                 \
        X(CURLMcode, curl_multi_remove_handle, (CURLM * multi, CURL * easy), (multi, easy), CURLM_INTERNAL_ERROR) \
        X(struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *string), (list, string), \
          NULL)                                                                                                   \
        V(curl_slist_free_all, (struct curl_slist * list), (list))

static struct curl_functions {
        CURLcode (*curl_global_init)(long flags);
        CURLcode (*curl_easy_setopt)(CURL *easy, CURLoption option, ...);
        CURLcode (*curl_easy_getinfo)(CURL *easy, CURLINFO info, ...);
        CURL_FUNCTIONS(DL_POINTER, DL_VOID_POINTER)
} functions;

static bool loaded;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static const char *const function_names[] = { "curl_global_init", "curl_easy_setopt", "curl_easy_getinfo",
                                              /* Then the others, in the order of CURL_FUNCTIONS. */
                                              CURL_FUNCTIONS(DL_NAME, DL_VOID_NAME) };

_Static_assert(sizeof(functions) == ARRAY_SIZE(function_names) * sizeof(void (*)(void)),
               "function_names lists every member of functions");

static void load(void)
{
        CURLcode code;

        if (!dl_load_functions(CURL_SONAME, function_names, ARRAY_SIZE(function_names), &functions))
                return;
        /* No thread calls libcurl before this function returns, and
         * curl_global_init is thread-safe from libcurl 7.84 on. */
        code = functions.curl_global_init(CURL_GLOBAL_DEFAULT);
        if (code != CURLE_OK) {
                log_error("Initializing libcurl failed: %s", functions.curl_easy_strerror(code));
                return;
        }
        loaded = true;
}

static bool library_loaded(void)
{
        pthread_once(&load_once, load);
        return loaded;
}

CURL_FUNCTIONS(DL_FUNCTION, DL_VOID_FUNCTION)

/* A variadic call cannot be forwarded as it is, so the argument is read
 * with the type that the option's number range gives it in curl.h. */
CURLcode curl_easy_setopt(CURL *easy, CURLoption option, ...)
{
        CURLcode code;
        va_list ap;

        if (!library_loaded())
                return CURLE_FAILED_INIT;
        va_start(ap, option);
        if (option < CURLOPTTYPE_OBJECTPOINT) {
                long value = va_arg(ap, long);

                code = functions.curl_easy_setopt(easy, option, value);
        } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
                void *value = va_arg(ap, void *);

                code = functions.curl_easy_setopt(easy, option, value);
        } else if (option < CURLOPTTYPE_OFF_T) {
                void (*value)(void) = va_arg(ap, void (*)(void));

                code = functions.curl_easy_setopt(easy, option, value);
        } else if (option < CURLOPTTYPE_BLOB) {
                curl_off_t value = va_arg(ap, curl_off_t);

                code = functions.curl_easy_setopt(easy, option, value);
        } else {
                struct curl_blob *value = va_arg(ap, struct curl_blob *);

                code = functions.curl_easy_setopt(easy, option, value);
        }
        va_end(ap);
        return code;
}

/* Every CURLINFO takes a pointer to where the value goes. */
CURLcode curl_easy_getinfo(CURL *easy, CURLINFO info, ...)
{
        void *value;
        va_list ap;

        if (!library_loaded())
                return CURLE_FAILED_INIT;
        va_start(ap, info);
        value = va_arg(ap, void *);
        va_end(ap);
        return functions.curl_easy_getinfo(easy, info, value);
}
