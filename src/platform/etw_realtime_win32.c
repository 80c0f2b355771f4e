/* SPDX-License-Identifier: MIT
 * Windows real-time ETW consumer behind etw_realtime.h: attaches to an
 * existing real-time session (OpenTraceW + ProcessTrace on worker threads) or
 * creates/owns private sessions for provider: specs (StartTraceW +
 * EnableTraceEx2; the NT Kernel Logger for "NT Kernel Logger" specs), converts
 * every EVENT_RECORD with plat_etw_record_to_event(), counts lost events and
 * buffers, and serves TDH schemas (TRACE_EVENT_INFO) as a decoding fallback.
 * The whole file is guarded by _WIN32; etw_realtime_posix.c is the stub. */
#if defined(_WIN32)

#include "platform/etw_realtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <evntcons.h>
#include <evntrace.h>
#include <tdh.h>

#include "platform/etw_record_convert.h"
#include "platform/platform.h"
#include "platform/win32_int.h"

/* In tdh.dll since Windows 7, missing from mingw-w64's tdh.h. */
ULONG __stdcall TdhGetManifestEventInformation(LPGUID ProviderGuid, PEVENT_DESCRIPTOR EventDescriptor,
                                               PTRACE_EVENT_INFO Buffer, ULONG *BufferSize);

/* RT_LostEvent class {6a399ae0-4bc6-4de9-870b-3657f8947e7e}: ETW's in-band
 * notes about lost real-time events (32), buffers (33) and files (34). */
static const GUID plat_etw_rt_lost_guid = {
    0x6a399ae0, 0x4bc6, 0x4de9, {0x87, 0x0b, 0x36, 0x57, 0xf8, 0x94, 0x7e, 0x7e}};
/* SystemTraceControlGuid {9e814aad-3204-11d2-9a82-006008a86939}: NT Kernel Logger. */
static const GUID plat_etw_kernel_control_guid = {
    0x9e814aad, 0x3204, 0x11d2, {0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39}};

/* Kernel flags for provider:"NT Kernel Logger" without keywords: process,
 * thread, image load, TCP/IP (the seed's network-study use case). */
#define PLAT_ETW_KERNEL_DEFAULT_FLAGS                                                         \
  (EVENT_TRACE_FLAG_PROCESS | EVENT_TRACE_FLAG_THREAD | EVENT_TRACE_FLAG_IMAGE_LOAD |         \
   EVENT_TRACE_FLAG_NETWORK_TCPIP)

#define PLAT_ETW_MAX_HANDLES 2  /* one user-provider session + the kernel logger */
#define PLAT_ETW_PROPS_NAME_CHARS 1024

/* One copied event in the pull queue: the etl_event plus its payload and
 * extended-item chain in one allocation. */
typedef struct plat_etw_qitem {
  etl_event ev;
  uint8_t data[];
} plat_etw_qitem;

/* One ProcessTrace worker per trace handle (ProcessTrace takes at most one
 * real-time handle), each with its own conversion scratch. */
typedef struct plat_etw_worker_ctx {
  struct plat_etw_session *s;
  TRACEHANDLE trace;
  plat_thread *thread;
  volatile LONG done;
  uint8_t *scratch;
  size_t scratch_len;
  plat_etw_ext_item *items;
  size_t items_cap;
} plat_etw_worker_ctx;

typedef struct plat_etw_owned {
  wchar_t name[PLAT_ETW_PROPS_NAME_CHARS];
  TRACEHANDLE control;           /* from StartTraceW */
  bool started;
  bool is_kernel;
} plat_etw_owned;

struct plat_etw_session {
  plat_etw_event_cb on_event;
  void *ud;
  bool (*kernel_group)(const uint8_t guid[16], uint8_t *group);
  char name[512];
  /* sessions we query for lost counts; the ones we own are stopped on exit */
  wchar_t query_names[PLAT_ETW_MAX_HANDLES][PLAT_ETW_PROPS_NAME_CHARS];
  size_t query_count;
  plat_etw_owned owned[PLAT_ETW_MAX_HANDLES];
  size_t owned_count;
  plat_etw_worker_ctx workers[PLAT_ETW_MAX_HANDLES];
  size_t trace_count;
  volatile LONG running;         /* workers not yet returned from ProcessTrace */
  SRWLOCK cb_lock;               /* serializes on_event across workers */
  volatile LONG finished;
  volatile LONG stopping;
  bool stopped;
  char error[512];
  /* counters (worker writes, main reads) */
  volatile LONG64 events;
  volatile LONG64 rt_lost_events;
  volatile LONG64 rt_lost_buffers;
  /* pull queue */
  SRWLOCK qlock;
  CONDITION_VARIABLE qnot_empty;
  CONDITION_VARIABLE qnot_full;
  plat_etw_qitem **ring;
  size_t cap, head, count;
  plat_etw_qitem *current;       /* handed out by plat_etw_next */
};

/* ---- helpers ---- */

static void plat_etw_seterr(char *err, size_t err_len, const char *fmt, const char *a,
                            const char *b) {
  if (err && err_len) snprintf(err, err_len, fmt, a ? a : "", b ? b : "");
}

