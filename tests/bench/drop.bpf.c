/*
 * tc ingress program for tests/bench/datapath.sh: the receiving VM drops
 * every frame here, before its IP stack, so the receiver costs little.
 * Built with `clang -O2 -target bpf -c drop.bpf.c`; no headers needed.
 */
#define TC_ACT_SHOT 2

__attribute__((section("tc"), used)) int vfb_drop(void *skb)
{
	(void)skb;
	return TC_ACT_SHOT;
}

char vfb_license[] __attribute__((section("license"), used)) = "GPL";
