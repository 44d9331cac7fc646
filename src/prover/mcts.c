/* PUCT tree search over Coq proof states (see mcts.h). */
#include "mcts.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EDGE_NEW = -1, EDGE_DEAD = -2 };

typedef struct edge {
    pv_action act;
    int child;   /* node index, EDGE_NEW or EDGE_DEAD */
    int n;
    double w;
} edge;

typedef struct node {
    int parent, parent_edge, depth;
    edge *edges;
    int n_edges;
    int n;
    double value;
    int dead;
    char *key;
} node;

typedef struct tree {
    node *nodes;
    int n_nodes, cap;
    int *table;  /* open addressing over keys: node index or -1 */
    size_t table_cap;
} tree;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

char *pv_state_key(const coq_goals *g)
{
    size_t len = 64;
    for (int i = 0; i < g->n_fg; i++) {
        for (int j = 0; j < g->fg[i].n_hyps; j++) len += strlen(g->fg[i].hyps[j]) + 1;
        len += strlen(g->fg[i].concl ? g->fg[i].concl : "") + 8;
    }
    char *k = malloc(len), *p = k;
    if (!k) return NULL;
    for (int i = 0; i < g->n_fg; i++) {
        for (int j = 0; j < g->fg[i].n_hyps; j++) p += sprintf(p, "%s\n", g->fg[i].hyps[j]);
        p += sprintf(p, "|-%s\n==\n", g->fg[i].concl ? g->fg[i].concl : "");
    }
    sprintf(p, "%d/%d/%d", g->n_bg, g->n_shelved, g->n_given_up);
    return k;
}

static int table_find(const tree *t, const char *key)
{
    size_t m = t->table_cap - 1;
    for (size_t i = fnv(key) & m;; i = (i + 1) & m) {
        int x = t->table[i];
        if (x < 0) return -1;
        if (!strcmp(t->nodes[x].key, key)) return x;
    }
}

static int table_put(tree *t, int idx)
{
    if ((size_t)(t->n_nodes + 1) * 2 > t->table_cap) {
        size_t cap = t->table_cap ? t->table_cap * 2 : 1024;
        int *nt = malloc(cap * sizeof *nt);
        if (!nt) return -1;
        for (size_t i = 0; i < cap; i++) nt[i] = -1;
        for (size_t i = 0; i < t->table_cap; i++) {
            int x = t->table[i];
            if (x < 0) continue;
            size_t j = fnv(t->nodes[x].key) & (cap - 1);
            while (nt[j] >= 0) j = (j + 1) & (cap - 1);
            nt[j] = x;
        }
        free(t->table);
        t->table = nt;
        t->table_cap = cap;
    }
    size_t j = fnv(t->nodes[idx].key) & (t->table_cap - 1);
    while (t->table[j] >= 0) j = (j + 1) & (t->table_cap - 1);
    t->table[j] = idx;
    return 0;
}

static void tree_free(tree *t)
{
    for (int i = 0; i < t->n_nodes; i++) {
        node *nd = &t->nodes[i];
        for (int e = 0; e < nd->n_edges; e++) free(nd->edges[e].act.tactic);
        free(nd->edges);
        free(nd->key);
    }
    free(t->nodes);
    free(t->table);
}

static int goals_size(const coq_goals *g)
{
    int s = 0;
    for (int i = 0; i < g->n_fg; i++) {
        s += (int)strlen(g->fg[i].concl ? g->fg[i].concl : "");
        for (int j = 0; j < g->fg[i].n_hyps; j++) s += (int)strlen(g->fg[i].hyps[j]) / 4;
    }
    return s;
}

