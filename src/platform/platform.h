/* SPDX-License-Identifier: MIT
 * The only door to the operating system. Two implementations, both always in
 * the build and each guarded as a whole: posix.c and win32.c. Everything else
 * in etw2kusto is plain C11. Paths are UTF-8 everywhere; win32.c converts to
 * UTF-16 at the boundary. File offsets are 64-bit. Results: 0 ok, -1 error
 * with a message from plat_last_error(). */
#ifndef E2K_PLATFORM_PLATFORM_H
#define E2K_PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- files ---- */
typedef struct plat_file plat_file;
int plat_file_open_read(const char *path, plat_file **out);
/* Creates/truncates (append=false) or appends (append=true). */
int plat_file_open_write(const char *path, bool append, plat_file **out);
int plat_file_size(plat_file *f, uint64_t *size);
/* Reads up to len bytes at offset; *got < len only at end of file. */
int plat_file_read_at(plat_file *f, uint64_t offset, void *buf, size_t len, size_t *got);
int plat_file_write(plat_file *f, const void *buf, size_t len);
int plat_file_sync(plat_file *f); /* data reaches the disk (journal durability) */
void plat_file_close(plat_file *f);

/* Whole small file into memory (malloc'ed, NUL-terminated; caller frees). */
int plat_read_all(const char *path, char **data, size_t *len);
bool plat_path_exists(const char *path);
bool plat_is_directory(const char *path);
int plat_rename(const char *from, const char *to); /* atomic replace */
int plat_remove(const char *path); /* a file or an empty directory */
int plat_mkdir_p(const char *path);
/* An exclusive lock on a file (created if missing), held until released or
 * until the process ends: a crashed or killed process never leaves a stale
 * lock. Two opens of the same file conflict even inside one process.
 * Returns 0 when taken, 1 when another holder has it, -1 on error. */
typedef struct plat_lock plat_lock;
int plat_lock_try(const char *path, plat_lock **out);
void plat_lock_release(plat_lock *l);
/* Lists a directory's entries (names only, sorted, no "." / ".."). Caller frees
 * with plat_free_list. */
int plat_list_dir(const char *dir, char ***names, size_t *count);
/* Expands a glob (only '*' and '?' in the last component are special on every
 * OS; '**' is not supported). Sorted; a pattern without wildcards returns
 * itself if it exists. count 0 when nothing matches. */
int plat_glob(const char *pattern, char ***paths, size_t *count);
void plat_free_list(char **list, size_t count);
bool plat_has_wildcard(const char *s);

/* ---- time ---- */
int64_t plat_now_ticks(void);      /* UTC now as Kusto datetime ticks */
uint64_t plat_monotonic_ns(void);  /* for durations */
void plat_sleep_ms(uint32_t ms);

/* ---- environment & console ---- */
const char *plat_getenv(const char *name); /* NULL when unset */
bool plat_isatty(int fd);                  /* 0 stdin, 1 stdout, 2 stderr */
/* Ctrl-C / console close: increments the flag (async-signal-safe) so loops
 * stop; a second press (flag >= 2) asks pending work to give up quickly. */
void plat_install_interrupt_flag(volatile int *flag);
/* Non-blocking check whether Enter was pressed on an interactive stdin. */
bool plat_stdin_line_ready(void);
/* Makes stdout binary (no CRLF translation on Windows). */
void plat_stdout_binary(void);
const char *plat_last_error(void); /* thread-local message of the last failure */

/* ---- threads ---- */
typedef struct plat_thread plat_thread;
typedef struct plat_mutex plat_mutex;
typedef struct plat_cond plat_cond;
int plat_thread_start(plat_thread **out, void (*fn)(void *), void *arg);
void plat_thread_join(plat_thread *t);
plat_mutex *plat_mutex_new(void);
void plat_mutex_free(plat_mutex *m);
void plat_mutex_lock(plat_mutex *m);
void plat_mutex_unlock(plat_mutex *m);
plat_cond *plat_cond_new(void);
void plat_cond_free(plat_cond *c);
void plat_cond_signal(plat_cond *c);
void plat_cond_broadcast(plat_cond *c);
/* Waits at most timeout_ms; returns true when signalled, false on timeout. */
bool plat_cond_wait_ms(plat_cond *c, plat_mutex *m, uint32_t timeout_ms);

/* ---- processes (used by auth: `az account get-access-token`) ---- */
/* Runs a command line, captures stdout (malloc'ed) and the exit code. */
int plat_run_capture(const char *command_line, char **out, size_t *out_len, int *exit_code);

/* ---- misc ---- */
int plat_random_bytes(void *buf, size_t len);
/* Directory for per-user state (spill journals): $XDG_STATE_HOME/etw2kusto,
 * ~/.local/state/etw2kusto, or %LOCALAPPDATA%\etw2kusto. Malloc'ed. */
char *plat_state_dir(void);

#endif
