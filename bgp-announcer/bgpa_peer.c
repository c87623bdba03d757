// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_peer.c - one BGP session per configured peer on libevent: the
 * connection (non-blocking connect or an accepted one, TCP-MD5, local
 * address), message framing, the three timers, and bgp_fsm's actions.
 *
 * A connection that must send a NOTIFICATION before closing "lingers":
 * it leaves the peer at once (the FSM may reconnect) and frees itself
 * when its output is flushed, on error, or after two seconds.  While the
 * announcer stops it also waits for the peer's close (see linger_write).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "bgpa.h"
#include "bgpa_peer.h"
#include "bgpa_rib.h"
#include "keel_clock.h"

#define BGPA_LINGER_S 2
#define BGPA_PARKED_S 10

static void peer_event(struct bgpa_peer *p, enum bgp_event ev,
		       const struct bgp_fsm_in *in);

static const char *peer_notif_text(uint8_t code, uint8_t subcode)
{
	static const char *const codes[] = { "?",
					     "Message Header Error",
					     "OPEN Message Error",
					     "UPDATE Message Error",
					     "Hold Timer Expired",
					     "FSM Error",
					     "Cease" };

	(void)subcode;
	return code < sizeof(codes) / sizeof(codes[0]) ? codes[code] : "?";
}

static void peer_sa(const struct bgpa_cfg_peer *c, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (c->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(c->port);
		memcpy(&s->sin_addr, c->addr, 4);
		*len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(c->port);
		memcpy(&s->sin6_addr, c->addr, 16);
		*len = sizeof(*s);
	}
}

int bgpa_md5_set(int fd, const struct bgpa_cfg_peer *c, const char *key)
{
	struct tcp_md5sig md5;
	socklen_t len;
	size_t klen = strlen(key);

	memset(&md5, 0, sizeof(md5));
	peer_sa(c, &md5.tcpm_addr, &len);
	if (klen > TCP_MD5SIG_MAXKEYLEN)
		return -EINVAL;
	md5.tcpm_keylen = (uint16_t)klen;
	memcpy(md5.tcpm_key, key, klen);
	/* RFC 2385: the key is bound to the peer's address. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5)) < 0)
		return -errno;
	return 0;
}

/*
 * Who adds a member to struct bgpa_cfg_peer: compare it in
 * bgpa_peer_same() (or say why it does not touch the session), then
 * update this size (x86-64; no member is wider than 4 bytes, so
 * arm64 lays it out alike).
 */
_Static_assert(sizeof(struct bgpa_cfg_peer) == 240,
	       "struct bgpa_cfg_peer changed: extend bgpa_peer_same()");

/*
 * Every member but the name and the line, which do not touch the
 * session; member by member, as the struct has padding.
 */
bool bgpa_peer_same(const struct bgpa_cfg_peer *a,
		    const struct bgpa_cfg_peer *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, 16) &&
	       a->port == b->port && a->remote_as == b->remote_as &&
	       a->has_local == b->has_local &&
	       a->local_family == b->local_family &&
	       !memcmp(a->local, b->local, 16) &&
	       !strcmp(a->password, b->password) &&
	       a->has_hold == b->has_hold && a->hold_time == b->hold_time &&
	       a->passive == b->passive && a->has_nh4 == b->has_nh4 &&
	       a->has_nh6 == b->has_nh6 && a->nh4 == b->nh4 &&
	       !memcmp(a->nh6, b->nh6, 16) && a->bfd == b->bfd &&
	       a->bfd_interval_ms == b->bfd_interval_ms &&
	       a->bfd_multiplier == b->bfd_multiplier;
}

/* ---- lingering connections ---- */

static void linger_free(struct bufferevent *bev, struct bgpa *b)
{
	bufferevent_free(bev);
	if (b->lingering)
		b->lingering--;
	if (b->stopping && !b->lingering)
		event_base_loopexit(b->base, NULL);
}

/* Nothing the peer sends after our NOTIFICATION matters (RFC 4271 6). */
static void linger_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	evbuffer_drain(in, evbuffer_get_length(in));
}

