/*
 * nats_cycle: the NATS JetStream figures of scripts/bench.sh (issue 16), beside redis_cycle.c.
 *
 *   nats_cycle publish -p PORT [-n N] [-P producers] [-D depth] [-s size] [-t seconds]
 *   nats_cycle cycle   -p PORT [-n N] [-P producers] [-C consumers] [-D depth] [-s size] [-t seconds]
 *
 * Both make a fresh stream (file storage, limits retention, one subject) and delete it at the
 * end. Each producer and each consumer has its own connection (libnats, the C client).
 * publish: producers publish SIZE-byte messages with ack (js_PublishAsync, at most D
 *          unacknowledged per producer: a rolling window of D, like a pipeline of depth D).
 *          Rate = publishes acknowledged (PubAck) per second.
 * cycle:   producers as in publish while consumers (one durable pull consumer, explicit
 *          ack) fetch batches of 100 and ack each message (+ACK, fire-and-forget, so the
 *          acks go out with the next fetch request: pipelined). Rate = messages acked/s.
 *          After the run, the consumer's ack-pending count (acks the server had not yet
 *          applied) is printed as ack_pending.
 *
 * Output: one JSON object per line. Every run is bounded by -t seconds (default 120).
 * Build: cc -O2 -o nats_cycle nats_cycle.c $(pkg-config --cflags --libs libnats) -lpthread
 */
#define _GNU_SOURCE
#include <nats/nats.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STREAM "BENCH"
#define DURABLE "g"

static int port = 4222, producers = 4, consumers = 2, depth = 64, size = 200, timeout_s = 120;
static long total = 200000;
static char url[64], subject[64];
static char *value;
static atomic_long published, acked, failed;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void check(natsStatus s, const char *what, jsErrCode jerr) {
    if (s == NATS_OK) return;
    fprintf(stderr, "nats_cycle: %s: %s (jetstream error %d)\n", what, natsStatus_GetText(s), (int)jerr);
    nats_PrintLastErrorStack(stderr);
    exit(2);
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "nats_cycle: timed out\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(3);
}

static void connect_js(natsConnection **nc, jsCtx **js) {
    check(natsConnection_ConnectTo(nc, url), "connect", 0);
    check(natsConnection_JetStream(js, *nc, NULL), "jetstream context", 0);
}

static void on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure) {
    (void)js; (void)closure;
    if (pa != NULL) atomic_fetch_add(&published, 1);
    else if (pae != NULL) atomic_fetch_add(&failed, 1);
    natsMsg_Destroy(msg);
}

static void *producer(void *arg) {
    long quota = (long)(intptr_t)arg;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    check(natsConnection_ConnectTo(&nc, url), "connect", 0);
    jsOptions o;
    jsOptions_Init(&o);
    o.PublishAsync.MaxPending = depth;       /* PublishAsync blocks while DEPTH are unacknowledged */
    o.PublishAsync.StallWait = 10000;
    o.PublishAsync.AckHandler = on_pub_ack;
    check(natsConnection_JetStream(&js, nc, &o), "jetstream context", 0);
    for (long i = 0; i < quota; i++)
        check(js_PublishAsync(js, subject, value, size, NULL), "publish", 0);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = (int64_t)timeout_s * 1000;
    check(js_PublishAsyncComplete(js, &po), "publish complete", 0);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return NULL;
}

static void *consumer(void *arg) {
    (void)arg;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    connect_js(&nc, &js);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = STREAM;
    so.Consumer = DURABLE;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    check(js_PullSubscribe(&sub, js, subject, DURABLE, NULL, &so, &jerr), "pull subscribe", jerr);
    while (atomic_load(&acked) < total) {
        natsMsgList list = {0};
        natsStatus s = natsSubscription_Fetch(&list, sub, 100, 100, &jerr);
        if (s == NATS_TIMEOUT) continue;
        check(s, "fetch", jerr);
        for (int i = 0; i < list.Count; i++) check(natsMsg_Ack(list.Msgs[i], NULL), "ack", 0);
        atomic_fetch_add(&acked, list.Count);
        natsMsgList_Destroy(&list);
    }
    check(natsConnection_Flush(nc), "flush", 0); /* the server has read every ack sent */
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return NULL;
}

