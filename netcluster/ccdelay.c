// ccdelay: holds every packet of one netfilter queue for a fixed time, then lets it through, in the
// order it came. scripts/netcluster.sh runs one in each node's namespace behind
//   iptables-legacy -t raw -A PREROUTING -i eth0 -j NFQUEUE --queue-num 0
// so everything a node receives arrives DELAY ms late: a fixed one-way delay.
//
//   ccdelay [--queue N] --delay-ms MS
//
// Only each packet's id comes to user space (no payload). A run of due packets is a run of consecutive
// ids, so one batch verdict (the newest id) releases all of them. On SIGTERM or SIGINT every packet
// still held is let through before exit: a queue without its program drops what it holds.
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>

#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>

#define RCVBUF_BYTES (8 << 20)  // ~40k queued-packet messages: bursts at 10 Gbit/s fit
#define QUEUE_MAXLEN 65536      // packets the kernel holds for us before it drops

typedef struct {
  uint32_t id;
  int64_t due_ns;
} held_packet;

typedef struct {
  struct nfq_q_handle *qh;
  int64_t delay_ns;
  held_packet *ring;  // FIFO: ring[head], ring[head + 1], ... (mod cap), n of them
  size_t cap, head, n;
  unsigned long long passed, lost, failed_verdicts;
} delayer;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) { stop_requested = 1; }

static void usage(FILE *out) {
  fprintf(out, "usage: ccdelay [--queue N] --delay-ms MS\n"
               "  Holds every packet of netfilter queue N (default 0) for MS milliseconds (0 < MS <= 1000,\n"
               "  decimals allowed), then accepts it; packets leave in the order they came.\n");
}

static void input_error(const char *msg) {
  fprintf(stderr, "ccdelay: %s\n", msg);
  exit(2);
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

// Doubles the ring, keeping the order: the kernel queue is bounded, so this stops at QUEUE_MAXLEN-ish.
static void grow(delayer *d) {
  size_t cap = d->cap ? 2 * d->cap : 4096;
  held_packet *ring = malloc(cap * sizeof *ring);
  if (!ring) {
    fprintf(stderr, "ccdelay: out of memory holding %zu packets\n", d->n);
    exit(1);
  }
  for (size_t i = 0; i < d->n; i++) ring[i] = d->ring[(d->head + i) % d->cap];
  free(d->ring);
  d->ring = ring;
  d->cap = cap;
  d->head = 0;
}

// Called by nfq_handle_packet for each queued packet: remember its id and when it is due.
static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *ctx) {
  delayer *d = ctx;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  if (d->n == d->cap) grow(d);
  d->ring[(d->head + d->n) % d->cap] = (held_packet){ntohl(ph->packet_id), now_ns() + d->delay_ns};
  d->n++;
  return 0;
}

// Accepts every held packet due by `now` (all of them with INT64_MAX). The kernel applies a batch
// verdict to every id up to the given one still queued, and those are exactly the ones popped here:
// ids grow in the order packets were queued and we read them.
static void release_due(delayer *d, int64_t now) {
  size_t k = 0;
  uint32_t last = 0;
  while (d->n > 0 && d->ring[d->head].due_ns <= now) {
    last = d->ring[d->head].id;
    d->head = (d->head + 1) % d->cap;
    d->n--;
    k++;
  }
  if (k == 0) return;
  if (nfq_set_verdict_batch(d->qh, last, NF_ACCEPT) < 0) {
    d->failed_verdicts += k;
    return;
  }
  d->passed += k;
}

static void parse_args(int argc, char **argv, int *queue, double *delay_ms) {
  *queue = 0;
  *delay_ms = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      exit(0);
    }
    if (strcmp(a, "--queue") != 0 && strcmp(a, "--delay-ms") != 0) {
      fprintf(stderr, "ccdelay: unknown argument '%s' (see --help)\n", a);
      exit(2);
    }
    if (i + 1 >= argc) input_error(strcmp(a, "--queue") == 0 ? "--queue needs a value" : "--delay-ms needs a value");
    const char *v = argv[++i];
    char *end;
    errno = 0;
    if (strcmp(a, "--queue") == 0) {
      long q = strtol(v, &end, 10);
      if (errno || end == v || *end || q < 0 || q > 65535) input_error("--queue: not a queue number 0..65535");
      *queue = (int)q;
    } else {
      double ms = strtod(v, &end);
      // !(ms > 0) also refuses NaN.
      if (errno || end == v || *end || !(ms > 0) || ms > 1000) input_error("--delay-ms: not milliseconds in (0, 1000]");
      *delay_ms = ms;
    }
  }
  if (*delay_ms == 0) input_error("--delay-ms MS is required");
}