/*
 * Stopping: a Cease in the kernel's send buffer is not a Cease the peer
 * has acted on.  BFD AdminDown follows as soon as the last connection is
 * freed (bgpa_free), and a router that handles BFD apart from BGP (BIRD 2)
 * acted on it first about once in 33 stops, recording a BFD failure
 * instead of our shutdown message.  So half-close and wait for the peer's
 * own close, which it sends once it has read the NOTIFICATION (RFC 4271
 * 6.1 ff.: the connection is closed after it); bounded by the read
 * timeout and BGPA_STOP_MAX_S.
 */
static void linger_half_close(struct bufferevent *bev, struct bgpa *b)
{
	if (shutdown(bufferevent_getfd(bev), SHUT_WR) < 0) {
		linger_free(bev, b);
		return;
	}
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_enable(bev, EV_READ);
}

static void linger_write(struct bufferevent *bev, void *arg)
{
	struct bgpa *b = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)))
		return;
	if (b->stopping)
		linger_half_close(bev, b);
	else
		linger_free(bev, b);
}

static void linger_ev(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	linger_free(bev, arg);
}

/* Hand bev over to flush and free itself; NULL-safe. */
static void conn_close(struct bgpa *b, struct bufferevent *bev)
{
	struct timeval tv = { BGPA_LINGER_S, 0 };

	if (!bev)
		return;
	bufferevent_disable(bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0 &&
	    !b->stopping) {
		bufferevent_free(bev);
		return;
	}
	b->lingering++;
	bufferevent_setcb(bev, linger_read, linger_write, linger_ev, b);
	bufferevent_set_timeouts(bev, &tv, &tv);
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		linger_half_close(bev, b);
	else
		bufferevent_enable(bev, EV_WRITE);
}

static void conn_send_notif(struct bufferevent *bev,
			    const struct bgp_notification *n)
{
	uint8_t buf[BGP_MSG_MAX];
	int len = bgp_notification_encode(buf, sizeof(buf), n);

	if (len > 0 && bev)
		bufferevent_write(bev, buf, (size_t)len);
}

/* ---- sending ---- */

void bgpa_peer_send(struct bgpa_peer *p, const uint8_t *msg, int len)
{
	if (len > 0 && p->bev) {
		bufferevent_write(p->bev, msg, (size_t)len);
		p->msgs_out++;
	}
}

/* bgpa_rib's emit: the session's connection. */
static void peer_emit(void *arg, const uint8_t *msg, int len)
{
	bgpa_peer_send(arg, msg, len);
}

/* What the session's UPDATEs depend on, for bgpa_rib. */
static void peer_rib_session(const struct bgpa_peer *p,
			     struct bgpa_rib_session *s)
{
	memset(s, 0, sizeof(*s));
	s->ipv4 = p->fsm.nego.ipv4;
	s->ipv6 = p->fsm.nego.ipv6;
	s->as4 = p->fsm.nego.as4;
	s->has_nh4 = p->cfg.has_nh4;
	s->nh4 = p->cfg.nh4;
	s->has_nh6 = p->cfg.has_nh6;
	memcpy(s->nh6, p->cfg.nh6, sizeof(s->nh6));
	s->local_family = p->local_family;
	memcpy(s->local, p->local, sizeof(s->local));
	s->local_as = p->b->cfg.local_as;
	s->name = p->cfg.name;
}

static void peer_sync(struct bgpa_peer *p)
{
	struct bgpa_rib_session s;

	if (p->fsm.state != BGP_ST_ESTABLISHED || !p->bev)
		return;
	peer_rib_session(p, &s);
	p->updates_out += bgpa_rib_sync(&p->b->rib, &s, &p->ao, peer_emit, p);
}

void bgpa_peers_sync(struct bgpa *b)
{
	size_t i;

	for (i = 0; i < b->n_peers; i++)
		peer_sync(b->peers[i]);
}

static void peer_record(struct bgpa_peer_err *e,
			const struct bgp_notification *n)
{
	e->set = true;
	e->at = time(NULL);
	e->n = *n;
}