static void setup_stream(natsConnection **nc, jsCtx **js) {
    connect_js(nc, js);
    jsErrCode jerr = 0;
    js_DeleteStream(*js, STREAM, NULL, NULL);
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = STREAM;
    const char *subjects[] = {subject};
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Retention = js_LimitsPolicy;
    check(js_AddStream(NULL, *js, &sc, NULL, &jerr), "add stream", jerr);
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = DURABLE;
    cc.AckPolicy = js_AckExplicit;
    cc.MaxAckPending = 100 * consumers * 10;
    check(js_AddConsumer(NULL, *js, STREAM, &cc, NULL, &jerr), "add consumer", jerr);
}

static void run(int cycle) {
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    setup_stream(&nc, &js);
    pthread_t p[64], q[64];
    int nq = cycle ? consumers : 0;
    uint64_t start = now_ns();
    for (int i = 0; i < nq; i++) pthread_create(&q[i], NULL, consumer, NULL);
    for (int i = 0; i < producers; i++) {
        long share = total / producers + (i < total % producers ? 1 : 0);
        pthread_create(&p[i], NULL, producer, (void *)(intptr_t)share);
    }
    for (int i = 0; i < producers; i++) pthread_join(p[i], NULL);
    for (int i = 0; i < nq; i++) pthread_join(q[i], NULL);
    uint64_t end = now_ns();
    double seconds = (double)(end - start) / 1e9;
    if (cycle) {
        long n = atomic_load(&acked);
        jsConsumerInfo *ci = NULL;
        jsErrCode jerr = 0;
        long long pending = -1;
        if (js_GetConsumerInfo(&ci, js, STREAM, DURABLE, NULL, &jerr) == NATS_OK) {
            pending = (long long)ci->NumAckPending;
            jsConsumerInfo_Destroy(ci);
        }
        printf("{\"scenario\":\"nats_cycle\",\"messages\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"producers\":%d,"
               "\"consumers\":%d,\"pipeline\":%d,\"publish_failed\":%ld,\"ack_pending\":%lld}\n",
               n, seconds, n / seconds, producers, consumers, depth, atomic_load(&failed), pending);
    } else {
        long n = atomic_load(&published);
        printf("{\"scenario\":\"nats_publish\",\"messages\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"producers\":%d,"
               "\"pipeline\":%d,\"publish_failed\":%ld}\n",
               n, seconds, n / seconds, producers, depth, atomic_load(&failed));
    }
    fflush(stdout);
    js_DeleteStream(js, STREAM, NULL, NULL);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: nats_cycle publish|cycle -p PORT [-n N] [-P p] [-C c] [-D depth] [-s size] [-t seconds]\n");
        return 2;
    }
    const char *mode = argv[1];
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "p:n:P:C:D:s:t:")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'n': total = atol(optarg); break;
        case 'P': producers = atoi(optarg); break;
        case 'C': consumers = atoi(optarg); break;
        case 'D': depth = atoi(optarg); break;
        case 's': size = atoi(optarg); break;
        case 't': timeout_s = atoi(optarg); break;
        default: return 2;
        }
    }
    if (total < 1 || producers < 1 || producers > 64 || consumers < 1 || consumers > 64 || depth < 1 || size < 0) {
        fprintf(stderr, "nats_cycle: bad option\n");
        return 2;
    }
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout_s);
    snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
    snprintf(subject, sizeof subject, "bench.cycle.%d", (int)getpid());
    value = malloc((size_t)size + 1);
    memset(value, 'x', (size_t)size);
    value[size] = 0;
    if (strcmp(mode, "publish") == 0) run(0);
    else if (strcmp(mode, "cycle") == 0) run(1);
    else { fprintf(stderr, "nats_cycle: unknown mode %s\n", mode); return 2; }
    nats_Close();
    return 0;
}