/* A new node for the state `g` (which has goals). Returns its index or -1. */
static int node_add(tree *t, const coq_goals *g, char *key, int parent, int parent_edge, int depth,
                    const pv_policy *pol, const pv_context *ctx, const pv_search_opts *o)
{
    if (t->n_nodes == t->cap) {
        int cap = t->cap ? t->cap * 2 : 256;
        node *nn = realloc(t->nodes, (size_t)cap * sizeof *nn);
        if (!nn) return -1;
        t->nodes = nn;
        t->cap = cap;
    }
    int idx = t->n_nodes;
    node *nd = &t->nodes[idx];
    memset(nd, 0, sizeof *nd);
    nd->parent = parent;
    nd->parent_edge = parent_edge;
    nd->depth = depth;
    nd->key = key;
    t->n_nodes++;
    if (table_put(t, idx)) return -1;
    pv_goal_view v;
    if (g->n_fg < 1 || pv_goal_view_make(g, &v)) {
        nd->dead = 1; /* goals we cannot work on (only shelved ones, say) */
        return idx;
    }
    pv_action *acts = NULL;
    int na = pv_actions_make(&v, ctx, 512, &acts); /* all of them: the policy picks the best */
    if (na > 0) pol->priors(pol->self, &v, acts, na);
    int n_extra = 0;
    while (o->extra_tactics && o->extra_tactics[n_extra]) n_extra++;
    if (n_extra && na >= 0) { /* the user's own tactics go first */
        float top = 1.0f;
        for (int i = 0; i < na; i++)
            if (acts[i].prior > top) top = acts[i].prior;
        pv_action *more = realloc(acts, (size_t)(na + n_extra) * sizeof *more);
        if (more) {
            acts = more;
            for (int i = 0; i < n_extra; i++) {
                char *tac = strdup(o->extra_tactics[i]);
                if (tac) acts[na++] = (pv_action){tac, -1, 0, 2.0f * top};
            }
        }
    }
    double sum = 0;
    int keep = 0;
    for (int i = 0; i < na; i++) {
        int ok = acts[i].prior > 0 && (depth < o->max_depth || acts[i].tmpl < 0 || pv_templates[acts[i].tmpl].closes);
        if (ok) acts[keep++] = acts[i];
        else free(acts[i].tactic);
    }
    /* highest priors first, at most max_actions */
    for (int i = 1; i < keep; i++)
        for (int j = i; j > 0 && acts[j].prior > acts[j - 1].prior; j--) {
            pv_action tmp = acts[j];
            acts[j] = acts[j - 1];
            acts[j - 1] = tmp;
        }
    while (keep > o->max_actions) free(acts[--keep].tactic);
    for (int i = 0; i < keep; i++) sum += acts[i].prior;
    nd->edges = keep ? calloc((size_t)keep, sizeof(edge)) : NULL;
    for (int i = 0; i < keep && nd->edges; i++) {
        nd->edges[i].act = acts[i];
        nd->edges[i].act.prior = (float)(acts[i].prior / sum);
        nd->edges[i].child = EDGE_NEW;
    }
    if (!nd->edges)
        for (int i = 0; i < keep; i++) free(acts[i].tactic);
    nd->n_edges = nd->edges ? keep : 0;
    free(acts);
    nd->value = pol->value(pol->self, &v, g->n_fg + g->n_bg, goals_size(g));
    if (!nd->n_edges) nd->dead = 1;
    pv_goal_view_free(&v);
    return idx;
}

/* "Timeout 3 (tac)." for the tactic "tac." */
static char *wrap(const char *tactic, double timeout)
{
    size_t n = strlen(tactic);
    while (n && (tactic[n - 1] == '.' || tactic[n - 1] == ' ')) n--;
    char *s = malloc(n + 48);
    if (!s) return NULL;
    if (!strncmp(tactic, "all:", 4)) /* a goal selector stays in front */
        sprintf(s, "Timeout %d all: (%.*s).", (int)ceil(timeout), (int)n - 4, tactic + 4);
    else
        sprintf(s, "Timeout %d (%.*s).", (int)ceil(timeout), (int)n, tactic);
    return s;
}

/* Tactics from the root to node x, root first. */
static int path_to(const tree *t, int x, const edge **out, int max)
{
    int n = 0;
    for (int y = x; t->nodes[y].parent >= 0 && n < max; y = t->nodes[y].parent) n++;
    int i = n;
    for (int y = x; t->nodes[y].parent >= 0 && i > 0; y = t->nodes[y].parent)
        out[--i] = &t->nodes[t->nodes[y].parent].edges[t->nodes[y].parent_edge];
    return n;
}