static void peer_local_addr(struct bgpa_peer *p)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = bufferevent_getfd(p->bev);

	p->local_family = 0;
	memset(p->local, 0, sizeof(p->local));
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		p->local_family = AF_INET;
		memcpy(p->local, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6) {
		p->local_family = AF_INET6;
		memcpy(p->local, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	}
}

static void timer_arm(struct event *ev, uint32_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

static void peer_connect(struct bgpa_peer *p);

/* Do what the FSM said, in its order. */
static void peer_apply(struct bgpa_peer *p, enum bgp_state was,
		       const struct bgp_fsm_out *o)
{
	struct bgpa *b = p->b;
	uint8_t buf[BGP_MSG_MAX];
	struct bgpa_rib_session s;
	struct bgp_open open;
	int n;

	if (p->fsm.state != was) {
		p->state_since = time(NULL);
		keel_log(p->fsm.state == BGP_ST_ESTABLISHED ||
					 was == BGP_ST_ESTABLISHED ?
				 LOG_NOTICE :
				 LOG_INFO,
			 "peer %s: %s -> %s%s%s", p->cfg.name,
			 bgp_state_name(was), bgp_state_name(p->fsm.state),
			 o->why ? ": " : "", o->why ? o->why : "");
	}
	if (o->why)
		snprintf(p->last_reason, sizeof(p->last_reason), "%s", o->why);
	if (o->actions & BGP_ACT_SEND_NOTIF) {
		conn_send_notif(p->bev, &o->notif);
		peer_record(&p->last_sent, &o->notif);
		keel_log(LOG_WARNING, "peer %s: sent NOTIFICATION %u/%u (%s)",
			 p->cfg.name, o->notif.code, o->notif.subcode,
			 peer_notif_text(o->notif.code, o->notif.subcode));
	}
	if (o->actions & BGP_ACT_CLOSE) {
		conn_close(b, p->bev);
		p->bev = NULL;
	}
	if (o->actions & BGP_ACT_DOWN) {
		bgpa_rib_down(&p->ao);
		p->up_since = 0;
	}
	if (o->actions & BGP_ACT_STOP_RETRY)
		evtimer_del(p->t_retry);
	if (o->actions & BGP_ACT_STOP_HOLD)
		evtimer_del(p->t_hold);
	if (o->actions & BGP_ACT_STOP_KEEPALIVE)
		evtimer_del(p->t_keepalive);
	if (o->actions & BGP_ACT_CONNECT)
		peer_connect(p);
	if (o->actions & BGP_ACT_SEND_OPEN) {
		peer_local_addr(p);
		bgp_fsm_open(&p->fsm, &open);
		n = bgp_open_encode(buf, sizeof(buf), &open);
		bgpa_peer_send(p, buf, n);
	}
	if (o->actions & BGP_ACT_SEND_KEEPALIVE) {
		n = bgp_keepalive_encode(buf, sizeof(buf));
		bgpa_peer_send(p, buf, n);
	}
	if (o->actions & BGP_ACT_ARM_RETRY)
		timer_arm(p->t_retry, o->retry_ms);
	if (o->actions & BGP_ACT_ARM_HOLD)
		timer_arm(p->t_hold, o->hold_ms);
	if (o->actions & BGP_ACT_ARM_KEEPALIVE)
		timer_arm(p->t_keepalive, o->keepalive_ms);
	if (o->actions & BGP_ACT_ESTABLISHED) {
		p->up_since = time(NULL);
		keel_log(LOG_NOTICE, "peer %s: established (hold %us, %s%s%s)",
			 p->cfg.name, p->fsm.nego.hold_time,
			 p->fsm.nego.ipv4 ? "ipv4 " : "",
			 p->fsm.nego.ipv6 ? "ipv6 " : "",
			 p->fsm.nego.as4 ? "as4" : "as2");
	}
	if (!(o->actions & (BGP_ACT_ESTABLISHED | BGP_ACT_RESEND)))
		return;
	/*
	 * The Adj-RIB-Out records what it emits as sent, and
	 * bgpa_peer_send() drops it without a connection: none here (not
	 * expected), nothing is emitted, so nothing is recorded.
	 */
	if (!p->bev) {
		keel_log(LOG_ERR, "peer %s: no connection to send routes on",
			 p->cfg.name);
		return;
	}
	peer_rib_session(p, &s);
	if (o->actions & BGP_ACT_ESTABLISHED)
		p->updates_out +=
			bgpa_rib_established(&b->rib, &s, &p->ao, peer_emit, p);
	if (o->actions & BGP_ACT_RESEND)
		p->updates_out +=
			bgpa_rib_resend(&b->rib, &s, &p->ao, peer_emit, p);
}

static void peer_event(struct bgpa_peer *p, enum bgp_event ev,
		       const struct bgp_fsm_in *in)
{
	struct bgp_fsm_in local = { 0 };
	struct bgp_fsm_out out;
	enum bgp_state was = p->fsm.state;

	if (in)
		local = *in;
	local.rand = (uint32_t)random();
	bgp_fsm_step(&p->fsm, ev, &local, &out);
	peer_apply(p, was, &out);
}

/* ---- receiving ---- */

static bool peer_log_ok(struct bgpa_peer *p)
{
	uint64_t n = 0;

	return keel_ratelimit_ok(&p->rl, keel_now_ms(), &n);
}

static void peer_msg_err(struct bgpa_peer *p, const struct bgp_notification *e)
{
	struct bgp_fsm_in in = { .err = e };

	if (peer_log_ok(p))
		keel_log(LOG_WARNING, "peer %s: bad message: %s (%u/%u)",
			 p->cfg.name, e->reason ? e->reason : "?", e->code,
			 e->subcode);
	peer_event(p, BGP_EV_MSG_ERR, &in);
}

static void peer_dispatch(struct bgpa_peer *p, const uint8_t *msg, size_t len,
			  uint8_t type)
{
	struct bgp_notification err, notif;
	struct bgp_fsm_in in = { 0 };
	struct bgp_route_refresh rr;
	struct bgp_parse_opts po;
	struct bgp_update *u;
	struct bgp_open open;

	switch (type) {
	case BGP_OPEN:
		if (bgp_open_parse(msg, len, &open, &err))
			return peer_msg_err(p, &err);
		in.open = &open;
		return peer_event(p, BGP_EV_OPEN, &in);
	case BGP_KEEPALIVE:
		if (bgp_keepalive_parse(msg, len, &err))
			return peer_msg_err(p, &err);
		return peer_event(p, BGP_EV_KEEPALIVE, NULL);
	case BGP_NOTIFICATION:
		/* RFC 4271 section 6.4: never answered, even if malformed. */
		if (bgp_notification_parse(msg, len, &notif, &err) == 0) {
			peer_record(&p->last_recv, &notif);
			keel_log(
				LOG_WARNING,
				"peer %s: received NOTIFICATION %u/%u (%s)%s%s",
				p->cfg.name, notif.code, notif.subcode,
				peer_notif_text(notif.code, notif.subcode),
				notif.has_shutdown ? ": " : "",
				notif.has_shutdown ? notif.shutdown : "");
		}
		in.notif = &notif;
		return peer_event(p, BGP_EV_NOTIF, &in);
	case BGP_ROUTE_REFRESH:
		if (bgp_route_refresh_parse(msg, len, &rr, &err))
			return peer_msg_err(p, &err);
		in.rr = &rr;
		return peer_event(p, BGP_EV_ROUTE_REFRESH, &in);
	case BGP_UPDATE:
		if (p->fsm.state != BGP_ST_ESTABLISHED)
			return peer_event(p, BGP_EV_UPDATE, NULL);
		po.as4 = p->fsm.nego.as4;
		po.ebgp = p->cfg.remote_as != p->b->cfg.local_as;
		u = malloc(sizeof(*u));
		if (!u)
			return;
		p->updates_in++;
		if (bgp_update_parse(msg, len, &po, u, &err)) {
			free(u);
			return peer_msg_err(p, &err);
		}
		/* RFC 7606: attribute errors keep the session. */
		if (u->action != BGP_UPD_OK) {
			p->bad_updates++;
			if (peer_log_ok(p))
				keel_log(
					LOG_WARNING,
					"peer %s: UPDATE %s: %s (attribute %u)",
					p->cfg.name,
					u->action == BGP_UPD_TREAT_AS_WITHDRAW ?
						"treated as withdraw" :
						"attribute discarded",
					u->reason ? u->reason : "?",
					u->err_attr);
		}
		free(u);
		return peer_event(p, BGP_EV_UPDATE, NULL);
	default:
		return;
	}
}

static void peer_read(struct bufferevent *bev, void *arg)
{
	struct bgpa_peer *p = arg;
	struct evbuffer *inb = bufferevent_get_input(bev);
	uint8_t msg[BGP_MSG_MAX];
	struct bgp_notification err;
	struct bgp_hdr h;

	/* The FSM may close bev while we loop: stop when it is gone. */
	while (p->bev == bev && evbuffer_get_length(inb) >= BGP_HDR_LEN) {
		evbuffer_copyout(inb, msg, BGP_HDR_LEN);
		/* RFC 4271 section 6.1, before waiting for the body. */
		if (bgp_hdr_parse(msg, BGP_HDR_LEN, &h, &err)) {
			peer_msg_err(p, &err);
			return;
		}
		if (evbuffer_get_length(inb) < h.length)
			return;
		evbuffer_remove(inb, msg, h.length);
		p->msgs_in++;
		peer_dispatch(p, msg, h.length, h.type);
	}
}

static void peer_bev_event(struct bufferevent *bev, short what, void *arg)
{
	struct bgpa_peer *p = arg;

	if (bev != p->bev)
		return;
	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_enable(bev, EV_READ | EV_WRITE);
		peer_event(p, BGP_EV_TCP_CONFIRMED, NULL);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		int e = EVUTIL_SOCKET_ERROR();

		if (p->fsm.state >= BGP_ST_OPENSENT)
			keel_log(LOG_INFO, "peer %s: connection %s%s%s",
				 p->cfg.name,
				 (what & BEV_EVENT_EOF) ? "closed" : "error",
				 (what & BEV_EVENT_ERROR) ? ": " : "",
				 (what & BEV_EVENT_ERROR) ? strerror(e) : "");
		peer_event(p, BGP_EV_TCP_FAILS, NULL);
	}
}

