#ifndef LAPAK_CCURL_SHIM_H
#define LAPAK_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic and not callable from Swift.
// Each wrapper below passes exactly the type libcurl reads for that option class:
// `long` for CURLOPTTYPE_LONG, `curl_off_t` for CURLOPTTYPE_OFF_T, a pointer for
// CURLOPTTYPE_OBJECTPOINT/STRINGPOINT, a function pointer for CURLOPTTYPE_FUNCTIONPOINT.

typedef size_t (*lapak_curl_data_callback)(char *_Nonnull data, size_t size, size_t count, void *_Nullable context);
typedef int (*lapak_curl_progress_callback)(void *_Nullable context, curl_off_t download_total,
                                            curl_off_t download_now, curl_off_t upload_total,
                                            curl_off_t upload_now);

static inline CURLcode lapak_curl_setopt_long(CURL *_Nonnull handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lapak_curl_setopt_off_t(CURL *_Nonnull handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lapak_curl_setopt_string(CURL *_Nonnull handle, CURLoption option, const char *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lapak_curl_setopt_pointer(CURL *_Nonnull handle, CURLoption option, void *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lapak_curl_setopt_slist(CURL *_Nonnull handle, CURLoption option, struct curl_slist *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lapak_curl_setopt_data_callback(CURL *_Nonnull handle, CURLoption option, lapak_curl_data_callback _Nullable callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode lapak_curl_setopt_progress_callback(CURL *_Nonnull handle, lapak_curl_progress_callback _Nullable callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

static inline CURLcode lapak_curl_getinfo_long(CURL *_Nonnull handle, CURLINFO info, long *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode lapak_curl_getinfo_off_t(CURL *_Nonnull handle, CURLINFO info, curl_off_t *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode lapak_curl_getinfo_double(CURL *_Nonnull handle, CURLINFO info, double *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
