/* SPDX-License-Identifier: MIT
 * Windows implementation of platform/platform.h (the only door to the OS).
 * UTF-8 inside, UTF-16 at the Win32 boundary; wide-char file APIs with 64-bit
 * offsets; Win32 threads, SRW locks and condition variables; console Ctrl-C
 * handler; CreateProcessW capture; RtlGenRandom. The whole file is guarded by
 * _WIN32 so both implementations are always in the build. */
#if defined(_WIN32)

#include "platform/platform.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <ntsecapi.h>

#include "platform/win32_int.h"

/* ---- errors and UTF conversion ---- */

static _Thread_local char plat_win_last_error[512];

void plat_win_set_error_text(const char *msg) {
  snprintf(plat_win_last_error, sizeof plat_win_last_error, "%s", msg ? msg : "");
}

char *plat_win_error_text(DWORD code, char *buf, size_t buf_len) {
  wchar_t wbuf[256];
  DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                           MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), wbuf,
                           (DWORD)(sizeof wbuf / sizeof wbuf[0]), NULL);
  if (n == 0)
    n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0,
                       wbuf, (DWORD)(sizeof wbuf / sizeof wbuf[0]), NULL);
  while (n > 0 && (wbuf[n - 1] == L'\r' || wbuf[n - 1] == L'\n' || wbuf[n - 1] == L' ' ||
                   wbuf[n - 1] == L'.'))
    n--;
  if (buf_len == 0) return buf;
  buf[0] = 0;
  if (n == 0) {
    snprintf(buf, buf_len, "Windows error %lu", (unsigned long)code);
    return buf;
  }
  int got = WideCharToMultiByte(CP_UTF8, 0, wbuf, (int)n, buf, (int)(buf_len - 1), NULL, NULL);
  buf[got > 0 ? (size_t)got : 0] = 0;
  return buf;
}

void plat_win_set_error(const char *what, DWORD code) {
  char msg[300];
  plat_win_error_text(code, msg, sizeof msg);
  snprintf(plat_win_last_error, sizeof plat_win_last_error, "%s: %s", what ? what : "", msg);
}

const char *plat_last_error(void) { return plat_win_last_error; }

wchar_t *plat_win_wide_from_utf8(const char *s, size_t len) {
  if (!s) return NULL;
  if (len == (size_t)-1) len = strlen(s);
  if (len > 0x3fffffff) return NULL;
  int need = len ? MultiByteToWideChar(CP_UTF8, 0, s, (int)len, NULL, 0) : 0;
  if (len && need <= 0) return NULL;
  wchar_t *w = malloc(((size_t)need + 1) * sizeof(wchar_t));
  if (!w) return NULL;
  if (need) MultiByteToWideChar(CP_UTF8, 0, s, (int)len, w, need);
  w[need] = 0;
  return w;
}

char *plat_win_utf8_from_wide(const wchar_t *s, size_t len) {
  if (!s) return NULL;
  if (len == (size_t)-1) len = wcslen(s);
  if (len > 0x3fffffff) return NULL;
  int need = len ? WideCharToMultiByte(CP_UTF8, 0, s, (int)len, NULL, 0, NULL, NULL) : 0;
  if (len && need <= 0) return NULL;
  char *u = malloc((size_t)need + 1);
  if (!u) return NULL;
  if (need) WideCharToMultiByte(CP_UTF8, 0, s, (int)len, u, need, NULL, NULL);
  u[need] = 0;
  return u;
}

/* A path for the wide APIs. Long absolute paths get the \\?\ prefix so the
 * 260-character MAX_PATH limit does not apply. Caller frees. */