static int peer_socket(struct bgpa_peer *p)
{
	int fd, one = 1, err;

	fd = socket(p->cfg.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (p->cfg.password[0]) {
		err = bgpa_md5_set(fd, &p->cfg, p->cfg.password);
		if (err)
			goto fail;
	}
	if (p->cfg.has_local) {
		struct bgpa_cfg_peer l = p->cfg;
		struct sockaddr_storage ss;
		socklen_t len;

		memcpy(l.addr, p->cfg.local, 16);
		l.port = 0;
		peer_sa(&l, &ss, &len);
		if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
			err = -errno;
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return err;
}

static void peer_connect(struct bgpa_peer *p)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	conn_close(p->b, p->bev);
	p->bev = NULL;
	fd = peer_socket(p);
	if (fd < 0) {
		if (peer_log_ok(p))
			keel_log(LOG_WARNING, "peer %s: socket: %s",
				 p->cfg.name, strerror(-fd));
		goto fail;
	}
	p->bev = bufferevent_socket_new(p->b->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!p->bev) {
		close(fd);
		goto fail;
	}
	bufferevent_setcb(p->bev, peer_read, NULL, peer_bev_event, p);
	peer_sa(&p->cfg, &ss, &len);
	if (bufferevent_socket_connect(p->bev, (struct sockaddr *)&ss,
				       (int)len) == 0)
		return;
	/* bufferevent_socket_connect() freed nothing: close it ourselves. */
	bufferevent_free(p->bev);
	p->bev = NULL;
fail:
	/* Reported as a failed connection, from the loop (not re-entrant). */
	event_active(p->t_kick, 0, 0);
}

static void peer_on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct bgpa_peer *p = arg;

	(void)fd;
	(void)what;
	if (!p->bev && p->fsm.state == BGP_ST_CONNECT)
		peer_event(p, BGP_EV_TCP_FAILS, NULL);
}

