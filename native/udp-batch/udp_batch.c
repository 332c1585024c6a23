/*
 * Node-API glue of the batched UDP transport (src/gslb/native-transport.ts loads it).
 *
 * open(host, port, rcvbufBytes, onBatch) binds a socket (socket.c), watches it with a uv_poll_t
 * on Node's loop and returns { handle, port, memory }. On readability it drains the socket with
 * recvmmsg, UB_BATCH datagrams a call, and calls onBatch(count) ONCE per batch: JavaScript reads
 * the datagrams from `memory`, writes every response back into it, returns; then one sendmmsg.
 * close(handle) stops polling and closes the socket (idempotent); stats(handle) returns counters;
 * formatAddress(handle, slot) is the client address of a slot of the current batch as text.
 */
#include <errno.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "socket.h"

/*
 * At most this many recvmmsg calls per wake-up (8 x 64 = 512 datagrams), then back to the event
 * loop so timers, the HTTP API and probes run between bursts. The poll is level-triggered: if
 * datagrams are left, the next loop iteration wakes us again.
 */
#define MAX_BATCHES_PER_WAKEUP 8

typedef struct {
  napi_env env;
  uv_poll_t poll;
  ub_socket_t sock;
  int closed;      /* close() ran: the fd is gone, nothing may touch it */
  int poll_closed; /* the uv handle is closed (or was never opened) */
  int finalized;   /* the JavaScript handle was collected */
  int in_batch;    /* onBatch is running: close() leaves the JavaScript references to on_readable */
  int release_pending;
  napi_ref self;   /* strong while open: an open socket is never collected */
  napi_ref on_batch;
  napi_ref memory;
  napi_async_context async;
} transport_t;

#define CHECK(call)                                              \
  do {                                                           \
    if ((call) != napi_ok) {                                     \
      napi_throw_error(env, NULL, "udp-batch: " #call " failed"); \
      return NULL;                                               \
    }                                                            \
  } while (0)

static void free_if_done(transport_t *t) {
  if (t->finalized && t->poll_closed) free(t);
}

static void on_poll_closed(uv_handle_t *handle) {
  transport_t *t = handle->data;
  t->poll_closed = 1;
  free_if_done(t);
}

/* The part of closing that needs no JavaScript: also used at environment teardown. */
static void close_socket(transport_t *t) {
  if (t->closed) return;
  t->closed = 1;
  if (!t->poll_closed) {
    uv_poll_stop(&t->poll); /* removes the fd from epoll before it is closed */
    uv_close((uv_handle_t *)&t->poll, on_poll_closed);
  }
  close(t->sock.fd);
  t->sock.fd = -1;
}

static void on_env_teardown(void *arg) {
  close_socket(arg);
}

static void release_js(transport_t *t) {
  napi_env env = t->env;
  napi_remove_env_cleanup_hook(env, on_env_teardown, t);
  if (t->on_batch) napi_delete_reference(env, t->on_batch);
  if (t->memory) napi_delete_reference(env, t->memory);
  if (t->async) napi_async_destroy(env, t->async);
  if (t->self) napi_delete_reference(env, t->self);
  t->on_batch = t->memory = t->self = NULL;
  t->async = NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  transport_t *t = data;
  close_socket(t);
  t->finalized = 1;
  free_if_done(t);
}

/* Calls onBatch(count); false if it threw (the exception is cleared: a batch is lost, not the socket). */
static int deliver(transport_t *t, int count) {
  napi_env env = t->env;
  napi_value fn, recv, arg, result;
  if (napi_get_reference_value(env, t->on_batch, &fn) != napi_ok || napi_get_global(env, &recv) != napi_ok ||
      napi_create_int32(env, count, &arg) != napi_ok)
    return 0;
  if (napi_make_callback(env, t->async, recv, fn, 1, &arg, &result) == napi_ok) return 1;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
  return 0;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  transport_t *t = handle->data;
  if (t->closed) return;
  if (status < 0) {
    t->sock.stats.recv_errors++;
    return;
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(t->env, &scope) != napi_ok) return;
  for (int round = 0; round < MAX_BATCHES_PER_WAKEUP && !t->closed; round++) {
    int count = ub_receive(&t->sock);
    if (count == 0) break;
    t->in_batch = 1;
    int delivered = deliver(t, count);
    t->in_batch = 0;
    if (!delivered) t->sock.stats.callback_errors++;
    else if (!t->closed) ub_send(&t->sock, count); /* onBatch may have closed the socket */
    if (count < UB_BATCH) break;                     /* drained */
  }
  /* Closed from inside onBatch: its callback and async context were in use until now. */
  if (t->release_pending) {
    t->release_pending = 0;
    release_js(t);
  }
  napi_close_handle_scope(t->env, scope);
}

static transport_t *unwrap(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || !data) {
    napi_throw_type_error(env, NULL, "udp-batch: not a handle");
    return NULL;
  }
  return data;
}

static napi_value throw_errno(napi_env env, int err, const char *host, int port) {
  char message[256];
  snprintf(message, sizeof(message), "bind %s:%d: %s", host, port, uv_strerror(uv_translate_sys_error(err)));
  napi_throw_error(env, uv_err_name(uv_translate_sys_error(err)), message);
  return NULL;
}