static wchar_t *plat_win_path(const char *path) {
  wchar_t *w = plat_win_wide_from_utf8(path, (size_t)-1);
  if (!w) {
    char msg[300];
    snprintf(msg, sizeof msg, "%.200s: path is not valid UTF-8", path ? path : "(null)");
    plat_win_set_error_text(msg);
    return NULL;
  }
  size_t n = wcslen(w);
  if (n < MAX_PATH - 12 || wcsncmp(w, L"\\\\?\\", 4) == 0) return w;
  DWORD full = GetFullPathNameW(w, 0, NULL, NULL);
  if (full == 0) return w;
  wchar_t *p = malloc(((size_t)full + 8) * sizeof(wchar_t));
  if (!p) return w;
  DWORD got = GetFullPathNameW(w, full, p + 4, NULL);
  if (got == 0 || got >= full) {
    free(p);
    return w;
  }
  if (p[4] == L'\\' && p[5] == L'\\') { /* UNC: \\server\share -> \\?\UNC\server\share */
    memmove(p + 8, p + 6, ((size_t)got - 1) * sizeof(wchar_t));
    memcpy(p, L"\\\\?\\UNC\\", 8 * sizeof(wchar_t));
  } else {
    memcpy(p, L"\\\\?\\", 4 * sizeof(wchar_t));
  }
  free(w);
  return p;
}

static void plat_win_path_error(const char *path) {
  char msg[300];
  DWORD code = GetLastError();
  plat_win_error_text(code, msg, sizeof msg);
  char full[512];
  snprintf(full, sizeof full, "%.300s: %s", path, msg);
  plat_win_set_error_text(full);
}

/* ---- files ---- */

struct plat_file {
  HANDLE h;
  char path[260];
};

static int plat_win_open(const char *path, DWORD access, DWORD disposition, plat_file **out) {
  *out = NULL;
  wchar_t *w = plat_win_path(path);
  if (!w) return -1;
  HANDLE h = CreateFileW(w, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         disposition, FILE_ATTRIBUTE_NORMAL, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) {
    plat_win_path_error(path);
    return -1;
  }
  plat_file *f = calloc(1, sizeof *f);
  if (!f) {
    CloseHandle(h);
    plat_win_set_error_text("out of memory");
    return -1;
  }
  f->h = h;
  snprintf(f->path, sizeof f->path, "%s", path);
  *out = f;
  return 0;
}

int plat_file_open_read(const char *path, plat_file **out) {
  int rc = plat_win_open(path, GENERIC_READ, OPEN_EXISTING, out);
  if (rc == 0) {
    BY_HANDLE_FILE_INFORMATION info;
    if (GetFileInformationByHandle((*out)->h, &info) &&
        (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
      plat_file_close(*out);
      *out = NULL;
      char msg[300];
      snprintf(msg, sizeof msg, "%.260s: Is a directory", path);
      plat_win_set_error_text(msg);
      return -1;
    }
  }
  return rc;
}

int plat_file_open_write(const char *path, bool append, plat_file **out) {
  /* FILE_APPEND_DATA without FILE_WRITE_DATA: every write goes to the end. */
  if (append) return plat_win_open(path, FILE_APPEND_DATA | SYNCHRONIZE, OPEN_ALWAYS, out);
  return plat_win_open(path, GENERIC_WRITE, CREATE_ALWAYS, out);
}

int plat_file_size(plat_file *f, uint64_t *size) {
  LARGE_INTEGER li;
  if (!GetFileSizeEx(f->h, &li)) {
    plat_win_path_error(f->path);
    return -1;
  }
  *size = (uint64_t)li.QuadPart;
  return 0;
}

int plat_file_read_at(plat_file *f, uint64_t offset, void *buf, size_t len, size_t *got) {
  size_t total = 0;
  while (total < len) {
    size_t want = len - total;
    if (want > 0x40000000u) want = 0x40000000u;
    OVERLAPPED ov;
    memset(&ov, 0, sizeof ov);
    uint64_t at = offset + total;
    ov.Offset = (DWORD)(at & 0xffffffffu);
    ov.OffsetHigh = (DWORD)(at >> 32);
    DWORD n = 0;
    if (!ReadFile(f->h, (char *)buf + total, (DWORD)want, &n, &ov)) {
      DWORD e = GetLastError();
      if (e == ERROR_HANDLE_EOF) break;
      plat_win_path_error(f->path);
      *got = total;
      return -1;
    }
    if (n == 0) break;
    total += n;
  }
  *got = total;
  return 0;
}

int plat_file_write(plat_file *f, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    DWORD want = len > 0x40000000u ? 0x40000000u : (DWORD)len;
    DWORD n = 0;
    if (!WriteFile(f->h, p, want, &n, NULL) || n == 0) {
      plat_win_path_error(f->path);
      return -1;
    }
    p += n;
    len -= n;
  }
  return 0;
}

