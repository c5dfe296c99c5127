/* SPDX-License-Identifier: Apache-2.0 */
#include "dlutil.h"

#include <dlfcn.h>
#include <string.h>

#include "log.h"

bool dl_load_functions(const char *soname, const char *const *names, size_t n, void *functions)
{
        void *library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

        if (!library) {
                log_error("Loading %s failed: %s", soname, dlerror());
                return false;
        }
        for (size_t i = 0; i < n; i++) {
                void *symbol = dlsym(library, names[i]);

                if (!symbol) {
                        log_error("Loading %s failed: it has no function %s", soname, names[i]);
                        dlclose(library);
                        return false;
                }
                /* POSIX guarantees that the data pointer dlsym returns
                 * converts to a function pointer of the same size. */
                memcpy((char *)functions + i * sizeof(symbol), &symbol, sizeof(symbol));
        }
        return true;
}