static void peer_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	peer_event(arg, BGP_EV_RETRY_EXP, NULL);
}

static void peer_on_hold(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	peer_event(arg, BGP_EV_HOLD_EXP, NULL);
}

static void peer_on_keepalive(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	peer_event(arg, BGP_EV_KEEPALIVE_EXP, NULL);
}

/* ---- collisions (RFC 4271 section 6.8) ---- */

static void parked_drop(struct bgpa_peer *p, const struct bgp_notification *n)
{
	if (!p->parked)
		return;
	if (n)
		conn_send_notif(p->parked, n);
	conn_close(p->b, p->parked);
	p->parked = NULL;
	evtimer_del(p->t_parked);
}

/* RFC 4271 section 6.8: the peer's new connection loses (Cease 6/7). */
static void peer_log_refused(struct bgpa_peer *p)
{
	if (peer_log_ok(p))
		keel_log(LOG_NOTICE,
			 "peer %s: its new connection refused with Cease 6/7 "
			 "(connection collision): ours stays in %s",
			 p->cfg.name, bgp_state_name(p->fsm.state));
}

static void peer_on_parked_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	parked_drop(arg, NULL);
}

static void parked_read(struct bufferevent *bev, void *arg)
{
	static const struct bgp_notification collision = {
		.code = BGP_ERR_CEASE, .subcode = BGP_CEASE_COLLISION
	};
	struct bgpa_peer *p = arg;
	struct evbuffer *inb = bufferevent_get_input(bev);
	uint8_t msg[BGP_MSG_MAX];
	struct bgp_notification err;
	struct bgp_fsm_in in = { 0 };
	struct bgp_open open;
	struct bgp_hdr h;

	if (evbuffer_get_length(inb) < BGP_HDR_LEN)
		return;
	evbuffer_copyout(inb, msg, BGP_HDR_LEN);
	if (bgp_hdr_parse(msg, BGP_HDR_LEN, &h, &err))
		return parked_drop(p, &err);
	if (evbuffer_get_length(inb) < h.length)
		return;
	evbuffer_remove(inb, msg, h.length);
	if (h.type != BGP_OPEN) {
		err = (struct bgp_notification){ .code = BGP_ERR_FSM,
						 .subcode = 1 };
		return parked_drop(p, &err);
	}
	if (bgp_open_parse(msg, h.length, &open, &err))
		return parked_drop(p, &err);
	switch (bgp_fsm_incoming(&p->fsm, &open)) {
	case BGP_IN_ADOPT:
		/* Ours failed while this one waited: no collision left. */
		keel_log(LOG_INFO,
			 "peer %s: adopted the connection parked during a "
			 "collision that has ended (%s)",
			 p->cfg.name, bgp_state_name(p->fsm.state));
		break;
	case BGP_IN_DUMP_OURS:
		keel_log(LOG_INFO,
			 "peer %s: connection collision, the peer's stays",
			 p->cfg.name);
		peer_event(p, BGP_EV_COLLISION_DUMP, NULL);
		break;
	case BGP_IN_CLOSE:
		return parked_drop(p, NULL);
	case BGP_IN_PARK: /* not with an OPEN */
	case BGP_IN_REFUSE:
		peer_log_refused(p);
		return parked_drop(p, &collision);
	}
	/* Our connect attempt, if any (the dump has closed ours already). */
	conn_close(p->b, p->bev);
	p->bev = p->parked;
	p->parked = NULL;
	evtimer_del(p->t_parked);
	bufferevent_setcb(p->bev, peer_read, NULL, peer_bev_event, p);
	peer_event(p, BGP_EV_TCP_CONFIRMED, NULL);
	in.open = &open;
	peer_event(p, BGP_EV_OPEN, &in);
	/* Anything after the OPEN is read now. */
	if (p->bev)
		peer_read(p->bev, p);
}

