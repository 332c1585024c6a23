/*
 * The socket half of the batched UDP transport: plain POSIX, no Node-API. One non-blocking UDP
 * socket, drained with recvmmsg into fixed slots of a shared memory block and answered with one
 * sendmmsg from a packed output area that JavaScript filled in between.
 *
 * Memory block layout (one ArrayBuffer, shared with JavaScript; offsets are exported to it):
 *   in    UB_BATCH slots of UB_IN_SLOT bytes: the datagrams as received
 *   out   UB_OUT_BYTES: the responses, packed in slot order
 *   meta  UB_BATCH x 4 int32 (native endian): in length (-1: skip), family (4/6), port, out length (-1: none)
 *   addr  UB_BATCH x 16 bytes: the client's raw address (4 or 16 bytes used)
 */
#ifndef UDP_BATCH_SOCKET_H
#define UDP_BATCH_SOCKET_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg; binding.gyp defines it for every file */
#endif
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define UB_BATCH 64
/* A DNS query is a name and an OPT record (< 600 bytes); anything longer than a slot is dropped. */
#define UB_IN_SLOT 4096
#define UB_OUT_BYTES (UB_BATCH * 4096)
#define UB_META_INTS 4
enum { UB_IN_LEN = 0, UB_FAMILY = 1, UB_PORT = 2, UB_OUT_LEN = 3 };

#define UB_IN_OFFSET 0
#define UB_OUT_OFFSET (UB_IN_OFFSET + UB_BATCH * UB_IN_SLOT)
#define UB_META_OFFSET (UB_OUT_OFFSET + UB_OUT_BYTES)
#define UB_ADDR_OFFSET (UB_META_OFFSET + UB_BATCH * UB_META_INTS * 4)
#define UB_MEMORY_BYTES (UB_ADDR_OFFSET + UB_BATCH * 16)

typedef struct {
  uint64_t received;        /* datagrams read */
  uint64_t sent;            /* responses the kernel took */
  uint64_t send_dropped;    /* responses dropped because the send buffer was full (EAGAIN) */
  uint64_t send_errors;     /* responses the kernel refused for another reason */
  uint64_t recv_errors;     /* recvmmsg failures other than EAGAIN/EINTR */
  uint64_t oversized;       /* datagrams longer than a slot, or from an unknown address family */
  uint64_t callback_errors; /* batches whose JavaScript callback threw (nothing of them sent) */
  uint64_t batches;         /* recvmmsg calls that returned datagrams */
} ub_stats_t;

typedef struct {
  int fd;
  uint8_t *mem;
  struct mmsghdr in_msgs[UB_BATCH];
  struct iovec in_iov[UB_BATCH];
  struct sockaddr_storage names[UB_BATCH];
  struct mmsghdr out_msgs[UB_BATCH];
  struct iovec out_iov[UB_BATCH];
  ub_stats_t stats;
} ub_socket_t;

/* Creates, configures and binds a non-blocking UDP socket. Returns 0 or an errno value. */
int ub_open(const char *host, int port, int rcvbuf_bytes, int *fd_out, int *port_out);

/* Points the receive vectors at the memory block's slots. */
void ub_attach(ub_socket_t *s, int fd, uint8_t *mem);

/* One recvmmsg: fills the in slots and meta of 0..UB_BATCH datagrams and returns how many. */
int ub_receive(ub_socket_t *s);

/* Sends every response whose out length is >= 0, with as few sendmmsg calls as the kernel allows. */
void ub_send(ub_socket_t *s, int count);

/* The client address of a slot as text (inet_ntop). Returns 0, or -1 if it is not IPv4/IPv6. */
int ub_format_address(const ub_socket_t *s, int slot, char *out, size_t out_len);

#endif
