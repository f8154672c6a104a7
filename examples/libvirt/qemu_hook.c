/*
 * vfabric-qemu-hook: libvirt's qemu hook for libvfabric. Install it as
 * /etc/libvirt/hooks/qemu (or call it from there); libvirt runs it as
 *
 *   qemu DOMAIN OPERATION SUB-OPERATION EXTRA   (the domain XML on stdin)
 *
 * - "started begin": QEMU runs and its tap devices exist: each interface
 *   of the domain that is ours is attached to the fabric of the vfhost
 *   (or other host process) listening on the control socket. Also on
 *   "reconnect begin" (libvirtd restarted): a port that exists already is
 *   left as it is.
 * - "stopped end" and "release end": those interfaces are detached (a
 *   port already gone is fine).
 * - Every other operation: nothing.
 *
 * Which interfaces are ours: those of <interface type='ethernet'> (libvirt
 * made or opened a plain tap, attached to no bridge) whose MAC the
 * domain's metadata names:
 *
 *   <metadata>
 *     <vfabric:ports xmlns:vfabric="urn:x-libvfabric:libvirt:1">
 *       <vfabric:port mac="52:54:00:6b:3c:58" cell="blue" subnet="web"
 *                     vip="10.1.1.10" name="web1-eth0"/>
 *     </vfabric:ports>
 *   </metadata>
 *
 * cell and subnet are required; vip is optional (the fabric then picks
 * the first free address, which its DHCP hands out); name (the port's)
 * defaults to the tap's name, <target dev=...>. The port's VMAC is the
 * interface's MAC, the guest's own, so port security lets its frames
 * through. Interfaces of other types (network, bridge, direct, ...) and
 * ethernet interfaces the metadata does not name are not ours and are
 * left alone.
 *
 * Options (before the arguments libvirt passes): -s SOCKET (default
 * $VFABRIC_SOCKET, else /run/vfabric/ctl.sock); -n: print what would be
 * done, touch nothing. Exit 0 on success or nothing to do, 1 on an error
 * (the message on stderr, which libvirt logs; a failing "started" hook
 * makes libvirt stop the domain), 2 for a usage error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vfabric/vfabric.h>

#include "domxml.h"

#define VF_LIBVIRT_NS "urn:x-libvfabric:libvirt:1"
#define DEFAULT_SOCKET "/run/vfabric/ctl.sock"
#define MAX_IFACES 256

struct iface {
	const char *dev;  /* <target dev> */
	vf_mac mac;	  /* <mac address> */
	const char *name; /* the port's */
	const char *cell, *subnet;
	uint32_t vip;
};

struct hook {
	const char *prog;
	const char *domain;
	const char *socket;
	bool dry_run;
	vf_ctl *ctl;
};

/* Reads stdin whole, at most XML_MAX_BYTES. */
static char *read_stdin(size_t *len, const char *prog)
{
	char *buf = malloc(XML_MAX_BYTES + 1);
	size_t n = 0;

	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return NULL;
	}
	for (;;) {
		ssize_t k = read(0, buf + n, XML_MAX_BYTES + 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fprintf(stderr, "%s: reading the domain XML: %s\n", prog,
				strerror(errno));
			break;
		}
		if (k == 0) {
			*len = n;
			return buf;
		}
		n += (size_t)k;
		if (n > XML_MAX_BYTES) {
			fprintf(stderr, "%s: the domain XML is larger than %d bytes\n",
				prog, XML_MAX_BYTES);
			break;
		}
	}
	free(buf);
	return NULL;
}

/* The metadata's <vfabric:port> for @mac, or NULL. */
static const struct xml_node *meta_port(const struct xml_node *dom, const vf_mac *mac)
{
	const struct xml_node *md = xml_next(dom, NULL, "metadata", NULL), *ports = NULL;

	while (md && (ports = xml_next(md, ports, "ports", VF_LIBVIRT_NS)) != NULL) {
		const struct xml_node *p = NULL;

		while ((p = xml_next(ports, p, "port", VF_LIBVIRT_NS)) != NULL) {
			const char *a = xml_attr(p, "mac");
			vf_mac m;

			if (a && vf_mac_parse(&m, a) == 0 && !memcmp(&m, mac, sizeof(m)))
				return p;
		}
	}
	return NULL;
}

/* Finds the interfaces that are ours. Returns how many, or -1. */
static int our_ifaces(const struct hook *h, const struct xml_node *dom, struct iface *out)
{
	const struct xml_node *devs = xml_next(dom, NULL, "devices", NULL), *ifc = NULL;
	int n = 0;

	while (devs && (ifc = xml_next(devs, ifc, "interface", NULL)) != NULL) {
		const struct xml_node *m = xml_next(ifc, NULL, "mac", NULL);
		const struct xml_node *t = xml_next(ifc, NULL, "target", NULL), *p;
		const char *type = xml_attr(ifc, "type"), *a, *vip;
		struct iface *f = &out[n];

		if (!type || strcmp(type, "ethernet")) {
			if (h->dry_run)
				printf("line %u: interface type '%s': not ours\n",
				       ifc->line, type ? type : "");
			continue;
		}
		if (n == MAX_IFACES) {
			fprintf(stderr, "%s: more than %d ethernet interfaces\n", h->prog,
				MAX_IFACES);
			return -1;
		}
		if (!m || !(a = xml_attr(m, "address")) || vf_mac_parse(&f->mac, a) < 0) {
			fprintf(stderr,
				"%s: line %u: an ethernet interface without a MAC\n",
				h->prog, ifc->line);
			return -1;
		}
		if (!(p = meta_port(dom, &f->mac))) {
			if (h->dry_run)
				printf("line %u: interface %s: not in the metadata, not "
				       "ours\n",
				       ifc->line, a);
			continue;
		}
		if (!t || !(f->dev = xml_attr(t, "dev"))) {
			fprintf(stderr,
				"%s: line %u: interface %s has no <target dev=...>\n",
				h->prog, ifc->line, a);
			return -1;
		}
		f->cell = xml_attr(p, "cell");
		f->subnet = xml_attr(p, "subnet");
		f->name = xml_attr(p, "name");
		if (!f->name)
			f->name = f->dev;
		if (!f->cell || !f->subnet) {
			fprintf(stderr,
				"%s: line %u: <port mac='%s'> needs cell and subnet\n",
				h->prog, p->line, a);
			return -1;
		}
		vip = xml_attr(p, "vip");
		f->vip = 0;
		if (vip && vf_ipv4_parse(&f->vip, vip) < 0) {
			fprintf(stderr, "%s: line %u: vip '%s' is not an IPv4 address\n",
				h->prog, p->line, vip);
			return -1;
		}
		n++;
	}
	return n;
}

