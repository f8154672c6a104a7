/*
 * vfhost: a minimal long-lived host process holding one fabric.
 *
 *   vfhost -c FILE [-p PIDFILE] [-s SOCKET] [-l LEVEL]
 *   vfhost -c FILE --check
 *
 * It reads the configuration (config.h; the format is in the README and
 * vfhost.conf.example), checks it wholly on a scratch fabric, then builds
 * the model on its fabric, binds the underlay and the ports, starts the
 * worker threads (with the configured CPU affinity), serves the control
 * socket, writes its PID file and drives the fabric's control loop on
 * its main thread: poll() on vf_fabric_fd() and a signalfd, with
 * vf_fabric_timeout_ms(), then vf_fabric_process().
 *
 * With a [gossip] section it starts gossip on the fabric once the model
 * is built (vf_gossip_start(): the location service then publishes this
 * host's ports and installs the other hosts'), joins the seeds, and joins
 * them again every `rejoin` seconds while it knows no other live member
 * (a seed that was not up yet, or a cluster that forgot it). Members
 * joining, failing and leaving are logged.
 *
 * Signals: SIGTERM and SIGINT stop it cleanly (with gossip, a graceful
 * vf_gossip_leave() first, waited for at most `leave_timeout` ms, so the
 * others see the host left, not failed; then every object, endpoint and
 * created netdev is removed, the socket and PID file too); SIGHUP re-reads
 * the file and adds or removes ports and remote locations (apply.h), or
 * logs why it cannot and changes nothing. Logs go through the fabric's
 * log callback to stderr.
 *
 * Exit: 0 after a clean stop (or a good --check), 1 on a configuration or
 * start-up error, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <vfabric/vfabric.h>

#include "apply.h"
#include "config.h"

struct host {
	const char *file;
	const char *pidfile;
	const char *socket;
	vf_log_level level;
	vf_fabric *f;
	struct model *model;
	bool pid_written;
	bool listening;
	bool gossip;	    /* vf_gossip_start() succeeded */
	uint64_t next_join; /* when to join the seeds again (ms); 0: never */
};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

static void on_log(void *user_data, vf_log_level level, const char *msg)
{
	(void)user_data;
	fprintf(stderr, "vfhost: %s: %s\n",
		(unsigned)level < 4 ? level_names[level] : "log", msg);
}