static bool plat_etw_is_wine(char *version, size_t len) {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  if (!ntdll) return false;
  typedef const char *(__cdecl *wine_version_fn)(void);
  FARPROC p = GetProcAddress(ntdll, "wine_get_version");
  if (!p) return false;
  wine_version_fn fn;
  memcpy(&fn, &p, sizeof fn);
  if (version && len) snprintf(version, len, "%s", fn ? fn() : "?");
  return true;
}

bool plat_etw_available(char *why, size_t why_len) {
  char ver[64] = "";
  if (plat_etw_is_wine(ver, sizeof ver)) {
    if (why && why_len)
      snprintf(why, why_len,
               "real-time ETW sessions are not available under Wine %s (Wine does not implement "
               "ETW consumers); use file:PATH.etl here and run session:/provider: on Windows",
               ver);
    return false;
  }
  if (why && why_len) why[0] = 0;
  return true;
}

/* Lets the Wine test exercise the real code path anyway (it must still fail
 * fast, never hang). */
static bool plat_etw_force(void) {
  const char *v = plat_getenv("E2K_ETW_FORCE");
  return v && v[0] == '1';
}

/* EVENT_TRACE_PROPERTIES followed by room for the logger and file names. */
static EVENT_TRACE_PROPERTIES *plat_etw_props_new(void) {
  size_t size = sizeof(EVENT_TRACE_PROPERTIES) + 2 * PLAT_ETW_PROPS_NAME_CHARS * sizeof(wchar_t);
  EVENT_TRACE_PROPERTIES *p = calloc(1, size);
  if (!p) return NULL;
  p->Wnode.BufferSize = (ULONG)size;
  p->LoggerNameOffset = sizeof(EVENT_TRACE_PROPERTIES);
  p->LogFileNameOffset = (ULONG)(sizeof(EVENT_TRACE_PROPERTIES) +
                                 PLAT_ETW_PROPS_NAME_CHARS * sizeof(wchar_t));
  return p;
}

static const char *plat_etw_hint(DWORD code) {
  switch (code) {
  case ERROR_ACCESS_DENIED:
    return " (run etw2kusto from an administrator prompt, or add the user to the "
           "'Performance Log Users' group)";
  case ERROR_WMI_INSTANCE_NOT_FOUND:
    return " (no such session: create it first, e.g. logman create trace NAME -rt -p "
           "PROVIDER -ets, or use provider:NAME)";
  case ERROR_ALREADY_EXISTS:
    return " (a session with that name is already running)";
  case ERROR_NO_SYSTEM_RESOURCES:
    return " (too many ETW sessions are running)";
  default:
    return "";
  }
}

static void plat_etw_win_err(char *err, size_t err_len, const char *what, const char *name,
                             DWORD code) {
  char sys[300];
  plat_win_error_text(code, sys, sizeof sys);
  if (err && err_len)
    snprintf(err, err_len, "%s '%s': %s%s", what, name, sys, plat_etw_hint(code));
}

/* ---- event delivery (worker thread) ---- */

static void plat_etw_enqueue(plat_etw_session *s, const etl_event *ev) {
  size_t size = sizeof(plat_etw_qitem) + (size_t)ev->payload_len + (size_t)ev->ext_len;
  plat_etw_qitem *it = malloc(size);
  if (!it) {
    InterlockedIncrement64(&s->rt_lost_events);
    return;
  }
  it->ev = *ev;
  uint8_t *p = it->data;
  if (ev->payload_len) {
    memcpy(p, ev->payload, ev->payload_len);
    it->ev.payload = p;
    p += ev->payload_len;
  }
  if (ev->ext_len) {
    memcpy(p, ev->ext, ev->ext_len);
    it->ev.ext = p;
  }
  AcquireSRWLockExclusive(&s->qlock);
  /* Back-pressure: while running, wait for room (ETW then drops buffers and
   * reports them). When stopping, take everything so the final flush of the
   * session's buffers is not lost. */
  while (s->count >= s->cap && !s->stopping)
    SleepConditionVariableSRW(&s->qnot_full, &s->qlock, 100, 0);
  if (s->count >= s->cap) {
    size_t ncap = s->cap * 2;
    plat_etw_qitem **nr = malloc(ncap * sizeof *nr);
    if (!nr) {
      ReleaseSRWLockExclusive(&s->qlock);
      free(it);
      InterlockedIncrement64(&s->rt_lost_events);
      return;
    }
    for (size_t i = 0; i < s->count; i++) nr[i] = s->ring[(s->head + i) % s->cap];
    free(s->ring);
    s->ring = nr;
    s->head = 0;
    s->cap = ncap;
  }
  s->ring[(s->head + s->count) % s->cap] = it;
  s->count++;
  WakeConditionVariable(&s->qnot_empty);
  ReleaseSRWLockExclusive(&s->qlock);
}

