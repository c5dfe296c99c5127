/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Opens the shared library soname with dlopen and stores the address of
 * each of the n functions named in names into functions, a struct of n
 * function pointers in the same order. The library stays loaded. Logs the
 * failure and returns false when the library or a function is missing. */
bool dl_load_functions(const char *soname, const char *const *names, size_t n, void *functions);

/*
 * Macros for a file that defines a library's functions itself and loads
 * the library on the first call. It lists the functions in an X-macro:
 * X(return type, name, parameters, arguments, value on failure) for those
 * that return a value, V(name, parameters, arguments) for the others. It
 * declares its table of pointers with DL_POINTER and DL_VOID_POINTER, the
 * names for dl_load_functions with DL_NAME and DL_VOID_NAME, and the
 * functions with DL_FUNCTION and DL_VOID_FUNCTION. Those call its
 * `static bool library_loaded(void)` and its table `functions`.
 */
#define DL_POINTER(type, name, params, args, failure) type(*name) params;
#define DL_VOID_POINTER(name, params, args)           void(*name) params;
#define DL_NAME(type, name, params, args, failure)    #name,
#define DL_VOID_NAME(name, params, args)              #name,
#define DL_FUNCTION(type, name, params, args, failure) \
        type name params                               \
        {                                              \
                if (!library_loaded())                 \
                        return failure;                \
                return functions.name args;            \
        }
#define DL_VOID_FUNCTION(name, params, args) \
        void name params                     \
        {                                    \
                if (library_loaded())        \
                        functions.name args; \
        }
