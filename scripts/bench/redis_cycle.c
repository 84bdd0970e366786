/*
 * redis_cycle: the raw Redis baselines of scripts/bench.sh (issue 4), written for agentd.
 *
 *   redis_cycle cycle       -p PORT [-n N] [-P producers] [-C consumers] [-D depth] [-s size]
 *   redis_cycle unpipelined -p PORT [-n N] [-P producers] [-C consumers] [-s size]
 *   redis_cycle send        -p PORT [-n N] [-P producers] [-D depth] [-s size]
 *   redis_cycle latency     -p PORT [-n N] [-r rate] [-s size]
 *
 * cycle:       producers pipeline XADDs (D per round trip) of a SIZE-byte value; consumers
 *              (one consumer group) XREADGROUP COUNT 100 and XACK each batch with one
 *              multi-id XACK, pipelined with the next XREADGROUP. Rate = messages acked/s.
 * unpipelined: one XADD per round trip, one XACK per message (the original library's way).
 * send:        the producers of cycle alone (no consumers). Rate = XADDs answered/s; the
 *              same shape as agentd-bench send and nats_cycle.c publish (issue 16).
 * latency:     XADD at RATE/s; XADD round trip, and XADD -> a blocked XREADGROUP delivery
 *              (the value carries the monotonic send time), percentiles in microseconds.
 *
 * Output: one JSON object per line. Every run is bounded by -t seconds (default 120).
 * Build: cc -O2 -o redis_cycle redis_cycle.c $(pkg-config --cflags --libs hiredis) -lpthread
 */
#define _GNU_SOURCE
#include <hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int port = 6379, producers = 2, consumers = 2, depth = 64, size = 200, rate = 1000, timeout_s = 120;
static long total = 200000;
static int pipelined = 1, send_only = 0;
static char key[64];
static char *value;
static atomic_long acked;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, redisContext *c) {
    fprintf(stderr, "redis_cycle: %s: %s\n", what, c && c->err ? c->errstr : "unexpected reply");
    exit(2);
}

static redisContext *connect_redis(void) {
    redisContext *c = redisConnect("127.0.0.1", port);
    if (c == NULL || c->err) die("connect", c);
    return c;
}

static redisReply *command(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r == NULL) die(fmt, c);
    if (r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "redis_cycle: %s: %s\n", fmt, r->str);
        exit(2);
    }
    return r;
}

static redisReply *next_reply(redisContext *c) {
    void *r = NULL;
    if (redisGetReply(c, &r) != REDIS_OK || r == NULL) die("reply", c);
    if (((redisReply *)r)->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "redis_cycle: %s\n", ((redisReply *)r)->str);
        exit(2);
    }
    return r;
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "redis_cycle: timed out\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(3);
}

/* The entries of an XREADGROUP reply: [[key, [[id, [f, v, ...]], ...]]], or NULL. */
static redisReply *entries_of(redisReply *r) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) return NULL;
    redisReply *stream = r->element[0];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements < 2) return NULL;
    return stream->element[1];
}

static void *producer(void *arg) {
    long quota = (long)(intptr_t)arg;
    redisContext *c = connect_redis();
    int step = pipelined ? depth : 1;
    for (long sent = 0; sent < quota;) {
        long k = quota - sent < step ? quota - sent : step;
        for (long i = 0; i < k; i++) redisAppendCommand(c, "XADD %s * f %b", key, value, (size_t)size);
        for (long i = 0; i < k; i++) freeReplyObject(next_reply(c));
        sent += k;
    }
    redisFree(c);
    return NULL;
}

