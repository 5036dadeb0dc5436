#include "CCurlShims.h"
#include <curl/curl.h>

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