static void parked_event(struct bufferevent *bev, short what, void *arg)
{
	struct bgpa_peer *p = arg;

	(void)what;
	if (bev == p->parked)
		parked_drop(p, NULL);
}

/* ---- accepting ---- */

static struct bgpa_peer *peer_find(struct bgpa *b, const struct sockaddr *sa)
{
	uint8_t a[16] = { 0 };
	int fam = sa->sa_family;
	size_t i;

	if (fam == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (fam == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	} else {
		return NULL;
	}
	for (i = 0; i < b->n_peers; i++)
		if (b->peers[i]->cfg.family == fam &&
		    !memcmp(b->peers[i]->cfg.addr, a, 16))
			return b->peers[i];
	return NULL;
}

void bgpa_peer_accept(struct bgpa *b, int fd, const struct sockaddr *sa)
{
	static const struct bgp_notification collision = {
		.code = BGP_ERR_CEASE, .subcode = BGP_CEASE_COLLISION
	};
	static struct keel_ratelimit rl = { .interval_ms = 10000, .burst = 5 };
	struct bgpa_peer *p = b->stopping ? NULL : peer_find(b, sa);
	struct bufferevent *bev;
	struct timeval tv = { BGPA_PARKED_S, 0 };
	uint64_t n;

	if (!p) {
		char s[INET6_ADDRSTRLEN] = "?";

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)sa)->sin_addr,
				  s, sizeof(s));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)sa)->sin6_addr,
				  s, sizeof(s));
		if (keel_ratelimit_ok(&rl, keel_now_ms(), &n))
			keel_log(LOG_WARNING,
				 "connection from %s refused: not a peer", s);
		close(fd);
		return;
	}
	bev = bufferevent_socket_new(b->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		close(fd);
		return;
	}
	switch (bgp_fsm_incoming(&p->fsm, NULL)) {
	case BGP_IN_ADOPT:
		/* The peer's connection replaces our attempt. */
		conn_close(b, p->bev);
		p->bev = bev;
		bufferevent_setcb(bev, peer_read, NULL, peer_bev_event, p);
		bufferevent_enable(bev, EV_READ | EV_WRITE);
		keel_log(LOG_INFO, "peer %s: accepted its connection",
			 p->cfg.name);
		peer_event(p, BGP_EV_TCP_CONFIRMED, NULL);
		return;
	case BGP_IN_PARK:
		/* Decided when its OPEN arrives. */
		parked_drop(p, NULL);
		p->parked = bev;
		bufferevent_setcb(bev, parked_read, NULL, parked_event, p);
		bufferevent_enable(bev, EV_READ | EV_WRITE);
		evtimer_add(p->t_parked, &tv);
		return;
	case BGP_IN_CLOSE:
		bufferevent_free(bev);
		return;
	case BGP_IN_DUMP_OURS: /* not without an OPEN */
	case BGP_IN_REFUSE:
		peer_log_refused(p);
		conn_send_notif(bev, &collision);
		conn_close(b, bev);
		return;
	}
}