int plat_file_sync(plat_file *f) {
  if (!FlushFileBuffers(f->h)) {
    plat_win_path_error(f->path);
    return -1;
  }
  return 0;
}

void plat_file_close(plat_file *f) {
  if (!f) return;
  CloseHandle(f->h);
  free(f);
}

int plat_read_all(const char *path, char **data, size_t *len) {
  *data = NULL;
  *len = 0;
  plat_file *f;
  if (plat_file_open_read(path, &f) != 0) return -1;
  uint64_t size;
  if (plat_file_size(f, &size) != 0) {
    plat_file_close(f);
    return -1;
  }
  if (size > (uint64_t)SIZE_MAX - 1 || size > ((uint64_t)1 << 40)) {
    plat_file_close(f);
    plat_win_set_error_text("file too large to read into memory");
    return -1;
  }
  char *buf = malloc((size_t)size + 1);
  if (!buf) {
    plat_file_close(f);
    plat_win_set_error_text("out of memory");
    return -1;
  }
  size_t got = 0;
  int rc = plat_file_read_at(f, 0, buf, (size_t)size, &got);
  plat_file_close(f);
  if (rc != 0) {
    free(buf);
    return -1;
  }
  buf[got] = 0;
  *data = buf;
  *len = got;
  return 0;
}

static DWORD plat_win_attributes(const char *path) {
  wchar_t *w = plat_win_path(path);
  if (!w) return INVALID_FILE_ATTRIBUTES;
  DWORD a = GetFileAttributesW(w);
  free(w);
  return a;
}

bool plat_path_exists(const char *path) { return plat_win_attributes(path) != INVALID_FILE_ATTRIBUTES; }

bool plat_is_directory(const char *path) {
  DWORD a = plat_win_attributes(path);
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

int plat_rename(const char *from, const char *to) {
  wchar_t *wf = plat_win_path(from);
  wchar_t *wt = wf ? plat_win_path(to) : NULL;
  if (!wf || !wt) {
    free(wf);
    return -1;
  }
  BOOL ok = MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
  free(wf);
  free(wt);
  if (!ok) {
    plat_win_path_error(from);
    return -1;
  }
  return 0;
}

int plat_remove(const char *path) {
  wchar_t *w = plat_win_path(path);
  if (!w) return -1;
  DWORD a = GetFileAttributesW(w);
  BOOL ok = (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY))
                ? RemoveDirectoryW(w)
                : DeleteFileW(w);
  free(w);
  if (!ok) {
    plat_win_path_error(path);
    return -1;
  }
  return 0;
}

static bool plat_win_is_sep(char c) { return c == '/' || c == '\\'; }

int plat_mkdir_p(const char *path) {
  size_t n = strlen(path);
  char *p = malloc(n + 1);
  if (!p) {
    plat_win_set_error_text("out of memory");
    return -1;
  }
  memcpy(p, path, n + 1);
  while (n > 1 && plat_win_is_sep(p[n - 1])) p[--n] = 0;
  /* Skip the root: "C:\", "\\server\share\", "\". */
  size_t i = 0;
  if (n >= 2 && p[1] == ':') i = 2;
  if (n >= 2 && plat_win_is_sep(p[0]) && plat_win_is_sep(p[1])) {
    int seps = 0;
    for (i = 2; i < n && seps < 2; i++)
      if (plat_win_is_sep(p[i])) seps++;
  }
  while (i < n && plat_win_is_sep(p[i])) i++;
  for (;; i++) {
    if (i == n || plat_win_is_sep(p[i])) {
      char saved = p[i];
      p[i] = 0;
      wchar_t *w = plat_win_path(p);
      if (!w) {
        free(p);
        return -1;
      }
      if (!CreateDirectoryW(w, NULL)) {
        DWORD e = GetLastError();
        DWORD a = GetFileAttributesW(w);
        if (!(e == ERROR_ALREADY_EXISTS && a != INVALID_FILE_ATTRIBUTES &&
              (a & FILE_ATTRIBUTE_DIRECTORY)) &&
            e != ERROR_ACCESS_DENIED) { /* access denied on an existing drive root */
          free(w);
          SetLastError(e);
          plat_win_path_error(p);
          free(p);
          return -1;
        }
      }
      free(w);
      p[i] = saved;
      if (i == n) break;
    }
  }
  free(p);
  if (!plat_is_directory(path)) {
    char msg[300];
    snprintf(msg, sizeof msg, "%.260s: could not create directory", path);
    plat_win_set_error_text(msg);
    return -1;
  }
  return 0;
}

