/* SPDX-License-Identifier: MIT
 * POSIX implementation of platform.h (Linux, and anything with pthreads and
 * glob-free dirent). The whole file is guarded: win32.c is its counterpart.
 * Errors keep a thread-local message for plat_last_error(). */
#if !defined(_WIN32)

#include "platform/platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static _Thread_local char plat_err[512];

static int plat_fail(const char *what, const char *path) {
  snprintf(plat_err, sizeof plat_err, "%s%s%s: %s", path ? path : "", path ? ": " : "", what, strerror(errno));
  return -1;
}

const char *plat_last_error(void) { return plat_err; }

/* ---- files ---- */

struct plat_file {
  int fd;
};

int plat_file_open_read(const char *path, plat_file **out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return plat_fail("cannot open", path);
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    errno = EISDIR;
    return plat_fail("cannot open", path);
  }
  *out = malloc(sizeof **out);
  if (!*out) {
    close(fd);
    return plat_fail("out of memory", path);
  }
  (*out)->fd = fd;
  return 0;
}

int plat_file_open_write(const char *path, bool append, plat_file **out) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
  if (fd < 0) return plat_fail("cannot create", path);
  *out = malloc(sizeof **out);
  if (!*out) {
    close(fd);
    return plat_fail("out of memory", path);
  }
  (*out)->fd = fd;
  return 0;
}

int plat_file_size(plat_file *f, uint64_t *size) {
  struct stat st;
  if (fstat(f->fd, &st) != 0) return plat_fail("cannot stat", NULL);
  *size = (uint64_t)st.st_size;
  return 0;
}

int plat_file_read_at(plat_file *f, uint64_t offset, void *buf, size_t len, size_t *got) {
  size_t total = 0;
  while (total < len) {
    ssize_t n = pread(f->fd, (char *)buf + total, len - total, (off_t)(offset + total));
    if (n < 0) {
      if (errno == EINTR) continue;
      return plat_fail("read error", NULL);
    }
    if (n == 0) break;
    total += (size_t)n;
  }
  *got = total;
  return 0;
}

int plat_file_write(plat_file *f, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    ssize_t n = write(f->fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return plat_fail("write error", NULL);
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int plat_file_sync(plat_file *f) { return fsync(f->fd) == 0 ? 0 : plat_fail("fsync failed", NULL); }

void plat_file_close(plat_file *f) {
  if (!f) return;
  close(f->fd);
  free(f);
}

int plat_read_all(const char *path, char **data, size_t *len) {
  plat_file *f;
  if (plat_file_open_read(path, &f) < 0) return -1;
  uint64_t size;
  if (plat_file_size(f, &size) < 0 || size > (uint64_t)SIZE_MAX - 1) {
    plat_file_close(f);
    return -1;
  }
  char *buf = malloc((size_t)size + 1);
  size_t got = 0;
  if (!buf || plat_file_read_at(f, 0, buf, (size_t)size, &got) < 0) {
    free(buf);
    plat_file_close(f);
    return -1;
  }
  plat_file_close(f);
  buf[got] = '\0';
  *data = buf;
  *len = got;
  return 0;
}

bool plat_path_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

bool plat_is_directory(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int plat_rename(const char *from, const char *to) {
  return rename(from, to) == 0 ? 0 : plat_fail("cannot rename", from);
}

/* Files and empty directories alike, as win32.c does. */
int plat_remove(const char *path) { return remove(path) == 0 ? 0 : plat_fail("cannot remove", path); }

int plat_mkdir_p(const char *path) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n >= sizeof tmp) {
    errno = ENAMETOOLONG;
    return plat_fail("cannot create directory", path);
  }
  memcpy(tmp, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] == '/' || tmp[i] == '\0') {
      char c = tmp[i];
      tmp[i] = '\0';
      if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return plat_fail("cannot create directory", tmp);
      tmp[i] = c;
    }
  }
  return 0;
}

static int plat_cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int plat_list_dir(const char *dir, char ***names, size_t *count) {
  DIR *d = opendir(dir);
  if (!d) return plat_fail("cannot open directory", dir);
  size_t n = 0, cap = 16;
  char **list = malloc(cap * sizeof *list);
  struct dirent *e;
  while (list && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (n == cap) {
      cap *= 2;
      char **nl = realloc(list, cap * sizeof *list);
      if (!nl) break;
      list = nl;
    }
    list[n++] = strdup(e->d_name);
  }
  closedir(d);
  if (!list) return plat_fail("out of memory", dir);
  qsort(list, n, sizeof *list, plat_cmp_str);
  *names = list;
  *count = n;
  return 0;
}