/* ---- BFD (RFC 5882 section 4.3: BFD down ends the session) ---- */

static void peer_bfd_state(struct bfd_io_session *bs,
			   const struct bfd_io_event *ev, void *arg)
{
	struct bgpa_peer *p = arg;

	(void)bs;
	p->bfd_state = ev->new_state;
	keel_log(
		ev->new_state == BFD_STATE_UP || ev->old_state == BFD_STATE_UP ?
			LOG_NOTICE :
			LOG_INFO,
		"peer %s: BFD %s -> %s (diag %s, remote state %s)", p->cfg.name,
		bfd_state_name(ev->old_state), bfd_state_name(ev->new_state),
		bfd_diag_name(ev->diag), bfd_state_name(ev->remote_state));
	/* RFC 5882 section 3.2: the peer's AdminDown is not a failure. */
	if (ev->old_state != BFD_STATE_UP || ev->new_state == BFD_STATE_UP ||
	    ev->remote_state == BFD_STATE_ADMIN_DOWN)
		return;
	/* The FSM decides what it ends and gives the reason (last_reason). */
	peer_event(p, BGP_EV_BFD_DOWN, NULL);
}

static void peer_bfd_start(struct bgpa_peer *p)
{
	struct bgpa *b = p->b;
	struct bfd_io_params params = {
		.min_tx_us = p->cfg.bfd_interval_ms * 1000,
		.min_rx_us = p->cfg.bfd_interval_ms * 1000,
		.detect_mult = (uint8_t)p->cfg.bfd_multiplier,
	};
	struct sockaddr_storage peer, local;
	struct bgpa_cfg_peer l = p->cfg;
	socklen_t len;
	int err;

	if (!p->cfg.bfd)
		return;
	if (!b->bfd) {
		b->bfd = bfd_io_ctx_new(b->base);
		if (!b->bfd) {
			keel_log(LOG_ERR, "BFD: %s", strerror(errno));
			return;
		}
	}
	peer_sa(&p->cfg, &peer, &len);
	memcpy(l.addr, p->cfg.local, 16);
	peer_sa(&l, &local, &len);
	err = bfd_io_session_add(b->bfd, (struct sockaddr *)&peer,
				 p->cfg.has_local ? (struct sockaddr *)&local :
						    NULL,
				 NULL, &params, peer_bfd_state, p, &p->bfd);
	if (err)
		keel_log(LOG_ERR, "peer %s: BFD session: %s", p->cfg.name,
			 strerror(-err));
}

