/* One coqidetop process as a stack of sentences (coq_session.h).
 *
 * The process talks over one AF_UNIX socket (its stdin and stdout), so writes use
 * send(MSG_NOSIGNAL): a dead coqidetop gives EPIPE, never a SIGPIPE, and no signal
 * handler of the program is touched. Its stderr goes to /dev/null (it writes protocol
 * complaints there and must never block on a full pipe). It runs in its own process
 * group, so a kill reaches anything it started.
 *
 * Reading: the socket is non-blocking; we poll() until the deadline and frame top-level
 * elements with the resumable xml_frame(), skipping <feedback> without building a tree,
 * until a <value> arrives. No sleeps anywhere: every wait is a poll() on the socket.
 *
 * A call that misses its deadline is first interrupted with SIGINT, which coqidetop turns
 * into a "User interrupt" failure within milliseconds for Ltac, reduction and the VM; we
 * then Edit_at back to the tip. Only when that does not answer within INTERRUPT_GRACE
 * seconds (or the process died or spoke garbage) is the process killed, restarted and the
 * stack replayed. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prover/coq_proto.h"
#include "prover/coq_session.h"
#include "prover/coq_split.h"

extern char **environ;

#define INTERRUPT_GRACE 1.0            /* seconds for coqidetop to answer a SIGINT */
#define QUIT_GRACE 1.0                 /* seconds for the answer to Quit */
#define MAX_REPLY ((size_t)64 << 20)   /* one reply larger than this is garbage */
#define READ_CHUNK ((size_t)64 << 10)

enum { IO_OK, IO_TIMEOUT, IO_DEAD };

struct coq_session {
    char *prog;
    char **argv; /* prog, extra args, our flags, NULL */
    int n_args;  /* extra args (argv[1..n_args] are ours to free) */
    double call_timeout;

    pid_t pid; /* > 0: a process we may signal; <= 0: none (or reaped by coq_kill_for_test) */
    int fd;    /* >= 0 while there is a process to talk to, even a dead one */
    char *rbuf;
    size_t rpos, rlen, rcap;
    xml_framer fr;
    char why[600]; /* what the last IO_DEAD or IO_TIMEOUT was */

    int root; /* state id after Init */
    char **sent;
    int *sid;
    double *secs; /* how long each sentence took: bounds its replay */
    int depth, cap;

    coq_stats st;
};

/* ---- process ---- */

static void reset_buffer(coq_session *s)
{
    s->rpos = s->rlen = 0;
    xml_framer_reset(&s->fr);
}

/* Kills the process group and reaps the process; safe to call when there is none. */
static void kill_proc(coq_session *s)
{
    if (s->pid > 0) {
        if (kill(-s->pid, SIGKILL) && errno == ESRCH) kill(s->pid, SIGKILL);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        s->pid = -1;
    }
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    reset_buffer(s);
}

