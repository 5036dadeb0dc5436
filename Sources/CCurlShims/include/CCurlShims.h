#pragma once
/*
 * curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
 * wrapper per argument kind. Every symbol is prefixed `edgeflow_`.
 */
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

int edgeflow_curl_setopt_long(void *curl, int option, long value);
int edgeflow_curl_setopt_string(void *curl, int option, const char *value);
int edgeflow_curl_setopt_pointer(void *curl, int option, void *value);
int edgeflow_curl_setopt_write_function(void *curl, size_t (*fn)(char *, size_t, size_t, void *));
int edgeflow_curl_setopt_header_function(void *curl, size_t (*fn)(char *, size_t, size_t, void *));
int edgeflow_curl_getinfo_long(void *curl, int info, long *value);

#ifdef __cplusplus
}
#endif
