/* SPDX-License-Identifier: MIT
 * Private helpers shared by the Windows-only files (win32.c, etw_realtime_win32.c,
 * selftest_win32.c, net/net_winhttp.c): UTF-8 <-> UTF-16 conversion at the
 * Win32 boundary and setting plat_last_error() from a Win32 error code.
 * Include only from code guarded by #if defined(_WIN32). Owned by platform/. */
#ifndef E2K_PLATFORM_WIN32_INT_H
#define E2K_PLATFORM_WIN32_INT_H

#if defined(_WIN32)
#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* New NUL-terminated UTF-16 copy of a UTF-8 string (len bytes, or strlen when
 * len is (size_t)-1). NULL on invalid input or out of memory. Caller frees. */
wchar_t *plat_win_wide_from_utf8(const char *s, size_t len);
/* New NUL-terminated UTF-8 copy of a UTF-16 string (len units, or wcslen when
 * len is (size_t)-1). Invalid surrogates become U+FFFD. Caller frees. */
char *plat_win_utf8_from_wide(const wchar_t *s, size_t len);
/* Writes "<what>: <system message for code>" as this thread's last error. */
void plat_win_set_error(const char *what, DWORD code);
/* Writes a free-form message as this thread's last error. */
void plat_win_set_error_text(const char *msg);
/* The system message for a Win32 error code, UTF-8, without trailing CR/LF,
 * into buf (always NUL-terminated). Returns buf. */
char *plat_win_error_text(DWORD code, char *buf, size_t buf_len);
#endif

#endif