/* ---- life cycle ---- */

struct bgpa_peer *bgpa_peer_new(struct bgpa *b, const struct bgpa_cfg_peer *c)
{
	struct bgpa_peer *p = calloc(1, sizeof(*p));
	struct bgp_fsm_cfg fc = {
		.local_as = b->cfg.local_as,
		.peer_as = c->remote_as,
		.local_id = b->cfg.router_id,
		.hold_time = c->hold_time,
		.want_ipv4 = true,
		.want_ipv6 = true,
		.retry_min_ms = b->cfg.retry_min_ms,
		.retry_max_ms = b->cfg.retry_max_ms,
		.passive = c->passive,
	};

	if (!p)
		return NULL;
	p->b = b;
	p->cfg = *c;
	p->rl.interval_ms = 5000;
	p->rl.burst = 5;
	bgp_fsm_init(&p->fsm, &fc);
	p->state_since = time(NULL);
	p->t_retry = evtimer_new(b->base, peer_on_retry, p);
	p->t_hold = evtimer_new(b->base, peer_on_hold, p);
	p->t_keepalive = evtimer_new(b->base, peer_on_keepalive, p);
	p->t_parked = evtimer_new(b->base, peer_on_parked_timeout, p);
	p->t_kick = event_new(b->base, -1, 0, peer_on_kick, p);
	if (!p->t_retry || !p->t_hold || !p->t_keepalive || !p->t_parked ||
	    !p->t_kick) {
		bgpa_peer_free(p);
		return NULL;
	}
	return p;
}

void bgpa_peer_start(struct bgpa_peer *p)
{
	peer_bfd_start(p);
	peer_event(p, BGP_EV_START, NULL);
}

void bgpa_peer_stop(struct bgpa_peer *p, const char *msg)
{
	struct bgp_fsm_in in = { .shutdown_msg = msg };
	struct bgpa_rib_session s;

	/* Withdraw first, so the router moves traffic before the Cease. */
	if (p->fsm.state == BGP_ST_ESTABLISHED) {
		peer_rib_session(p, &s);
		p->updates_out +=
			bgpa_rib_withdraw_all(&s, &p->ao, peer_emit, p);
	}
	parked_drop(p, NULL);
	/*
	 * BFD stays until bgpa_peer_free(): its AdminDown must follow the
	 * Cease on the wire, else the router (BIRD) records "BFD session
	 * down" instead of our shutdown message.
	 */
	peer_event(p, BGP_EV_STOP, &in);
}

void bgpa_peer_free(struct bgpa_peer *p)
{
	if (!p)
		return;
	if (p->bfd)
		bfd_io_session_del(p->bfd);
	if (p->bev)
		bufferevent_free(p->bev);
	if (p->parked)
		bufferevent_free(p->parked);
	if (p->t_retry)
		event_free(p->t_retry);
	if (p->t_hold)
		event_free(p->t_hold);
	if (p->t_keepalive)
		event_free(p->t_keepalive);
	if (p->t_parked)
		event_free(p->t_parked);
	if (p->t_kick)
		event_free(p->t_kick);
	bgpa_rib_down(&p->ao);
	free(p);
}
