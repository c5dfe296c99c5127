/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stubs of the GnuTLS functions that libmicrohttpd calls, linked only when
 * configure links the daemon with the static libmicrohttpd. Debian builds
 * libmicrohttpd with HTTPS support, so the shared library maps GnuTLS and
 * seven libraries below it (p11-kit, libffi, hogweed, GMP, libtasn1, libidn2
 * and libunistring): 2.3 MiB of a new daemon's RSS (docs/benchmarks.md,
 * "Memory").
 *
 * The daemon never starts libmicrohttpd with MHD_USE_TLS. Of Debian's
 * libmicrohttpd 0.9.75, only the library constructor and destructor call
 * GnuTLS regardless of TLS (gnutls_global_init and gnutls_global_deinit,
 * found with objdump and by a test run in which the other stubs aborted).
 * Those two succeed here. Every other stub fails with
 * GNUTLS_E_UNIMPLEMENTED_FEATURE or does nothing.
 *
 * The stubs are hidden, so the executable never exports them, and a
 * library loaded later that links the real GnuTLS (libcurl, through
 * librtmp) binds to the real functions. configure links a test program with
 * this file and the static library, so a libmicrohttpd that calls a GnuTLS
 * function missing here makes it fall back to the shared library.
 */
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>

#pragma GCC visibility push(hidden)

#define UNSUPPORTED GNUTLS_E_UNIMPLEMENTED_FEATURE

gnutls_alloc_function gnutls_malloc = malloc;

int gnutls_global_init(void)
{
        return 0;
}

void gnutls_global_deinit(void)
{
}

const char *gnutls_strerror(int error)
{
        return error == UNSUPPORTED ? "TLS is not supported: sockerlessd is linked without GnuTLS" : "TLS error";
}

int gnutls_init(gnutls_session_t *session, unsigned int flags)
{
        return UNSUPPORTED;
}

void gnutls_deinit(gnutls_session_t session)
{
}

int gnutls_priority_init(gnutls_priority_t *priority_cache, const char *priorities, const char **err_pos)
{
        return UNSUPPORTED;
}

void gnutls_priority_deinit(gnutls_priority_t priority_cache)
{
}

int gnutls_priority_set(gnutls_session_t session, gnutls_priority_t priority)
{
        return UNSUPPORTED;
}

int gnutls_certificate_allocate_credentials(gnutls_certificate_credentials_t *res)
{
        return UNSUPPORTED;
}

void gnutls_certificate_free_credentials(gnutls_certificate_credentials_t sc)
{
}

void gnutls_certificate_server_set_request(gnutls_session_t session, gnutls_certificate_request_t req)
{
}

void gnutls_certificate_set_dh_params(gnutls_certificate_credentials_t res, gnutls_dh_params_t dh_params)
{
}

void gnutls_certificate_set_retrieve_function2(gnutls_certificate_credentials_t cred,
                                               gnutls_certificate_retrieve_function2 *func)
{
}

void gnutls_certificate_set_retrieve_function3(gnutls_certificate_credentials_t cred,
                                               gnutls_certificate_retrieve_function3 *func)
{
}

int gnutls_certificate_set_x509_key_mem(gnutls_certificate_credentials_t res, const gnutls_datum_t *cert,
                                        const gnutls_datum_t *key, gnutls_x509_crt_fmt_t type)
{
        return UNSUPPORTED;
}

int gnutls_certificate_set_x509_key_mem2(gnutls_certificate_credentials_t res, const gnutls_datum_t *cert,
                                         const gnutls_datum_t *key, gnutls_x509_crt_fmt_t type, const char *pass,
                                         unsigned int flags)
{
        return UNSUPPORTED;
}

int gnutls_certificate_set_x509_trust_mem(gnutls_certificate_credentials_t res, const gnutls_datum_t *ca,
                                          gnutls_x509_crt_fmt_t type)
{
        return UNSUPPORTED;
}

int gnutls_dh_params_init(gnutls_dh_params_t *dh_params)
{
        return UNSUPPORTED;
}

void gnutls_dh_params_deinit(gnutls_dh_params_t dh_params)
{
}

int gnutls_dh_params_import_pkcs3(gnutls_dh_params_t params, const gnutls_datum_t *pkcs3_params,
                                  gnutls_x509_crt_fmt_t format)
{
        return UNSUPPORTED;
}

int gnutls_psk_allocate_server_credentials(gnutls_psk_server_credentials_t *sc)
{
        return UNSUPPORTED;
}

void gnutls_psk_free_server_credentials(gnutls_psk_server_credentials_t sc)
{
}

void gnutls_psk_set_server_credentials_function(gnutls_psk_server_credentials_t cred,
                                                gnutls_psk_server_credentials_function *func)
{
}

int gnutls_credentials_set(gnutls_session_t session, gnutls_credentials_type_t type, void *cred)
{
        return UNSUPPORTED;
}

int gnutls_alpn_set_protocols(gnutls_session_t session, const gnutls_datum_t *protocols, unsigned protocols_size,
                              unsigned flags)
{
        return UNSUPPORTED;
}

void gnutls_session_set_ptr(gnutls_session_t session, void *ptr)
{
}

void *gnutls_session_get_ptr(gnutls_session_t session)
{
        return NULL;
}

void gnutls_transport_set_int2(gnutls_session_t session, int r, int s)
{
}

int gnutls_handshake(gnutls_session_t session)
{
        return UNSUPPORTED;
}

int gnutls_bye(gnutls_session_t session, gnutls_close_request_t how)
{
        return UNSUPPORTED;
}

ssize_t gnutls_record_recv(gnutls_session_t session, void *data, size_t data_size)
{
        return UNSUPPORTED;
}

ssize_t gnutls_record_send(gnutls_session_t session, const void *data, size_t data_size)
{
        return UNSUPPORTED;
}

size_t gnutls_record_check_pending(gnutls_session_t session)
{
        return 0;
}

int gnutls_record_get_direction(gnutls_session_t session)
{
        return 0;
}

gnutls_cipher_algorithm_t gnutls_cipher_get(gnutls_session_t session)
{
        return GNUTLS_CIPHER_UNKNOWN;
}

gnutls_protocol_t gnutls_protocol_get_version(gnutls_session_t session)
{
        return GNUTLS_VERSION_UNKNOWN;
}
#pragma GCC visibility pop