static int connect_ctl(struct hook *h)
{
	int rc;

	if (h->dry_run || h->ctl)
		return 0;
	if ((rc = vf_ctl_connect(&h->ctl, h->socket)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", h->prog, h->socket, vf_last_error());
		return -1;
	}
	return 0;
}

static int attach(struct hook *h, const struct iface *f)
{
	VF_OPTS(vf_port_opts, po, .name = f->name, .vip = f->vip, .vmac = f->mac);
	VF_OPTS(vf_bind_opts, bo, .datapath = "afpacket", .ifname = f->dev);
	char mac[VF_MAC_STRLEN], vip[VF_IPV4_STRLEN] = "(first free)";
	int rc;

	vf_mac_format(mac, sizeof(mac), &f->mac);
	if (f->vip)
		vf_ipv4_format(vip, sizeof(vip), f->vip);
	if (h->dry_run) {
		printf("attach %s: cell %s subnet %s tap %s vmac %s vip %s\n", f->name,
		       f->cell, f->subnet, f->dev, mac, vip);
		return 0;
	}
	rc = vf_ctl_attach(h->ctl, f->cell, f->subnet, &po, &bo, NULL);
	if (rc == -EEXIST) {
		/* reconnect, or a second "started": the port is there */
		fprintf(stderr, "%s: %s: port %s exists, left as it is\n", h->prog,
			h->domain, f->name);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "%s: %s: attach %s (%s): %s\n", h->prog, h->domain,
			f->name, f->dev, vf_last_error());
		return -1;
	}
	fprintf(stderr, "%s: %s: attached %s (%s, %s) to %s/%s\n", h->prog, h->domain,
		f->name, f->dev, mac, f->cell, f->subnet);
	return 0;
}

static int detach(struct hook *h, const struct iface *f)
{
	int rc;

	if (h->dry_run) {
		printf("detach %s\n", f->name);
		return 0;
	}
	rc = vf_ctl_detach(h->ctl, f->name);
	if (rc < 0 && rc != -ENOENT) {
		fprintf(stderr, "%s: %s: detach %s: %s\n", h->prog, h->domain, f->name,
			vf_last_error());
		return -1;
	}
	return 0;
}

static void usage(FILE *to, const char *prog)
{
	fprintf(to,
		"usage: %s [-s SOCKET] [-n] DOMAIN OPERATION SUB-OPERATION [EXTRA]\n"
		"  (libvirt's qemu hook: the domain XML on stdin)\n",
		prog);
}

int main(int argc, char **argv)
{
	struct hook h = {.prog = "vfabric-qemu-hook", .socket = getenv("VFABRIC_SOCKET")};
	struct iface ifaces[MAX_IFACES];
	struct xml_node *dom = NULL;
	const char *op, *sub;
	bool up, down;
	char err[300], *xml = NULL;
	size_t len;
	int opt, n, rc = 1;

	if (!h.socket || !h.socket[0])
		h.socket = DEFAULT_SOCKET;
	while ((opt = getopt(argc, argv, "+s:nh")) != -1) {
		switch (opt) {
		case 's': h.socket = optarg; break;
		case 'n': h.dry_run = true; break;
		case 'h': usage(stdout, h.prog); return 0;
		default: usage(stderr, h.prog); return 2;
		}
	}
	if (argc - optind < 3 || argc - optind > 4) {
		usage(stderr, h.prog);
		return 2;
	}
	h.domain = argv[optind];
	op = argv[optind + 1];
	sub = argv[optind + 2];
	up = (!strcmp(op, "started") || !strcmp(op, "reconnect")) &&
	     !strcmp(sub, "begin");
	down = (!strcmp(op, "stopped") || !strcmp(op, "release")) && !strcmp(sub, "end");
	if (!(xml = read_stdin(&len, h.prog)))
		return 1;
	if (!up && !down) {
		rc = 0; /* not an operation of ours */
		goto out;
	}
	if (xml_parse(&dom, xml, len, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s: domain XML: %s\n", h.prog, h.domain, err);
		goto out;
	}
	if (strcmp(xml_local(dom), "domain")) {
		fprintf(stderr, "%s: %s: the XML is a <%s>, not a <domain>\n", h.prog,
			h.domain, dom->name);
		goto out;
	}
	if ((n = our_ifaces(&h, dom, ifaces)) < 0)
		goto out;
	rc = 0;
	if (n > 0 && connect_ctl(&h) < 0) {
		rc = 1;
		goto out;
	}
	for (int i = 0; i < n; i++)
		if ((up ? attach(&h, &ifaces[i]) : detach(&h, &ifaces[i])) < 0)
			rc = 1;
out:
	vf_ctl_close(h.ctl);
	xml_free(dom);
	free(xml);
	return rc;
}