/* Puts Coq's tip at node x: rewinds to the longest common prefix, then replays. */
static int goto_node(coq_session *s, const tree *t, int x, int base, const pv_search_opts *o, q35_err *err)
{
    const edge *path[256];
    int n = path_to(t, x, path, 256);
    int depth = coq_depth(s), k = 0;
    char *w[256];
    for (int i = 0; i < n; i++) w[i] = wrap(path[i]->act.tactic, o->tactic_timeout);
    while (k < n && base + k < depth && w[k] && !strcmp(coq_sentence(s, base + k), w[k])) k++;
    int rc = 0;
    if (base + k < depth && coq_rewind(s, base + k, err)) rc = -1;
    for (int i = k; i < n && !rc; i++) {
        coq_result r = {0};
        if (!w[i] || coq_exec(s, w[i], o->tactic_timeout + 10, &r, err)) {
            coq_result_free(&r);
            rc = -1;
            break;
        }
        if (r.status != COQ_OK) rc = 1; /* did not replay: treat the node as dead */
        coq_result_free(&r);
    }
    for (int i = 0; i < n; i++) free(w[i]);
    return rc;
}

static double puct(const node *nd, const edge *e, double c)
{
    double q = e->n ? e->w / e->n : nd->value;
    return q + c * e->act.prior * sqrt((double)nd->n + 1.0) / (1.0 + e->n);
}

static int edge_live(const tree *t, const edge *e) { return e->child == EDGE_NEW || (e->child >= 0 && !t->nodes[e->child].dead); }

static int pick(const tree *t, const node *nd, double c)
{
    int best = -1;
    double bs = -1e300;
    for (int i = 0; i < nd->n_edges; i++) {
        const edge *e = &nd->edges[i];
        if (!edge_live(t, e)) continue;
        double s = puct(nd, e, c);
        if (s > bs) {
            bs = s;
            best = i;
        }
    }
    return best;
}

static int on_path(const int *path, int n, int x)
{
    for (int i = 0; i < n; i++)
        if (path[i] == x) return 1;
    return 0;
}

void pv_search_result_free(pv_search_result *r)
{
    for (int i = 0; i < r->n_tactics; i++) free(r->tactics[i]);
    free(r->tactics);
    memset(r, 0, sizeof *r);
}

static int extract(const tree *t, int x, const edge *last, pv_search_result *r)
{
    const edge *path[256];
    int n = path_to(t, x, path, 255);
    path[n++] = last;
    r->tactics = calloc((size_t)n, sizeof *r->tactics);
    if (!r->tactics) return -1;
    for (int i = 0; i < n; i++) {
        r->tactics[i] = strdup(path[i]->act.tactic);
        if (!r->tactics[i]) return -1;
        r->n_tactics = i + 1;
    }
    return 0;
}

