#ifndef RLVR_CPCRE2_SHIM_H
#define RLVR_CPCRE2_SHIM_H
/* The 8-bit library: call the pcre2_*_8 symbols. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