void plat_free_list(char **list, size_t count) {
  if (!list) return;
  for (size_t i = 0; i < count; i++) free(list[i]);
  free(list);
}

bool plat_has_wildcard(const char *s) { return strpbrk(s, "*?") != NULL; }

/* '*' and '?' matching over one path component. */
static bool plat_wild_match(const char *pat, const char *s) {
  const char *star = NULL, *resume = NULL;
  while (*s) {
    if (*pat == '?' || *pat == *s) {
      pat++;
      s++;
    } else if (*pat == '*') {
      star = pat++;
      resume = s;
    } else if (star) {
      pat = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (*pat == '*') pat++;
  return *pat == '\0';
}

int plat_glob(const char *pattern, char ***paths, size_t *count) {
  *paths = NULL;
  *count = 0;
  if (!plat_has_wildcard(pattern)) {
    if (!plat_path_exists(pattern)) return 0;
    char **one = malloc(sizeof *one);
    if (!one) return plat_fail("out of memory", pattern);
    one[0] = strdup(pattern);
    *paths = one;
    *count = 1;
    return 0;
  }
  const char *slash = strrchr(pattern, '/');
  char dir[4096];
  const char *file_pat;
  if (slash) {
    size_t dl = (size_t)(slash - pattern);
    if (dl >= sizeof dir) return plat_fail("path too long", pattern);
    memcpy(dir, pattern, dl);
    dir[dl ? dl : 1] = '\0';
    if (!dl) dir[0] = '/';
    file_pat = slash + 1;
  } else {
    strcpy(dir, ".");
    file_pat = pattern;
  }
  if (plat_has_wildcard(dir)) {
    errno = EINVAL;
    return plat_fail("wildcards are only supported in the last path component", pattern);
  }
  char **names;
  size_t n;
  if (plat_list_dir(dir, &names, &n) < 0) return -1;
  char **out = malloc((n ? n : 1) * sizeof *out);
  size_t k = 0;
  for (size_t i = 0; out && i < n; i++) {
    if (names[i][0] == '.' && file_pat[0] != '.') continue;
    if (!plat_wild_match(file_pat, names[i])) continue;
    size_t need = strlen(dir) + strlen(names[i]) + 2;
    char *full = malloc(need);
    if (!full) continue;
    if (slash)
      snprintf(full, need, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", names[i]);
    else
      snprintf(full, need, "%s", names[i]);
    if (plat_is_directory(full)) {
      free(full);
      continue;
    }
    out[k++] = full;
  }
  plat_free_list(names, n);
  *paths = out;
  *count = k;
  return 0;
}

/* ---- time ---- */

int64_t plat_now_ticks(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return INT64_C(621355968000000000) + (int64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100;
}

uint64_t plat_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void plat_sleep_ms(uint32_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* ---- environment & console ---- */

const char *plat_getenv(const char *name) { return getenv(name); }

bool plat_isatty(int fd) { return isatty(fd) == 1; }

static volatile int *plat_interrupt_flag;

static void plat_on_signal(int sig) {
  (void)sig;
  if (plat_interrupt_flag) *plat_interrupt_flag += 1; /* counts presses: the second one hurries */
}

void plat_install_interrupt_flag(volatile int *flag) {
  plat_interrupt_flag = flag;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = plat_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

bool plat_stdin_line_ready(void) {
  if (!isatty(0)) return false;
  fd_set set;
  FD_ZERO(&set);
  FD_SET(0, &set);
  struct timeval tv = {0, 0};
  if (select(1, &set, NULL, NULL, &tv) <= 0) return false;
  char buf[256];
  ssize_t n = read(0, buf, sizeof buf);
  return n > 0 && memchr(buf, '\n', (size_t)n) != NULL;
}

void plat_stdout_binary(void) {}

/* ---- threads ---- */

struct plat_thread {
  pthread_t t;
  void (*fn)(void *);
  void *arg;
};
struct plat_mutex {
  pthread_mutex_t m;
};
struct plat_cond {
  pthread_cond_t c;
};

static void *plat_thread_main(void *p) {
  plat_thread *t = p;
  t->fn(t->arg);
  return NULL;
}

int plat_thread_start(plat_thread **out, void (*fn)(void *), void *arg) {
  plat_thread *t = malloc(sizeof *t);
  if (!t) return plat_fail("out of memory", NULL);
  t->fn = fn;
  t->arg = arg;
  int rc = pthread_create(&t->t, NULL, plat_thread_main, t);
  if (rc != 0) {
    errno = rc;
    free(t);
    return plat_fail("cannot start thread", NULL);
  }
  *out = t;
  return 0;
}

void plat_thread_join(plat_thread *t) {
  if (!t) return;
  pthread_join(t->t, NULL);
  free(t);
}

plat_mutex *plat_mutex_new(void) {
  plat_mutex *m = malloc(sizeof *m);
  if (!m) abort();
  pthread_mutex_init(&m->m, NULL);
  return m;
}
void plat_mutex_free(plat_mutex *m) {
  if (!m) return;
  pthread_mutex_destroy(&m->m);
  free(m);
}
void plat_mutex_lock(plat_mutex *m) { pthread_mutex_lock(&m->m); }
void plat_mutex_unlock(plat_mutex *m) { pthread_mutex_unlock(&m->m); }

plat_cond *plat_cond_new(void) {
  plat_cond *c = malloc(sizeof *c);
  if (!c) abort();
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(&c->c, &a);
  pthread_condattr_destroy(&a);
  return c;
}
void plat_cond_free(plat_cond *c) {
  if (!c) return;
  pthread_cond_destroy(&c->c);
  free(c);
}
void plat_cond_signal(plat_cond *c) { pthread_cond_signal(&c->c); }
void plat_cond_broadcast(plat_cond *c) { pthread_cond_broadcast(&c->c); }

bool plat_cond_wait_ms(plat_cond *c, plat_mutex *m, uint32_t timeout_ms) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += timeout_ms / 1000;
  ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return pthread_cond_timedwait(&c->c, &m->m, &ts) == 0;
}

/* ---- processes ---- */

int plat_run_capture(const char *command_line, char **out, size_t *out_len, int *exit_code) {
  FILE *p = popen(command_line, "r");
  if (!p) return plat_fail("cannot run", command_line);
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += n;
    if (cap - len < 2) {
      cap *= 2;
      char *nb = realloc(buf, cap);
      if (!nb) break;
      buf = nb;
    }
  }
  int st = pclose(p);
  if (!buf) return plat_fail("out of memory", command_line);
  buf[len] = '\0';
  *out = buf;
  *out_len = len;
  *exit_code = (st >= 0 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
  return 0;
}

/* ---- misc ---- */

int plat_random_bytes(void *buf, size_t len) {
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return plat_fail("cannot open", "/dev/urandom");
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, (char *)buf + got, len - got);
    if (n <= 0) {
      close(fd);
      return plat_fail("cannot read", "/dev/urandom");
    }
    got += (size_t)n;
  }
  close(fd);
  return 0;
}

char *plat_state_dir(void) {
  const char *xdg = getenv("XDG_STATE_HOME");
  const char *home = getenv("HOME");
  char buf[4096];
  if (xdg && *xdg)
    snprintf(buf, sizeof buf, "%s/etw2kusto", xdg);
  else if (home && *home)
    snprintf(buf, sizeof buf, "%s/.local/state/etw2kusto", home);
  else
    snprintf(buf, sizeof buf, "/tmp/etw2kusto-state");
  return strdup(buf);
}

/* ---- file locks: flock, whose locks belong to the open file description, so
 * a second open in the same process conflicts as another process would ---- */
struct plat_lock {
  int fd;
};

int plat_lock_try(const char *path, plat_lock **out) {
  *out = NULL;
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return plat_fail("cannot open", path);
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    int busy = errno == EWOULDBLOCK || errno == EAGAIN;
    int rc = busy ? 1 : plat_fail("cannot lock", path);
    close(fd);
    return rc;
  }
  *out = malloc(sizeof **out);
  if (!*out) {
    close(fd);
    return plat_fail("out of memory", path);
  }
  (*out)->fd = fd;
  return 0;
}

void plat_lock_release(plat_lock *l) {
  if (!l) return;
  close(l->fd); /* drops the lock */
  free(l);
}

#endif /* !_WIN32 */