static void *consumer(void *arg) {
    char name[32];
    snprintf(name, sizeof name, "c%ld", (long)(intptr_t)arg);
    redisContext *c = connect_redis();
    const char **argv = malloc(sizeof(char *) * 103);
    size_t *lens = malloc(sizeof(size_t) * 103);
    redisAppendCommand(c, "XREADGROUP GROUP g %s COUNT 100 BLOCK 100 STREAMS %s >", name, key);
    while (atomic_load(&acked) < total) {
        redisReply *r = next_reply(c);
        redisReply *entries = entries_of(r);
        size_t n = entries ? entries->elements : 0;
        if (n == 0) {
            freeReplyObject(r);
            redisAppendCommand(c, "XREADGROUP GROUP g %s COUNT 100 BLOCK 100 STREAMS %s >", name, key);
            continue;
        }
        if (pipelined) {
            argv[0] = "XACK"; lens[0] = 4;
            argv[1] = key; lens[1] = strlen(key);
            argv[2] = "g"; lens[2] = 1;
            for (size_t i = 0; i < n; i++) {
                argv[3 + i] = entries->element[i]->element[0]->str;
                lens[3 + i] = entries->element[i]->element[0]->len;
            }
            redisAppendCommandArgv(c, (int)(3 + n), argv, lens);
            redisAppendCommand(c, "XREADGROUP GROUP g %s COUNT 100 BLOCK 100 STREAMS %s >", name, key);
            redisReply *ack = next_reply(c);
            atomic_fetch_add(&acked, ack->integer);
            freeReplyObject(ack);
        } else {
            for (size_t i = 0; i < n; i++) {
                redisReply *ack = command(c, "XACK %s g %b", key, entries->element[i]->element[0]->str,
                                          entries->element[i]->element[0]->len);
                atomic_fetch_add(&acked, ack->integer);
                freeReplyObject(ack);
            }
            redisAppendCommand(c, "XREADGROUP GROUP g %s COUNT 100 BLOCK 100 STREAMS %s >", name, key);
        }
        freeReplyObject(r);
    }
    free(argv);
    free(lens);
    redisFree(c);
    return NULL;
}

static void setup_stream(void) {
    redisContext *c = connect_redis();
    freeReplyObject(command(c, "DEL %s", key));
    freeReplyObject(command(c, "XGROUP CREATE %s g $ MKSTREAM", key));
    redisFree(c);
}

static void drop_stream(void) {
    redisContext *c = connect_redis();
    freeReplyObject(command(c, "DEL %s", key));
    redisFree(c);
}

static void run_cycle(void) {
    setup_stream();
    pthread_t p[64], q[64];
    int nq = send_only ? 0 : consumers;
    uint64_t start = now_ns();
    for (int i = 0; i < nq; i++) pthread_create(&q[i], NULL, consumer, (void *)(intptr_t)i);
    for (int i = 0; i < producers; i++) {
        long share = total / producers + (i < total % producers ? 1 : 0);
        pthread_create(&p[i], NULL, producer, (void *)(intptr_t)share);
    }
    for (int i = 0; i < producers; i++) pthread_join(p[i], NULL);
    for (int i = 0; i < nq; i++) pthread_join(q[i], NULL);
    double seconds = (double)(now_ns() - start) / 1e9;
    if (send_only) {
        printf("{\"scenario\":\"redis_send\",\"messages\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"producers\":%d,\"pipeline\":%d}\n",
               total, seconds, total / seconds, producers, depth);
        drop_stream();
        return;
    }
    long n = atomic_load(&acked);
    printf("{\"scenario\":\"%s\",\"messages\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"producers\":%d,\"consumers\":%d,\"pipeline\":%d}\n",
           pipelined ? "redis_cycle" : "redis_cycle_unpipelined", n, seconds, n / seconds, producers, consumers,
           pipelined ? depth : 1);
    drop_stream();
}

/* ---- latency ---- */

static uint64_t *delivery;
static long delivered;

static void *latency_consumer(void *arg) {
    (void)arg;
    redisContext *c = connect_redis();
    const char **argv = malloc(sizeof(char *) * 103);
    size_t *lens = malloc(sizeof(size_t) * 103);
    while (delivered < total) {
        redisReply *r = command(c, "XREADGROUP GROUP g lc COUNT 100 BLOCK 1000 STREAMS %s >", key);
        uint64_t arrived = now_ns();
        redisReply *entries = entries_of(r);
        size_t n = entries ? entries->elements : 0;
        argv[0] = "XACK"; lens[0] = 4;
        argv[1] = key; lens[1] = strlen(key);
        argv[2] = "g"; lens[2] = 1;
        for (size_t i = 0; i < n; i++) {
            redisReply *fields = entries->element[i]->element[1];
            /* fields: t <ns> f <value> */
            if (delivered < total) delivery[delivered++] = arrived - strtoull(fields->element[1]->str, NULL, 10);
            argv[3 + i] = entries->element[i]->element[0]->str;
            lens[3 + i] = entries->element[i]->element[0]->len;
        }
        if (n > 0) {
            redisReply *ack = redisCommandArgv(c, (int)(3 + n), argv, lens);
            if (ack == NULL) die("XACK", c);
            freeReplyObject(ack);
        }
        freeReplyObject(r);
    }
    free(argv);
    free(lens);
    redisFree(c);
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, long n, double p) {
    if (n <= 0) return 0;
    long i = (long)(p / 100.0 * (double)n);
    if (i >= n) i = n - 1;
    return (double)v[i] / 1000.0;
}