#if defined(__GNUC__)
static void logf_(const struct host *h, vf_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#endif
static void logf_(const struct host *h, vf_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level > h->level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	on_log(NULL, level, msg);
}

static void usage(FILE *to)
{
	fprintf(to, "usage: vfhost -c FILE [-p PIDFILE] [-s SOCKET] [-l "
		    "error|warn|info|debug]\n"
		    "       vfhost -c FILE --check\n");
}

static int write_pidfile(struct host *h)
{
	char tmp[CFG_PATH + 8];
	FILE *fp;

	/* written whole under another name, then renamed: a reader never
	 * sees half a PID */
	snprintf(tmp, sizeof(tmp), "%s.tmp", h->pidfile);
	if (!(fp = fopen(tmp, "we")))
		return -errno;
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0 || rename(tmp, h->pidfile) < 0) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	h->pid_written = true;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- gossip ---- */

static void on_member(vf_fabric *f, vf_gossip_event ev, const vf_gossip_member *m,
		      void *user_data)
{
	static const char *const what[] = {"?", "joined", "failed", "left", "updated"};

	(void)f;
	if (m->self)
		return;
	logf_(user_data, ev == VF_GOSSIP_EV_UPDATED ? VF_LOG_DEBUG : VF_LOG_INFO,
	      "gossip: member %s (%s:%u) %s", m->name, m->addr, m->port,
	      (unsigned)ev < 5 ? what[ev] : "?");
}

/* Members other than this host that are alive or suspect. */
static int others_alive(const struct host *h)
{
	int n = vf_gossip_member_count(h->f), alive = 0;

	for (int i = 0; i < n; i++) {
		vf_gossip_member m = {.sz = sizeof(m)};

		if (vf_gossip_member_get(h->f, (size_t)i, &m) == 0 && !m.self &&
		    (m.state == VF_MEMBER_ALIVE || m.state == VF_MEMBER_SUSPECT))
			alive++;
	}
	return alive;
}

static void gossip_join(struct host *h)
{
	const struct cfg_gossip *g = &model_cfg(h->model)->gossip;
	const char *seeds[CFG_SEEDS_MAX];
	int rc;

	h->next_join = 0;
	if (!g->nseeds)
		return;
	for (size_t i = 0; i < g->nseeds; i++)
		seeds[i] = g->seeds[i];
	if ((rc = vf_gossip_join(h->f, seeds, g->nseeds)) < 0)
		logf_(h, VF_LOG_WARN, "gossip: join: %s", vf_last_error());
	else
		logf_(h, VF_LOG_DEBUG, "gossip: joining %d of %zu seeds", rc, g->nseeds);
	if (g->rejoin)
		h->next_join = now_ms() + (uint64_t)g->rejoin * 1000;
}

/* The seeds again while no other member is alive (every `rejoin` s). */
static void gossip_tick(struct host *h)
{
	if (!h->gossip || !h->next_join || now_ms() < h->next_join)
		return;
	if (others_alive(h) > 0)
		h->next_join =
			now_ms() + (uint64_t)model_cfg(h->model)->gossip.rejoin * 1000;
	else
		gossip_join(h);
}

static int gossip_start(struct host *h)
{
	const struct cfg_gossip *g = &model_cfg(h->model)->gossip;
	const char *keys[CFG_KEYS_MAX];
	vf_gossip_tag tags[CFG_TAGS_MAX];
	char bind[VF_IPV4_STRLEN], adv[VF_IPV4_STRLEN];
	VF_OPTS(vf_gossip_opts, go, .bind_port = g->port,
		.advertise_port = g->advertise_port,
		.node_name = g->name[0] ? g->name : NULL,
		.role = g->role[0] ? g->role : NULL, .profile = g->profile,
		.probe_interval_ms = g->probe_interval,
		.probe_timeout_ms = g->probe_timeout,
		.gossip_interval_ms = g->gossip_interval, .push_pull_ms = g->push_pull,
		.flags = g->compress ? 0 : VF_GOSSIP_F_NO_COMPRESS);

	if (!g->h.line)
		return 0;
	if (g->bind) {
		vf_ipv4_format(bind, sizeof(bind), g->bind);
		go.bind_addr = bind;
	}
	if (g->advertise) {
		vf_ipv4_format(adv, sizeof(adv), g->advertise);
		go.advertise_addr = adv;
	}
	for (size_t i = 0; i < g->nkeys; i++)
		keys[i] = g->keys[i];
	go.keys = g->nkeys ? keys : NULL;
	go.nkeys = (uint32_t)g->nkeys;
	for (size_t i = 0; i < g->ntags; i++)
		tags[i] = (vf_gossip_tag){g->tags[i].key, g->tags[i].value};
	go.tags = g->ntags ? tags : NULL;
	go.ntags = (uint32_t)g->ntags;
	vf_gossip_set_event_fn(h->f, on_member, h);
	if (vf_gossip_start(h->f, &go) < 0) {
		logf_(h, VF_LOG_ERROR, "%s:%u: gossip: %s", h->file, g->h.line,
		      vf_last_error());
		return -1;
	}
	h->gossip = true;
	gossip_join(h);
	return 0;
}

/* A graceful leave, the loop driven here until it is done or
 * leave_timeout ms passed. */
static void gossip_leave(struct host *h)
{
	uint32_t ms = model_cfg(h->model)->gossip.leave_timeout;
	uint64_t end = now_ms() + ms, now;
	vf_gossip_status st;

	if (!h->gossip || !ms)
		return;
	if (vf_gossip_leave(h->f) < 0) {
		logf_(h, VF_LOG_WARN, "gossip: leave: %s", vf_last_error());
		return;
	}
	while ((st = vf_gossip_status_get(h->f)) == VF_GOSSIP_LEAVING &&
	       (now = now_ms()) < end) {
		struct pollfd p = {.fd = vf_fabric_fd(h->f), .events = POLLIN};
		int timeout = vf_fabric_timeout_ms(h->f);

		if (timeout < 0 || (uint64_t)timeout > end - now)
			timeout = (int)(end - now);
		if (poll(&p, 1, timeout) < 0 && errno != EINTR)
			break;
		vf_fabric_process(h->f);
	}
	if (st == VF_GOSSIP_LEAVING)
		logf_(h, VF_LOG_WARN, "gossip: the leave did not finish in %u ms", ms);
	else
		logf_(h, VF_LOG_INFO, "gossip: left the cluster");
}

static int start(struct host *h, struct cfg *c)
{
	const struct cfg_host *hc = &c->host;
	VF_OPTS(vf_fabric_opts, fo, .host_name = hc->name[0] ? hc->name : NULL,
		.host_mac = hc->mac, .host_ip = hc->ip, .log_fn = on_log,
		.log_level = h->level);
	char err[CFG_ERR];
	int rc;

	if ((rc = vf_fabric_create(&h->f, &fo)) < 0) {
		logf_(h, VF_LOG_ERROR, "fabric: %s", vf_last_error());
		cfg_free(c);
		return -1;
	}
	if (hc->underlay[0]) {
		VF_OPTS(vf_bind_opts, bo, .datapath = "afpacket", .ifname = hc->underlay);

		if ((rc = vf_fabric_bind_underlay(h->f, &bo)) < 0) {
			logf_(h, VF_LOG_ERROR, "underlay %s: %s", hc->underlay,
			      vf_last_error());
			cfg_free(c);
			return -1;
		}
	}
	if (model_build(&h->model, h->f, c, true, err, sizeof(err)) < 0) {
		logf_(h, VF_LOG_ERROR, "%s", err);
		cfg_free(c);
		return -1;
	}
	c = NULL; /* the model's now */
	hc = &model_cfg(h->model)->host;
	if ((rc = vf_fabric_workers_start(h->f, hc->threads ? hc->threads : 1,
					  hc->ncpus ? hc->cpus : NULL)) < 0) {
		logf_(h, VF_LOG_ERROR, "workers: %s", vf_last_error());
		return -1;
	}
	if (h->socket && h->socket[0]) {
		const struct cfg_control *ct = &model_cfg(h->model)->control;
		VF_OPTS(vf_ctl_opts, co, .path = h->socket, .mode = ct->mode,
			.max_clients = ct->max_clients, .allow_uid = ct->uid,
			.allow_gid = ct->gid);

		co.flags = (ct->has_uid ? VF_CTL_F_ALLOW_UID : 0) |
			   (ct->has_gid ? VF_CTL_F_ALLOW_GID : 0);
		if ((rc = vf_fabric_ctl_listen(h->f, &co)) < 0) {
			logf_(h, VF_LOG_ERROR, "control socket %s: %s", h->socket,
			      vf_last_error());
			return -1;
		}
		h->listening = true;
	}
	if (gossip_start(h) < 0)
		return -1;
	if (h->pidfile && h->pidfile[0] && (rc = write_pidfile(h)) < 0) {
		logf_(h, VF_LOG_ERROR, "pidfile %s: %s", h->pidfile, strerror(-rc));
		return -1;
	}
	logf_(h, VF_LOG_INFO,
	      "%s: host %s up: %zu cells, %zu ports, %zu remote locations, %u "
	      "worker threads%s%s%s",
	      h->file, vf_fabric_host_name(h->f), vf_fabric_cell_count(h->f),
	      vf_fabric_port_count(h->f), vf_location_count(h->f),
	      hc->threads ? hc->threads : 1, h->listening ? ", control socket " : "",
	      h->listening ? h->socket : "",
	      !h->gossip			  ? ""
	      : model_cfg(h->model)->gossip.nkeys ? ", gossip (encrypted)"
						  : ", gossip");
	return 0;
}

static void stop(struct host *h)
{
	if (h->f && h->model)
		gossip_leave(h);
	if (h->f) {
		vf_fabric_workers_stop(h->f);
		if (h->listening)
			vf_fabric_ctl_close(h->f);
	}
	model_destroy(h->model);
	h->model = NULL;
	vf_fabric_destroy(h->f); /* also the ports attached over the socket */
	h->f = NULL;
	if (h->pid_written)
		unlink(h->pidfile);
}

/* SIGHUP: the file again; all or nothing. */
static void reload(struct host *h)
{
	char err[CFG_ERR];
	unsigned int changes;
	struct cfg *c;

	if (cfg_parse_file(&c, h->file, err, sizeof(err)) < 0) {
		logf_(h, VF_LOG_ERROR, "reload refused, nothing changed: %s", err);
		return;
	}
	if (model_reload(h->model, c, &changes, err, sizeof(err)) < 0) {
		logf_(h, VF_LOG_ERROR, "reload refused, nothing changed: %s", err);
		cfg_free(c);
		return;
	}
	logf_(h, VF_LOG_INFO, "%s reloaded: %u ports or locations added or removed",
	      h->file, changes);
}

/* The control loop on this thread, until SIGTERM or SIGINT. */
static int run(struct host *h, int sigfd)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = vf_fabric_fd(h->f), .events = POLLIN},
				      {.fd = sigfd, .events = POLLIN}};
		struct signalfd_siginfo si;
		int timeout = vf_fabric_timeout_ms(h->f);

		if (h->next_join) {
			uint64_t now = now_ms();
			int until = h->next_join > now ? (int)(h->next_join - now) : 0;

			if (timeout < 0 || until < timeout)
				timeout = until;
		}
		if (poll(p, 2, timeout) < 0 && errno != EINTR) {
			logf_(h, VF_LOG_ERROR, "poll: %s", strerror(errno));
			return -1;
		}
		if (vf_fabric_process(h->f) < 0)
			logf_(h, VF_LOG_WARN, "control loop: %s", vf_last_error());
		gossip_tick(h);
		if (!(p[1].revents & POLLIN))
			continue;
		while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(h);
				continue;
			}
			logf_(h, VF_LOG_INFO, "%s: stopping",
			      strsignal((int)si.ssi_signo));
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"check", no_argument, NULL, 'n'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct host h = {.level = VF_LOG_INFO};
	bool check = false, level_given = false;
	char err[CFG_ERR];
	struct cfg *c;
	sigset_t mask;
	int opt, sigfd, rc = 1;

	while ((opt = getopt_long(argc, argv, "c:p:s:l:nh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': h.file = optarg; break;
		case 'p': h.pidfile = optarg; break;
		case 's': h.socket = optarg; break;
		case 'n': check = true; break;
		case 'l':
			for (h.level = VF_LOG_ERROR; h.level <= VF_LOG_DEBUG; h.level++)
				if (!strcmp(optarg, level_names[h.level]))
					break;
			if (h.level > VF_LOG_DEBUG) {
				usage(stderr);
				return 2;
			}
			level_given = true;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!h.file || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (cfg_parse_file(&c, h.file, err, sizeof(err)) < 0 ||
	    model_check(c, err, sizeof(err)) < 0) {
		if (c)
			cfg_free(c);
		fprintf(stderr, "vfhost: %s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: ok: %zu cells, %zu subnets, %zu ports, %zu remote "
		       "locations%s\n",
		       h.file, c->ncells, c->nsubnets, c->nports, c->nlocations,
		       !c->gossip.h.line ? ""
		       : c->gossip.nkeys ? ", gossip (encrypted)"
					 : ", gossip");
		cfg_free(c);
		return 0;
	}
	if (!level_given)
		h.level = c->host.log_level;
	if (!h.pidfile && c->host.pidfile[0])
		h.pidfile = c->host.pidfile;
	if (!h.socket && c->control.socket[0])
		h.socket = c->control.socket;

	/* signals arrive on a descriptor of the loop; the worker threads,
	 * started later, inherit the blocked mask */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		perror("vfhost: signalfd");
		cfg_free(c);
		return 1;
	}
	/* paths from the configuration live in it: copy before it moves */
	{
		char pidfile[CFG_PATH], socket[CFG_SOCKET];

		snprintf(pidfile, sizeof(pidfile), "%s", h.pidfile ? h.pidfile : "");
		snprintf(socket, sizeof(socket), "%s", h.socket ? h.socket : "");
		h.pidfile = pidfile;
		h.socket = socket;
		if (start(&h, c) == 0 && run(&h, sigfd) == 0)
			rc = 0;
		stop(&h);
	}
	close(sigfd);
	return rc;
}
