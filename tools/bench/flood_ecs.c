// flood_ecs: ../shared/bench/flood.c with an EDNS Client Subnet (RFC 7871) option in every query,
// the subnets taken in turn from a file, so a geo-steered name is asked for by many clients.
// Same closed loop as flood.c (sendmmsg/recvmmsg over S sockets, at most W queries in flight,
// unanswered ones forgotten every 0.5 s) and the same output line, so run.sh's parsing applies.
//   flood_ecs HOST PORT NAME QTYPE SECONDS SUBNETS [W=512] [S=8]
// SUBNETS: one "ADDRESS/PREFIX" a line (IPv4 or IPv6), e.g. 1.2.3.0/24, 2003:1::/56.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
enum { B = 32, MAXS = 64, QMAX = 320 };
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
// The query of flood.c, its OPT record carrying one ECS option for family/prefix/addr.
static int encode(unsigned char *p, const char *name, int qtype, int family, int prefix,
                  const unsigned char *addr) {
  memset(p, 0, 12); p[0] = 0x12; p[1] = 0x34; p[5] = 1; p[11] = 1; int n = 12;
  for (const char *s = name; *s;) {
    const char *dot = strchr(s, '.'); int len = dot ? (int)(dot - s) : (int)strlen(s);
    if (len == 0) break;
    p[n++] = len; memcpy(p + n, s, len); n += len; s += len + (dot ? 1 : 0);
  }
  p[n++] = 0; p[n++] = qtype >> 8; p[n++] = qtype & 255; p[n++] = 0; p[n++] = 1;
  int alen = (prefix + 7) / 8, olen = 4 + alen;
  unsigned char opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 4 + olen};  // EDNS0 OPT, 1232 bytes
  memcpy(p + n, opt, sizeof opt); n += sizeof opt;
  p[n++] = 0; p[n++] = 8; p[n++] = 0; p[n++] = olen;                         // option 8: ECS
  p[n++] = 0; p[n++] = family == 4 ? 1 : 2; p[n++] = prefix; p[n++] = 0;     // scope 0
  memcpy(p + n, addr, alen); n += alen;
  if (prefix % 8) p[n - 1] &= (unsigned char)(0xff << (8 - prefix % 8));
  return n;
}
int main(int argc, char **argv) {
  if (argc < 7) { fprintf(stderr, "usage: flood_ecs HOST PORT NAME QTYPE SECONDS SUBNETS [W] [S]\n"); return 2; }
  int qtype = atoi(argv[4]) ? atoi(argv[4]) : (strcmp(argv[4], "AAAA") == 0 ? 28 : 1);
  double secs = atof(argv[5]); int W = argc > 7 ? atoi(argv[7]) : 512, S = argc > 8 ? atoi(argv[8]) : 8;
  if (S > MAXS) S = MAXS;
  if (strlen(argv[3]) > 253) { fprintf(stderr, "flood_ecs: name too long\n"); return 2; }
  FILE *f = fopen(argv[6], "r");
  if (!f) { perror(argv[6]); return 2; }
  size_t cap = 1024, K = 0; unsigned char *qs = malloc(cap * QMAX); int *qlen = malloc(cap * sizeof(int));
  char line[128];
  while (fgets(line, sizeof line, f)) {
    char *slash = strchr(line, '/'); if (!slash) continue;
    *slash = 0; int prefix = atoi(slash + 1); unsigned char a[16] = {0}; int fam;
    if (inet_pton(AF_INET, line, a) == 1) fam = 4; else if (inet_pton(AF_INET6, line, a) == 1) fam = 6; else continue;
    if (prefix < 0 || prefix > (fam == 4 ? 32 : 128)) continue;
    if (K == cap) { cap *= 2; qs = realloc(qs, cap * QMAX); qlen = realloc(qlen, cap * sizeof(int)); }
    qlen[K] = encode(qs + K * QMAX, argv[3], qtype, fam, prefix, a); K++;
  }
  fclose(f);
  if (K == 0) { fprintf(stderr, "flood_ecs: no subnets in %s\n", argv[6]); return 2; }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  inet_pton(AF_INET, argv[1], &to.sin_addr);
  int fd[MAXS], inflight[MAXS] = {0};
  for (int i = 0; i < S; i++) { fd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0); connect(fd[i], (void *)&to, sizeof to); }
  struct mmsghdr sm[B], rm[B]; struct iovec siov[B], riov[B]; static unsigned char rbuf[B][1500];
  for (int i = 0; i < B; i++) {
    sm[i].msg_hdr = (struct msghdr){.msg_iov = &siov[i], .msg_iovlen = 1};
    riov[i] = (struct iovec){rbuf[i], 1500}; rm[i].msg_hdr = (struct msghdr){.msg_iov = &riov[i], .msg_iovlen = 1};
  }
  long sent = 0, got = 0, rc[16] = {0}; double t0 = now(), end = t0 + secs, reset = t0 + 0.5;
  size_t next = 0; int per = W / S > 0 ? W / S : 1;
  while (now() < end) {
    for (int i = 0; i < S; i++) {
      int room = per - inflight[i]; if (room > B) room = B;
      if (room > 0) {
        for (int k = 0; k < room; k++) { size_t j = (next + k) % K; siov[k] = (struct iovec){qs + j * QMAX, qlen[j]}; }
        int n = sendmmsg(fd[i], sm, room, 0);
        if (n > 0) { sent += n; inflight[i] += n; next = (next + n) % K; }
      }
      int n = recvmmsg(fd[i], rm, B, MSG_DONTWAIT, NULL);
      if (n > 0) { got += n; inflight[i] -= n; if (inflight[i] < 0) inflight[i] = 0;
        for (int k = 0; k < n; k++) rc[rbuf[k][3] & 15]++; }
    }
    double t = now();
    if (t > reset) { for (int i = 0; i < S; i++) inflight[i] = 0; reset = t + 0.5; }
  }
  double dt = now() - t0;
  printf("sent %ld answered %ld qps %.0f answered_share %.4f noerror %ld nxdomain %ld servfail %ld formerr %ld refused %ld subnets %zu\n",
         sent, got, got / dt, sent ? (double)got / sent : 0, rc[0], rc[3], rc[2], rc[1], rc[5], K);
  return 0;
}