static void run_latency(void) {
    setup_stream();
    delivery = calloc((size_t)total, sizeof(uint64_t));
    uint64_t *rtt = calloc((size_t)total, sizeof(uint64_t));
    pthread_t q;
    pthread_create(&q, NULL, latency_consumer, NULL);
    usleep(100000); /* let the consumer block first */
    redisContext *c = connect_redis();
    uint64_t start = now_ns(), period = 1000000000u / (uint64_t)rate;
    char stamp[32];
    for (long i = 0; i < total; i++) {
        uint64_t due = start + (uint64_t)i * period;
        struct timespec ts = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        uint64_t t0 = now_ns();
        int len = snprintf(stamp, sizeof stamp, "%llu", (unsigned long long)t0);
        freeReplyObject(command(c, "XADD %s * t %b f %b", key, stamp, (size_t)len, value, (size_t)size));
        rtt[i] = now_ns() - t0;
    }
    pthread_join(q, NULL);
    redisFree(c);
    long warm = total / 100 < 100 ? total / 100 : 100;
    long n = total - warm;
    qsort(rtt + warm, (size_t)n, sizeof(uint64_t), cmp_u64);
    qsort(delivery + warm, (size_t)n, sizeof(uint64_t), cmp_u64);
    printf("{\"scenario\":\"redis_latency\",\"messages\":%ld,\"rate\":%d,"
           "\"xadd_p50_us\":%.1f,\"xadd_p99_us\":%.1f,"
           "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f}\n",
           total, rate, pct(rtt + warm, n, 50), pct(rtt + warm, n, 99), pct(delivery + warm, n, 50),
           pct(delivery + warm, n, 90), pct(delivery + warm, n, 99), pct(delivery + warm, n, 99.9),
           (double)delivery[total - 1] / 1000.0);
    drop_stream();
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: redis_cycle cycle|unpipelined|send|latency -p PORT [-n N] [-P p] [-C c] [-D depth] [-s size] [-r rate] [-t seconds]\n");
        return 2;
    }
    const char *mode = argv[1];
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "p:n:P:C:D:s:r:t:")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'n': total = atol(optarg); break;
        case 'P': producers = atoi(optarg); break;
        case 'C': consumers = atoi(optarg); break;
        case 'D': depth = atoi(optarg); break;
        case 's': size = atoi(optarg); break;
        case 'r': rate = atoi(optarg); break;
        case 't': timeout_s = atoi(optarg); break;
        default: return 2;
        }
    }
    if (total < 1 || producers < 1 || producers > 64 || consumers < 1 || consumers > 64 || depth < 1 || size < 0 || rate < 1) {
        fprintf(stderr, "redis_cycle: bad option\n");
        return 2;
    }
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout_s);
    snprintf(key, sizeof key, "bench:cycle:%d", (int)getpid());
    value = malloc((size_t)size + 1);
    memset(value, 'x', (size_t)size);
    value[size] = 0;
    if (strcmp(mode, "cycle") == 0) run_cycle();
    else if (strcmp(mode, "unpipelined") == 0) { pipelined = 0; run_cycle(); }
    else if (strcmp(mode, "send") == 0) { send_only = 1; run_cycle(); }
    else if (strcmp(mode, "latency") == 0) run_latency();
    else { fprintf(stderr, "redis_cycle: unknown mode %s\n", mode); return 2; }
    return 0;
}