static int plat_win_cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct plat_win_list {
  char **items;
  size_t count, cap;
} plat_win_list;

static int plat_win_list_push(plat_win_list *l, char *s) {
  if (!s) return -1;
  if (l->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    char **n = realloc(l->items, cap * sizeof *n);
    if (!n) {
      free(s);
      return -1;
    }
    l->items = n;
    l->cap = cap;
  }
  l->items[l->count++] = s;
  return 0;
}

int plat_list_dir(const char *dir, char ***names, size_t *count) {
  *names = NULL;
  *count = 0;
  size_t n = strlen(dir);
  char *pat = malloc(n + 3);
  if (!pat) {
    plat_win_set_error_text("out of memory");
    return -1;
  }
  memcpy(pat, dir, n);
  size_t k = n;
  if (k > 0 && !plat_win_is_sep(pat[k - 1]) && pat[k - 1] != ':') pat[k++] = '\\';
  pat[k++] = '*';
  pat[k] = 0;
  wchar_t *w = plat_win_path(pat);
  free(pat);
  if (!w) return -1;
  WIN32_FIND_DATAW fd;
  HANDLE h = FindFirstFileExW(w, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
  free(w);
  if (h == INVALID_HANDLE_VALUE) {
    if (GetLastError() == ERROR_FILE_NOT_FOUND) return 0; /* empty drive root */
    plat_win_path_error(dir);
    return -1;
  }
  plat_win_list l = {0};
  do {
    if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0) continue;
    if (plat_win_list_push(&l, plat_win_utf8_from_wide(fd.cFileName, (size_t)-1)) != 0) {
      FindClose(h);
      plat_free_list(l.items, l.count);
      plat_win_set_error_text("out of memory");
      return -1;
    }
  } while (FindNextFileW(h, &fd));
  FindClose(h);
  if (l.count > 1) qsort(l.items, l.count, sizeof *l.items, plat_win_cmp_str);
  *names = l.items;
  *count = l.count;
  return 0;
}

bool plat_has_wildcard(const char *s) { return strchr(s, '*') != NULL || strchr(s, '?') != NULL; }