static void WINAPI plat_etw_on_record(PEVENT_RECORD rec) {
  plat_etw_worker_ctx *w = rec->UserContext;
  if (!w) return;
  plat_etw_session *s = w->s;
  const EVENT_HEADER *h = &rec->EventHeader;
  if (IsEqualGUID(&h->ProviderId, &plat_etw_rt_lost_guid)) {
    if (h->EventDescriptor.Opcode == 32) InterlockedIncrement64(&s->rt_lost_events);
    else if (h->EventDescriptor.Opcode == 33 || h->EventDescriptor.Opcode == 34)
      InterlockedIncrement64(&s->rt_lost_buffers);
    return;
  }
  plat_etw_record r;
  memset(&r, 0, sizeof r);
  r.header_type = h->HeaderType;
  r.flags = h->Flags;
  r.event_property = h->EventProperty;
  r.thread_id = h->ThreadId;
  r.process_id = h->ProcessId;
  r.timestamp = h->TimeStamp.QuadPart;
  memcpy(r.provider_id, &h->ProviderId, 16);
  r.id = h->EventDescriptor.Id;
  r.version = h->EventDescriptor.Version;
  r.channel = h->EventDescriptor.Channel;
  r.level = h->EventDescriptor.Level;
  r.opcode = h->EventDescriptor.Opcode;
  r.task = h->EventDescriptor.Task;
  r.keyword = h->EventDescriptor.Keyword;
  r.kernel_time = h->KernelTime;
  r.user_time = h->UserTime;
  memcpy(r.activity_id, &h->ActivityId, 16);
  r.processor_index = (h->Flags & EVENT_HEADER_FLAG_PROCESSOR_INDEX)
                          ? rec->BufferContext.ProcessorIndex
                          : rec->BufferContext.ProcessorNumber;
  r.logger_id = rec->BufferContext.LoggerId;
  r.user_data = rec->UserData;
  r.user_data_len = rec->UserData ? rec->UserDataLength : 0;
  if (rec->ExtendedDataCount && rec->ExtendedData) {
    if (w->items_cap < rec->ExtendedDataCount) {
      plat_etw_ext_item *ni = realloc(w->items, rec->ExtendedDataCount * sizeof *ni);
      if (ni) {
        w->items = ni;
        w->items_cap = rec->ExtendedDataCount;
      }
    }
    uint16_t n = 0;
    for (USHORT i = 0; i < rec->ExtendedDataCount && n < w->items_cap; i++) {
      const EVENT_HEADER_EXTENDED_DATA_ITEM *x = &rec->ExtendedData[i];
      w->items[n].ext_type = x->ExtType;
      w->items[n].data_size = x->DataSize;
      w->items[n].data = (const uint8_t *)(uintptr_t)x->DataPtr;
      n++;
    }
    r.ext_items = w->items;
    r.ext_count = n;
  }
  size_t need = plat_etw_ext_chain_len(&r);
  if (need > w->scratch_len) {
    uint8_t *ns = realloc(w->scratch, need);
    if (ns) {
      w->scratch = ns;
      w->scratch_len = need;
    }
  }
  plat_etw_convert_opts co = {PLAT_ETW_CLOCK_FILETIME, s->kernel_group};
  etl_event ev;
  plat_etw_record_to_event(&r, &co, w->scratch, w->scratch_len, &ev);
  InterlockedIncrement64(&s->events);
  if (s->on_event) {
    AcquireSRWLockExclusive(&s->cb_lock);
    s->on_event(s->ud, &ev);
    ReleaseSRWLockExclusive(&s->cb_lock);
  } else {
    plat_etw_enqueue(s, &ev);
  }
}

static ULONG WINAPI plat_etw_on_buffer(PEVENT_TRACE_LOGFILEW lf) {
  plat_etw_worker_ctx *w = lf->Context;
  plat_etw_session *s = w ? w->s : NULL;
  /* Returning FALSE makes ProcessTrace return. */
  return (s && s->stopping && s->owned_count == 0) ? FALSE : TRUE;
}

static void plat_etw_worker(void *arg) {
  plat_etw_worker_ctx *w = arg;
  plat_etw_session *s = w->s;
  ULONG rc = ProcessTrace(&w->trace, 1, NULL, NULL);
  if (rc != ERROR_SUCCESS && rc != ERROR_CANCELLED && !s->stopping) {
    char sys[300];
    plat_win_error_text(rc, sys, sizeof sys);
    AcquireSRWLockExclusive(&s->qlock);
    if (!s->error[0]) snprintf(s->error, sizeof s->error, "ProcessTrace on '%s' ended: %s%s", s->name, sys,
             plat_etw_hint(rc));
    ReleaseSRWLockExclusive(&s->qlock);
  } else if (!s->stopping) {
    AcquireSRWLockExclusive(&s->qlock);
    if (!s->error[0]) snprintf(s->error, sizeof s->error, "real-time session '%s' was stopped by someone else",
             s->name);
    ReleaseSRWLockExclusive(&s->qlock);
  }
  AcquireSRWLockExclusive(&s->qlock);
  InterlockedExchange(&w->done, 1);
  /* The session is finished when its last worker returns. */
  if (InterlockedDecrement(&s->running) == 0) InterlockedExchange(&s->finished, 1);
  WakeAllConditionVariable(&s->qnot_empty);
  ReleaseSRWLockExclusive(&s->qlock);
}

/* ---- opening ---- */

