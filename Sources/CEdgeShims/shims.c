#include "CEdgeShims.h"
#include <curl/curl.h>
#include <gpiod.h>
#include <modbus/modbus.h>

const int edgeflow_modbus_exception_illegal_function = EMBXILFUN;
const int edgeflow_modbus_exception_illegal_address = EMBXILADD;
const int edgeflow_modbus_exception_illegal_value = EMBXILVAL;
const int edgeflow_modbus_exception_device_failure = EMBXSFAIL;
const int edgeflow_modbus_exception_acknowledge = EMBXACK;
const int edgeflow_modbus_exception_device_busy = EMBXSBUSY;
const int edgeflow_modbus_exception_gateway_path = EMBXGPATH;
const int edgeflow_modbus_exception_gateway_target = EMBXGTAR;
const int edgeflow_modbus_error_bad_crc = EMBBADCRC;
const int edgeflow_modbus_error_bad_data = EMBBADDATA;
const int edgeflow_modbus_error_bad_exception = EMBBADEXC;
const int edgeflow_modbus_error_too_much_data = EMBMDATA;
const int edgeflow_modbus_error_bad_slave = EMBBADSLAVE;

int edgeflow_curl_setopt_long(void *curl, int option, long value) {
    return (int)curl_easy_setopt((CURL *)curl, (CURLoption)option, value);
}

int edgeflow_curl_setopt_string(void *curl, int option, const char *value) {
    return (int)curl_easy_setopt((CURL *)curl, (CURLoption)option, value);
}

int edgeflow_curl_setopt_pointer(void *curl, int option, void *value) {
    return (int)curl_easy_setopt((CURL *)curl, (CURLoption)option, value);
}

int edgeflow_curl_setopt_write_function(void *curl, size_t (*fn)(char *, size_t, size_t, void *)) {
    return (int)curl_easy_setopt((CURL *)curl, CURLOPT_WRITEFUNCTION, fn);
}

int edgeflow_curl_setopt_header_function(void *curl, size_t (*fn)(char *, size_t, size_t, void *)) {
    return (int)curl_easy_setopt((CURL *)curl, CURLOPT_HEADERFUNCTION, fn);
}

int edgeflow_curl_getinfo_long(void *curl, int info, long *value) {
    return (int)curl_easy_getinfo((CURL *)curl, (CURLINFO)info, value);
}

int edgeflow_gpiod_api_version(void) {
#ifdef GPIOD_LINE_BULK_MAX_LINES
    return 1;
#else
    return 2;
#endif
}