static char plat_win_fold(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* '*' and '?' matcher, ASCII case-insensitive like the Windows file system. */
static bool plat_win_match(const char *pat, const char *s) {
  const char *star = NULL, *star_s = NULL;
  while (*s) {
    if (*pat == '*') {
      star = pat++;
      star_s = s;
    } else if (*pat == '?' || (*pat && plat_win_fold(*pat) == plat_win_fold(*s))) {
      pat++;
      s++;
    } else if (star) {
      pat = star + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (*pat == '*') pat++;
  return *pat == 0;
}

int plat_glob(const char *pattern, char ***paths, size_t *count) {
  *paths = NULL;
  *count = 0;
  if (!plat_has_wildcard(pattern)) {
    if (!plat_path_exists(pattern)) return 0;
    char **one = malloc(sizeof *one);
    char *dup = malloc(strlen(pattern) + 1);
    if (!one || !dup) {
      free(one);
      free(dup);
      plat_win_set_error_text("out of memory");
      return -1;
    }
    strcpy(dup, pattern);
    one[0] = dup;
    *paths = one;
    *count = 1;
    return 0;
  }
  /* Split into directory prefix (kept verbatim, separator included) and name pattern. */
  size_t n = strlen(pattern), cut = 0;
  for (size_t i = 0; i < n; i++)
    if (plat_win_is_sep(pattern[i]) || (i == 1 && pattern[i] == ':')) cut = i + 1;
  const char *name_pat = pattern + cut;
  char *dir = malloc(cut + 2);
  if (!dir) {
    plat_win_set_error_text("out of memory");
    return -1;
  }
  memcpy(dir, pattern, cut);
  dir[cut] = 0;
  if (plat_has_wildcard(dir)) {
    free(dir);
    char msg[300];
    snprintf(msg, sizeof msg, "%.260s: wildcards are only supported in the last path component",
             pattern);
    plat_win_set_error_text(msg);
    return -1;
  }
  const char *list_dir = cut ? dir : ".";
  char **names;
  size_t name_count;
  if (plat_list_dir(list_dir, &names, &name_count) != 0) {
    free(dir);
    return 0; /* a missing directory matches nothing */
  }
  plat_win_list l = {0};
  for (size_t i = 0; i < name_count; i++) {
    /* Hidden dot-files only match a pattern that starts with '.', as with glob(3). */
    if (names[i][0] == '.' && name_pat[0] != '.') continue;
    if (!plat_win_match(name_pat, names[i])) continue;
    size_t ln = strlen(names[i]);
    char *full = malloc(cut + ln + 1);
    if (full) {
      memcpy(full, dir, cut);
      memcpy(full + cut, names[i], ln + 1);
    }
    if (plat_win_list_push(&l, full) != 0) {
      plat_free_list(names, name_count);
      plat_free_list(l.items, l.count);
      free(dir);
      plat_win_set_error_text("out of memory");
      return -1;
    }
  }
  plat_free_list(names, name_count);
  free(dir);
  if (l.count > 1) qsort(l.items, l.count, sizeof *l.items, plat_win_cmp_str);
  *paths = l.items;
  *count = l.count;
  return 0;
}

void plat_free_list(char **list, size_t count) {
  if (!list) return;
  for (size_t i = 0; i < count; i++) free(list[i]);
  free(list);
}

/* ---- time ---- */

/* Kusto ticks (100 ns since 0001-01-01) at the FILETIME epoch 1601-01-01. */
#define PLAT_WIN_TICKS_AT_1601 504911232000000000LL

int64_t plat_now_ticks(void) {
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
  return (int64_t)t + PLAT_WIN_TICKS_AT_1601;
}

uint64_t plat_monotonic_ns(void) {
  static LARGE_INTEGER freq;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  LARGE_INTEGER c;
  QueryPerformanceCounter(&c);
  uint64_t q = (uint64_t)c.QuadPart, f = (uint64_t)freq.QuadPart;
  return (q / f) * 1000000000ull + (q % f) * 1000000000ull / f;
}

void plat_sleep_ms(uint32_t ms) { Sleep(ms); }

/* ---- environment & console ---- */

/* The CRT's getenv is ANSI; environment values are UTF-16. Converted values
 * are kept for the life of the process (one entry per distinct name, value
 * replaced only when it changed; old strings are kept because callers may
 * still hold them). */
typedef struct plat_win_env {
  struct plat_win_env *next;
  char *name;
  char *value;
} plat_win_env;
static plat_win_env *plat_win_env_list;
static SRWLOCK plat_win_env_lock = SRWLOCK_INIT;

const char *plat_getenv(const char *name) {
  wchar_t *wn = plat_win_wide_from_utf8(name, (size_t)-1);
  if (!wn) return NULL;
  DWORD need = GetEnvironmentVariableW(wn, NULL, 0);
  if (need == 0) {
    free(wn);
    return NULL;
  }
  wchar_t *wv = malloc((size_t)need * sizeof(wchar_t));
  DWORD got = wv ? GetEnvironmentVariableW(wn, wv, need) : 0;
  free(wn);
  if (!wv || got >= need) {
    free(wv);
    return NULL;
  }
  char *v = plat_win_utf8_from_wide(wv, got);
  free(wv);
  if (!v) return NULL;
  const char *result = NULL;
  AcquireSRWLockExclusive(&plat_win_env_lock);
  plat_win_env *e = plat_win_env_list;
  while (e && strcmp(e->name, name) != 0) e = e->next;
  if (e && strcmp(e->value, v) == 0) {
    result = e->value;
    free(v);
  } else {
    plat_win_env *ne = calloc(1, sizeof *ne);
    char *nm = malloc(strlen(name) + 1);
    if (ne && nm) {
      strcpy(nm, name);
      ne->name = nm;
      ne->value = v;
      ne->next = plat_win_env_list;
      plat_win_env_list = ne;
      result = v;
    } else {
      free(ne);
      free(nm);
      free(v);
    }
  }
  ReleaseSRWLockExclusive(&plat_win_env_lock);
  return result;
}

static HANDLE plat_win_std_handle(int fd) {
  DWORD which = fd == 0 ? STD_INPUT_HANDLE : fd == 1 ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE;
  return GetStdHandle(which);
}

bool plat_isatty(int fd) {
  if (fd < 0 || fd > 2) return false;
  HANDLE h = plat_win_std_handle(fd);
  if (h == NULL || h == INVALID_HANDLE_VALUE) return false;
  DWORD mode;
  return GetFileType(h) == FILE_TYPE_CHAR && GetConsoleMode(h, &mode);
}

static volatile int *plat_win_interrupt_flag;

static BOOL WINAPI plat_win_ctrl_handler(DWORD type) {
  volatile int *flag = plat_win_interrupt_flag;
  if (!flag) return FALSE;
  *flag += 1; /* counts presses: the second one hurries the final upload */
  switch (type) {
  case CTRL_C_EVENT:
  case CTRL_BREAK_EVENT:
    return TRUE;
  case CTRL_CLOSE_EVENT:
  case CTRL_LOGOFF_EVENT:
  case CTRL_SHUTDOWN_EVENT:
    /* The process ends when this returns: give the main loop a few seconds
     * to flush and upload what is pending. */
    Sleep(4500);
    return TRUE;
  default:
    return FALSE;
  }
}

void plat_install_interrupt_flag(volatile int *flag) {
  plat_win_interrupt_flag = flag;
  SetConsoleCtrlHandler(plat_win_ctrl_handler, TRUE);
}

bool plat_stdin_line_ready(void) {
  HANDLE h = GetStdHandle(STD_INPUT_HANDLE);
  if (h == NULL || h == INVALID_HANDLE_VALUE) return false;
  DWORD type = GetFileType(h);
  if (type == FILE_TYPE_CHAR) {
    DWORD mode;
    if (!GetConsoleMode(h, &mode)) return false;
    /* Drain console input records; Enter (key down) ends the wait. Other keys
     * are discarded so the queue cannot fill up while we listen. */
    for (;;) {
      INPUT_RECORD rec[16];
      DWORD n = 0;
      if (!PeekConsoleInputW(h, rec, 16, &n) || n == 0) return false;
      DWORD used = 0;
      bool enter = false;
      for (; used < n; used++) {
        if (rec[used].EventType == KEY_EVENT && rec[used].Event.KeyEvent.bKeyDown &&
            rec[used].Event.KeyEvent.wVirtualKeyCode == VK_RETURN) {
          enter = true;
          used++;
          break;
        }
      }
      DWORD read = 0;
      if (!ReadConsoleInputW(h, rec, used, &read)) return false;
      if (enter) return true;
    }
  }
  if (type == FILE_TYPE_PIPE) {
    char peek[256];
    DWORD got = 0, avail = 0;
    if (!PeekNamedPipe(h, peek, sizeof peek, &got, &avail, NULL)) return false;
    for (DWORD i = 0; i < got; i++)
      if (peek[i] == '\n' || peek[i] == '\r') return true;
    return false;
  }
  return false; /* a disk file or NUL is not interactive */
}

void plat_stdout_binary(void) {
  fflush(stdout);
  _setmode(_fileno(stdout), _O_BINARY);
}

/* ---- threads ---- */

struct plat_thread {
  HANDLE h;
  void (*fn)(void *);
  void *arg;
};

struct plat_mutex {
  SRWLOCK lock;
};

struct plat_cond {
  CONDITION_VARIABLE cv;
};

static DWORD WINAPI plat_win_thread_main(LPVOID p) {
  plat_thread *t = p;
  t->fn(t->arg);
  return 0;
}

int plat_thread_start(plat_thread **out, void (*fn)(void *), void *arg) {
  *out = NULL;
  plat_thread *t = calloc(1, sizeof *t);
  if (!t) {
    plat_win_set_error_text("out of memory");
    return -1;
  }
  t->fn = fn;
  t->arg = arg;
  t->h = CreateThread(NULL, 0, plat_win_thread_main, t, 0, NULL);
  if (!t->h) {
    plat_win_set_error("CreateThread", GetLastError());
    free(t);
    return -1;
  }
  *out = t;
  return 0;
}

void plat_thread_join(plat_thread *t) {
  if (!t) return;
  WaitForSingleObject(t->h, INFINITE);
  CloseHandle(t->h);
  free(t);
}

plat_mutex *plat_mutex_new(void) {
  plat_mutex *m = calloc(1, sizeof *m);
  if (m) InitializeSRWLock(&m->lock);
  return m;
}

void plat_mutex_free(plat_mutex *m) { free(m); }
void plat_mutex_lock(plat_mutex *m) { AcquireSRWLockExclusive(&m->lock); }
void plat_mutex_unlock(plat_mutex *m) { ReleaseSRWLockExclusive(&m->lock); }

plat_cond *plat_cond_new(void) {
  plat_cond *c = calloc(1, sizeof *c);
  if (c) InitializeConditionVariable(&c->cv);
  return c;
}

void plat_cond_free(plat_cond *c) { free(c); }
void plat_cond_signal(plat_cond *c) { WakeConditionVariable(&c->cv); }
void plat_cond_broadcast(plat_cond *c) { WakeAllConditionVariable(&c->cv); }

bool plat_cond_wait_ms(plat_cond *c, plat_mutex *m, uint32_t timeout_ms) {
  return SleepConditionVariableSRW(&c->cv, &m->lock, timeout_ms, 0) != 0;
}

/* ---- processes ---- */

int plat_run_capture(const char *command_line, char **out, size_t *out_len, int *exit_code) {
  *out = NULL;
  *out_len = 0;
  *exit_code = -1;
  /* Through cmd.exe so .cmd/.bat tools (az.cmd) and PATH lookup work the same
   * way as `sh -c` on POSIX. /s keeps the outer quotes rule simple. */
  const char *comspec = plat_getenv("ComSpec");
  if (!comspec || !*comspec) comspec = "cmd.exe";
  size_t need = strlen(comspec) + strlen(command_line) + 32;
  char *cmd = malloc(need);
  if (!cmd) {
    plat_win_set_error_text("out of memory");
    return -1;
  }
  snprintf(cmd, need, "\"%s\" /d /s /c \"%s\"", comspec, command_line);
  wchar_t *wcmd = plat_win_wide_from_utf8(cmd, (size_t)-1);
  free(cmd);
  if (!wcmd) {
    plat_win_set_error_text("command line is not valid UTF-8");
    return -1;
  }
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  HANDLE rd = NULL, wr = NULL;
  if (!CreatePipe(&rd, &wr, &sa, 0)) {
    plat_win_set_error("CreatePipe", GetLastError());
    free(wcmd);
    return -1;
  }
  SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
  STARTUPINFOW si;
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = wr;
  si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION pi;
  memset(&pi, 0, sizeof pi);
  BOOL ok = CreateProcessW(NULL, wcmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi);
  DWORD create_err = GetLastError();
  free(wcmd);
  CloseHandle(wr);
  if (!ok) {
    CloseHandle(rd);
    plat_win_set_error("CreateProcessW", create_err);
    return -1;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  int rc = 0;
  for (;;) {
    if (!buf) {
      rc = -1;
      plat_win_set_error_text("out of memory");
      break;
    }
    if (cap - len < 1024) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        continue;
      }
      buf = nb;
      cap *= 2;
    }
    DWORD n = 0;
    if (!ReadFile(rd, buf + len, (DWORD)(cap - len - 1), &n, NULL) || n == 0) break;
    len += n;
  }
  CloseHandle(rd);
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 1;
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  if (rc != 0) {
    free(buf);
    return -1;
  }
  buf[len] = 0;
  *out = buf;
  *out_len = len;
  *exit_code = (int)code;
  return 0;
}

/* ---- misc ---- */

int plat_random_bytes(void *buf, size_t len) {
  unsigned char *p = buf;
  while (len > 0) {
    ULONG n = len > 0x10000 ? 0x10000 : (ULONG)len;
    if (!RtlGenRandom(p, n)) {
      plat_win_set_error("RtlGenRandom", GetLastError());
      return -1;
    }
    p += n;
    len -= n;
  }
  return 0;
}

char *plat_state_dir(void) {
  const char *base = plat_getenv("LOCALAPPDATA");
  const char *suffix = "\\etw2kusto";
  char *tmp = NULL;
  if (!base || !*base) {
    const char *home = plat_getenv("USERPROFILE");
    if (!home || !*home) home = ".";
    size_t n = strlen(home) + 32;
    tmp = malloc(n);
    if (!tmp) return NULL;
    snprintf(tmp, n, "%s\\AppData\\Local", home);
    base = tmp;
  }
  size_t n = strlen(base) + strlen(suffix) + 1;
  char *r = malloc(n);
  if (r) snprintf(r, n, "%s%s", base, suffix);
  free(tmp);
  return r;
}

/* ---- entry point ---- */

/* etw2kusto.exe links with -municode, so the CRT starts here with UTF-16
 * arguments. They become UTF-8 and go to the portable main() in cli/main.c,
 * which therefore needs no Windows code. The console shows UTF-8 output. */
int main(int argc, char **argv);
int wmain(int argc, wchar_t **wargv);
int wmain(int argc, wchar_t **wargv) {
  char **argv = calloc((size_t)argc + 1, sizeof *argv);
  if (!argv) return 70;
  for (int i = 0; i < argc; i++) {
    argv[i] = plat_win_utf8_from_wide(wargv[i], (size_t)-1);
    if (!argv[i]) {
      fputs("etw2kusto: command-line argument is not valid UTF-16\n", stderr);
      return 64;
    }
  }
  SetConsoleOutputCP(CP_UTF8);
  int rc = main(argc, argv);
  for (int i = 0; i < argc; i++) free(argv[i]);
  free(argv);
  return rc;
}

/* ---- file locks: LockFileEx on one byte; a second handle conflicts even in
 * the same process, and Windows drops the lock when the process dies ---- */
struct plat_lock {
  HANDLE h;
};

int plat_lock_try(const char *path, plat_lock **out) {
  *out = NULL;
  wchar_t *w = plat_win_path(path);
  if (!w) return -1;
  HANDLE h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) {
    plat_win_path_error(path);
    return -1;
  }
  OVERLAPPED ov;
  memset(&ov, 0, sizeof ov);
  if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) {
    DWORD e = GetLastError();
    int rc = 1;
    if (e != ERROR_LOCK_VIOLATION && e != ERROR_IO_PENDING) {
      plat_win_path_error(path);
      rc = -1;
    }
    CloseHandle(h);
    return rc;
  }
  plat_lock *l = calloc(1, sizeof *l);
  if (!l) {
    CloseHandle(h);
    plat_win_set_error_text("out of memory");
    return -1;
  }
  l->h = h;
  *out = l;
  return 0;
}

void plat_lock_release(plat_lock *l) {
  if (!l) return;
  CloseHandle(l->h); /* drops the lock */
  free(l);
}

#else
typedef int plat_win32_unused; /* keeps the translation unit non-empty on POSIX */
#endif
