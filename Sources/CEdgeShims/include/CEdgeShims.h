#pragma once
/*
 * edgeflow's C shim: only what Swift cannot reach on its own. Every symbol is prefixed
 * `edgeflow_` so it can never collide with the libraries it wraps.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libmodbus builds its protocol-exception errno values from other macros
 * (MODBUS_ENOBASE + n); Swift's importer drops such compound macros, so we export them. */
extern const int edgeflow_modbus_exception_illegal_function;
extern const int edgeflow_modbus_exception_illegal_address;
extern const int edgeflow_modbus_exception_illegal_value;
extern const int edgeflow_modbus_exception_device_failure;
extern const int edgeflow_modbus_exception_acknowledge;
extern const int edgeflow_modbus_exception_device_busy;
extern const int edgeflow_modbus_exception_gateway_path;
extern const int edgeflow_modbus_exception_gateway_target;
extern const int edgeflow_modbus_error_bad_crc;
extern const int edgeflow_modbus_error_bad_data;
extern const int edgeflow_modbus_error_bad_exception;
extern const int edgeflow_modbus_error_too_much_data;
extern const int edgeflow_modbus_error_bad_slave;

/* curl_easy_setopt is variadic, which Swift cannot call; one typed wrapper per argument kind. */
int edgeflow_curl_setopt_long(void *curl, int option, long value);
int edgeflow_curl_setopt_string(void *curl, int option, const char *value);
int edgeflow_curl_setopt_pointer(void *curl, int option, void *value);
int edgeflow_curl_setopt_write_function(void *curl, size_t (*fn)(char *, size_t, size_t, void *));
int edgeflow_curl_setopt_header_function(void *curl, size_t (*fn)(char *, size_t, size_t, void *));
int edgeflow_curl_getinfo_long(void *curl, int info, long *value);

/* The libgpiod API version this binary was compiled against (1 or 2): v1 and v2 differ
 * in every call, so EdgeGPIO picks its backend from this at compile time of the shim. */
int edgeflow_gpiod_api_version(void);

#ifdef __cplusplus
}
#endif