int main(int argc, char **argv) {
  int queue;
  double delay_ms;
  parse_args(argc, argv, &queue, &delay_ms);
  delayer d = {.delay_ns = (int64_t)(delay_ms * 1e6 + 0.5)};

  // SIGTERM/SIGINT stay blocked except inside pselect, so a stop request cannot slip in between the
  // check of the flag and the wait.
  sigset_t blocked, waiting;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGINT);
  sigprocmask(SIG_BLOCK, &blocked, &waiting);
  sigdelset(&waiting, SIGTERM);
  sigdelset(&waiting, SIGINT);
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  struct nfq_handle *h = nfq_open();
  if (!h || nfq_bind_pf(h, AF_INET) < 0 || !(d.qh = nfq_create_queue(h, (uint16_t)queue, on_packet, &d))) {
    fprintf(stderr, "ccdelay: cannot bind netfilter queue %d: %s (root in this namespace? nfnetlink_queue "
                    "loaded? another program on the queue?)\n", queue, strerror(errno));
    return 1;
  }
  if (nfq_set_mode(d.qh, NFQNL_COPY_META, 0) < 0 || nfq_set_queue_maxlen(d.qh, QUEUE_MAXLEN) < 0) {
    fprintf(stderr, "ccdelay: cannot configure netfilter queue %d: %s\n", queue, strerror(errno));
    return 1;
  }
  // Whole GSO packets, not segmented for us (we never look inside); older kernels lack the flag.
  nfq_set_queue_flags(d.qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO);
  // A burst that overflows the socket loses packets (ENOBUFS; the kernel drops them): make room.
  unsigned int rcvbuf = nfnl_rcvbufsiz(nfq_nfnlh(h), RCVBUF_BYTES);
  int fd = nfq_fd(h);
  fprintf(stderr, "ccdelay: queue %d, delay %g ms, receive buffer %u bytes\n", queue, delay_ms, rcvbuf);

  static char buf[65536];
  int rc = 0;
  while (!stop_requested) {
    int64_t now = now_ns();
    release_due(&d, now);
    struct timespec wait, *timeout = NULL;  // nothing held: wait for a packet or a signal
    if (d.n > 0) {
      int64_t left = d.ring[d.head].due_ns - now;
      if (left < 0) left = 0;
      wait = (struct timespec){left / 1000000000, left % 1000000000};
      timeout = &wait;
    }
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(fd, &readable);
    int r = pselect(fd + 1, &readable, NULL, NULL, timeout, &waiting);
    if (r < 0 && errno != EINTR) {
      fprintf(stderr, "ccdelay: pselect: %s\n", strerror(errno));
      rc = 1;
      break;
    }
    // Read what has come, but at most 256 messages before due packets get their turn again.
    for (int i = 0; r > 0 && i < 256; i++) {
      ssize_t len = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (len >= 0) {
        nfq_handle_packet(h, buf, (int)len);
      } else if (errno == ENOBUFS) {
        d.lost++;  // some messages overflowed the socket; those packets are gone, keep going
      } else {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
          fprintf(stderr, "ccdelay: recv: %s\n", strerror(errno));
        break;
      }
    }
  }

  size_t left = d.n;
  release_due(&d, INT64_MAX);
  fprintf(stderr, "ccdelay: stopping: %llu packets passed (%zu released early at exit), %llu receive-buffer "
                  "overflows, %llu packets with a failed verdict\n", d.passed, left, d.lost, d.failed_verdicts);
  nfq_destroy_queue(d.qh);
  nfq_close(h);
  free(d.ring);
  return rc;
}