static int plat_etw_open_trace(plat_etw_session *s, const wchar_t *name, char *err,
                               size_t err_len) {
  EVENT_TRACE_LOGFILEW lf;
  memset(&lf, 0, sizeof lf);
  lf.LoggerName = (LPWSTR)name;
  lf.ProcessTraceMode = PROCESS_TRACE_MODE_REAL_TIME | PROCESS_TRACE_MODE_EVENT_RECORD;
  lf.EventRecordCallback = plat_etw_on_record;
  lf.BufferCallback = plat_etw_on_buffer;
  plat_etw_worker_ctx *w = &s->workers[s->trace_count];
  w->s = s;
  lf.Context = w;
  TRACEHANDLE h = OpenTraceW(&lf);
  if (h == INVALID_PROCESSTRACE_HANDLE) {
    char *u = plat_win_utf8_from_wide(name, (size_t)-1);
    plat_etw_win_err(err, err_len, "OpenTraceW", u ? u : "?", GetLastError());
    free(u);
    return -1;
  }
  w->trace = h;
  s->trace_count++;
  return 0;
}

/* Checks that an existing session is there and is real-time before attaching,
 * so a typo fails at once instead of in ProcessTrace. */
static int plat_etw_check_session(const wchar_t *wname, const char *name, char *err,
                                  size_t err_len) {
  EVENT_TRACE_PROPERTIES *p = plat_etw_props_new();
  if (!p) {
    plat_etw_seterr(err, err_len, "out of memory%s%s", NULL, NULL);
    return -1;
  }
  ULONG rc = ControlTraceW(0, wname, p, EVENT_TRACE_CONTROL_QUERY);
  ULONG mode = p->LogFileMode;
  free(p);
  if (rc != ERROR_SUCCESS && rc != ERROR_MORE_DATA) {
    plat_etw_win_err(err, err_len, "cannot open real-time session", name, rc);
    return -1;
  }
  if (!(mode & EVENT_TRACE_REAL_TIME_MODE)) {
    plat_etw_seterr(err, err_len,
                    "session '%s' is not a real-time session (create it with logman ... -rt, or "
                    "use provider:NAME)%s",
                    name, NULL);
    return -1;
  }
  return 0;
}

/* Resolves a provider name: registered providers first (TdhEnumerateProviders,
 * case-insensitive), then the TraceLogging/EventSource name hash. */
static void plat_etw_resolve(plat_etw_provider *p, bool *registered) {
  *registered = false;
  if (p->has_guid) return;
  wchar_t *wname = plat_win_wide_from_utf8(p->name, (size_t)-1);
  ULONG size = 0;
  PROVIDER_ENUMERATION_INFO *info = NULL;
  ULONG rc = TdhEnumerateProviders(NULL, &size);
  for (int tries = 0; rc == ERROR_INSUFFICIENT_BUFFER && tries < 4; tries++) {
    free(info);
    info = malloc(size);
    if (!info) break;
    rc = TdhEnumerateProviders(info, &size);
  }
  if (rc == ERROR_SUCCESS && info && wname) {
    for (ULONG i = 0; i < info->NumberOfProviders; i++) {
      const TRACE_PROVIDER_INFO *t = &info->TraceProviderInfoArray[i];
      if (t->ProviderNameOffset >= size) continue;
      const wchar_t *n = (const wchar_t *)((const uint8_t *)info + t->ProviderNameOffset);
      if (_wcsicmp(n, wname) == 0) {
        memcpy(p->guid, &t->ProviderGuid, 16);
        p->has_guid = true;
        *registered = true;
        break;
      }
    }
  }
  free(info);
  free(wname);
  if (!p->has_guid) {
    plat_etw_name_guid(p->name, p->guid);
    p->has_guid = true;
  }
}

static bool plat_etw_is_kernel_spec(const plat_etw_provider *p) {
  static const uint8_t kernel_guid[16] = {0xad, 0x4a, 0x81, 0x9e, 0x04, 0x32, 0xd2, 0x11,
                                          0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39};
  if (p->has_guid) return memcmp(p->guid, kernel_guid, 16) == 0;
  return _stricmp(p->name, "NT Kernel Logger") == 0 || _stricmp(p->name, "kernel") == 0;
}