static int spawn(coq_session *s, q35_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
        return q35_fail(err, "coq: socketpair: %s", strerror(errno));
    int child = sv[1];
    if (child <= 2) { /* dup2 onto 0/1 must not meet the same fd */
        child = fcntl(sv[1], F_DUPFD_CLOEXEC, 3);
        close(sv[1]);
        if (child < 0) {
            close(sv[0]);
            return q35_fail(err, "coq: fcntl: %s", strerror(errno));
        }
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_adddup2(&fa, child, 0);
    posix_spawn_file_actions_adddup2(&fa, child, 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    /* nothing else of ours leaks into it, even fds opened without O_CLOEXEC: another
     * session's socket held open by this child would hide that session's EOF */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    /* own process group; default signal handling and an empty mask whatever ours are */
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    int dfl_sigs[] = {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM};
    for (size_t i = 0; i < sizeof dfl_sigs / sizeof dfl_sigs[0]; i++) sigaddset(&dfl, dfl_sigs[i]);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    pid_t pid;
    int rc = posix_spawnp(&pid, s->prog, &fa, &at, s->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(child);
    if (rc) {
        close(sv[0]);
        return q35_fail(err, "coq: cannot start '%s': %s", s->prog, strerror(rc));
    }
    int fl = fcntl(sv[0], F_GETFL);
    fcntl(sv[0], F_SETFL, fl | O_NONBLOCK);
    s->pid = pid;
    s->fd = sv[0];
    reset_buffer(s);
    s->st.starts++;
    return 0;
}

/* ---- I/O ---- */

static int ms_left(double deadline)
{
    double left = deadline - q35_now();
    if (left <= 0) return 0;
    if (left > 1e6) return 1000000000;
    return (int)ceil(left * 1000.0);
}

/* Waits until the socket is ready for `events` or the deadline passes. */
static int wait_fd(coq_session *s, short events, double deadline, const char *timeout_why)
{
    int ms = ms_left(deadline);
    if (!ms) {
        snprintf(s->why, sizeof s->why, "%s", timeout_why);
        return IO_TIMEOUT;
    }
    struct pollfd p = {s->fd, events, 0};
    if (poll(&p, 1, ms) < 0 && errno != EINTR) {
        snprintf(s->why, sizeof s->why, "poll: %s", strerror(errno));
        return IO_DEAD;
    }
    return IO_OK;
}

static int send_all(coq_session *s, const char *msg, double deadline)
{
    size_t n = strlen(msg), off = 0;
    while (off < n) {
        ssize_t w = send(s->fd, msg + off, n - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_fd(s, POLLOUT, deadline, "coqidetop did not read its input in time");
            if (rc != IO_OK) return rc;
            continue;
        }
        snprintf(s->why, sizeof s->why, "coqidetop stopped reading (%s)", w < 0 ? strerror(errno) : "closed");
        return IO_DEAD;
    }
    return IO_OK;
}

/* Reads elements until a <value>; IO_OK with *out its tree. */
static int recv_value(coq_session *s, double deadline, xml_doc **out)
{
    q35_err e;
    *out = NULL;
    for (;;) {
        size_t end;
        const char *el = s->rbuf + s->rpos;
        int r = xml_frame(&s->fr, el, s->rlen - s->rpos, MAX_REPLY, &end, &e);
        if (r < 0) {
            snprintf(s->why, sizeof s->why, "protocol garbage: %.500s", e.msg);
            return IO_DEAD;
        }
        if (r == 1) {
            const char *tag = el + s->fr.start;
            size_t tlen = end - s->fr.start;
            if ((tlen > 10 && !memcmp(tag, "<feedback", 9)) || (tlen > 9 && !memcmp(tag, "<message", 8))) {
                s->rpos += end; /* feedback (and old-style messages): not needed */
                xml_framer_reset(&s->fr);
                continue;
            }
            size_t used;
            xml_doc *d;
            r = xml_parse(el, end, MAX_REPLY, &d, &used, &e);
            s->rpos += end;
            xml_framer_reset(&s->fr);
            if (r != 1) {
                snprintf(s->why, sizeof s->why, "protocol garbage: %.500s", r ? e.msg : "element cut short");
                return IO_DEAD;
            }
            if (!xml_is(xml_root(d), "value")) {
                snprintf(s->why, sizeof s->why, "protocol garbage: unexpected <%.40s>", xml_root(d)->name);
                xml_doc_free(d);
                return IO_DEAD;
            }
            *out = d;
            return IO_OK;
        }
        /* need more bytes: make room (keeping the partial element), then wait for them */
        if (s->rpos) {
            memmove(s->rbuf, s->rbuf + s->rpos, s->rlen - s->rpos);
            s->rlen -= s->rpos;
            s->rpos = 0;
        }
        if (s->rcap - s->rlen < READ_CHUNK) {
            size_t nc = s->rcap ? s->rcap * 2 : 4 * READ_CHUNK;
            if (nc > MAX_REPLY + 2 * READ_CHUNK) {
                snprintf(s->why, sizeof s->why, "protocol garbage: a reply over %zu bytes", MAX_REPLY);
                return IO_DEAD;
            }
            char *nb = realloc(s->rbuf, nc);
            if (!nb) {
                snprintf(s->why, sizeof s->why, "out of memory for a %zu-byte reply", nc);
                return IO_DEAD;
            }
            s->rbuf = nb;
            s->rcap = nc;
        }
        ssize_t n = recv(s->fd, s->rbuf + s->rlen, s->rcap - s->rlen, 0);
        if (n > 0) {
            s->rlen += (size_t)n;
            continue;
        }
        if (n == 0) {
            snprintf(s->why, sizeof s->why, "coqidetop exited");
            return IO_DEAD;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            snprintf(s->why, sizeof s->why, "read: %s", strerror(errno));
            return IO_DEAD;
        }
        int rc = wait_fd(s, POLLIN, deadline, "no answer in time");
        if (rc != IO_OK) return rc;
    }
}

static int call(coq_session *s, const char *msg, double deadline, xml_doc **out)
{
    *out = NULL;
    if (s->fd < 0) {
        snprintf(s->why, sizeof s->why, "no coqidetop process");
        return IO_DEAD;
    }
    s->st.calls++;
    int r = send_all(s, msg, deadline);
    return r == IO_OK ? recv_value(s, deadline, out) : r;
}

/* ---- the stack ---- */

static int tip(const coq_session *s) { return s->depth ? s->sid[s->depth - 1] : s->root; }

static int push(coq_session *s, const char *sentence, int sid, double secs, q35_err *err)
{
    if (s->depth == s->cap) {
        int nc = s->cap ? 2 * s->cap : 32;
        char **ns = realloc(s->sent, (size_t)nc * sizeof *ns);
        if (ns) s->sent = ns;
        int *ni = realloc(s->sid, (size_t)nc * sizeof *ni);
        if (ni) s->sid = ni;
        double *nd = realloc(s->secs, (size_t)nc * sizeof *nd);
        if (nd) s->secs = nd;
        if (!ns || !ni || !nd) return q35_fail(err, "coq: out of memory");
        s->cap = nc;
    }
    char *c = q35_strdup(sentence, err);
    if (!c) return -1;
    s->sent[s->depth] = c;
    s->sid[s->depth] = sid;
    s->secs[s->depth] = secs;
    s->depth++;
    return 0;
}

static void truncate_stack(coq_session *s, int depth)
{
    while (s->depth > depth) free(s->sent[--s->depth]);
}

/* ---- recovery ---- */

/* Edit_at `state` (the tip after a failure or an interrupt). A failure the first time is
 * retried once: a SIGINT that reached coqidetop between two calls is only noticed, and
 * then cleared, by the next call. 0: done; -1: the process must be restarted. */
static int edit_to(coq_session *s, int state)
{
    char msg[COQ_CALL_EDIT_AT_MAX];
    coq_call_edit_at(state, msg);
    for (int attempt = 0; attempt < 2; attempt++) {
        xml_doc *d;
        if (call(s, msg, q35_now() + s->call_timeout, &d) != IO_OK) return -1;
        coq_value v;
        int focus = 0, bad = coq_decode_value(xml_root(d), &v, NULL);
        if (!bad && v.good) bad = coq_decode_edit_at(xml_root(d), &focus, NULL);
        xml_doc_free(d);
        free(v.msg);
        if (bad) {
            snprintf(s->why, sizeof s->why, "protocol garbage in the Edit_at reply");
            return -1;
        }
        if (v.good) {
            if (focus) snprintf(s->why, sizeof s->why, "Edit_at focused a proof instead of moving the tip");
            return focus ? -1 : 0;
        }
    }
    snprintf(s->why, sizeof s->why, "Edit_at %d failed twice", state);
    return -1;
}

/* A fresh process with Init, and the stack replayed on it: every sentence Added, then
 * one Goal runs them all. If a sentence is not accepted again, the stack is cut before
 * it and -1 returned (the process is left at the cut, usable). If the process cannot
 * even be started, -1 with the stack kept for the next attempt. */
static int restart(coq_session *s, q35_err *err)
{
    kill_proc(s);
    if (spawn(s, err)) return -1;
    xml_doc *d;
    int r = call(s, COQ_CALL_INIT, q35_now() + s->call_timeout, &d);
    if (r != IO_OK) {
        q35_fail(err, "coq: '%s' did not answer Init: %s", s->prog, s->why);
        kill_proc(s);
        return -1;
    }
    r = coq_decode_init(xml_root(d), &s->root, err);
    xml_doc_free(d);
    if (r) {
        kill_proc(s);
        return -1;
    }

    /* Add every sentence, then one Goal runs them all. A sentence refused at Add (a
     * Require runs there) still needs the Goal: the ones before it must be checked too. */
    int n = s->depth, cur = s->root, added = 0;
    double budget = s->call_timeout;
    coq_value v = {0};
    int failed_at = -1; /* index of the first sentence Coq refused again */
    const char *what = NULL;
    for (int i = 0; i < n; i++) {
        char *msg = coq_call_add(s->sent[i], cur, err);
        if (!msg) {
            what = "could not be sent (out of memory)";
            break;
        }
        r = call(s, msg, q35_now() + s->call_timeout + 2 * s->secs[i], &d);
        free(msg);
        if (r != IO_OK) {
            what = r == IO_TIMEOUT ? "timed out" : "killed the process";
            break;
        }
        int unfocus = -1;
        if (coq_decode_value(xml_root(d), &v, NULL) ||
            (v.good && (coq_decode_add(xml_root(d), &s->sid[i], &unfocus, NULL) || unfocus >= 0))) {
            what = "got a reply of the wrong shape";
        } else if (!v.good) {
            failed_at = i;
            what = "was refused";
        } else {
            cur = s->sid[i];
            budget += 2 * s->secs[i];
            added++;
            s->st.replayed++;
        }
        xml_doc_free(d);
        if (what) break;
    }
    if ((!what || failed_at >= 0) && added) {
        r = call(s, COQ_CALL_GOAL, q35_now() + budget, &d);
        if (r != IO_OK) {
            what = r == IO_TIMEOUT ? "timed out" : "killed the process";
            failed_at = -1;
        } else {
            coq_value g;
            if (coq_decode_value(xml_root(d), &g, NULL)) {
                what = "got a reply of the wrong shape";
                failed_at = -1;
            } else if (!g.good) {
                /* the first sentence after the last good state Coq names */
                what = "was refused";
                failed_at = 0;
                for (int i = 0; i < added; i++)
                    if (s->sid[i] == g.fail_state) failed_at = i + 1;
                if (failed_at >= added) failed_at = added - 1;
                free(v.msg);
                v = g;
                g.msg = NULL;
            }
            free(g.msg);
            xml_doc_free(d);
        }
    }
    if (!what) return 0;

    int at = failed_at;
    char msg[400];
    if (at >= 0)
        snprintf(msg, sizeof msg, "coq: replay on a fresh coqidetop: sentence %d of %d ('%.60s') %s%s%.160s", at + 1,
                 n, s->sent[at], what, v.msg ? ": " : "", v.msg ? v.msg : "");
    else
        snprintf(msg, sizeof msg, "coq: replay of %d sentences on a fresh coqidetop %s (%.100s)", n, what, s->why);
    free(v.msg);
    if (at >= 0) {
        /* everything before `at` ran again: keep it */
        truncate_stack(s, at);
        if (edit_to(s, tip(s)) == 0) return q35_fail(err, "%s; stack cut to %d sentences", msg, at);
    }
    /* no process at a known state: an empty one */
    truncate_stack(s, 0);
    q35_err e2;
    if (restart(s, &e2)) return q35_fail(err, "%s; and a fresh start failed: %s", msg, e2.msg);
    return q35_fail(err, "%s; the stack is now empty", msg);
}

/* After a call missed its deadline: interrupt, then Edit_at back to `back`; if either
 * fails, restart and replay. Fills out->msg. */
static int on_timeout(coq_session *s, int back, double limit, coq_result *out, q35_err *err)
{
    s->st.timeouts++;
    out->status = COQ_TIMEOUT;
    char m[160];
    if (s->pid > 0 && kill(s->pid, SIGINT) == 0) {
        xml_doc *d;
        int r = recv_value(s, q35_now() + INTERRUPT_GRACE, &d);
        xml_doc_free(d);
        if (r == IO_OK && edit_to(s, back) == 0) {
            s->st.interrupts++;
            snprintf(m, sizeof m, "no answer in %.3g s; interrupted", limit);
            out->msg = q35_strdup(m, err);
            return out->msg ? 0 : -1;
        }
    }
    snprintf(m, sizeof m, "no answer in %.3g s; coqidetop restarted and %d sentences replayed", limit, s->depth);
    if (restart(s, err)) return -1;
    out->msg = q35_strdup(m, err);
    return out->msg ? 0 : -1;
}

static int on_death(coq_session *s, coq_result *out, q35_err *err)
{
    s->st.deaths++;
    out->status = COQ_DIED;
    char m[sizeof s->why + 80];
    snprintf(m, sizeof m, "%s; coqidetop restarted and %d sentences replayed", s->why, s->depth);
    if (restart(s, err)) return -1;
    out->msg = q35_strdup(m, err);
    return out->msg ? 0 : -1;
}

/* ---- API ---- */

coq_session *coq_open(const coq_opts *opts, q35_err *err)
{
    static const char *const flags[] = {"-main-channel", "stdfds", "-async-proofs", "off", "-q"};
    const int n_flags = (int)(sizeof flags / sizeof flags[0]);
    coq_session *s = q35_calloc(1, sizeof *s, err);
    if (!s) return NULL;
    s->pid = -1;
    s->fd = -1;
    s->call_timeout = opts && opts->call_timeout > 0 ? opts->call_timeout : 60.0;
    int n_args = 0;
    if (opts && opts->args)
        while (opts->args[n_args]) n_args++;
    s->n_args = n_args;
    s->prog = q35_strdup(opts && opts->coqidetop ? opts->coqidetop : "coqidetop.opt", err);
    s->argv = q35_calloc((size_t)(n_args + n_flags + 2), sizeof *s->argv, err);
    if (!s->prog || !s->argv) goto fail;
    /* the caller's arguments first (a wrapper program may need its own first), then the
     * flags the session depends on, so they win over anything earlier */
    s->argv[0] = s->prog;
    for (int i = 0; i < n_args; i++)
        if (!(s->argv[1 + i] = q35_strdup(opts->args[i], err))) goto fail;
    for (int i = 0; i < n_flags; i++) s->argv[1 + n_args + i] = (char *)flags[i];
    if (restart(s, err)) goto fail;
    return s;
fail:
    coq_close(s);
    return NULL;
}

void coq_close(coq_session *s)
{
    if (!s) return;
    if (s->pid > 0 && s->fd >= 0) {
        /* a polite Quit first; the kill after it only reaps what did not exit */
        double deadline = q35_now() + QUIT_GRACE;
        if (send_all(s, COQ_CALL_QUIT, deadline) == IO_OK) {
            xml_doc *d;
            recv_value(s, deadline, &d);
            xml_doc_free(d);
        }
    }
    kill_proc(s);
    truncate_stack(s, 0);
    free(s->sent);
    free(s->sid);
    free(s->secs);
    free(s->rbuf);
    if (s->argv) {
        for (int i = 1; i <= s->n_args; i++) free(s->argv[i]);
        free(s->argv);
    }
    free(s->prog);
    free(s);
}

void coq_result_free(coq_result *r)
{
    if (!r) return;
    free(r->msg);
    coq_goals_free(&r->goals);
    memset(r, 0, sizeof *r);
}

/* The process exists, restarting (and replaying) it if an earlier recovery could not. */
static int ensure_process(coq_session *s, q35_err *err) { return s->fd >= 0 ? 0 : restart(s, err); }

/* Decodes a good Goal reply into out; -1 (with s->why) when it has the wrong shape. */
static int goals_from(coq_session *s, xml_doc *d, coq_result *out)
{
    q35_err e;
    if (coq_decode_goals(xml_root(d), &out->goals, &e)) {
        coq_goals_free(&out->goals);
        snprintf(s->why, sizeof s->why, "protocol garbage: %.500s", e.msg);
        return -1;
    }
    return 0;
}

/* Handles a fail value: the message into out, Edit_at back. */
static int on_error(coq_session *s, coq_value *v, int back, coq_result *out, q35_err *err)
{
    out->status = COQ_ERROR;
    out->msg = v->msg;
    v->msg = NULL;
    if (edit_to(s, back) == 0) return 0;
    /* could not step back: a new process at the same stack */
    s->st.deaths++;
    return restart(s, err);
}

int coq_exec(coq_session *s, const char *sentence, double timeout, coq_result *out, q35_err *err)
{
    double t0 = q35_now();
    memset(out, 0, sizeof *out);
    s->st.execs++;
    if (!coq_is_one_sentence(sentence, strlen(sentence))) {
        out->status = COQ_ERROR;
        out->msg = q35_strdup("not exactly one sentence (one command or tactic ending with '.', "
                              "or one bullet or brace)", err);
        out->seconds = q35_now() - t0;
        return out->msg ? 0 : -1;
    }
    if (ensure_process(s, err)) return -1;
    if (timeout <= 0) timeout = s->call_timeout;
    double deadline = t0 + timeout;
    int back = tip(s), rc = 0;

    char *add = coq_call_add(sentence, back, err);
    if (!add) return -1;
    xml_doc *d;
    int r = call(s, add, deadline, &d);
    free(add);
    coq_value v = {0};
    int new_state = 0, unfocus;
    if (r == IO_OK) {
        q35_err e;
        if (coq_decode_value(xml_root(d), &v, &e) ||
            (v.good && coq_decode_add(xml_root(d), &new_state, &unfocus, &e))) {
            snprintf(s->why, sizeof s->why, "protocol garbage: %.500s", e.msg);
            r = IO_DEAD;
        } else if (v.good && unfocus >= 0) {
            /* with -async-proofs off Coq never unfocuses; if it does, we no longer know
             * the tip: start over */
            snprintf(s->why, sizeof s->why, "Add answered an unexpected unfocus");
            r = IO_DEAD;
        }
        xml_doc_free(d);
        d = NULL;
    }
    if (r == IO_OK && !v.good) {
        rc = on_error(s, &v, back, out, err);
    } else if (r == IO_OK) {
        r = call(s, COQ_CALL_GOAL, deadline, &d);
        if (r == IO_OK) {
            q35_err e;
            if (coq_decode_value(xml_root(d), &v, &e)) {
                snprintf(s->why, sizeof s->why, "protocol garbage: %.500s", e.msg);
                r = IO_DEAD;
            } else if (!v.good) {
                rc = on_error(s, &v, back, out, err);
            } else if (goals_from(s, d, out)) {
                r = IO_DEAD;
            } else {
                out->status = COQ_OK;
                rc = push(s, sentence, new_state, q35_now() - t0, err);
            }
            xml_doc_free(d);
        }
    }
    if (r == IO_TIMEOUT) rc = on_timeout(s, back, timeout, out, err);
    else if (r == IO_DEAD) rc = on_death(s, out, err);
    free(v.msg);
    out->seconds = q35_now() - t0;
    return rc;
}

int coq_depth(const coq_session *s) { return s->depth; }

const char *coq_sentence(const coq_session *s, int i) { return i >= 0 && i < s->depth ? s->sent[i] : NULL; }

int coq_rewind(coq_session *s, int depth, q35_err *err)
{
    if (depth < 0 || depth > s->depth)
        return q35_fail(err, "coq: cannot rewind to depth %d (stack has %d)", depth, s->depth);
    if (depth == s->depth) return 0;
    truncate_stack(s, depth);
    if (s->fd >= 0 && edit_to(s, tip(s)) == 0) return 0;
    /* Edit_at failed, timed out or the process is gone: rebuild at the new depth */
    if (s->fd >= 0) s->st.deaths++;
    return restart(s, err);
}

int coq_current_goals(coq_session *s, coq_result *out, q35_err *err)
{
    double t0 = q35_now();
    memset(out, 0, sizeof *out);
    if (ensure_process(s, err)) return -1;
    xml_doc *d;
    int r = call(s, COQ_CALL_GOAL, t0 + s->call_timeout, &d), rc = 0;
    coq_value v = {0};
    if (r == IO_OK) {
        q35_err e;
        if (coq_decode_value(xml_root(d), &v, &e)) {
            snprintf(s->why, sizeof s->why, "protocol garbage: %.500s", e.msg);
            r = IO_DEAD;
        } else if (!v.good) {
            rc = on_error(s, &v, tip(s), out, err);
        } else if (goals_from(s, d, out)) {
            r = IO_DEAD;
        } else {
            out->status = COQ_OK;
        }
        xml_doc_free(d);
    }
    if (r == IO_TIMEOUT) rc = on_timeout(s, tip(s), s->call_timeout, out, err);
    else if (r == IO_DEAD) rc = on_death(s, out, err);
    free(v.msg);
    out->seconds = q35_now() - t0;
    return rc;
}

void coq_kill_for_test(coq_session *s)
{
    /* SIGKILL and reap, but keep the socket: the next call finds the peer gone (EPIPE or
     * EOF), exactly as after a crash */
    if (s->pid > 0) {
        kill(-s->pid, SIGKILL);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        s->pid = -1; /* reaped: never signal this pid again, but the socket stays */
    }
}

coq_stats coq_session_stats(const coq_session *s) { return s->st; }
