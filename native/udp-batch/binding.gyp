{
  "targets": [
    {
      "target_name": "udp_batch",
      "sources": ["udp_batch.c", "socket.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