static int plat_etw_start_owned(plat_etw_session *s, plat_etw_owned *o, ULONG kernel_flags,
                                char *err, size_t err_len) {
  EVENT_TRACE_PROPERTIES *p = plat_etw_props_new();
  if (!p) {
    plat_etw_seterr(err, err_len, "out of memory%s%s", NULL, NULL);
    return -1;
  }
  p->Wnode.Flags = WNODE_FLAG_TRACED_GUID;
  p->Wnode.ClientContext = 1; /* QPC timestamps; consumers still get FILETIME */
  p->LogFileMode = EVENT_TRACE_REAL_TIME_MODE;
  p->BufferSize = 64;         /* KB */
  p->MinimumBuffers = 4;
  p->MaximumBuffers = 64;
  p->FlushTimer = 1;          /* seconds: events reach us within about a second */
  if (o->is_kernel) {
    p->Wnode.Guid = plat_etw_kernel_control_guid;
    p->EnableFlags = kernel_flags;
  }
  char *uname = plat_win_utf8_from_wide(o->name, (size_t)-1);
  ULONG rc = StartTraceW(&o->control, o->name, p);
  if (rc == ERROR_ALREADY_EXISTS && !o->is_kernel) {
    /* A leftover of an earlier run with the same private name: replace it. */
    EVENT_TRACE_PROPERTIES *q = plat_etw_props_new();
    if (q) {
      ControlTraceW(0, o->name, q, EVENT_TRACE_CONTROL_STOP);
      free(q);
    }
    memset(p, 0, sizeof *p);
    free(p);
    p = plat_etw_props_new();
    if (!p) {
      free(uname);
      plat_etw_seterr(err, err_len, "out of memory%s%s", NULL, NULL);
      return -1;
    }
    p->Wnode.Flags = WNODE_FLAG_TRACED_GUID;
    p->Wnode.ClientContext = 1;
    p->LogFileMode = EVENT_TRACE_REAL_TIME_MODE;
    p->BufferSize = 64;
    p->MinimumBuffers = 4;
    p->MaximumBuffers = 64;
    p->FlushTimer = 1;
    rc = StartTraceW(&o->control, o->name, p);
  }
  free(p);
  if (rc != ERROR_SUCCESS) {
    plat_etw_win_err(err, err_len, "StartTraceW", uname ? uname : "?", rc);
    free(uname);
    return -1;
  }
  free(uname);
  o->started = true;
  (void)s;
  return 0;
}

static void plat_etw_stop_owned(plat_etw_owned *o) {
  if (!o->started) return;
  EVENT_TRACE_PROPERTIES *p = plat_etw_props_new();
  if (p) {
    ControlTraceW(o->is_kernel ? 0 : o->control, o->name, p, EVENT_TRACE_CONTROL_STOP);
    free(p);
  }
  o->started = false;
}

static void plat_etw_free(plat_etw_session *s) {
  if (!s) return;
  for (size_t i = 0; i < s->count; i++) free(s->ring[(s->head + i) % s->cap]);
  free(s->ring);
  free(s->current);
  for (size_t i = 0; i < PLAT_ETW_MAX_HANDLES; i++) {
    free(s->workers[i].scratch);
    free(s->workers[i].items);
  }
  free(s);
}

static int plat_etw_open_private(plat_etw_session *s, const plat_etw_options *opt, char *err,
                                 size_t err_len) {
  plat_etw_owned *user = NULL, *kernel = NULL;
  ULONG kernel_flags = 0;
  char pname[256];
  if (opt->private_session_name && *opt->private_session_name)
    snprintf(pname, sizeof pname, "%s", opt->private_session_name);
  else
    snprintf(pname, sizeof pname, "etw2kusto-%lu", (unsigned long)GetCurrentProcessId());
  for (size_t i = 0; i < opt->provider_count; i++) {
    if (plat_etw_is_kernel_spec(&opt->providers[i])) {
      if (!kernel) {
        kernel = &s->owned[s->owned_count++];
        kernel->is_kernel = true;
        wcscpy(kernel->name, KERNEL_LOGGER_NAMEW);
      }
      kernel_flags |= opt->providers[i].keywords == UINT64_MAX
                          ? PLAT_ETW_KERNEL_DEFAULT_FLAGS
                          : (ULONG)opt->providers[i].keywords;
    } else if (!user) {
      user = &s->owned[s->owned_count++];
      wchar_t *w = plat_win_wide_from_utf8(pname, (size_t)-1);
      if (!w) {
        plat_etw_seterr(err, err_len, "bad session name '%s'%s", pname, NULL);
        return -1;
      }
      wcsncpy(user->name, w, PLAT_ETW_PROPS_NAME_CHARS - 1);
      free(w);
    }
  }
  snprintf(s->name, sizeof s->name, "%s%s%s", user ? pname : "", user && kernel ? " + " : "",
           kernel ? "NT Kernel Logger" : "");
  if (kernel && plat_etw_start_owned(s, kernel, kernel_flags, err, err_len) != 0) return -1;
  if (user) {
    if (plat_etw_start_owned(s, user, 0, err, err_len) != 0) return -1;
    for (size_t i = 0; i < opt->provider_count; i++) {
      plat_etw_provider p = opt->providers[i];
      if (plat_etw_is_kernel_spec(&p)) continue;
      bool registered;
      plat_etw_resolve(&p, &registered);
      GUID g;
      memcpy(&g, p.guid, 16);
      ULONG rc = EnableTraceEx2(user->control, &g, EVENT_CONTROL_CODE_ENABLE_PROVIDER, p.level,
                                p.keywords, 0, 0, NULL);
      if (rc != ERROR_SUCCESS) {
        plat_etw_win_err(err, err_len, "EnableTraceEx2 for provider", p.name, rc);
        return -1;
      }
    }
  }
  for (size_t i = 0; i < s->owned_count; i++) {
    wcscpy(s->query_names[s->query_count++], s->owned[i].name);
    if (plat_etw_open_trace(s, s->owned[i].name, err, err_len) != 0) return -1;
  }
  return 0;
}