int pv_search(coq_session *s, const pv_policy *pol, const pv_context *ctx, const pv_search_opts *oin,
              pv_search_result *r, q35_err *err)
{
    pv_search_opts o = *oin;
    if (o.budget_seconds <= 0) o.budget_seconds = 60;
    if (o.tactic_timeout <= 0) o.tactic_timeout = 3;
    if (o.max_depth <= 0) o.max_depth = 12;
    if (o.max_actions <= 0) o.max_actions = 48;
    if (o.c_puct <= 0) o.c_puct = 1.5;
    memset(r, 0, sizeof *r);
    double t0 = q35_now();
    int base = coq_depth(s);
    tree t = {0};
    int rc = 0;

    coq_result cur = {0};
    if (coq_current_goals(s, &cur, err)) {
        coq_result_free(&cur);
        return -1;
    }
    if (cur.status != COQ_OK || !cur.goals.in_proof || cur.goals.n_fg == 0) {
        coq_result_free(&cur);
        r->stop = "exhausted";
        r->seconds = q35_now() - t0;
        return 0;
    }
    char *k0 = pv_state_key(&cur.goals);
    if (!k0 || node_add(&t, &cur.goals, k0, -1, -1, 0, pol, ctx, &o) < 0) {
        coq_result_free(&cur);
        tree_free(&t);
        return q35_fail(err, "out of memory in the proof search");
    }
    coq_result_free(&cur);

    int path[512];
    while (!r->proved) {
        double el = q35_now() - t0;
        if (el >= o.budget_seconds) {
            r->stop = "time";
            break;
        }
        if (o.max_expansions > 0 && r->expansions >= o.max_expansions) {
            r->stop = "expansions";
            break;
        }
        if (t.nodes[0].dead) {
            r->stop = "exhausted";
            break;
        }
        /* descend */
        int np = 0, x = 0, e = -1;
        path[np++] = 0;
        for (;;) {
            e = pick(&t, &t.nodes[x], o.c_puct);
            if (e < 0) {
                t.nodes[x].dead = 1;
                break;
            }
            int c = t.nodes[x].edges[e].child;
            if (c >= 0 && np < 511) {
                x = c;
                path[np++] = x;
                continue;
            }
            if (c >= 0) e = -1; /* too deep: treat as a leaf */
            break;
        }
        if (e < 0) continue;
        /* expand edge e of node x */
        int g = goto_node(s, &t, x, base, &o, err);
        if (g < 0) {
            rc = -1;
            break;
        }
        if (g > 0) {
            t.nodes[x].dead = 1;
            continue;
        }
        edge *ed = &t.nodes[x].edges[e];
        char *w = wrap(ed->act.tactic, o.tactic_timeout);
        coq_result res = {0};
        if (!w || coq_exec(s, w, o.tactic_timeout + 10, &res, err)) {
            coq_result_free(&res);
            free(w);
            rc = -1;
            break;
        }
        free(w);
        r->expansions++;
        if (o.trace)
            fprintf(o.trace, "[%6.2f s] node %d depth %d prior %.3f  %s  => %s%s%.*s\n", q35_now() - t0, x,
                    t.nodes[x].depth, ed->act.prior, ed->act.tactic,
                    res.status == COQ_OK ? "ok" : res.status == COQ_ERROR ? "error" : res.status == COQ_TIMEOUT ? "timeout" : "died",
                    res.msg ? ": " : "", res.msg ? 100 : 0, res.msg ? res.msg : "");
        if (res.status != COQ_OK) {
            ed->child = EDGE_DEAD;
            r->failed++;
            coq_result_free(&res);
            continue;
        }
        const coq_goals *gl = &res.goals;
        if (gl->in_proof && gl->n_fg == 0 && gl->n_bg == 0 && gl->n_shelved == 0 && gl->n_given_up == 0) {
            r->proved = 1;
            r->stop = "proved";
            if (extract(&t, x, ed, r)) rc = q35_fail(err, "out of memory in the proof search");
            coq_result_free(&res);
            break;
        }
        char *key = pv_state_key(gl);
        int y = key ? table_find(&t, key) : -1;
        double v;
        if (!key || !gl->in_proof) {
            free(key);
            ed->child = EDGE_DEAD;
            r->failed++;
            coq_result_free(&res);
            continue;
        }
        if (y >= 0) {
            free(key);
            if (on_path(path, np, y)) { /* no progress, or a cycle */
                ed->child = EDGE_DEAD;
                r->failed++;
                coq_result_free(&res);
                continue;
            }
            ed->child = y;
            v = t.nodes[y].n ? t.nodes[y].value : t.nodes[y].value;
        } else {
            y = node_add(&t, gl, key, x, e, t.nodes[x].depth + 1, pol, ctx, &o);
            if (y < 0) {
                coq_result_free(&res);
                rc = q35_fail(err, "out of memory in the proof search");
                break;
            }
            ed = &t.nodes[x].edges[e]; /* nodes may have moved */
            ed->child = y;
            v = t.nodes[y].value;
        }
        coq_result_free(&res);
        /* back up along the path and the new edge */
        ed->n++;
        ed->w += v;
        t.nodes[y].n++;
        for (int i = np - 1; i >= 0; i--) {
            node *nd = &t.nodes[path[i]];
            nd->n++;
            if (i > 0) {
                node *pn = &t.nodes[path[i - 1]];
                for (int j = 0; j < pn->n_edges; j++)
                    if (pn->edges[j].child == path[i]) {
                        pn->edges[j].n++;
                        pn->edges[j].w += v;
                        break;
                    }
            }
        }
    }
    r->nodes = t.n_nodes;
    r->seconds = q35_now() - t0;
    tree_free(&t);
    if (coq_depth(s) > base && coq_rewind(s, base, err)) rc = -1;
    return rc;
}
