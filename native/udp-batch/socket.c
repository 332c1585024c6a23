/* See socket.h. Every failure is counted or returned, never fatal. */
#include "socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int32_t *meta_of(uint8_t *mem, int slot) {
  return (int32_t *)(mem + UB_META_OFFSET) + slot * UB_META_INTS;
}

/* "127.0.0.1", "::1" or "fe80::1%eth0" into a sockaddr; 0 or EINVAL. */
static int parse_host(const char *host, int port, struct sockaddr_storage *addr, socklen_t *len) {
  memset(addr, 0, sizeof(*addr));
  struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    *len = sizeof(*v4);
    return 0;
  }
  char copy[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (strlen(host) >= sizeof(copy)) return EINVAL;
  strcpy(copy, host);
  char *scope = strchr(copy, '%');
  if (scope) *scope++ = '\0';
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
  if (inet_pton(AF_INET6, copy, &v6->sin6_addr) != 1) return EINVAL;
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons((uint16_t)port);
  if (scope) {
    unsigned index = if_nametoindex(scope);
    v6->sin6_scope_id = index ? index : (uint32_t)strtoul(scope, NULL, 10);
  }
  *len = sizeof(*v6);
  return 0;
}

int ub_open(const char *host, int port, int rcvbuf_bytes, int *fd_out, int *port_out) {
  struct sockaddr_storage addr;
  socklen_t len;
  if (port < 0 || port > 65535 || parse_host(host, port, &addr, &len) != 0) return EINVAL;
  int fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  /* Absorbs bursts while the event loop is busy; the kernel caps it at net.core.rmem_max. */
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof(rcvbuf_bytes));
  if (bind(fd, (struct sockaddr *)&addr, len) != 0) {
    int err = errno;
    close(fd);
    return err;
  }
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof(bound);
  if (getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) {
    int err = errno;
    close(fd);
    return err;
  }
  *port_out = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port : ((struct sockaddr_in6 *)&bound)->sin6_port);
  *fd_out = fd;
  return 0;
}

void ub_attach(ub_socket_t *s, int fd, uint8_t *mem) {
  memset(s, 0, sizeof(*s));
  s->fd = fd;
  s->mem = mem;
  for (int i = 0; i < UB_BATCH; i++) {
    s->in_iov[i].iov_base = mem + UB_IN_OFFSET + (size_t)i * UB_IN_SLOT;
    s->in_iov[i].iov_len = UB_IN_SLOT;
    s->in_msgs[i].msg_hdr.msg_iov = &s->in_iov[i];
    s->in_msgs[i].msg_hdr.msg_iovlen = 1;
    s->in_msgs[i].msg_hdr.msg_name = &s->names[i];
  }
}

/* Family, port and raw address of one datagram into its meta and addr; false for other families. */
static int describe_client(ub_socket_t *s, int slot, int32_t *meta) {
  uint8_t *addr = s->mem + UB_ADDR_OFFSET + slot * 16;
  const struct sockaddr_storage *name = &s->names[slot];
  if (name->ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)name;
    meta[UB_FAMILY] = 4;
    meta[UB_PORT] = ntohs(v4->sin_port);
    memset(addr, 0, 16);
    memcpy(addr, &v4->sin_addr, 4);
    return 1;
  }
  if (name->ss_family == AF_INET6) {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)name;
    meta[UB_FAMILY] = 6;
    meta[UB_PORT] = ntohs(v6->sin6_port);
    memcpy(addr, &v6->sin6_addr, 16);
    return 1;
  }
  return 0;
}

int ub_receive(ub_socket_t *s) {
  for (int i = 0; i < UB_BATCH; i++) {
    s->in_msgs[i].msg_hdr.msg_namelen = sizeof(s->names[i]);
    s->in_msgs[i].msg_hdr.msg_flags = 0;
  }
  int n;
  do {
    n = recvmmsg(s->fd, s->in_msgs, UB_BATCH, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    /* EAGAIN: drained. Anything else (e.g. a queued ICMP error) is counted; the next call goes on. */
    if (errno != EAGAIN && errno != EWOULDBLOCK) s->stats.recv_errors++;
    return 0;
  }
  s->stats.received += (uint64_t)n;
  s->stats.batches++;
  for (int i = 0; i < n; i++) {
    int32_t *meta = meta_of(s->mem, i);
    meta[UB_OUT_LEN] = -1;
    int ok = describe_client(s, i, meta);
    if (!ok || (s->in_msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) {
      s->stats.oversized++;
      meta[UB_IN_LEN] = -1;
      continue;
    }
    meta[UB_IN_LEN] = (int32_t)s->in_msgs[i].msg_len;
  }
  return n;
}

void ub_send(ub_socket_t *s, int count) {
  int k = 0;
  size_t pos = 0;
  for (int i = 0; i < count; i++) {
    int32_t len = meta_of(s->mem, i)[UB_OUT_LEN];
    if (len < 0) continue;
    if ((size_t)len > UB_OUT_BYTES - pos) break; /* JavaScript keeps within the area; never trust it blindly */
    s->out_iov[k].iov_base = s->mem + UB_OUT_OFFSET + pos;
    s->out_iov[k].iov_len = (size_t)len;
    struct msghdr *h = &s->out_msgs[k].msg_hdr;
    memset(h, 0, sizeof(*h));
    h->msg_iov = &s->out_iov[k];
    h->msg_iovlen = 1;
    h->msg_name = &s->names[i];
    h->msg_namelen = s->in_msgs[i].msg_hdr.msg_namelen;
    pos += (size_t)len;
    k++;
  }
  int done = 0;
  while (done < k) {
    int n = sendmmsg(s->fd, s->out_msgs + done, (unsigned)(k - done), MSG_DONTWAIT);
    if (n > 0) {
      done += n;
      s->stats.sent += (uint64_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      /* Full send buffer: drop the rest of this batch rather than block the event loop. */
      s->stats.send_dropped += (uint64_t)(k - done);
      return;
    } else {
      /* This one response was refused (bad destination, ...): skip it and send the others. */
      s->stats.send_errors++;
      done++;
    }
  }
}

int ub_format_address(const ub_socket_t *s, int slot, char *out, size_t out_len) {
  const struct sockaddr_storage *name = &s->names[slot];
  if (name->ss_family == AF_INET) return inet_ntop(AF_INET, &((const struct sockaddr_in *)name)->sin_addr, out, (socklen_t)out_len) ? 0 : -1;
  if (name->ss_family == AF_INET6) return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)name)->sin6_addr, out, (socklen_t)out_len) ? 0 : -1;
  return -1;
}