static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char host[128];
  int32_t port, rcvbuf;
  napi_valuetype fn_type;
  if (argc < 4 || napi_get_value_string_utf8(env, argv[0], host, sizeof(host), NULL) != napi_ok ||
      napi_get_value_int32(env, argv[1], &port) != napi_ok || napi_get_value_int32(env, argv[2], &rcvbuf) != napi_ok ||
      napi_typeof(env, argv[3], &fn_type) != napi_ok || fn_type != napi_function) {
    napi_throw_type_error(env, NULL, "udp-batch: open(host: string, port: number, rcvbufBytes: number, onBatch: function)");
    return NULL;
  }

  int fd, bound_port;
  int err = ub_open(host, port, rcvbuf, &fd, &bound_port);
  if (err) return throw_errno(env, err, host, port);

  transport_t *t = calloc(1, sizeof(*t));
  napi_value memory, handle, result, value, name;
  void *mem;
  if (!t || napi_create_arraybuffer(env, UB_MEMORY_BYTES, &mem, &memory) != napi_ok) {
    close(fd);
    free(t);
    napi_throw_error(env, "ENOMEM", "udp-batch: out of memory");
    return NULL;
  }
  t->env = env;
  t->poll_closed = 1;
  ub_attach(&t->sock, fd, mem);
  if (napi_create_external(env, t, finalize, NULL, &handle) != napi_ok) {
    close(fd);
    free(t);
    napi_throw_error(env, NULL, "udp-batch: napi_create_external failed");
    return NULL;
  }
  /* From here on the finalizer owns t: failures close the socket and leave freeing to it. */
  CHECK(napi_create_reference(env, handle, 1, &t->self));
  CHECK(napi_create_reference(env, argv[3], 1, &t->on_batch));
  CHECK(napi_create_reference(env, memory, 1, &t->memory));
  CHECK(napi_create_string_utf8(env, "meridian-udp-batch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &t->async));
  CHECK(napi_add_env_cleanup_hook(env, on_env_teardown, t));

  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &t->poll, fd) != 0) {
    close_socket(t);
    release_js(t);
    napi_throw_error(env, NULL, "udp-batch: uv_poll_init failed");
    return NULL;
  }
  t->poll_closed = 0;
  t->poll.data = t;
  uv_poll_start(&t->poll, UV_READABLE, on_readable);

  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "handle", handle));
  CHECK(napi_create_int32(env, bound_port, &value));
  CHECK(napi_set_named_property(env, result, "port", value));
  CHECK(napi_set_named_property(env, result, "memory", memory));
  return result;
}

static napi_value close_handle(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], undefined;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_undefined(env, &undefined));
  transport_t *t = argc ? unwrap(env, argv[0]) : NULL;
  if (!t) return NULL;
  if (!t->closed) {
    close_socket(t);
    if (t->in_batch) t->release_pending = 1;
    else release_js(t);
  }
  return undefined;
}

static napi_value stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, value;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  transport_t *t = argc ? unwrap(env, argv[0]) : NULL;
  if (!t) return NULL;
  const ub_stats_t *s = &t->sock.stats;
  const struct { const char *name; uint64_t value; } fields[] = {
    {"received", s->received}, {"sent", s->sent}, {"sendDropped", s->send_dropped}, {"sendErrors", s->send_errors},
    {"recvErrors", s->recv_errors}, {"oversized", s->oversized}, {"callbackErrors", s->callback_errors}, {"batches", s->batches},
  };
  CHECK(napi_create_object(env, &result));
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    CHECK(napi_create_double(env, (double)fields[i].value, &value));
    CHECK(napi_set_named_property(env, result, fields[i].name, value));
  }
  return result;
}

static napi_value format_address(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  int32_t slot;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  transport_t *t = argc == 2 ? unwrap(env, argv[0]) : NULL;
  if (!t) return NULL;
  char text[64];
  if (napi_get_value_int32(env, argv[1], &slot) != napi_ok || slot < 0 || slot >= UB_BATCH ||
      ub_format_address(&t->sock, slot, text, sizeof(text)) != 0)
    text[0] = '\0';
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value layout(napi_env env) {
  napi_value result, value;
  const struct { const char *name; int value; } fields[] = {
    {"batch", UB_BATCH}, {"inSlot", UB_IN_SLOT}, {"outBytes", UB_OUT_BYTES}, {"metaInts", UB_META_INTS},
    {"inOffset", UB_IN_OFFSET}, {"outOffset", UB_OUT_OFFSET}, {"metaOffset", UB_META_OFFSET}, {"addrOffset", UB_ADDR_OFFSET},
    {"bytes", UB_MEMORY_BYTES}, {"maxBatchesPerWakeup", MAX_BATCHES_PER_WAKEUP},
  };
  CHECK(napi_create_object(env, &result));
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    CHECK(napi_create_int32(env, fields[i].value, &value));
    CHECK(napi_set_named_property(env, result, fields[i].name, value));
  }
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor properties[] = {
    {"open", NULL, open_socket, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, close_handle, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stats", NULL, stats, NULL, NULL, NULL, napi_enumerable, NULL},
    {"formatAddress", NULL, format_address, NULL, NULL, NULL, napi_enumerable, NULL},
    {"layout", NULL, NULL, NULL, NULL, layout(env), napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