int plat_etw_open(plat_etw_session **out, const plat_etw_options *opt, char *err, size_t err_len) {
  *out = NULL;
  if (err && err_len) err[0] = 0;
  bool attach = opt->session_name && *opt->session_name;
  if (attach == (opt->provider_count > 0)) {
    plat_etw_seterr(err, err_len, "give either session:NAME or provider:SPEC%s%s", NULL, NULL);
    return -1;
  }
  char why[300];
  if (!plat_etw_available(why, sizeof why) && !plat_etw_force()) {
    plat_etw_seterr(err, err_len, "%s%s", why, NULL);
    return -1;
  }
  plat_etw_session *s = calloc(1, sizeof *s);
  if (!s) {
    plat_etw_seterr(err, err_len, "out of memory%s%s", NULL, NULL);
    return -1;
  }
  s->on_event = opt->on_event;
  s->ud = opt->ud;
  s->kernel_group = opt->kernel_group;
  InitializeSRWLock(&s->qlock);
  InitializeSRWLock(&s->cb_lock);
  InitializeConditionVariable(&s->qnot_empty);
  InitializeConditionVariable(&s->qnot_full);
  s->cap = opt->queue_capacity ? opt->queue_capacity : 65536;
  s->ring = malloc(s->cap * sizeof *s->ring);
  if (!s->ring) {
    plat_etw_free(s);
    plat_etw_seterr(err, err_len, "out of memory%s%s", NULL, NULL);
    return -1;
  }
  int rc;
  if (attach) {
    snprintf(s->name, sizeof s->name, "%s", opt->session_name);
    wchar_t *w = plat_win_wide_from_utf8(opt->session_name, (size_t)-1);
    if (!w || wcslen(w) >= PLAT_ETW_PROPS_NAME_CHARS) {
      free(w);
      plat_etw_free(s);
      plat_etw_seterr(err, err_len, "bad session name '%s'%s", opt->session_name, NULL);
      return -1;
    }
    rc = plat_etw_check_session(w, opt->session_name, err, err_len);
    if (rc == 0) {
      wcscpy(s->query_names[s->query_count++], w);
      rc = plat_etw_open_trace(s, w, err, err_len);
    }
    free(w);
  } else {
    rc = plat_etw_open_private(s, opt, err, err_len);
  }
  s->running = (LONG)s->trace_count;
  for (size_t i = 0; rc == 0 && i < s->trace_count; i++) {
    if (plat_thread_start(&s->workers[i].thread, plat_etw_worker, &s->workers[i]) != 0) {
      plat_etw_seterr(err, err_len, "cannot start the ETW worker thread: %s%s",
                      plat_last_error(), NULL);
      /* workers never started count as returned */
      s->running -= (LONG)(s->trace_count - i);
      rc = -1;
    }
  }
  if (rc == 0) {
    /* ProcessTrace fails at once when the session cannot be consumed (already
     * has the maximum number of real-time consumers, access denied): report
     * that from open rather than as a silent empty stream. */
    for (int i = 0; i < 20 && !s->error[0]; i++) Sleep(10);
    if (s->error[0]) {
      plat_etw_seterr(err, err_len, "%s%s", s->error, NULL);
      rc = -1;
    }
  }
  if (rc != 0) {
    plat_etw_stop(s);
    plat_etw_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

/* ---- running ---- */

int plat_etw_next(plat_etw_session *s, const etl_event **ev, uint32_t timeout_ms) {
  *ev = NULL;
  free(s->current);
  s->current = NULL;
  AcquireSRWLockExclusive(&s->qlock);
  if (s->count == 0 && !s->finished)
    SleepConditionVariableSRW(&s->qnot_empty, &s->qlock, timeout_ms, 0);
  int rc;
  if (s->count > 0) {
    s->current = s->ring[s->head];
    s->head = (s->head + 1) % s->cap;
    s->count--;
    WakeConditionVariable(&s->qnot_full);
    *ev = &s->current->ev;
    rc = 1;
  } else {
    rc = s->finished ? -1 : 0;
  }
  ReleaseSRWLockExclusive(&s->qlock);
  return rc;
}

bool plat_etw_finished(plat_etw_session *s) { return s->finished != 0; }

void plat_etw_stop(plat_etw_session *s) {
  if (!s || s->stopped) return;
  s->stopped = true;
  InterlockedExchange(&s->stopping, 1);
  AcquireSRWLockExclusive(&s->qlock);
  WakeAllConditionVariable(&s->qnot_full);
  ReleaseSRWLockExclusive(&s->qlock);
  /* Owned sessions: stopping them flushes their buffers to us and ends
   * ProcessTrace. Attached sessions keep running for their owner; closing
   * our consumer handle ends ProcessTrace. */
  for (size_t i = 0; i < s->owned_count; i++) plat_etw_stop_owned(&s->owned[i]);
  if (s->owned_count == 0)
    for (size_t i = 0; i < s->trace_count; i++) CloseTrace(s->workers[i].trace);
  for (size_t i = 0; i < s->trace_count; i++) {
    if (s->workers[i].thread) {
      plat_thread_join(s->workers[i].thread);
      s->workers[i].thread = NULL;
    }
  }
  if (s->owned_count)
    for (size_t i = 0; i < s->trace_count; i++) CloseTrace(s->workers[i].trace);
  s->trace_count = 0;
  InterlockedExchange(&s->finished, 1);
}

void plat_etw_get_stats(plat_etw_session *s, plat_etw_stats *out) {
  memset(out, 0, sizeof *out);
  out->events = (uint64_t)s->events;
  out->events_lost = (uint64_t)s->rt_lost_events;
  out->buffers_lost = (uint64_t)s->rt_lost_buffers;
  for (size_t i = 0; i < s->query_count; i++) {
    EVENT_TRACE_PROPERTIES *p = plat_etw_props_new();
    if (!p) break;
    if (ControlTraceW(0, s->query_names[i], p, EVENT_TRACE_CONTROL_QUERY) == ERROR_SUCCESS) {
      out->events_lost += p->EventsLost;
      out->buffers_lost += p->RealTimeBuffersLost;
    }
    free(p);
  }
}

const char *plat_etw_error(plat_etw_session *s) { return s->error; }

const char *plat_etw_session_name(plat_etw_session *s) { return s->name; }

void plat_etw_close(plat_etw_session *s) {
  if (!s) return;
  plat_etw_stop(s);
  plat_etw_free(s);
}

/* ---- TDH fallback ---- */

typedef struct plat_etw_tdh_entry {
  uint8_t key[24];               /* GUID, id, version, opcode, task, classic flag */
  uint8_t *blob;                 /* NULL: TDH has no schema (cached miss) */
  uint32_t len;
} plat_etw_tdh_entry;

static SRWLOCK plat_etw_tdh_lock = SRWLOCK_INIT;
static plat_etw_tdh_entry *plat_etw_tdh_cache;
static size_t plat_etw_tdh_count, plat_etw_tdh_cap;

static void plat_etw_tdh_key(const etl_event *ev, uint8_t key[24]) {
  memset(key, 0, 24);
  memcpy(key, ev->provider_id, 16);
  key[16] = (uint8_t)ev->event_id;
  key[17] = (uint8_t)(ev->event_id >> 8);
  key[18] = ev->version;
  key[19] = ev->opcode;
  key[20] = (uint8_t)ev->task;
  key[21] = (uint8_t)(ev->task >> 8);
  key[22] = (ev->event_flags & EVENT_HEADER_FLAG_CLASSIC_HEADER) || ev->is_kernel_hook ? 1 : 0;
}

/* TdhGetEventInformation wants an EVENT_RECORD: rebuild the header (and the
 * extended items, which TraceLogging/WPP lookups need) from the etl_event. */
/* An EVENT_RECORD that TDH accepts, rebuilt from the decoded event (items
 * receives up to 16 extended data items, rec points into it and into ev). */
static void plat_etw_tdh_record(const etl_event *ev, EVENT_RECORD *recp, EVENT_HEADER_EXTENDED_DATA_ITEM *items) {
  EVENT_RECORD rec;
  memset(&rec, 0, sizeof rec);
  EVENT_HEADER *h = &rec.EventHeader;
  h->Size = sizeof *h;
  h->Flags = ev->event_flags;
  if (ev->is_kernel_hook) h->Flags |= EVENT_HEADER_FLAG_CLASSIC_HEADER;
  h->EventProperty = ev->event_property;
  h->ThreadId = ev->thread_id;
  h->ProcessId = ev->process_id;
  h->TimeStamp.QuadPart = ev->raw_timestamp;
  memcpy(&h->ProviderId, ev->provider_id, 16);
  h->EventDescriptor.Id = ev->event_id;
  h->EventDescriptor.Version = ev->version;
  h->EventDescriptor.Channel = ev->channel;
  h->EventDescriptor.Level = ev->level;
  h->EventDescriptor.Opcode = ev->opcode;
  h->EventDescriptor.Task = ev->task;
  h->EventDescriptor.Keyword = ev->keywords;
  memcpy(&h->ActivityId, ev->activity_id, 16);
  rec.UserData = (PVOID)ev->payload;
  rec.UserDataLength = ev->payload_len > 0xffff ? 0xffff : (USHORT)ev->payload_len;
  USHORT n = 0;
  for (uint32_t at = 0; ev->ext && at + 8 <= ev->ext_len && n < 16;) {
    const uint8_t *p = ev->ext + at;
    uint16_t size = (uint16_t)(p[0] | p[1] << 8), type = (uint16_t)(p[2] | p[3] << 8);
    uint16_t link = (uint16_t)(p[4] | p[5] << 8), dsize = (uint16_t)(p[6] | p[7] << 8);
    if (dsize > ev->ext_len - at - 8) break;
    memset(&items[n], 0, sizeof items[n]);
    items[n].ExtType = type;
    items[n].DataSize = dsize;
    items[n].DataPtr = (ULONGLONG)(uintptr_t)(p + 8);
    n++;
    if (!(link & 1) || size < 8) break;
    at += size;
  }
  if (n) {
    rec.ExtendedData = items;
    rec.ExtendedDataCount = n;
    h->Flags |= EVENT_HEADER_FLAG_EXTENDED_INFO;
  }
  *recp = rec;
}

static ULONG plat_etw_tdh_query(const etl_event *ev, uint8_t **blob, uint32_t *len) {
  EVENT_RECORD rec;
  EVENT_HEADER_EXTENDED_DATA_ITEM items[16];
  plat_etw_tdh_record(ev, &rec, items);
  EVENT_HEADER *h = &rec.EventHeader;
  ULONG size = 0;
  ULONG rc = TdhGetEventInformation(&rec, 0, NULL, NULL, &size);
  if (rc == ERROR_INSUFFICIENT_BUFFER && size > 0 && size < (1u << 24)) {
    uint8_t *b = malloc(size);
    if (!b) return ERROR_OUTOFMEMORY;
    rc = TdhGetEventInformation(&rec, 0, NULL, (PTRACE_EVENT_INFO)b, &size);
    if (rc == ERROR_SUCCESS) {
      *blob = b;
      *len = size;
      return rc;
    }
    free(b);
  }
  if (rc != ERROR_SUCCESS && !(h->Flags & EVENT_HEADER_FLAG_CLASSIC_HEADER)) {
    /* Manifest lookup by descriptor alone (no record needed). */
    GUID g;
    memcpy(&g, ev->provider_id, 16);
    size = 0;
    rc = TdhGetManifestEventInformation(&g, &h->EventDescriptor, NULL, &size);
    if (rc == ERROR_INSUFFICIENT_BUFFER && size > 0 && size < (1u << 24)) {
      uint8_t *b = malloc(size);
      if (!b) return ERROR_OUTOFMEMORY;
      rc = TdhGetManifestEventInformation(&g, &h->EventDescriptor, (PTRACE_EVENT_INFO)b, &size);
      if (rc == ERROR_SUCCESS) {
        *blob = b;
        *len = size;
        return rc;
      }
      free(b);
    }
  }
  return rc == ERROR_SUCCESS ? ERROR_NOT_FOUND : rc;
}

int plat_etw_tdh_event_info(const etl_event *ev, const uint8_t **blob, uint32_t *len) {
  *blob = NULL;
  *len = 0;
  if (plat_etw_is_wine(NULL, 0)) return -1;
  uint8_t key[24];
  plat_etw_tdh_key(ev, key);
  AcquireSRWLockShared(&plat_etw_tdh_lock);
  for (size_t i = 0; i < plat_etw_tdh_count; i++) {
    if (memcmp(plat_etw_tdh_cache[i].key, key, 24) == 0) {
      *blob = plat_etw_tdh_cache[i].blob;
      *len = plat_etw_tdh_cache[i].len;
      ReleaseSRWLockShared(&plat_etw_tdh_lock);
      return *blob ? 0 : -1;
    }
  }
  ReleaseSRWLockShared(&plat_etw_tdh_lock);
  uint8_t *b = NULL;
  uint32_t l = 0;
  if (plat_etw_tdh_query(ev, &b, &l) != ERROR_SUCCESS) {
    b = NULL;
    l = 0;
  }
  AcquireSRWLockExclusive(&plat_etw_tdh_lock);
  if (plat_etw_tdh_count == plat_etw_tdh_cap) {
    size_t ncap = plat_etw_tdh_cap ? plat_etw_tdh_cap * 2 : 64;
    plat_etw_tdh_entry *nc = realloc(plat_etw_tdh_cache, ncap * sizeof *nc);
    if (nc) {
      plat_etw_tdh_cache = nc;
      plat_etw_tdh_cap = ncap;
    }
  }
  if (plat_etw_tdh_count < plat_etw_tdh_cap) {
    plat_etw_tdh_entry *e = &plat_etw_tdh_cache[plat_etw_tdh_count++];
    memcpy(e->key, key, 24);
    e->blob = b;
    e->len = l;
  }
  ReleaseSRWLockExclusive(&plat_etw_tdh_lock);
  /* The blob stays for the life of the process (cached entries are never
   * freed; if the cache could not grow it is leaked by design). */
  *blob = b;
  *len = l;
  return b ? 0 : -1;
}

int plat_etw_tdh_event_map(const etl_event *ev, const char *map_name, uint8_t **blob, uint32_t *len) {
  *blob = NULL;
  *len = 0;
  if (plat_etw_is_wine(NULL, 0)) return -1;
  EVENT_RECORD rec;
  EVENT_HEADER_EXTENDED_DATA_ITEM items[16];
  plat_etw_tdh_record(ev, &rec, items);
  wchar_t *w = plat_win_wide_from_utf8(map_name, (size_t)-1);
  if (!w) return -1;
  ULONG size = 0;
  ULONG rc = TdhGetEventMapInformation(&rec, w, NULL, &size);
  if (rc == ERROR_INSUFFICIENT_BUFFER && size > 0 && size < (1u << 24)) {
    uint8_t *b = malloc(size);
    if (b && TdhGetEventMapInformation(&rec, w, (PEVENT_MAP_INFO)b, &size) == ERROR_SUCCESS) {
      free(w);
      *blob = b;
      *len = size;
      return 0;
    }
    free(b);
  }
  free(w);
  return -1;
}

#else
typedef int plat_etw_win32_unused; /* keeps the translation unit non-empty on POSIX */
#endif
